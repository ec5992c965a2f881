/**
 * Stands for: Cloud Monitoring accepting, and Prometheus' query language parsing, the overdue alert of
 * every pipeline that runs on a schedule, whatever the schedule's gap: a metric absence where the window
 * fits Monitoring's 23.5 h absence limit, a PromQL condition beyond it (daily, weekly, yearly crons).
 * Proven by: the Monitoring v3 discovery document (AlertPolicy, via check_shapes.py) for the request
 * body, Prometheus' own PromQL grammar (@prometheus-io/lezer-promql, the parser of Prometheus' web UI)
 * for each query, on the synthesized prod plan and on one whose pipeline runs weekly; and the weekly
 * query, as planned, evaluated by Prometheus' own engine (promql/, pinned prometheus module) over
 * simulated `finished_execution_count` series: it fires when the last run is older than the window,
 * and not when a run is recent, when the pipeline never ran, or when only another workflow ran.
 * Cannot prove: that Cloud Monitoring's PromQL implementation (not Prometheus' code) evaluates it the
 * same over real Workflows metrics (how it maps DELTA points, its sampling delay), that the lookback is
 * billed as expected, or that an e-mail arrives.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parser } from "@prometheus-io/lezer-promql";
import { MAX_ABSENCE_SECONDS } from "../../../components/cloud/gcp/alerts";
import { synthesize, type Plan, type PlannedResource } from "../../../tools/synth/synthesize";
import { fixtureRoot } from "../../examples";
import { evalPromql, ofType, plan, runPython } from "./tier";

const ALERT = "gcp:monitoring/alertPolicy:AlertPolicy";

/** Syntax errors Prometheus' grammar finds in `query` (empty: it parses). */
export function promqlErrors(query: string): string[] {
  const errors: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: …${query.slice(Math.max(0, node.from - 20), node.from + 20)}…`);
    },
  });
  return errors;
}

/** The AlertPolicy body the provider sends (its `project` is the URL). */
function policyBody(r: PlannedResource): unknown {
  const { project: _project, ...body } = r.inputs as Record<string, unknown>;
  return body;
}

/** Problems with the overdue policies of a plan: missing for a running schedule, a body the API refuses, a query that does not parse. */
function overdueProblems(p: Plan): string[] {
  const out: string[] = [];
  const overdue = ofType(p, ALERT).filter((r) => r.name.endsWith("-overdue"));
  for (const schedule of ofType(p, "gcp:cloudscheduler/job:Job").filter((s) => !s.inputs.paused)) {
    const pipeline = schedule.name.replace(/-schedule$/, "");
    if (!overdue.some((r) => r.name === `${pipeline}-overdue`)) out.push(`${pipeline}: runs on a schedule but has no overdue alert`);
  }
  const requests = overdue.map((r) => ({ what: `alert ${r.name}`, api: "monitoring.v3", schema: "AlertPolicy", body: policyBody(r) }));
  out.push(...runPython<{ problems: string[] }>("check_shapes.py", { requests }).problems);
  for (const r of overdue) {
    for (const c of (r.inputs.conditions as any[]) ?? []) {
      if (c.conditionAbsent && Number(String(c.conditionAbsent.duration).replace(/s$/, "")) > MAX_ABSENCE_SECONDS)
        out.push(`${r.name}: absence of ${c.conditionAbsent.duration} is past Monitoring's 23.5 h limit`);
      const promql = c.conditionPrometheusQueryLanguage;
      if (!promql) continue;
      for (const e of promqlErrors(String(promql.query))) out.push(`${r.name}: PromQL does not parse ${e}`);
      // The discovery document says so in prose only: "a positive multiple of 30 seconds".
      const every = Number(String(promql.evaluationInterval ?? "30s").replace(/s$/, ""));
      if (!(every > 0 && every % 30 === 0)) out.push(`${r.name}: evaluationInterval ${promql.evaluationInterval} is not a positive multiple of 30 s`);
    }
  }
  return out;
}

const plans: Record<string, Plan> = {};
before(async () => {
  plans.prod = await plan("prod");
  // The same program with the 6-hourly pipeline moved to Mondays only.
  const root = fixtureRoot(fs.readdirSync(path.resolve(__dirname, "../../../pipelines")).map((f) => f.replace(/\.yaml$/, "")));
  const file = path.join(root, "pipelines", "jsonplaceholder.yaml");
  fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('cron: "0 */6 * * *"', 'cron: "0 3 * * 1"'));
  plans.weekly = await synthesize({ stack: "prod", root });
});

