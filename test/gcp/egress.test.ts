/**
 * gcp.staticEgress (prod): every job leaves through one NAT with one reserved address, and the
 * Snowflake network policy admits that address next to warehouse.allowedIpRanges. Without it (dev):
 * no network, no NAT, no compute API, jobs on Cloud Run's default egress.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { synthesize, type Plan, type PlannedResource } from "../../tools/synth/synthesize";
import { load } from "../config/fixture";
import { PROJECT_ROOT } from "../../stacks/program";

const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
const one = (plan: Plan, type: string): PlannedResource => {
  const found = ofType(plan, type);
  assert.equal(found.length, 1, type);
  return found[0];
};
const i = (r: PlannedResource) => r.inputs as any;

describe("gcp static egress", () => {
  let prod: Plan;
  let dev: Plan;
  before(async () => {
    prod = await synthesize({ stack: "prod" });
    dev = await synthesize({ stack: "dev" });
  });

  it("sends every job's traffic into the jobs subnet", () => {
    const subnet = one(prod, "gcp:compute/subnetwork:Subnetwork");
    const network = one(prod, "gcp:compute/network:Network");
    assert.equal(i(network).autoCreateSubnetworks, false);
    assert.equal(i(subnet).network, i(network).name, "the subnet is in the jobs' network (mock ids are names)");
    const jobs = ofType(prod, "gcp:cloudrunv2/job:Job");
    assert.equal(jobs.length, 5);
    for (const job of jobs) {
      assert.deepEqual(i(job).template.template.vpcAccess, { egress: "ALL_TRAFFIC", networkInterfaces: [{ network: i(network).name, subnetwork: i(subnet).name }] }, job.name);
    }
  });

  it("translates that subnet, and only it, to the one reserved address", () => {
    const nat = i(one(prod, "gcp:compute/routerNat:RouterNat"));
    const address = one(prod, "gcp:compute/address:Address");
    assert.equal(nat.natIpAllocateOption, "MANUAL_ONLY");
    assert.equal(nat.natIps.length, 1);
    assert.match(nat.natIps[0], new RegExp(`/addresses/${i(address).name}$`));
    assert.equal(nat.sourceSubnetworkIpRangesToNat, "LIST_OF_SUBNETWORKS");
    assert.deepEqual(nat.subnetworks.map((s: any) => s.name), [i(one(prod, "gcp:compute/subnetwork:Subnetwork")).name]);
    assert.equal(i(address).addressType, "EXTERNAL");
  });

  it("admits the reserved address in the Snowflake network policy, next to allowedIpRanges", () => {
    const { config } = load(PROJECT_ROOT, "prod");
    const policy = i(one(prod, "snowflake:index/networkPolicy:NetworkPolicy"));
    // The mock gives the reserved address 198.51.100.7 (tools/synth/mock-state.ts).
    assert.deepEqual(policy.allowedIpLists, [...config.warehouse.allowedIpRanges, "198.51.100.7/32"]);
  });

  it("enables the compute API and lets CI manage (deploy) and read (preview) the networking", () => {
    const apis = ofType(prod, "gcp:projects/service:Service").map((r) => i(r).service);
    assert.ok(apis.includes("compute.googleapis.com"));
    const roles = ofType(prod, "gcp:projects/iAMMember:IAMMember").map((r) => `${String(i(r).member).split("@")[0]} ${i(r).role}`);
    assert.ok(roles.includes("serviceAccount:acme-prod-ci-deploy roles/compute.networkAdmin"), roles.join("\n"));
    assert.ok(roles.includes("serviceAccount:acme-prod-ci-preview roles/compute.networkViewer"));
  });

  it("declares none of it without staticEgress", () => {
    assert.deepEqual(dev.resources.filter((r) => r.type.startsWith("gcp:compute/")), []);
    assert.ok(!ofType(dev, "gcp:projects/service:Service").some((r) => i(r).service === "compute.googleapis.com"));
    for (const job of ofType(dev, "gcp:cloudrunv2/job:Job")) assert.equal(i(job).template.template.vpcAccess, undefined, job.name);
    assert.ok(!ofType(dev, "gcp:projects/iAMMember:IAMMember").some((r) => String(i(r).role).startsWith("roles/compute.")));
  });
});
