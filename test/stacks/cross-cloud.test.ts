/**
 * The same pipeline files deploy unchanged to both clouds: each pipeline gets the same capabilities
 * on GCP (dev) and on AWS (dev-aws), expressed in each cloud's own resource types.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { synthesize, type Plan, type PlannedResource } from "../../tools/synth/synthesize";

type Capability = "ingestion job" | "dbt job" | "orchestration" | "schedule" | "failure alert" | "fivetran sync";

/** How each capability shows up in each cloud's resources. */
const EVIDENCE: Record<"gcp" | "aws", Record<Capability, (r: PlannedResource) => boolean>> = {
  gcp: {
    "ingestion job": (r) => r.type === "gcp:cloudrunv2/job:Job" && /ingest/.test(String(r.inputs.name)),
    "dbt job": (r) => r.type === "gcp:cloudrunv2/job:Job" && /dbt/.test(String(r.inputs.name)),
    orchestration: (r) => r.type === "gcp:workflows/workflow:Workflow",
    schedule: (r) => r.type === "gcp:cloudscheduler/job:Job",
    "failure alert": (r) => r.type === "gcp:monitoring/alertPolicy:AlertPolicy",
    "fivetran sync": (r) => r.type === "gcp:workflows/workflow:Workflow" && /api\.fivetran\.com/.test(String(r.inputs.sourceContents)),
  },
  aws: {
    "ingestion job": (r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && /ingest/.test(String(r.inputs.family)),
    "dbt job": (r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && /dbt/.test(String(r.inputs.family)),
    orchestration: (r) => r.type === "aws:sfn/stateMachine:StateMachine",
    schedule: (r) => r.type === "aws:scheduler/schedule:Schedule",
    "failure alert": (r) => r.type === "aws:cloudwatch/eventRule:EventRule",
    "fivetran sync": (r) => r.type === "aws:sfn/stateMachine:StateMachine" && /http:invoke/.test(String(r.inputs.definition)),
  },
};

/** Capabilities per pipeline: what the resources under each Pipeline component provide. */
function capabilities(plan: Plan, cloud: "gcp" | "aws"): Record<string, Capability[]> {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const pipelineOf = (r: PlannedResource): string | undefined => {
    for (let cur: PlannedResource | undefined = r; cur; cur = cur.parent ? byUrn.get(cur.parent) : undefined) {
      if (cur.type === "data-platform:pipeline:Pipeline") return cur.name;
    }
    return undefined;
  };
  const out: Record<string, Set<Capability>> = {};
  for (const r of plan.resources) {
    const p = pipelineOf(r);
    if (!p || !r.custom) continue;
    out[p] ??= new Set();
    for (const [cap, test] of Object.entries(EVIDENCE[cloud]) as [Capability, (r: PlannedResource) => boolean][]) if (test(r)) out[p].add(cap);
  }
  return Object.fromEntries(Object.entries(out).map(([p, caps]) => [p, [...caps].sort()]));
}

describe("the same pipeline files on both clouds", () => {
  let gcp: Plan;
  let aws: Plan;
  before(async () => {
    gcp = await synthesize({ stack: "dev" });
    aws = await synthesize({ stack: "dev-aws" });
  });

  it("give every pipeline the same capabilities on GCP and on AWS", () => {
    const onGcp = capabilities(gcp, "gcp");
    assert.deepEqual(Object.keys(onGcp).sort(), ["jsonplaceholder", "orders_files", "shop_postgres"]);
    assert.deepEqual(capabilities(aws, "aws"), onGcp);
  });

  it("Fivetran pipelines sync through the API instead of running an ingestion job, on both clouds", () => {
    for (const [plan, cloud] of [[gcp, "gcp"], [aws, "aws"]] as const) {
      const caps = capabilities(plan, cloud);
      assert.ok(caps.shop_postgres.includes("fivetran sync"), cloud);
      assert.ok(!caps.shop_postgres.includes("ingestion job"), cloud);
      assert.ok(caps.orders_files.includes("ingestion job") && !caps.orders_files.includes("fivetran sync"), cloud);
    }
  });

  it("expose the same pipeline outputs on both clouds", () => {
    const shape = (plan: Plan) => Object.fromEntries(Object.entries(plan.outputs.pipelines as Record<string, Record<string, unknown>>).map(([p, o]) => [p, Object.keys(o).sort()]));
    assert.deepEqual(shape(aws), shape(gcp));
  });
});