describe("gcp-emulated overdue alerts: every running schedule is watched, whatever its gap", () => {
  for (const which of ["prod", "weekly"] as const) {
    it(`${which}: each overdue policy is a body Monitoring accepts, and each PromQL query parses`, () => {
      const p = plans[which];
      assert.ok(
        ofType(p, ALERT).some((r) => (r.inputs.conditions as any[]).some((c) => c.conditionPrometheusQueryLanguage)),
        "some pipeline's window is past 23.5 h",
      );
      assert.deepEqual(overdueProblems(p), []);
    });
  }

  it("the weekly pipeline is watched over its week, in PromQL", () => {
    const policy = ofType(plans.weekly, ALERT).find((r) => r.name === "jsonplaceholder-overdue");
    assert.ok(policy, "the weekly pipeline has an overdue alert");
    const query = String((policy.inputs.conditions as any[])[0].conditionPrometheusQueryLanguage.query);
    const ranges = [...query.matchAll(/\[(\d+)s\]/g)].map((m) => Number(m[1]));
    assert.ok(Math.min(...ranges) > 7 * 86400, `the window covers the week: ${query}`);
  });

  it("would notice a query that does not parse, a bad interval, a field the API lacks, an absence too long (the checks can fail)", () => {
    assert.ok(promqlErrors("sum(sum_over_time(x[5s])) unless").length > 0);
    assert.deepEqual(promqlErrors('(sum(sum_over_time(a:b{c="d"}[60s])) > 0) unless (sum(sum_over_time(a:b{c="d"}[30s])) > 0)'), []);
    const p = plans.prod; // jsonplaceholder on a metric absence, the daily pipelines on PromQL
    const tampered: Plan = {
      ...p,
      resources: p.resources.map((r) => {
        if (r.type !== ALERT || !r.name.endsWith("-overdue")) return r;
        const conditions = structuredClone(r.inputs.conditions as any[]);
        const c = conditions[0];
        if (c.conditionPrometheusQueryLanguage) {
          c.conditionPrometheusQueryLanguage.query = c.conditionPrometheusQueryLanguage.query.replace(" unless ", " unless (");
          c.conditionPrometheusQueryLanguage.evaluationInterval = "45s";
        } else {
          c.conditionAbsent.duration = `${MAX_ABSENCE_SECONDS + 60}s`;
          c.conditionAbsent.lookback = "1d";
        }
        return { ...r, inputs: { ...r.inputs, conditions } };
      }),
    };
    const problems = overdueProblems(tampered).join("\n");
    for (const expected of ["PromQL does not parse", "not a positive multiple of 30", "past Monitoring's 23.5 h limit", "lookback: not a field"])
      assert.ok(problems.includes(expected), `${expected} in\n${problems}`);
    const dropped: Plan = { ...p, resources: p.resources.filter((r) => r.name !== "jsonplaceholder-overdue") };
    assert.ok(overdueProblems(dropped).some((m) => m.includes("jsonplaceholder: runs on a schedule but has no overdue alert")));
  });
});

describe("gcp-emulated overdue alerts: the weekly query under Prometheus' engine", () => {
  const DAY = 86400;
  const NOW = 2_000_000_000; // a fixed instant (2033), so the cases do not depend on the clock
  const METRIC = "workflows_googleapis_com:finished_execution_count";
  const series = (workflow: string, times: number[], value = 1) => ({
    labels: { __name__: METRIC, monitored_resource: "workflows.googleapis.com/Workflow", workflow_id: workflow, status: "SUCCEEDED" },
    samples: times.map((t) => ({ t, v: value })),
  });
  /** Hourly points: 1 at the given run times, 0 otherwise (a service that writes zeros while idle). */
  const hourly = (workflow: string, from: number, runs: number[]) => ({
    ...series(workflow, []),
    samples: Array.from({ length: Math.floor((NOW - from) / 3600) + 1 }, (_, i) => from + i * 3600).map((t) => ({ t, v: runs.some((r) => Math.abs(r - t) < 1800) ? 1 : 0 })),
  });

  it("fires once the last finished run is older than the window, and only then", () => {
    const policy = ofType(plans.weekly, ALERT).find((r) => r.name === "jsonplaceholder-overdue")!;
    const query = String((policy.inputs.conditions as any[])[0].conditionPrometheusQueryLanguage.query);
    const window = Math.min(...[...query.matchAll(/\[(\d+)s\]/g)].map((m) => Number(m[1])));
    const flow = "acme-prod-jsonplaceholder-flow";
    const cases = [
      { name: "overdue: last run a window and an hour ago", firing: true, series: [series(flow, [NOW - window - 3600])] },
      { name: "overdue: idle zeros since, last run a window and an hour ago", firing: true, series: [hourly(flow, NOW - 30 * DAY, [NOW - window - 3600])] },
      {
        name: "overdue although another workflow ran an hour ago",
        firing: true,
        series: [series(flow, [NOW - window - 3600]), series("acme-prod-orders-files-flow", [NOW - 3600])],
      },
      { name: "on time: weekly runs, the last one six days ago", firing: false, series: [series(flow, [NOW - 27 * DAY, NOW - 20 * DAY, NOW - 13 * DAY, NOW - 6 * DAY])] },
      { name: "on time: idle zeros, last run an hour inside the window", firing: false, series: [hourly(flow, NOW - 30 * DAY, [NOW - window + 3600])] },
      { name: "never ran: nothing to compare (not reported)", firing: false, series: [] },
      { name: "never ran, only idle zeros", firing: false, series: [hourly(flow, NOW - 30 * DAY, [])] },
    ];
    const out = evalPromql<{ parseError?: string; results: { name: string; firing: boolean; error?: string }[] }>({
      query,
      cases: cases.map((c) => ({ name: c.name, at: NOW, series: c.series })),
    });
    assert.equal(out.parseError, undefined, `Prometheus parses the planned query: ${out.parseError}`);
    assert.deepEqual(
      out.results.map((r) => ({ name: r.name, firing: r.firing, error: r.error })),
      cases.map((c) => ({ name: c.name, firing: c.firing, error: undefined })),
    );
  });

  it("would notice a query that never fires or does not parse (the check can fail)", () => {
    const out = evalPromql<{ parseError?: string; results: { firing: boolean }[] }>({
      query: `sum(sum_over_time(${METRIC}[60s])) > 0 unless`,
      cases: [],
    });
    assert.match(String(out.parseError), /unexpected/);
    const flow = "acme-prod-jsonplaceholder-flow";
    // absent_over_time alone would alert for a pipeline that never ran: the evaluator tells them apart.
    const naive = evalPromql<{ results: { firing: boolean }[] }>({
      query: `absent_over_time(${METRIC}{workflow_id="${flow}"}[604800s])`,
      cases: [{ name: "never", at: NOW, series: [] }],
    });
    assert.equal(naive.results[0].firing, true);
  });
});
