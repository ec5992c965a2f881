/** Points 6-7: per pipeline, the Cloud Run jobs, the workflow, the schedule and the alert policy. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { mockState } from "../../tools/synth/mock-state";
import type { PlannedResource } from "../../tools/synth/synthesize";
import { assertFields, IMAGES, inputs, member, ofType, one, synthGcp, T, type GcpSynth } from "./harness";
import * as fs from "node:fs";
import * as path from "node:path";
import { MAX_ABSENCE_SECONDS, overdueAfterSeconds, overduePromql } from "../../components/cloud/gcp/alerts";
import { EXAMPLE_PIPELINES, fixtureRoot } from "../examples";
import { cronLongestGapSeconds } from "../../components/cloud/cron";

let dev: GcpSynth;
before(async () => {
  dev = await synthGcp("dev");
});

const container = (job: Record<string, any>) => job.template.template.containers[0];
const envOf = (job: Record<string, any>) => Object.fromEntries(container(job).envs.map((e: any) => [e.name, e.value ?? e.valueSource]));

describe("gcp pipeline jobs", () => {
  it("declares an ingestion and a dbt job per pipeline, and no ingestion job for a Fivetran source", () => {
    assert.deepEqual(
      ofType(dev.plan, T.job)
        .map((r) => inputs(r).name)
        .sort(),
      [
        "acme-dev-jsonplaceholder-dbt-job",
        "acme-dev-jsonplaceholder-ingest-job",
        "acme-dev-orders-files-dbt-job",
        "acme-dev-orders-files-ingest-job",
        "acme-dev-shop-postgres-dbt-job",
      ],
    );
  });

  it("runs the ingestion image by digest with the pipeline's args, env and secret env", () => {
    const job = inputs(one(dev.plan, T.job, "jsonplaceholder-ingest-job"));
    assert.equal(container(job).image, IMAGES.ingestion);
    assert.deepEqual(container(job).args, ["run", "--pipeline", "jsonplaceholder", "--target", "cloud"]);
    const env = envOf(job);
    assert.equal(env.DP_PIPELINE, "jsonplaceholder");
    assert.equal(env.DP_RAW_BUCKET_URI, "gs://acme-dev-raw-65ce4e");
    assert.deepEqual(env.SNOWFLAKE_PRIVATE_KEY, { secretKeyRef: { secret: "projects/acme-data-dev/secrets/acme-dev-snowflake-loader-key", version: "latest" } });
    assert.equal(job.template.template.serviceAccount, "acme-dev-jsonplaceholder-ing@acme-data-dev.iam.gserviceaccount.com");
  });

  it("runs dbt with the pipeline's selection as the dbt identity", () => {
    const job = inputs(one(dev.plan, T.job, "orders_files-dbt-job"));
    assert.equal(container(job).image, IMAGES.dbt);
    assert.deepEqual(container(job).args, ["build", "--select", "tag:orders_files+", "--target", "snowflake", "--pipeline", "orders_files"]);
    assert.deepEqual(envOf(job).SNOWFLAKE_PRIVATE_KEY.secretKeyRef.secret, "projects/acme-data-dev/secrets/acme-dev-snowflake-transformer-key");
    assert.equal(job.template.template.serviceAccount, "acme-dev-dbt@acme-data-dev.iam.gserviceaccount.com");
  });

  it("sizes jobs from pipeline.jobs: CPU, memory, timeout, retries", () => {
    const orders = inputs(one(dev.plan, T.job, "orders_files-ingest-job")).template.template;
    assert.deepEqual(orders.containers[0].resources.limits, { cpu: "1", memory: "4096Mi" }, "orders_files asks for 4 GiB");
    assert.equal(orders.timeout, "1800s");
    assert.equal(orders.maxRetries, 1);
    const jp = inputs(one(dev.plan, T.job, "jsonplaceholder-ingest-job")).template.template;
    assert.deepEqual(jp.containers[0].resources.limits, { cpu: "1", memory: "2048Mi" });
  });

  it("lets only the orchestrator start and follow each job", () => {
    const orchestrator = member(dev.config, "acme-dev-orchestrator");
    for (const job of ofType(dev.plan, T.job).map(inputs)) {
      const grants = ofType(dev.plan, T.jobIam)
        .map(inputs)
        .filter((g) => g.name === job.name);
      const invokers = grants.filter((g) => g.role === "roles/run.jobsExecutorWithOverrides").map((g) => g.member);
      assert.deepEqual(invokers, [orchestrator], job.name);
      assert.ok(
        grants.some((g) => g.role === "roles/run.viewer" && g.member === orchestrator),
        `${job.name}: orchestrator polls executions`,
      );
    }
  });
});

/** The steps that read the run's context before anything runs: ids, then the trigger → run type. */
const RUN_STEPS = ["init", "read_trigger", "classify_trigger", "unknown_trigger"];

