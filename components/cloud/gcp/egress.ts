/**
 * A fixed outbound address for the jobs (`gcp.staticEgress`). Cloud Run jobs leave Google from
 * changing addresses, which a Snowflake network policy cannot admit. With this, each job sends all
 * its traffic into a subnet of its own (Direct VPC egress, no connector), and Cloud NAT translates it
 * to one reserved address, which the platform adds to the network policy.
 *
 * One network and a /26 subnet (Cloud Run's minimum for Direct VPC egress), one router and NAT that
 * use only the reserved address, for that subnet only. Private Google Access keeps Google API calls
 * (Secret Manager, Storage) off the NAT.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { GcpScope } from "./scope";

/** Room for the jobs' interfaces: Cloud Run takes addresses from it per running task. */
export const JOBS_SUBNET_CIDR = "10.8.0.0/26";

export class Egress extends pulumi.ComponentResource {
  /** `vpcAccess` for a Cloud Run job template: every packet through the jobs' subnet. */
  readonly vpcAccess: gcp.types.input.cloudrunv2.JobTemplateTemplateVpcAccess;
  /** The reserved address as a CIDR (`x.y.z.w/32`), for the network policy. */
  readonly cidr: pulumi.Output<string>;

  constructor(name: string, scope: GcpScope, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:gcp:Egress", name, {}, opts);
    const { ctx, project, region, apis } = scope;
    const child = { parent: this, dependsOn: apis.on("compute") };
    const description = `outbound traffic of the ${ctx.names.base} jobs, through one reserved address`;

    const network = new gcp.compute.Network("jobs-network", { project, name: ctx.names.env("jobs"), autoCreateSubnetworks: false, description }, child);
    const subnet = new gcp.compute.Subnetwork(
      "jobs-subnet",
      { project, region, name: ctx.names.env("jobs"), network: network.id, ipCidrRange: JOBS_SUBNET_CIDR, privateIpGoogleAccess: true, description },
      child,
    );
    const address = new gcp.compute.Address(
      "egress-address",
      { project, region, name: ctx.names.env("egress"), addressType: "EXTERNAL", networkTier: "PREMIUM", description, labels: ctx.labels() },
      child,
    );
    const router = new gcp.compute.Router("egress-router", { project, region, name: ctx.names.env("egress"), network: network.id, description }, child);
    new gcp.compute.RouterNat(
      "egress-nat",
      {
        project,
        region,
        name: ctx.names.env("egress"),
        router: router.name,
        natIpAllocateOption: "MANUAL_ONLY",
        natIps: [address.selfLink],
        sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
        subnetworks: [{ name: subnet.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
        logConfig: { enable: true, filter: "ERRORS_ONLY" },
      },
      child,
    );

    this.vpcAccess = { networkInterfaces: [{ network: network.id, subnetwork: subnet.id }], egress: "ALL_TRAFFIC" };
    this.cidr = pulumi.interpolate`${address.address}/32`;
    this.registerOutputs({ address: address.address });
  }
}
