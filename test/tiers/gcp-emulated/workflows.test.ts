/**
 * Stands for: Google Workflows executing each generated workflow, calling the Cloud Run Admin API (start
 * a job, follow its execution), the Workflow Executions API (is another run of this pipeline active?),
 * Secret Manager and the Fivetran REST API. Proven by a third-party interpreter, workflows-emulator
 * (PyPI, pinned in requirements.txt), on the workflow sources of the synthesized plans, against our own
 * stand-ins for those APIs (run_workflow.py: small HTTP servers on 127.0.0.1, stopped after each run)
 * with simulated time; every source is also validated against the published Workflows JSON schema
 * (SchemaStore's, shipped with the emulator). The emulator's gaps that run_workflow.py fills are listed
 * there. It cannot prove: the real services' responses and timing, Workflows' own expression engine
 * (the emulator evaluates Python), or that an alert e-mail is sent (the alert policies are checked as
 * declared in the plan).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Plan, PlannedResource } from "../../../tools/synth/synthesize";
import { ofType, one, plan, runPython } from "./tier";

interface Run {
  schema_ok: boolean;
  schema_error?: string;
  result?: Record<string, string>;
  error?: unknown;
  requests: { method: string; path: string; authorization?: string; body: unknown }[];
  elapsed_seconds: number;
}

const stacks: Record<string, Plan> = {};
before(async () => {
  stacks.dev = await plan("dev");
  stacks.prod = await plan("prod");
});

function execute(p: Plan, flow: string, scenario: Record<string, unknown> = {}, input?: unknown): Run {
  const w = one(p, "gcp:workflows/workflow:Workflow", flow);
  const env = {
    GOOGLE_CLOUD_PROJECT_ID: `acme-data-${p.stack}`,
    GOOGLE_CLOUD_WORKFLOW_ID: String(w.inputs.name),
    GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID: "this-run",
    ...((w.inputs.userEnvVars as Record<string, string>) ?? {}),
  };
  return runPython<Run>("run_workflow.py", { source: w.inputs.sourceContents, env, scenario, ...(input === undefined ? {} : { input }) });
}

const runs = (r: Run, job: string) => r.requests.filter((q) => q.method === "POST" && q.path.endsWith(`/jobs/${job}:run`)).length;
const errorText = (r: Run) => JSON.stringify(r.error ?? "");
/** The env overrides each `jobs.run` request of a run carried, in the order the jobs started. */
const startEnvs = (r: Run) =>
  r.requests
    .filter((q) => q.method === "POST" && q.path.endsWith(":run"))
    .map((q) => ({ job: q.path.split("/").pop()!.replace(/:run$/, ""), env: (q.body as any)?.overrides?.containerOverrides?.[0]?.env }));
const ING = "acme-prod-jsonplaceholder-ingest-job";
const DBT = "acme-prod-jsonplaceholder-dbt-job";
const activeRun = (name: string, startOffset: number, state = "ACTIVE") => ({
  name: `projects/acme-data-prod/locations/europe-west1/workflows/acme-prod-jsonplaceholder-flow/executions/${name}`,
  state,
  startOffset,
});

/** The alert policy that fires on a failed execution of `workflow`, and whom it notifies. */
function failurePolicy(p: Plan, workflow: string): PlannedResource | undefined {
  return ofType(p, "gcp:monitoring/alertPolicy:AlertPolicy").find((a) =>
    (a.inputs.conditions as any[]).some((c) => c.conditionThreshold?.filter.includes(`workflow_id = "${workflow}"`) && c.conditionThreshold.filter.includes('status = "FAILED"')),
  );
}

describe("gcp-emulated workflows: the published schema", () => {
  it("accepts every generated workflow of dev and prod", () => {
    for (const p of [stacks.dev, stacks.prod]) {
      for (const w of ofType(p, "gcp:workflows/workflow:Workflow")) {
        const r = execute(p, w.name, { outcome: {} });
        assert.ok(r.schema_ok, `${p.stack} ${w.name}: ${r.schema_error}`);
      }
    }
  });
});

