/**
 * One meaning per setting on both clouds (issue #21 point 2). For each row of stack settings, the real
 * program is synthesized for GCP (`Pulumi.dev.yaml`) and for AWS (`Pulumi.dev-aws.yaml`) with the
 * row's values, each plan is read back into platform words (how long noncurrent versions live, when
 * an unfinished upload is aborted, whether a bucket is versioned, who is mailed how often when a
 * pipeline fails, how long a job and a run may take, how often a failed schedule start is retried),
 * and both must say what the row expects.
 *
 * Stands for: the lifecycle S3 and GCS apply, the mails SNS and Cloud Monitoring send, the bounds
 * Workflows and Step Functions enforce, the retries Cloud Scheduler and EventBridge Scheduler make.
 * Proof: declaration under mocks (the real program, the real stack files with only the row's
 * settings changed; `environment: qa` so that schedules are not paused and the overdue alert is
 * declared). Cannot prove: that the services act on these inputs as their documentation says (the
 * emulated tiers run S3 lifecycle, state machines and workflows), or that a mailbox is case-insensitive.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { cronLongestGapSeconds } from "../../components/cloud/cron";
import { mockState } from "../../tools/synth/mock-state";
import { readStackFile } from "../../tools/synth/stack-file";
import { maskSecrets, synthesize, type Plan, type PlannedResource } from "../../tools/synth/synthesize";
import { examplesRoot } from "../examples";

type Cloud = "gcp" | "aws";
const STACK: Record<Cloud, string> = { gcp: "dev", aws: "dev-aws" };

/** "forever" where no rule limits the days. */
type Days = number | "forever";
interface BucketMeaning {
  versioned: boolean;
  expireDays: Days;
  noncurrentDays: Days;
  abortUploadDays: number;
}
interface Meaning {
  lake: { raw: BucketMeaning; artifacts: BucketMeaning };
  /** Per pipeline: the addresses one failure mails, one entry per mail, sorted. */
  mails: Record<string, string[]>;
  /** Per pipeline and job: the longest the orchestration lets the job take, all attempts included. */
  jobWait: Record<string, { ingestion?: number; dbt: number }>;
  /** Per pipeline: the longest a whole run may take. */
  runBudget: Record<string, number>;
  scheduleStartRetries: number;
}

interface Row {
  title: string;
  settings: Record<string, unknown>;
  expect: Meaning;
}

const JOBS_30_MIN = { ingestion: { cpu: 1, memoryGiB: 2, timeoutMinutes: 30, maxRetries: 1 }, dbt: { cpu: 1, memoryGiB: 2, timeoutMinutes: 30, maxRetries: 0 } };
const FIVETRAN_SYNC_SECONDS = 6 * 3600;