describe("gcp pipeline workflow", () => {
  const definition = (name: string) => parse(inputs(one(dev.plan, T.workflow, `${name}-flow`)).sourceContents);

  it("runs as the orchestrator, named by the Namer, without call logs", () => {
    assertFields(inputs(one(dev.plan, T.workflow, "jsonplaceholder-flow")), {
      name: "acme-dev-jsonplaceholder-flow",
      serviceAccount: "acme-dev-orchestrator@acme-data-dev.iam.gserviceaccount.com",
      callLogLevel: "LOG_NONE",
      region: "europe-west1",
    });
  });

  it("chains ingestion → dbt through the Cloud Run connector", () => {
    const main = definition("jsonplaceholder").main.steps.map((s: object) => Object.keys(s)[0]);
    assert.deepEqual(main, [...RUN_STEPS, "overlap", "skip_if_running", "ingest", "transform", "done"]);
    const steps = definition("jsonplaceholder").main.steps;
    const [ingest, transform] = [steps[main.indexOf("ingest")].ingest, steps[main.indexOf("transform")].transform];
    assert.equal(ingest.args.job, "acme-dev-jsonplaceholder-ingest-job");
    assert.equal(transform.args.job, "acme-dev-jsonplaceholder-dbt-job");
    // dbt in dev: one attempt of 30 min + 300 s slack; ingestion: 30 min, one retry: two attempts.
    assert.equal(transform.args.max_wait_seconds, 2100);
    assert.equal(ingest.args.max_wait_seconds, 4200);
    // Both jobs get the execution's id (executed in test/tiers/gcp-emulated/workflows.test.ts).
    for (const call of [ingest, transform]) assert.deepEqual([call.args.run_id, call.args.run_type], ["${execution_id}", "${run_type}"]);
    const start = definition("jsonplaceholder").run_job.steps[0].start;
    assert.equal(start.try.call, "googleapis.run.v2.projects.locations.jobs.run");
    assert.equal(start.retry.max_retries, 2, "orchestration.stepRetries (default)");
    assert.equal(start.retry.predicate, "${http.default_retry_predicate_non_idempotent}", "a job start is retried only where Google says a non-idempotent call may be");
  });

  it("syncs Fivetran first for a Fivetran source, and skips the ingestion job", () => {
    const doc = definition("shop_postgres");
    assert.deepEqual(
      doc.main.steps.map((s: object) => Object.keys(s)[0]),
      [...RUN_STEPS, "overlap", "skip_if_running", "fivetran_sync", "transform", "done"],
    );
    assert.equal(doc.main.steps[RUN_STEPS.length + 2].fivetran_sync.args.max_wait_seconds, 6 * 3600);
    const wf = inputs(one(dev.plan, T.workflow, "shop_postgres-flow"));
    assert.deepEqual(wf.userEnvVars, { FIVETRAN_CONNECTION_ID: "conn_shop_postgres", FIVETRAN_API_SECRET_ID: "acme-dev-fivetran-api" });
    assert.equal(definition("jsonplaceholder").fivetran_sync, undefined);
    assert.equal(inputs(one(dev.plan, T.workflow, "jsonplaceholder-flow")).userEnvVars, undefined);
  });
});

