/**
 * Stands for: the Cloud Run Admin, Cloud Scheduler, Workflows and Workflow Executions APIs refusing a
 * malformed request, where the provider's types are looser than the API (free strings for enums and
 * durations, any map for resource limits, a base64 body nobody parses). Proven against Google's own API
 * definitions: the discovery documents shipped in google-api-python-client (check_shapes.py), fed with
 * the synthesized dev and prod plans turned into the REST bodies the provider sends. Also every
 * `googleapis.*` connector call in the generated workflows names a real method with its required
 * parameters. It cannot prove: server-side rules a schema does not carry (which CPU/memory pairs Cloud
 * Run takes beyond what the field docs say, quota), or the provider's own field mapping.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import type { Plan, PlannedResource } from "../../../tools/synth/synthesize";
import { ofType, plan, runPython } from "./tier";

/** Drop the provider-only inputs (where the resource lives, provider flags) to get the REST body. */
function without(inputs: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).filter(([k]) => !keys.includes(k)));
}

/** The Cloud Run v2 Job body: the provider's `envs` is the API's `env`. */
function runJobBody(r: PlannedResource): unknown {
  const body = without(r.inputs, ["project", "location", "name", "deletionProtection"]) as any;
  const t = body.template.template;
  t.containers = t.containers.map((c: any) => {
    const { envs, ...rest } = c;
    return { ...rest, env: envs };
  });
  return body;
}

interface Requests {
  requests: { what: string; api: string; schema: string; body: unknown }[];
  calls: { what: string; call: string; args: Record<string, unknown> }[];
  uris: { what: string; method: string; uri: string; body?: unknown }[];
}

/** Every `call: googleapis.…` step of a workflow source, with its args. */
function connectorCalls(workflow: string, source: string): Requests["calls"] {
  const out: Requests["calls"] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o.call === "string" && o.call.startsWith("googleapis."))
        out.push({ what: `${workflow} ${o.call}`, call: o.call, args: (o.args ?? {}) as Record<string, unknown> });
      Object.values(o).forEach(walk);
    }
  };
  walk(parse(source));
  return out;
}

export function requestsOf(p: Plan): Requests {
  const requests: Requests["requests"] = [];
  const uris: Requests["uris"] = [];
  for (const r of ofType(p, "gcp:cloudrunv2/job:Job")) requests.push({ what: `job ${r.name}`, api: "run.v2", schema: "GoogleCloudRunV2Job", body: runJobBody(r) });
  for (const r of ofType(p, "gcp:cloudscheduler/job:Job")) {
    requests.push({ what: `schedule ${r.name}`, api: "cloudscheduler.v1", schema: "Job", body: without(r.inputs, ["project", "region", "name", "paused"]) });
    const http = r.inputs.httpTarget as any;
    // What Scheduler sends is a Workflow Executions `executions.create`: its URI and its body.
    uris.push({
      what: `schedule ${r.name} target`,
      method: "googleapis.workflowexecutions.v1.projects.locations.workflows.executions.create",
      uri: http.uri,
      body: JSON.parse(Buffer.from(http.body, "base64").toString("utf8")),
    });
  }
  for (const r of ofType(p, "gcp:workflows/workflow:Workflow")) {
    requests.push({ what: `workflow ${r.name}`, api: "workflows.v1", schema: "Workflow", body: without(r.inputs, ["project", "region", "name", "deletionProtection"]) });
  }
  const calls = ofType(p, "gcp:workflows/workflow:Workflow").flatMap((r) => connectorCalls(r.name, String(r.inputs.sourceContents)));
  return { requests, calls, uris };
}

const stacks: Record<string, Plan> = {};
before(async () => {
  stacks.dev = await plan("dev");
  stacks.prod = await plan("prod");
});

for (const stack of ["dev", "prod"] as const) {
  describe(`gcp-emulated request shapes (${stack}): against Google's discovery documents`, () => {
    it("sends Cloud Run jobs, Scheduler jobs and workflows the APIs accept, and Scheduler a valid executions.create", () => {
      const req = requestsOf(stacks[stack]);
      assert.ok(req.requests.length >= 9 && req.uris.length >= 3, "the plan has jobs, schedules and workflows");
      assert.deepEqual(runPython<{ problems: string[] }>("check_shapes.py", req).problems, []);
    });

    it("calls only connector methods that exist, with their required parameters", () => {
      const calls = requestsOf(stacks[stack]).calls;
      assert.ok(calls.some((c) => c.call.endsWith("jobs.run")) && calls.some((c) => c.call.endsWith("executions.list")));
      assert.deepEqual(runPython<{ problems: string[] }>("check_shapes.py", { calls }).problems, []);
    });
  });
}

describe("gcp-emulated request shapes: the checks can fail", () => {
  it("reports a bad enum, a bad duration, an unknown field, a wrong URI and a missing parameter", () => {
    const req = requestsOf(stacks.dev);
    const job = structuredClone(req.requests.find((r) => r.what.startsWith("job"))!) as any;
    job.body.template.template.executionEnvironment = "GEN2";
    job.body.template.template.timeout = "30m";
    job.body.template.template.containers[0].envs = [];
    const uri = { ...req.uris[0], uri: req.uris[0].uri.replace("/executions", "/execute") };
    const call = { what: "w", call: "googleapis.run.v2.projects.locations.jobs.run", args: {} };
    const problems = runPython<{ problems: string[] }>("check_shapes.py", { requests: [job], calls: [call], uris: [uri] }).problems.join("\n");
    for (const expected of ["'GEN2' is not one of", "'30m' is not a duration", "envs: not a field", "/execute is not", "needs name"])
      assert.ok(problems.includes(expected), `${expected} in\n${problems}`);
  });
});
