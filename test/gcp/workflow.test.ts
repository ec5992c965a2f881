/** The workflow definition as a pure function: structure, retries, failure paths. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { workflowDefinition, WORKFLOW_ENV, type WorkflowSpec } from "../../components/cloud/gcp/workflow";

const base: WorkflowSpec = {
  pipeline: "orders",
  region: "europe-west1",
  ingestionJob: "acme-dev-orders-ingest-job",
  dbtJob: "acme-dev-orders-dbt-job",
  ingestionWaitSeconds: 4200,
  dbtWaitSeconds: 4200,
  stepRetries: 3,
};
const stepNames = (steps: object[]) => steps.map((s) => Object.keys(s)[0]);
const step = (steps: Record<string, any>[], name: string) => steps.find((s) => name in s)![name];

describe("gcp workflow definition", () => {
  it("is plain YAML without anchors (Workflows parses it as written)", () => {
    const text = workflowDefinition({ ...base, fivetran: { maxWaitSeconds: 600 } });
    assert.doesNotMatch(text, /[&*]a\d/);
    assert.ok(parse(text).main);
  });

  it("starts each job without the connector's polling and polls the execution itself", () => {
    const doc = parse(workflowDefinition(base));
    const steps = doc.run_job.steps;
    assert.deepEqual(step(steps, "start").try.args.connector_params, { skip_polling: true });
    assert.equal(step(steps, "poll").try.call, "googleapis.run.v2.projects.locations.jobs.executions.get");
    assert.equal(step(steps, "poll").retry.predicate, "${transient}", "polls are reads: retried on transient errors, 500 included");
    assert.equal(step(steps, "wait").args.seconds, 30);
    assert.equal(step(steps, "check").next, "failed", "an execution that completed without success fails");
    assert.match(step(steps, "failed").raise, /failed/);
    assert.match(step(steps, "timed_out").raise, /did not finish/);
  });

  it("retries reads on transient errors and starts only on 429/503, stepRetries times", () => {
    const doc = parse(workflowDefinition({ ...base, stepRetries: 5, fivetran: { maxWaitSeconds: 600 } }));
    assert.equal(step(doc.run_job.steps, "start").retry.max_retries, 5);
    // Non-idempotent calls (job start, Fivetran sync trigger): Google's predicate for them, 429 and 503 only.
    for (const start of [step(doc.run_job.steps, "start"), step(doc.fivetran_sync.steps, "trigger")]) {
      assert.equal(start.retry.predicate, "${http.default_retry_predicate_non_idempotent}");
    }
    assert.equal(step(doc.fivetran_sync.steps, "poll").retry.predicate, "${transient}");
    assert.equal(step(doc.older_active_execution.steps, "list").retry.predicate, "${transient}");
    const predicate = JSON.stringify(doc.transient);
    for (const code of ["429", "500", "502", "503", "504", "ConnectionError", "TimeoutError"]) assert.ok(predicate.includes(code), code);
    assert.deepEqual(step(doc.transient.steps, "otherwise"), { return: false });
  });

  it("syncs Fivetran with Basic auth from Secret Manager, polls until the sync passes the trigger time, and fails on failed_at", () => {
    const doc = parse(workflowDefinition({ ...base, ingestionJob: undefined, fivetran: { maxWaitSeconds: 900 } }));
    assert.deepEqual(stepNames(doc.main.steps), [
      "init",
      "read_trigger",
      "classify_trigger",
      "unknown_trigger",
      "overlap",
      "skip_if_running",
      "fivetran_sync",
      "transform",
      "done",
    ]);
    assert.equal(step(doc.main.steps, "fivetran_sync").args.connection_id, `\${sys.get_env("${WORKFLOW_ENV.fivetranConnection}")}`);
    const steps = doc.fivetran_sync.steps;
    assert.equal(step(steps, "read_credential").call, "googleapis.secretmanager.v1.projects.secrets.versions.accessString");
    const prepare = step(steps, "prepare").assign;
    assert.equal(prepare[1].authorization, '${"Basic " + base64.encode(text.encode(credential))}');
    for (const call of ["trigger", "poll"]) {
      assert.equal(step(steps, call).try.args.headers.Authorization, "${authorization}");
      assert.equal(step(steps, call).try.args.headers.Accept, "application/json;version=2");
    }
    assert.equal(prepare[0].url, '${"https://api.fivetran.com/v1/connections/" + connection_id}');
    assert.equal(step(steps, "trigger").try.call, "http.post");
    assert.equal(step(steps, "trigger").try.args.url, '${url + "/sync"}');
    assert.equal(step(steps, "poll").try.call, "http.get");
    const check = step(steps, "check").switch;
    // What each branch decides is checked by running the conditions: test/gcp/fivetran-switch.test.ts.
    assert.deepEqual(
      check.map((c: any) => c.next),
      ["connection_broken", "sync_failed", "synced", "sync_timed_out"],
    );
    assert.ok(step(steps, "sync_failed").raise && step(steps, "connection_broken").raise);
  });

  it("has no Fivetran step without Fivetran, and no ingestion step without an ingestion job", () => {
    assert.deepEqual(stepNames(parse(workflowDefinition(base)).main.steps), [
      "init",
      "read_trigger",
      "classify_trigger",
      "unknown_trigger",
      "overlap",
      "skip_if_running",
      "ingest",
      "transform",
      "done",
    ]);
    assert.equal(parse(workflowDefinition(base)).fivetran_sync, undefined);
  });

  // Declaration only: the emulated tier (test/tiers/gcp-emulated/workflows.test.ts) executes it.
  it("starts every job with the run's id and type as container env overrides", () => {
    const doc = parse(workflowDefinition(base));
    assert.deepEqual(step(doc.run_job.steps, "start").try.args.body.overrides.containerOverrides, [
      {
        env: [
          { name: "DP_RUN_ID", value: "${run_id}" },
          { name: "DP_RUN_TYPE", value: "${run_type}" },
        ],
      },
    ]);
    assert.deepEqual(step(doc.main.steps, "init").assign[3], { execution_id: '${sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")}' });
  });
});