describe("gcp pipeline schedule", () => {
  it("starts the pipeline's own workflow on its cron and timezone, with the orchestrator's OAuth token", () => {
    const s = inputs(one(dev.plan, T.schedule, "orders_files-schedule"));
    assertFields(s, { name: "acme-dev-orders-files-schedule", schedule: "30 2 * * *", timeZone: "Europe/Amsterdam" });
    assertFields(s.httpTarget, {
      httpMethod: "POST",
      uri: "https://workflowexecutions.googleapis.com/v1/projects/acme-data-dev/locations/europe-west1/workflows/acme-dev-orders-files-flow/executions",
      oauthToken: { serviceAccountEmail: "acme-dev-orchestrator@acme-data-dev.iam.gserviceaccount.com", scope: "https://www.googleapis.com/auth/cloud-platform" },
    });
    const body = JSON.parse(Buffer.from(s.httpTarget.body, "base64").toString());
    assert.deepEqual(JSON.parse(body.argument), { pipeline: "orders_files", trigger: "schedule" });
  });

  it("is paused where the environment says (every dev pipeline pauses)", () => {
    for (const s of ofType(dev.plan, T.schedule).map(inputs)) assert.equal(s.paused, true, s.name);
  });
});

describe("gcp pipeline alerts", () => {
  it("creates one e-mail channel per recipient: owners and the stack's alert recipients", () => {
    const emails = ofType(dev.plan, T.channel)
      .map((r) => inputs(r))
      .map((c) => (assert.equal(c.type, "email"), c.labels.email_address))
      .sort();
    assert.deepEqual(emails, ["commerce-analytics@example.com", "data-platform-dev@example.com", "data-team@example.com"]);
  });

  it("alerts on the pipeline's failed workflow executions and failed jobs, routed to its owner and the stack recipients", () => {
    const policy = inputs(one(dev.plan, T.alert, "orders_files-failed"));
    const [workflow, jobs] = policy.conditions.map((c: any) => c.conditionThreshold.filter);
    assert.match(workflow, /resource.labels.workflow_id = "acme-dev-orders-files-flow"/);
    assert.match(workflow, /metric.labels.status = "FAILED"/);
    assert.match(jobs, /job_name = one_of\("acme-dev-orders-files-ingest-job", "acme-dev-orders-files-dbt-job"\)/);
    assert.match(jobs, /metric.labels.result = "failed"/);
    // A channel's name is an output: ask the mocks what they answered for each channel.
    const channelName = (c: PlannedResource) =>
      mockState({ type: c.type, name: c.name, inputs: c.inputs } as pulumi.runtime.MockResourceArgs, { gcpProject: "acme-data-dev", awsAccount: "", region: "europe-west1" }).name;
    const emailOf = new Map(ofType(dev.plan, T.channel).map((c) => [channelName(c), inputs(c).labels.email_address]));
    assert.deepEqual(policy.notificationChannels.map((n: string) => emailOf.get(n)).sort(), ["commerce-analytics@example.com", "data-platform-dev@example.com"]);
    const jp = inputs(one(dev.plan, T.alert, "jsonplaceholder-failed"));
    assert.deepEqual(jp.notificationChannels.map((n: string) => emailOf.get(n)).sort(), ["data-platform-dev@example.com", "data-team@example.com"]);
  });
});

