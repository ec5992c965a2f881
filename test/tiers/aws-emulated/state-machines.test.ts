/**
 * The pipelines' state machines, as the real program synthesizes them for dev-aws, checked by tools we
 * did not write: asl-validator (the Amazon States Language schema, JSONata flavour) and moto's Step
 * Functions interpreter (moto's server on 127.0.0.1; see sfn_emulator.py for exactly which parts are moto
 * and which are our stand-ins: ECS task outcomes, the Fivetran API behind the HTTP Task, time).
 *
 * Rank: emulator. What it proves: the definitions parse and run under an ASL interpreter: states chain as
 * intended, Retry lists catch the errors the services raise, Choice conditions evaluate in JSONata, the
 * run id reaches both tasks, a failed run matches the failure rule and reaches the alert topic through
 * the rule's input transformer, and a deploy mid-run leaves the run's next step a revision to run.
 * What it cannot prove: that AWS's interpreter agrees with moto's in every corner (moto follows
 * LocalStack's, not AWS's, code), the real error names ECS and Fivetran produce (the stand-ins raise the
 * documented ones), IAM at run time (iam.test.ts simulates it), or real task containers.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import aslValidator from "asl-validator";
import type { Plan } from "../../../tools/synth/synthesize";
import { pipelineFlow, runFlow, type FlowRun } from "./flows";
import { byType, devAwsPlan, json, T, tierPython } from "./tools";

let plan: Plan;
before(async () => {
  tierPython(); // install (once per machine) before the first run, so a missing tool fails here, loudly
  plan = await devAwsPlan();
});

const ingest = (p: string) => `acmeaws-dev-${p.replace(/_/g, "-")}-ingest-task`;
const dbt = (p: string) => `acmeaws-dev-${p.replace(/_/g, "-")}-dbt-task`;

describe("every state machine is valid Amazon States Language (asl-validator)", () => {
  it("validates each definition of the plan, and would refuse a broken one", () => {
    const machines = byType(plan, T.stateMachine);
    assert.ok(machines.length >= 3, "dev-aws has three pipelines");
    for (const sm of machines) {
      const r = aslValidator(json(sm.inputs.definition));
      assert.ok(r.isValid, `${sm.inputs.name}: ${r.errorsText?.("\n")}`);
    }
    // The validator can fail: a Next pointing nowhere is refused.
    const broken = json(machines[0].inputs.definition);
    broken.States[broken.StartAt].Next = "Nowhere";
    delete broken.States[broken.StartAt].End;
    assert.equal(aslValidator(broken).isValid, false);
  });
});

describe("a dlt pipeline's run in moto's interpreter (jsonplaceholder)", () => {
  it("succeeds: ingestion then dbt, both tagged from their task definition and carrying the execution name as DP_RUN_ID and the schedule's run type", () => {
    const r = runFlow(plan, "jsonplaceholder");
    assert.equal(r.status, "SUCCEEDED", r.cause);
    assert.deepEqual(
      r.runTasks.map((t) => t.family),
      [ingest("jsonplaceholder"), dbt("jsonplaceholder")],
    );
    for (const t of r.runTasks) {
      assert.equal(t.parameters.propagateTags, "TASK_DEFINITION", "tags at creation: the orchestrator's ecs:TagResource grant (iam.test.ts) is needed");
      assert.equal(t.parameters.startedBy, "AWS Step Functions");
      const env = t.parameters.overrides.containerOverrides[0].environment;
      assert.deepEqual(env, [
        { name: "DP_RUN_ID", value: "run-1" },
        { name: "DP_RUN_TYPE", value: "SCHEDULED" },
      ]);
    }
  });

  // Stands for: a run started by hand (`aws stepfunctions start-execution --input '{"trigger":"manual"}'`)
  // or with a mistyped trigger. Proof: moto's interpreter evaluating the plan's JSONata over the execution's
  // input. Cannot prove: AWS's own JSONata engine's error text (only that the run fails before any task).
  it("labels a manual run MANUAL, a run without input SCHEDULED, and fails an unknown trigger before any task starts", () => {
    const types = (r: FlowRun) => r.runTasks.map((t) => t.parameters.overrides.containerOverrides[0].environment.find((e: { name: string }) => e.name === "DP_RUN_TYPE")?.value);
    const manual = runFlow(plan, "jsonplaceholder", { input: { trigger: "manual" } });
    assert.equal(manual.status, "SUCCEEDED", manual.cause);
    assert.deepEqual(types(manual), ["MANUAL", "MANUAL"]);
    const bare = runFlow(plan, "jsonplaceholder", { input: {} });
    assert.equal(bare.status, "SUCCEEDED", bare.cause);
    assert.deepEqual(types(bare), ["SCHEDULED", "SCHEDULED"]);
    const bad = runFlow(plan, "jsonplaceholder", { input: { trigger: "manul" } });
    assert.equal(bad.status, "FAILED");
    assert.match(String(bad.cause), /unknown trigger manul/);
    assert.deepEqual(bad.runTasks, [], "no task starts");
  });

  it("retries a Fargate capacity error (AmazonECS.Unknown) and succeeds; the old retry list would have failed the run", () => {
    const r = runFlow(plan, "jsonplaceholder", { ecs: { [dbt("jsonplaceholder")]: ["capacity", "ok"] } });
    assert.equal(r.status, "SUCCEEDED", r.cause);
    assert.deepEqual(
      r.runTasks.map((t) => `${t.family}:${t.outcome}`),
      [`${ingest("jsonplaceholder")}:ok`, `${dbt("jsonplaceholder")}:capacity`, `${dbt("jsonplaceholder")}:ok`],
    );
    assert.equal(r.retryWaits.length, 1, "one retry wait");
    // Negative control: the list before issue 13 (ECS.ThrottlingException, ECS.LimitExceededException, no AmazonECS.Unknown).
    const old = runFlow(plan, "jsonplaceholder", {
      ecs: { [dbt("jsonplaceholder")]: ["capacity", "ok"] },
      definition: (d) => d.replace(/"AmazonECS\.Unknown"/g, '"ECS.ThrottlingException", "ECS.LimitExceededException"'),
    });
    assert.equal(old.status, "FAILED");
    assert.equal(old.error, "AmazonECS.Unknown");
  });

  it("fails when dbt's container keeps failing, after its retries, and the failure rule mails the owner's topic", () => {
    const r = runFlow(plan, "jsonplaceholder", { ecs: { [dbt("jsonplaceholder")]: ["exit:2", "exit:2", "exit:2", "exit:2"] }, alert: true });
    assert.equal(r.status, "FAILED");
    assert.equal(r.error, "States.TaskFailed");
    const dbtRuns = r.runTasks.filter((t) => t.family === dbt("jsonplaceholder")).length;
    const maxRetries =
      json(pipelineFlow(plan, "jsonplaceholder").definition).States.Transform.Retry.find((x: any) => x.ErrorEquals.includes("States.TaskFailed"))?.MaxAttempts ?? 0;
    assert.equal(dbtRuns, 1 + maxRetries, "first attempt plus jobs.dbt.maxRetries");
    assert.equal(r.alerts.length, 1, "one alert delivered through the plan's rule and transformer");
    assert.match(
      r.alerts[0],
      /^"?Pipeline jsonplaceholder \(dev\): run run-1 ended FAILED\. Execution: arn:aws:states:eu-west-1:123456789012:execution:acmeaws-dev-jsonplaceholder-flow:run-1"?$/,
    );
  });

  it("a successful run alerts nobody: the rule matches only failed, timed-out and aborted runs", () => {
    const r = runFlow(plan, "jsonplaceholder", { alert: true });
    assert.equal(r.status, "SUCCEEDED", r.cause);
    assert.deepEqual(r.alerts, []);
  });

  it("a deploy during the run (new dbt revision, old one deregistered) does not fail the next step: it runs the new revision", () => {
    const scenario = { ecs: { [ingest("jsonplaceholder")]: ["hold"] }, deployDuringRun: { whileFamily: ingest("jsonplaceholder"), redeployFamily: dbt("jsonplaceholder") } };
    const r = runFlow(plan, "jsonplaceholder", scenario);
    assert.equal(r.status, "SUCCEEDED", r.cause);
    const step = r.runTasks.find((t) => t.family === dbt("jsonplaceholder"))!;
    assert.equal(step.revision, 2);
    // Negative control: a definition pinning revision 1 (as before issue 13) fails at the dbt step.
    const pinned = runFlow(plan, "jsonplaceholder", {
      ...scenario,
      definition: (d) => d.replace(`task-definition/${dbt("jsonplaceholder")}"`, `task-definition/${dbt("jsonplaceholder")}:1"`),
    });
    assert.equal(pinned.status, "FAILED");
    assert.equal(pinned.error, "ECS.ClientException");
  });
});

describe("a Fivetran pipeline's run in moto's interpreter (shop_postgres)", () => {
  it("triggers the sync through the EventBridge connection, retries a 429, polls until it succeeded, then runs dbt", () => {
    const r = runFlow(plan, "shop_postgres", { fivetran: { trigger: ["429", "ok"], polls: ["running", "succeeded"] } });
    assert.equal(r.status, "SUCCEEDED", r.cause);
    assert.deepEqual(
      r.http.map((h) => h.method),
      ["POST", "POST", "GET", "GET"],
    );
    for (const h of r.http) {
      assert.match(h.url, /^https:\/\/api\.fivetran\.com\/v1\/connections\/[^/]+(\/sync)?$/);
      assert.match(String(h.connection), /^arn:aws:events:eu-west-1:123456789012:connection\/acmeaws-dev-fivetran\//);
      assert.ok(!Object.keys(h.headers).some((k) => k.toLowerCase() === "authorization"), "no credential in the definition");
    }
    assert.deepEqual(r.waits, [60, 60], "FIVETRAN_SYNC.pollIntervalSeconds between polls");
    assert.deepEqual(
      r.runTasks.map((t) => t.family),
      [dbt("shop_postgres")],
    );
  });

  it("fails with Fivetran.SyncFailed when the sync fails, runs no dbt, and alerts", () => {
    const r = runFlow(plan, "shop_postgres", { fivetran: { polls: ["running", "failed"] }, alert: true });
    assert.equal(r.status, "FAILED");
    assert.equal(r.error, "Fivetran.SyncFailed");
    assert.deepEqual(r.runTasks, []);
    assert.equal(r.alerts.length, 1);
    assert.match(r.alerts[0], /Pipeline shop_postgres \(dev\): run run-1 ended FAILED/);
  });

  it("fails when the connection is broken", () => {
    const r = runFlow(plan, "shop_postgres", { fivetran: { polls: ["broken"] } });
    assert.equal(r.status, "FAILED");
    assert.equal(r.error, "Fivetran.SyncFailed");
  });
});