const ROWS: Row[] = [
  {
    title: "the shipped dev settings",
    settings: { lake: { coldAfterDays: 30, expireAfterDays: 90, noncurrentVersionDays: 7 }, jobs: JOBS_30_MIN, alerts: { emails: ["data-platform-dev@example.com"] } },
    expect: {
      lake: {
        raw: { versioned: true, expireDays: 90, noncurrentDays: 7, abortUploadDays: 1 },
        // artifactsExpireAfterDays: the default, 90.
        artifacts: { versioned: true, expireDays: 90, noncurrentDays: 7, abortUploadDays: 1 },
      },
      mails: {
        jsonplaceholder: ["data-platform-dev@example.com", "data-team@example.com"],
        orders_files: ["commerce-analytics@example.com", "data-platform-dev@example.com"],
        shop_postgres: ["commerce-analytics@example.com", "data-platform-dev@example.com"],
      },
      // Each attempt: its timeout + 300 s. Ingestion 2 × (1800 + 300); dbt 1 × (1800 + 300).
      jobWait: { jsonplaceholder: { ingestion: 4200, dbt: 2100 }, orders_files: { ingestion: 4200, dbt: 2100 }, shop_postgres: { dbt: 2100 } },
      // Steps in sequence + 3600 s; the Fivetran sync is bounded at 6 h.
      runBudget: { jsonplaceholder: 4200 + 2100 + 3600, orders_files: 4200 + 2100 + 3600, shop_postgres: FIVETRAN_SYNC_SECONDS + 2100 + 3600 },
      scheduleStartRetries: 2, // orchestration.stepRetries' default
    },
  },
  {
    title: "0 days keeps forever; an owner also in alerts.emails (other case); stepRetries above Cloud Scheduler's 5",
    settings: {
      lake: { coldAfterDays: 0, expireAfterDays: 0, noncurrentVersionDays: 0, artifactsExpireAfterDays: 0 },
      jobs: { ingestion: { cpu: 1, memoryGiB: 2, timeoutMinutes: 10, maxRetries: 3 }, dbt: { cpu: 1, memoryGiB: 2, timeoutMinutes: 45, maxRetries: 2 } },
      orchestration: { stepRetries: 7 },
      alerts: { emails: ["Data-Team@Example.com", "ops@example.com", "OPS@example.com"] },
    },
    expect: {
      lake: {
        raw: { versioned: true, expireDays: "forever", noncurrentDays: "forever", abortUploadDays: 1 },
        artifacts: { versioned: true, expireDays: "forever", noncurrentDays: "forever", abortUploadDays: 1 },
      },
      mails: {
        jsonplaceholder: ["data-team@example.com", "ops@example.com"],
        orders_files: ["commerce-analytics@example.com", "data-team@example.com", "ops@example.com"],
        shop_postgres: ["commerce-analytics@example.com", "data-team@example.com", "ops@example.com"],
      },
      // Ingestion 4 × (600 + 300); dbt 3 × (2700 + 300).
      jobWait: { jsonplaceholder: { ingestion: 3600, dbt: 9000 }, orders_files: { ingestion: 3600, dbt: 9000 }, shop_postgres: { dbt: 9000 } },
      runBudget: { jsonplaceholder: 3600 + 9000 + 3600, orders_files: 3600 + 9000 + 3600, shop_postgres: FIVETRAN_SYNC_SECONDS + 9000 + 3600 },
      scheduleStartRetries: 5,
    },
  },
];

async function planWith(cloud: Cloud, settings: Record<string, unknown>): Promise<Plan> {
  const root = examplesRoot();
  const file = readStackFile(root, STACK[cloud]);
  const config: Record<string, string> = { ...file.config, "data-platform:environment": "qa" };
  for (const [k, v] of Object.entries(settings)) config[`data-platform:${k}`] = JSON.stringify(v);
  return synthesize({ stack: STACK[cloud], root, config, secretKeys: file.secretKeys });
}

const plain = (r: PlannedResource) => maskSecrets(r.inputs, true) as any;
const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
function one(plan: Plan, type: string, name: string): any {
  const found = ofType(plan, type).filter((r) => r.name === name);
  assert.equal(found.length, 1, `one ${type} named ${name}, found ${found.length}`);
  return plain(found[0]);
}
const PIPELINES = ["jsonplaceholder", "orders_files", "shop_postgres"];
const seconds = (s: string) => Number(/^(\d+)s$/.exec(s)?.[1] ?? NaN);
const sorted = (xs: string[]) => [...xs].sort();
const DST_SLACK_SECONDS = 3600;