// Stands for: Cloud Monitoring notifying the owner when Cloud Scheduler fails to start a workflow (it
// logs the failed attempt at ERROR) and when no run finishes for longer than the schedule allows.
// Proven under mocks (declared policies, filters, windows) plus the cron arithmetic; whether Monitoring
// fires on them needs the real service (an absence condition also needs the series to have existed).
describe("gcp pipeline: runs that do not start or do not happen", () => {
  let prod: GcpSynth;
  before(async () => {
    prod = await synthGcp("prod");
  });

  it("alerts the owner when the schedule fails to start the workflow", () => {
    const policy = inputs(one(prod.plan, T.alert, "jsonplaceholder-not-started"));
    assert.equal(
      policy.conditions[0].conditionMatchedLog.filter,
      'resource.type="cloud_scheduler_job" AND resource.labels.job_id="acme-prod-jsonplaceholder-schedule" AND severity>=ERROR',
    );
    assert.ok(policy.alertStrategy.notificationRateLimit.period, "log-match policies need a rate limit");
    const failed = inputs(one(prod.plan, T.alert, "jsonplaceholder-failed"));
    assert.deepEqual(policy.notificationChannels, failed.notificationChannels, "same recipients as failures: the owner and alerts.emails");
  });

  it("alerts when no run finished within the schedule's longest gap plus the longest run, and not for paused schedules", () => {
    // prod jsonplaceholder: every 6 h; ingestion 3 attempts of 120 min + 300 s, dbt 2 of them; + 1 h run
    // slack (the same run budget AWS bounds its execution with); + 1 h for DST shifts.
    const expected = 6 * 3600 + 3 * (7200 + 300) + 2 * (7200 + 300) + 3600 + 3600;
    const policy = inputs(one(prod.plan, T.alert, "jsonplaceholder-overdue"));
    assert.equal(policy.conditions[0].conditionAbsent.duration, `${expected}s`);
    assert.match(policy.conditions[0].conditionAbsent.filter, /workflow_id = "acme-prod-jsonplaceholder-flow"/);
    assert.equal(ofType(dev.plan, T.alert).filter((r) => r.name.endsWith("-overdue")).length, 0, "dev schedules are paused");
    assert.equal(ofType(dev.plan, T.alert).filter((r) => r.name.endsWith("-not-started")).length, dev.config.pipelines.length);
  });

  it("computes schedule gaps from the cron, and gives up where Monitoring cannot watch that long", () => {
    assert.equal(cronLongestGapSeconds("0 */6 * * *"), 6 * 3600);
    assert.equal(cronLongestGapSeconds("5 4 * * 1-5"), 72 * 3600, "Friday to Monday");
    assert.equal(cronLongestGapSeconds("0 9-17/2 * * *"), 16 * 3600);
    assert.equal(overdueAfterSeconds(7 * 86400, 0), 7 * 86400 + 3600, "a weekly schedule is watched too (in PromQL)");
    assert.equal(overdueAfterSeconds(366 * 86400, 0), 366 * 86400 + 3600, "so is a yearly one");
    assert.equal(overdueAfterSeconds(4 * 366 * 86400, 0), undefined, "a 29 February cron is beyond PromQL's two-year lookback");
    assert.equal(overdueAfterSeconds(3600, 1800), 3600 + 1800 + 3600);
  });

  // Stands for: Cloud Monitoring watching a pipeline whose schedule gap is past the 23.5 h metric-absence
  // limit. Proven: under mocks, the declared condition (its PromQL is parsed by Prometheus' grammar and
  // its body checked against the Monitoring discovery document in the gcp-emulated tier). Cannot prove
  // how Cloud Monitoring evaluates the query.
  it("watches a weekly schedule with a PromQL condition over the week plus the run budget", async () => {
    const root = fixtureRoot(EXAMPLE_PIPELINES);
    const file = path.join(root, "pipelines", "jsonplaceholder.yaml");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('cron: "0 */6 * * *"', 'cron: "0 3 * * 1"'));
    const weekly = await synthGcp("prod", undefined, root);
    const policy = inputs(one(weekly.plan, T.alert, "jsonplaceholder-overdue"));
    const window = 7 * 86400 + 3 * (7200 + 300) + 2 * (7200 + 300) + 3600 + 3600;
    assert.ok(window > MAX_ABSENCE_SECONDS);
    assert.equal(policy.conditions.length, 1);
    const condition = policy.conditions[0];
    assert.equal(condition.conditionAbsent, undefined, "no metric absence: Monitoring refuses one this long");
    assert.equal(condition.conditionPrometheusQueryLanguage.query, overduePromql("acme-prod-jsonplaceholder-flow", window));
    assert.match(condition.conditionPrometheusQueryLanguage.query, new RegExp(`workflow_id="acme-prod-jsonplaceholder-flow"}\\[${window}s\\]`));
    assert.deepEqual(policy.notificationChannels, inputs(one(weekly.plan, T.alert, "jsonplaceholder-failed")).notificationChannels, "same recipients as failures");
    // A daily schedule plus its run budget is past 23.5 h as well: before this, it had no overdue alert.
    assert.ok(inputs(one(weekly.plan, T.alert, "orders_files-overdue")).conditions[0].conditionPrometheusQueryLanguage);
  });
});
