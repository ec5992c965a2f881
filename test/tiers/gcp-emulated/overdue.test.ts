/**
 * Stands for: Cloud Monitoring accepting, and Prometheus' query language parsing, the overdue alert of
 * every pipeline that runs on a schedule, whatever the schedule's gap: a metric absence where the window
 * fits Monitoring's 23.5 h absence limit, a PromQL condition beyond it (daily, weekly, yearly crons).
 * Proven by: the Monitoring v3 discovery document (AlertPolicy, via check_shapes.py) for the request
 * body, and Prometheus' own PromQL grammar (@prometheus-io/lezer-promql, the parser of Prometheus' web
 * UI) for each query, on the synthesized prod plan and on one whose pipeline runs weekly. Cannot prove:
 * how Cloud Monitoring's PromQL engine evaluates the query over real Workflows metrics (zero points,
 * the sampling delay), that the lookback is billed as expected, or that an e-mail arrives.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parser } from "@prometheus-io/lezer-promql";
import { MAX_ABSENCE_SECONDS } from "../../../components/cloud/gcp/alerts";
import { synthesize, type Plan, type PlannedResource } from "../../../tools/synth/synthesize";
import { fixtureRoot } from "../../examples";
import { ofType, plan, runPython } from "./tier";

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