describe("gcp-emulated workflows: ingestion → dbt (prod jsonplaceholder)", () => {
  it("runs ingestion, waits for it, then dbt, and returns both executions", () => {
    const r = execute(stacks.prod, "jsonplaceholder-flow");
    assert.equal(r.result?.status, "succeeded", errorText(r));
    assert.match(r.result!.ingestion, new RegExp(`/jobs/${ING}/executions/`));
    assert.match(r.result!.dbt, new RegExp(`/jobs/${DBT}/executions/`));
    const order = r.requests.map((q) => `${q.method} ${q.path.split("/").slice(-2).join("/")}`);
    assert.ok(order.indexOf(`POST jobs/${DBT}:run`) > order.lastIndexOf(`GET executions/${ING}-1`), "dbt starts after ingestion's last poll");
    assert.equal(runs(r, ING), 1);
    assert.equal(runs(r, DBT), 1);
  });

  it("retries a start Google refused (503) and a poll that failed (500), and still starts each job once", () => {
    const r = execute(stacks.prod, "jsonplaceholder-flow", { run_status: { [ING]: [503] }, poll_status: { [ING]: [500, 502] } });
    assert.equal(r.result?.status, "succeeded", errorText(r));
    assert.equal(runs(r, ING), 2, "the refused start, then the one that started");
    assert.ok(r.elapsed_seconds > 0, "backed off before retrying");
  });

  it("never repeats a start whose response was lost (500 after the execution started): the run fails and alerts instead", () => {
    for (const code of [500, 502, 504]) {
      const r = execute(stacks.prod, "jsonplaceholder-flow", { run_status: { [ING]: [code] } });
      assert.equal(r.result, undefined, `${code}: the run must fail`);
      assert.equal(runs(r, ING), 1, `${code}: a second execution would run the load twice`);
      assert.equal(runs(r, DBT), 0);
    }
    assert.ok(failurePolicy(stacks.prod, "acme-prod-jsonplaceholder-flow"), "a failed execution reaches the alert policy");
  });

  it("fails the run when the job fails, without starting dbt, and the failure policy notifies the owner", () => {
    const r = execute(stacks.prod, "jsonplaceholder-flow", { outcome: { [ING]: "failed" } });
    assert.equal(r.result, undefined);
    assert.match(errorText(r), new RegExp(`job ${ING} failed`));
    assert.equal(runs(r, DBT), 0);
    const policy = failurePolicy(stacks.prod, "acme-prod-jsonplaceholder-flow")!;
    const channels = ofType(stacks.prod, "gcp:monitoring/notificationChannel:NotificationChannel").filter(
      (c) => (policy.inputs.notificationChannels as string[]).length > 0 && (c.inputs.labels as any).email_address,
    );
    const owner = stacks.prod.resources.find((x) => x.type === "data-platform:pipeline:Pipeline" && x.name === "jsonplaceholder");
    assert.ok(owner && channels.length >= 2, "owner and on-call channels exist");
    assert.equal((policy.inputs.notificationChannels as string[]).length, 2, "the owner and alerts.emails");
  });

  it("does not start while an older run of the same pipeline is active: records the run as skipped", () => {
    const skipped = execute(stacks.prod, "jsonplaceholder-flow", { active: [activeRun("older", -3600)] });
    assert.equal(skipped.result?.status, "skipped", errorText(skipped));
    assert.match(String(skipped.result?.running), /executions\/older$/);
    assert.equal(runs(skipped, ING) + runs(skipped, DBT), 0, "a second run must not start");
    // Two runs started at once: exactly one proceeds (the older; ties go to the smaller execution id).
    const newer = execute(stacks.prod, "jsonplaceholder-flow", { active: [activeRun("zz-started-later", 60)] });
    assert.equal(newer.result?.status, "succeeded", "the older run goes on");
    const tieLoser = execute(stacks.prod, "jsonplaceholder-flow", { active: [activeRun("a-same-time", 0)] });
    assert.equal(tieLoser.result?.status, "skipped");
    const finished = execute(stacks.prod, "jsonplaceholder-flow", { active: [activeRun("done", -3600, "SUCCEEDED")] });
    assert.equal(finished.result?.status, "succeeded", "a finished run does not block (whatever the list's filter returned)");
  });
});

