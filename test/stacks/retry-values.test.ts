/**
 * Retry counts flow from stack config into what each cloud runs, for values other than the defaults
 * the shipped stacks happen to use (a mutation that hard-codes 1 or 2 must fail here).
 *
 * Stands for: how often a failed job is re-run (Cloud Run `maxRetries`; Step Functions `States.TaskFailed`
 * retries), how often transient API failures are retried (Workflows `max_retries`; Step Functions
 * transient retries, the Fivetran calls included), how often a schedule's start is retried (Cloud
 * Scheduler, EventBridge Scheduler), and that each run's time budget covers every retry. Proof:
 * declaration under mocks, the real program synthesized from the real stack files with only the
 * retry settings changed. Cannot prove: that the services retry as declared (the emulated tiers run
 * the definitions).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { readStackFile } from "../../tools/synth/stack-file";
import { maskSecrets, synthesize, type Plan, type PlannedResource } from "../../tools/synth/synthesize";
import { PROJECT_ROOT } from "../../stacks/program";

interface Variant {
  ingestion: number;
  dbt: number;
  stepRetries: number;
}
const VARIANTS: Variant[] = [
  { ingestion: 0, dbt: 2, stepRetries: 0 },
  { ingestion: 3, dbt: 0, stepRetries: 4 },
];

async function planWith(stack: string, v: Variant): Promise<Plan> {
  const file = readStackFile(PROJECT_ROOT, stack);
  const jobs = JSON.parse(file.config["data-platform:jobs"] ?? "{}");
  const config = {
    ...file.config,
    "data-platform:jobs": JSON.stringify({ ingestion: { ...jobs.ingestion, maxRetries: v.ingestion }, dbt: { ...jobs.dbt, maxRetries: v.dbt } }),
    "data-platform:orchestration": JSON.stringify({ stepRetries: v.stepRetries }),
  };
  return synthesize({ stack, config, secretKeys: file.secretKeys });
}

const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
const plain = (r: PlannedResource) => maskSecrets(r.inputs, true) as any;
const seconds = (s: string) => Number(/^(\d+)s$/.exec(s)?.[1] ?? NaN);

/** Every value of `key` anywhere in `v`. */
function valuesOf(v: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(v)) v.forEach((x) => valuesOf(x, key, out));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === key) out.push(x);
      valuesOf(x, key, out);
    }
  }
  return out;
}

