/**
 * The same pipeline files deploy unchanged to both clouds: each pipeline gets the same capabilities
 * on GCP (dev) and on AWS (dev-aws), expressed in each cloud's own resource types.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { synthesize, type Plan, type PlannedResource } from "../../tools/synth/synthesize";
import { examplesRoot } from "../examples";

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

let gcp: Plan;
let aws: Plan;
before(async () => {
  gcp = await synthesize({ stack: "dev", root: examplesRoot() });
  aws = await synthesize({ stack: "dev-aws", root: examplesRoot() });
});

describe("the same pipeline files on both clouds", () => {
  it("give every pipeline the same capabilities on GCP and on AWS", () => {
    const onGcp = capabilities(gcp, "gcp");
    assert.deepEqual(Object.keys(onGcp).sort(), ["jsonplaceholder", "orders_files", "shop_postgres"]);
    assert.deepEqual(capabilities(aws, "aws"), onGcp);
  });

  it("Fivetran pipelines sync through the API instead of running an ingestion job, on both clouds", () => {
    for (const [plan, cloud] of [
      [gcp, "gcp"],
      [aws, "aws"],
    ] as const) {
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

/** The exec-form ENTRYPOINT of a Dockerfile, e.g. ["python", "-m", "ingestion"]. */
function entrypoint(dockerfile: string): string[] {
  const line = fs.readFileSync(path.join(__dirname, "../..", dockerfile), "utf8").match(/^ENTRYPOINT\s+(\[.*\])\s*$/m);
  assert.ok(line, `${dockerfile}: no exec-form ENTRYPOINT`);
  return JSON.parse(line[1]);
}

describe("what each job's container runs", () => {
  const ENTRYPOINT = { ingestion: entrypoint("ingestion/Dockerfile"), dbt: entrypoint("dbt/Dockerfile") };
  // The command lines the ingestion and dbt_runner CLIs document (ingestion/cli.py, dbt/README.md).
  const expected = (kind: "ingestion" | "dbt", p: string) =>
    kind === "ingestion"
      ? ["python", "-m", "ingestion", "run", "--pipeline", p, "--target", "cloud"]
      : ["python", "-m", "dbt_runner", "build", "--select", `tag:${p}+`, "--target", "snowflake", "--pipeline", p];
  const kindOf = (name: string): "ingestion" | "dbt" => (/dbt/.test(name) ? "dbt" : "ingestion");

  it("is the image ENTRYPOINT plus the same arguments on Cloud Run (args) and ECS (command)", () => {
    const seen = { gcp: [] as string[], aws: [] as string[] };
    for (const job of gcp.resources.filter((r) => r.type === "gcp:cloudrunv2/job:Job")) {
      const container = (job.inputs.template as any).template.containers[0];
      const kind = kindOf(String(job.inputs.name));
      const p = String(job.name).replace(/-(ingest|dbt)-job$/, "");
      assert.equal(container.commands, undefined, `${job.name}: keeps the image ENTRYPOINT`);
      assert.deepEqual([...ENTRYPOINT[kind], ...container.args], expected(kind, p), String(job.name));
      seen.gcp.push(`${p}/${kind}`);
    }
    for (const task of aws.resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition")) {
      const [container] = JSON.parse(String(task.inputs.containerDefinitions));
      const kind = kindOf(String(task.inputs.family));
      const p = String(task.name).replace(/-(ingest|dbt)-task$/, "");
      assert.equal(container.entryPoint, undefined, `${task.name}: keeps the image ENTRYPOINT`);
      assert.deepEqual([...ENTRYPOINT[kind], ...container.command], expected(kind, p), String(task.name));
      seen.aws.push(`${p}/${kind}`);
    }
    assert.deepEqual(seen.gcp.sort(), ["jsonplaceholder/dbt", "jsonplaceholder/ingestion", "orders_files/dbt", "orders_files/ingestion", "shop_postgres/dbt"]);
    assert.deepEqual(seen.aws.sort(), seen.gcp);
  });
});