// Stands for: one pipeline run on Cloud Run, where each job execution gets its own CLOUD_RUN_EXECUTION, so
// only the run id the workflow passes can tie the ingestion and dbt run records together. Proven by the
// emulator executing the generated source and our Cloud Run stand-in recording each RunJobRequest body.
// It cannot prove that Cloud Run applies the overrides to the container (the API's documented behaviour;
// the containers tier runs the images with DP_RUN_ID set) nor the real execution id's format.
describe("gcp-emulated workflows: one run id and run type for every job of a run", () => {
  it("starts ingestion and dbt with DP_RUN_ID = the workflow execution id and DP_RUN_TYPE from the trigger", () => {
    const r = execute(stacks.prod, "jsonplaceholder-flow");
    assert.equal(r.result?.status, "succeeded", errorText(r));
    assert.deepEqual(startEnvs(r), [
      {
        job: ING,
        env: [
          { name: "DP_RUN_ID", value: "this-run" },
          { name: "DP_RUN_TYPE", value: "SCHEDULED" },
        ],
      },
      {
        job: DBT,
        env: [
          { name: "DP_RUN_ID", value: "this-run" },
          { name: "DP_RUN_TYPE", value: "SCHEDULED" },
        ],
      },
    ]);
  });

  it("a retried start carries the same run id (the retry repeats the request, not a new run)", () => {
    const r = execute(stacks.prod, "jsonplaceholder-flow", { run_status: { [ING]: [503] } });
    assert.equal(r.result?.status, "succeeded", errorText(r));
    const ids = startEnvs(r).map((s) => s.env?.find((e: { name: string }) => e.name === "DP_RUN_ID")?.value);
    assert.deepEqual(ids, ["this-run", "this-run", "this-run"], "refused ingestion start, its retry, then dbt");
  });

  it("marks a run started by hand as MANUAL, one without input as SCHEDULED, and refuses an unknown trigger before any job", () => {
    const types = (r: Run) => startEnvs(r).map((s) => s.env?.find((e: { name: string }) => e.name === "DP_RUN_TYPE")?.value);
    const manual = execute(stacks.prod, "jsonplaceholder-flow", {}, { trigger: "manual" });
    assert.equal(manual.result?.status, "succeeded", errorText(manual));
    assert.deepEqual(types(manual), ["MANUAL", "MANUAL"]);
    const bare = execute(stacks.prod, "jsonplaceholder-flow", {}, null);
    assert.equal(bare.result?.status, "succeeded", errorText(bare));
    assert.deepEqual(types(bare), ["SCHEDULED", "SCHEDULED"]);
    const bad = execute(stacks.prod, "jsonplaceholder-flow", {}, { trigger: "manul" });
    assert.equal(bad.result, undefined);
    assert.match(errorText(bad), /unknown trigger .*manul.* expected one of schedule, manual/);
    assert.deepEqual(startEnvs(bad), [], "no job starts");
  });
});

describe("gcp-emulated workflows: Fivetran sync → dbt (dev shop_postgres)", () => {
  it("reads the credential from Secret Manager, triggers the sync with Basic auth, waits for it, then runs dbt", () => {
    const r = execute(stacks.dev, "shop_postgres-flow");
    assert.equal(r.result?.status, "succeeded", errorText(r));
    const trigger = r.requests.find((q) => q.method === "POST" && q.path.endsWith("/sync"))!;
    assert.equal(trigger.authorization, `Basic ${Buffer.from("fivetran-key:fivetran-secret").toString("base64")}`);
    assert.deepEqual(trigger.body, { force: false });
    assert.ok(r.requests.findIndex((q) => q.path.endsWith(":run")) > r.requests.indexOf(trigger));
    assert.equal(runs(r, "acme-dev-shop-postgres-dbt-job"), 1);
    assert.deepEqual(startEnvs(r)[0].env, [
      { name: "DP_RUN_ID", value: "this-run" },
      { name: "DP_RUN_TYPE", value: "SCHEDULED" },
    ]);
  });

  it("fails the run when the sync fails or the connection is broken, and never runs dbt", () => {
    for (const scenario of [{ fivetran: "failed" }, { fivetran_setup_state: "broken" }]) {
      const r = execute(stacks.dev, "shop_postgres-flow", scenario);
      assert.equal(r.result, undefined, JSON.stringify(scenario));
      assert.match(errorText(r), /Fivetran/);
      assert.equal(runs(r, "acme-dev-shop-postgres-dbt-job"), 0);
    }
    assert.ok(failurePolicy(stacks.dev, "acme-dev-shop-postgres-flow"));
  });
});