/** GCP's plan in platform words. */
function gcpMeaning(plan: Plan): Meaning {
  const bucket = (name: "raw" | "artifacts"): BucketMeaning => {
    const b = one(plan, "gcp:storage/bucket:Bucket", name);
    const rules = b.lifecycleRules as any[];
    const expire = rules.find((r) => r.action.type === "Delete" && r.condition.age !== undefined);
    const noncurrent = rules.find((r) => r.action.type === "Delete" && r.condition.daysSinceNoncurrentTime !== undefined);
    const aborts = rules.filter((r) => r.action.type === "AbortIncompleteMultipartUpload");
    assert.equal(aborts.length, 1, `gcp ${name}: one abort rule`);
    return {
      versioned: b.versioning?.enabled === true,
      expireDays: expire?.condition.age ?? "forever",
      noncurrentDays: noncurrent?.condition.daysSinceNoncurrentTime ?? "forever",
      abortUploadDays: aborts[0].condition.age,
    };
  };
  const ctx = { gcpProject: String(plain(ofType(plan, "gcp:storage/bucket:Bucket")[0]).project), awsAccount: "", region: "europe-west1" };
  const emailOf = new Map(
    ofType(plan, "gcp:monitoring/notificationChannel:NotificationChannel").map((c) => [
      mockState({ type: c.type, name: c.name, inputs: c.inputs } as pulumi.runtime.MockResourceArgs, ctx).name,
      plain(c).labels.email_address as string,
    ]),
  );
  const mails: Meaning["mails"] = {};
  const jobWait: Meaning["jobWait"] = {};
  const runBudget: Meaning["runBudget"] = {};
  for (const p of PIPELINES) {
    mails[p] = sorted(one(plan, "gcp:monitoring/alertPolicy:AlertPolicy", `${p}-failed`).notificationChannels.map((n: string) => emailOf.get(n) ?? `unknown channel ${n}`));
    const steps: any[] = parse(String(one(plan, "gcp:workflows/workflow:Workflow", `${p}-flow`).sourceContents)).main.steps;
    const step = (key: string) => steps.find((s) => key in s)?.[key];
    jobWait[p] = { ...(step("ingest") ? { ingestion: step("ingest").args.max_wait_seconds } : {}), dbt: step("transform").args.max_wait_seconds };
    // GCP bounds no whole execution: the run budget is what the overdue alert waits beyond the schedule's longest gap.
    const overdue = ofType(plan, "gcp:monitoring/alertPolicy:AlertPolicy").find((r) => r.name === `${p}-overdue`);
    const cron = String(one(plan, "gcp:cloudscheduler/job:Job", `${p}-schedule`).schedule);
    // The window is the absence duration, or (past Monitoring's 23.5 h absence limit) the PromQL query's shorter range.
    const condition = overdue && plain(overdue).conditions[0];
    const window = condition?.conditionAbsent
      ? seconds(condition.conditionAbsent.duration)
      : Math.min(...[...String(condition?.conditionPrometheusQueryLanguage?.query).matchAll(/\[(\d+)s\]/g)].map((m) => Number(m[1])));
    if (overdue) runBudget[p] = window - cronLongestGapSeconds(cron) - DST_SLACK_SECONDS;
  }
  const retries = [...new Set(ofType(plan, "gcp:cloudscheduler/job:Job").map((r) => plain(r).retryConfig.retryCount as number))];
  assert.equal(retries.length, 1, `gcp: one schedule retry count, found ${retries.join(", ")}`);
  return { lake: { raw: bucket("raw"), artifacts: bucket("artifacts") }, mails, jobWait, runBudget, scheduleStartRetries: retries[0] };
}

/** The longest a Step Functions Task state may run: every attempt's timeout plus the pauses between them. */
function awsStepSeconds(state: any): number {
  const retry = (state.Retry ?? []).find((r: any) => r.ErrorEquals.includes("States.TaskFailed"));
  const attempts = 1 + (retry?.MaxAttempts ?? 0);
  let pauses = 0;
  for (let k = 0; k < attempts - 1; k++) pauses += retry.IntervalSeconds * (retry.BackoffRate ?? 2) ** k;
  return attempts * state.TimeoutSeconds + pauses;
}

