/**
 * gcp.staticEgress (prod): every job leaves through one NAT with one reserved address, and the
 * Snowflake network policy admits that address next to warehouse.allowedIpRanges. Without it (dev):
 * no network, no NAT, no compute API, jobs on Cloud Run's default egress. The whole program runs here
 * (not the GCP harness alone), because the address reaches the warehouse's network policy.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { synthesize, type Plan } from "../../tools/synth/synthesize";
import { inputs, loadConfig, ofType, one, T } from "./harness";
import { examplesRoot } from "../examples";

const COMPUTE = {
  network: "gcp:compute/network:Network",
  subnet: "gcp:compute/subnetwork:Subnetwork",
  address: "gcp:compute/address:Address",
  nat: "gcp:compute/routerNat:RouterNat",
} as const;

describe("gcp static egress", () => {
  let prod: Plan;
  let dev: Plan;
  before(async () => {
    prod = await synthesize({ stack: "prod", root: examplesRoot() });
    dev = await synthesize({ stack: "dev", root: examplesRoot() });
  });

  it("sends every job's traffic into the jobs subnet", () => {
    const network = inputs(one(prod, COMPUTE.network, "jobs-network"));
    const subnet = inputs(one(prod, COMPUTE.subnet, "jobs-subnet"));
    assert.equal(network.autoCreateSubnetworks, false);
    assert.equal(subnet.network, network.name, "the subnet is in the jobs' network (mock ids are names)");
    const jobs = ofType(prod, T.job);
    assert.equal(jobs.length, 5);
    for (const job of jobs) {
      assert.deepEqual(inputs(job).template.template.vpcAccess, { egress: "ALL_TRAFFIC", networkInterfaces: [{ network: network.name, subnetwork: subnet.name }] }, job.name);
    }
  });

  it("translates that subnet, and only it, to the one reserved address", () => {
    const nat = inputs(one(prod, COMPUTE.nat, "egress-nat"));
    const address = inputs(one(prod, COMPUTE.address, "egress-address"));
    assert.equal(nat.natIpAllocateOption, "MANUAL_ONLY");
    assert.equal(nat.natIps.length, 1);
    assert.match(nat.natIps[0], new RegExp(`/addresses/${address.name}$`));
    assert.equal(nat.sourceSubnetworkIpRangesToNat, "LIST_OF_SUBNETWORKS");
    assert.deepEqual(
      nat.subnetworks.map((s: { name: string }) => s.name),
      [inputs(one(prod, COMPUTE.subnet, "jobs-subnet")).name],
    );
    assert.equal(address.addressType, "EXTERNAL");
  });

  it("admits the reserved address in the jobs' Snowflake network policies, next to allowedIpRanges", () => {
    const ranges = loadConfig("prod").config.warehouse.allowedIpRanges;
    assert.ok(ranges.length > 0, "prod declares network policies");
    const policies = ofType(prod, "snowflake:index/networkPolicy:NetworkPolicy").map(inputs);
    const jobs = policies.filter((p) => ["PROD_INGESTION_POLICY", "PROD_DBT_POLICY"].includes(p.name));
    assert.equal(jobs.length, 2);
    // The mock gives the reserved address 198.51.100.7 (tools/synth/mock-state.ts).
    for (const policy of jobs) assert.deepEqual(policy.allowedIpLists, [...ranges, "198.51.100.7/32"]);
    // Fivetran's and the BI tool's policies do not admit the jobs' address.
    for (const policy of policies.filter((p) => !jobs.includes(p))) assert.ok(!policy.allowedIpLists.includes("198.51.100.7/32"), policy.name);
  });

  it("enables the compute API and lets CI manage (deploy) and read (preview) the networking", () => {
    assert.ok(ofType(prod, T.service).some((r) => inputs(r).service === "compute.googleapis.com"));
    const roles = ofType(prod, T.projectIam).map((r) => `${String(inputs(r).member).split("@")[0]} ${inputs(r).role}`);
    assert.ok(roles.includes("serviceAccount:acme-prod-ci-deploy roles/compute.networkAdmin"), roles.join("\n"));
    assert.ok(roles.includes("serviceAccount:acme-prod-ci-preview roles/compute.networkViewer"));
  });

  it("declares none of it without staticEgress", () => {
    assert.deepEqual(
      dev.resources.filter((r) => r.type.startsWith("gcp:compute/")),
      [],
    );
    assert.ok(!ofType(dev, T.service).some((r) => inputs(r).service === "compute.googleapis.com"));
    for (const job of ofType(dev, T.job)) assert.equal(inputs(job).template.template.vpcAccess, undefined, job.name);
    assert.ok(!ofType(dev, T.projectIam).some((r) => String(inputs(r).role).startsWith("roles/compute.")));
  });
});