for (const v of VARIANTS) {
  describe(`GCP (dev): ingestion maxRetries ${v.ingestion}, dbt maxRetries ${v.dbt}, stepRetries ${v.stepRetries}`, () => {
    let plan: Plan;
    before(async () => (plan = await planWith("dev", v)));

    it("each Cloud Run job re-runs a failed task maxRetries times", () => {
      const jobs = ofType(plan, "gcp:cloudrunv2/job:Job").map(plain);
      assert.ok(jobs.length >= 2);
      for (const j of jobs) assert.equal(j.template.template.maxRetries, /-ingest-job$/.test(j.name) ? v.ingestion : v.dbt, j.name);
    });

    it("every transient-failure retry in each workflow is stepRetries", () => {
      const flows = ofType(plan, "gcp:workflows/workflow:Workflow");
      assert.ok(flows.length > 0);
      for (const f of flows) {
        const retries = valuesOf(parse(String(plain(f).sourceContents)), "max_retries");
        assert.ok(retries.length > 0, `${f.name} retries transient failures`);
        assert.deepEqual([...new Set(retries)], [v.stepRetries], f.name);
      }
    });

    it("each workflow waits for a job at least as long as the job may run with all its retries", () => {
      const jobs = new Map(ofType(plan, "gcp:cloudrunv2/job:Job").map((r) => [plain(r).name, plain(r).template.template]));
      let checked = 0;
      for (const f of ofType(plan, "gcp:workflows/workflow:Workflow")) {
        for (const args of valuesOf(parse(String(plain(f).sourceContents)), "args") as any[]) {
          const job = jobs.get(args?.job);
          if (!job) continue;
          checked++;
          assert.ok(
            args.max_wait_seconds >= seconds(job.timeout) * (1 + job.maxRetries),
            `${f.name} waits ${args.max_wait_seconds} s for ${args.job}: ${job.timeout} × ${1 + job.maxRetries}`,
          );
        }
      }
      assert.ok(checked >= 2, "the workflows call the jobs by name");
    });

    it("Cloud Scheduler retries a failed start stepRetries times, as EventBridge Scheduler does", () => {
      const schedules = ofType(plan, "gcp:cloudscheduler/job:Job").map(plain);
      assert.ok(schedules.length > 0);
      for (const s of schedules) assert.equal(s.retryConfig.retryCount, v.stepRetries, s.name);
    });
  });

  describe(`AWS (dev-aws): ingestion maxRetries ${v.ingestion}, dbt maxRetries ${v.dbt}, stepRetries ${v.stepRetries}`, () => {
    let plan: Plan;
    let machines: { name: string; def: any }[];
    before(async () => {
      plan = await planWith("dev-aws", v);
      machines = ofType(plan, "aws:sfn/stateMachine:StateMachine").map((r) => ({ name: r.name, def: JSON.parse(String(plain(r).definition)) }));
    });

    const retryOn = (state: any, error: string) => (state.Retry ?? []).filter((r: any) => r.ErrorEquals.includes(error));

    it("a failed ECS task is retried maxRetries times (no TaskFailed retry at 0)", () => {
      let tasks = 0;
      for (const m of machines) {
        for (const [name, want] of [
          ["Ingest", v.ingestion],
          ["Transform", v.dbt],
        ] as const) {
          const state = m.def.States[name];
          if (!state) continue;
          tasks++;
          const r = retryOn(state, "States.TaskFailed");
          if (want === 0) assert.deepEqual(r, [], `${m.name} ${name}`);
          else
            assert.deepEqual(
              r.map((x: any) => x.MaxAttempts),
              [want],
              `${m.name} ${name}`,
            );
        }
      }
      assert.ok(tasks >= 3);
    });

    it("transient ECS and Fivetran API errors are retried stepRetries times; Fivetran 429 and 500/502/503/504 count as transient", () => {
      let calls = 0;
      for (const m of machines) {
        for (const [name, state] of Object.entries<any>(m.def.States)) {
          if (state.Type !== "Task") continue;
          const transient = (state.Retry ?? []).filter((r: any) => !r.ErrorEquals.includes("States.TaskFailed"));
          if (v.stepRetries === 0) assert.deepEqual(transient, [], `${m.name} ${name}`);
          else
            assert.deepEqual(
              transient.map((r: any) => r.MaxAttempts),
              [v.stepRetries],
              `${m.name} ${name}`,
            );
          if (state.Resource === "arn:aws:states:::http:invoke") {
            calls++;
            if (v.stepRetries > 0)
              for (const code of [429, 500, 502, 503, 504]) assert.ok(transient[0].ErrorEquals.includes(`States.Http.StatusCode.${code}`), `${m.name} ${name} retries ${code}`);
          }
        }
      }
      assert.ok(calls >= 2, "the Fivetran pipeline calls the API");
    });

    it("each run's time bound covers both tasks with all their retries", () => {
      const tasks = new Map(ofType(plan, "aws:ecs/taskDefinition:TaskDefinition").map((r) => [r.name, r]));
      assert.ok(tasks.size >= 2);
      for (const m of machines) {
        const budget = ["Ingest", "Transform"]
          .map((n) => m.def.States[n])
          .filter(Boolean)
          .reduce((s: number, st: any) => {
            const retries = retryOn(st, "States.TaskFailed")[0]?.MaxAttempts ?? 0;
            return s + st.TimeoutSeconds * (1 + retries);
          }, 0);
        assert.ok(m.def.TimeoutSeconds >= budget, `${m.name}: ${m.def.TimeoutSeconds} s < ${budget} s`);
      }
    });

    it("EventBridge Scheduler retries a failed start stepRetries times", () => {
      const schedules = ofType(plan, "aws:scheduler/schedule:Schedule").map(plain);
      assert.ok(schedules.length > 0);
      for (const s of schedules) assert.equal(s.target.retryPolicy.maximumRetryAttempts, v.stepRetries, s.name);
    });
  });
}