/** AWS's plan in platform words. */
function awsMeaning(plan: Plan): Meaning {
  const bucket = (name: "raw" | "artifacts"): BucketMeaning => {
    const versioning = one(plan, "aws:s3/bucketVersioning:BucketVersioning", `${name}-versioning`);
    const rules = one(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${name}-lifecycle`).rules as any[];
    assert.equal(rules.length, 1, `aws ${name}: one lifecycle rule`);
    const [r] = rules;
    return {
      versioned: versioning.versioningConfiguration.status === "Enabled",
      expireDays: r.expiration?.days ?? "forever",
      noncurrentDays: r.noncurrentVersionExpiration?.noncurrentDays ?? "forever",
      abortUploadDays: r.abortIncompleteMultipartUpload.daysAfterInitiation,
    };
  };
  const topicArn = (r: PlannedResource) => String(plain(r).topic);
  const subscriptions = ofType(plan, "aws:sns/topicSubscription:TopicSubscription");
  const mails: Meaning["mails"] = {};
  const jobWait: Meaning["jobWait"] = {};
  const runBudget: Meaning["runBudget"] = {};
  for (const p of PIPELINES) {
    const targets = ofType(plan, "aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.name.startsWith(`${p}-failed-`));
    assert.equal(targets.length, 2, `aws ${p}: the failure rule publishes to the owner's topic and the environment's`);
    mails[p] = sorted(targets.flatMap((t) => subscriptions.filter((s) => topicArn(s) === plain(t).arn).map((s) => String(plain(s).endpoint))));
    const def = JSON.parse(String(one(plan, "aws:sfn/stateMachine:StateMachine", `${p}-flow`).definition));
    jobWait[p] = { ...(def.States.Ingest ? { ingestion: awsStepSeconds(def.States.Ingest) } : {}), dbt: awsStepSeconds(def.States.Transform) };
    runBudget[p] = def.TimeoutSeconds;
  }
  const retries = [...new Set(ofType(plan, "aws:scheduler/schedule:Schedule").map((r) => plain(r).target.retryPolicy.maximumRetryAttempts as number))];
  assert.equal(retries.length, 1, `aws: one schedule retry count, found ${retries.join(", ")}`);
  return { lake: { raw: bucket("raw"), artifacts: bucket("artifacts") }, mails, jobWait, runBudget, scheduleStartRetries: retries[0] };
}

for (const row of ROWS) {
  describe(`one meaning on both clouds: ${row.title}`, () => {
    const meaning = {} as Record<Cloud, Meaning>;
    before(async () => {
      meaning.gcp = gcpMeaning(await planWith("gcp", row.settings));
      meaning.aws = awsMeaning(await planWith("aws", row.settings));
    });

    for (const cloud of ["gcp", "aws"] as const) {
      it(`${cloud}: lake versioning and lifecycle`, () => assert.deepEqual(meaning[cloud].lake, row.expect.lake));
      it(`${cloud}: each failure mails the owner and alerts.emails once each`, () => assert.deepEqual(meaning[cloud].mails, row.expect.mails));
      it(`${cloud}: failed schedule starts are retried as often`, () => assert.equal(meaning[cloud].scheduleStartRetries, row.expect.scheduleStartRetries));
    }

    it("gcp: the workflow waits for each job exactly its budget", () => assert.deepEqual(meaning.gcp.jobWait, row.expect.jobWait));
    it("aws: no job's attempts and retry pauses outlast the same budget", () => {
      for (const [p, waits] of Object.entries(row.expect.jobWait)) {
        const aws = meaning.aws.jobWait[p];
        assert.deepEqual(Object.keys(aws).sort(), Object.keys(waits).sort(), p);
        for (const job of ["ingestion", "dbt"] as const)
          if (waits[job] !== undefined) assert.ok(aws[job]! <= waits[job], `${p} ${job}: AWS may take ${aws[job]} s, budget ${waits[job]} s`);
      }
    });
    it("aws: each execution is bounded by the run budget", () => assert.deepEqual(meaning.aws.runBudget, row.expect.runBudget));
    it("gcp: the overdue alert waits the same run budget beyond the schedule's gap (absence or PromQL)", () => {
      const watched = Object.keys(meaning.gcp.runBudget);
      assert.ok(watched.includes("jsonplaceholder"), "the 6-hourly pipeline has an overdue alert");
      assert.ok(watched.includes("orders_files"), "so has the daily one, whose window is past 23.5 h");
      for (const p of watched) {
        const over = meaning.gcp.runBudget[p] - row.expect.runBudget[p];
        assert.ok(over >= 0 && over < 60, `${p}: ${meaning.gcp.runBudget[p]} s vs ${row.expect.runBudget[p]} s (the window is rounded up to a minute)`);
      }
    });
  });
}
