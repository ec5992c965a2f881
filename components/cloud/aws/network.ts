/**
 * Where tasks run. With `aws.subnetIds` in the stack config: those subnets, no public IP (they must
 * reach the internet through the stack owner's NAT or endpoints). Without: a minimal VPC of two public
 * subnets and an internet gateway, tasks with a public IP. Either way the tasks' security group admits
 * no inbound traffic. Costs are compared in README.md, "Network".
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CloudContext } from "../cloud";

/** The ECS `awsvpcConfiguration` a task is started with. */
export interface TaskNetwork {
  subnets: pulumi.Output<string[]>;
  securityGroups: pulumi.Output<string[]>;
  assignPublicIp: boolean;
}

/** `count` equal subnets at the start of `cidr`, each 4 bits longer (a /16 gives /20s), at most /28. */
export function subnetCidrs(cidr: string, count: number): string[] {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`aws.vpcCidr "${cidr}": expected a CIDR like 10.40.0.0/16`);
  const [a, b, c, d, bits] = m.slice(1).map(Number);
  const base = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  const prefix = Math.min(bits + 4, 28);
  if (bits > 24 || 2 ** (prefix - bits) < count) throw new Error(`aws.vpcCidr "${cidr}": too small for ${count} subnets (use /24 or larger)`);
  const size = 2 ** (32 - prefix);
  return Array.from({ length: count }, (_, i) => {
    const n = (base + i * size) >>> 0;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${prefix}`;
  });
}

/** Availability zones the minimal VPC spreads over. */
const MINIMAL_VPC_ZONES = 2;

export class Network extends pulumi.ComponentResource {
  readonly tasks: TaskNetwork;
  readonly vpcId: pulumi.Output<string>;
  readonly created: boolean;

  constructor(name: string, ctx: CloudContext, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:aws:Network", name, {}, opts);
    const aws_ = ctx.config.aws!;
    const tags = (n: string) => ({ ...ctx.labels(), Name: n });
    const base = ctx.names.env("tasks");
    let subnets: pulumi.Output<string[]>;
    this.created = aws_.subnetIds.length === 0;
    if (!this.created) {
      subnets = pulumi.output([...aws_.subnetIds]);
      this.vpcId = aws_.vpcId ? pulumi.output(aws_.vpcId) : aws.ec2.getSubnetOutput({ id: aws_.subnetIds[0] }, { parent: this }).vpcId;
    } else {
      const vpc = new aws.ec2.Vpc("vpc", { cidrBlock: aws_.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags(base) }, { parent: this });
      const igw = new aws.ec2.InternetGateway("igw", { vpcId: vpc.id, tags: tags(base) }, { parent: vpc });
      const routes = new aws.ec2.RouteTable("public-routes", { vpcId: vpc.id, tags: tags(`${base}-public`) }, { parent: vpc });
      new aws.ec2.Route("internet", { routeTableId: routes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, { parent: routes });
      const zones = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: this }).names;
      const created = subnetCidrs(aws_.vpcCidr, MINIMAL_VPC_ZONES).map((cidr, i) => {
        const zone = String.fromCharCode(97 + i); // logical names by zone letter, never by a list index of the API's answer
        const subnet = new aws.ec2.Subnet(
          `public-${zone}`,
          { vpcId: vpc.id, cidrBlock: cidr, availabilityZone: zones.apply((z) => z[i]), mapPublicIpOnLaunch: false, tags: tags(`${base}-public-${zone}`) },
          { parent: vpc },
        );
        new aws.ec2.RouteTableAssociation(`public-${zone}`, { subnetId: subnet.id, routeTableId: routes.id }, { parent: subnet });
        return subnet.id;
      });
      subnets = pulumi.all(created);
      this.vpcId = vpc.id;
    }
    const sg = new aws.ec2.SecurityGroup(
      "tasks",
      {
        name: base,
        description: "Data platform tasks: no inbound traffic; outbound to the sources, Snowflake and AWS APIs",
        vpcId: this.vpcId,
        // Inline and empty: Pulumi owns the rule set, so an inbound rule added by hand is removed on the next up.
        ingress: [],
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"], description: "outbound" }],
        revokeRulesOnDelete: true,
        tags: tags(base),
      },
      { parent: this },
    );
    this.tasks = { subnets, securityGroups: sg.id.apply((id) => [id]), assignPublicIp: this.created };
    this.registerOutputs({ vpcId: this.vpcId, subnets });
  }
}
