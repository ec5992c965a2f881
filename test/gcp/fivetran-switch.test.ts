/**
 * The Workflows `fivetran_sync` subworkflow decides "connection broken / sync failed / synced / keep
 * waiting" in its `read_status` assignments and `check` switch, written in the Workflows expression
 * language. That language has no local runtime, so this file carries a minimal evaluator for the
 * subset those two steps use (string and number literals, lists, variables with dotted access,
 * `default`, `map.get`, `text.to_lower`, `time.parse`, `sys.now`, comparisons, `and`, `-`), following
 * the documented semantics, and throwing on anything else. It runs the generated steps on a grid of
 * polled payloads and checks each decision against FIVETRAN_SYNC, as test/aws/fivetran-choice.test.ts
 * does for the Step Functions flow.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { workflowDefinition } from "../../components/cloud/gcp/workflow";
import { FIVETRAN_SYNC, type ConnectionSyncStatus } from "../../components/fivetran/sync-protocol";
import { fixture } from "../fivetran/contract-server";
import { syncStatusGrid, TRIGGERED_AT } from "../fivetran/sync-cases";

type Value = unknown;
type Env = Record<string, Value> & { __now: number };

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*")|(\d+(?:\.\d+)?)|([A-Za-z_][\w.]*)|(==|!=|>=|<=|[><+\-(),[\]]))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(src);
    if (!m) throw new Error(`cannot read expression at "${src.slice(TOKEN.lastIndex)}"`);
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  }
  return out;
}

const FUNCTIONS: Record<string, (env: Env, args: Value[]) => Value> = {
  default: (_e, [v, fallback]) => (v === null || v === undefined ? fallback : v),
  "map.get": (_e, [m, keys]) => {
    let cur: Value = m;
    for (const k of Array.isArray(keys) ? keys : [keys]) {
      if (typeof k !== "string") throw new Error("TypeError: map.get keys must be strings");
      cur = cur && typeof cur === "object" && !Array.isArray(cur) && k in cur ? (cur as Record<string, Value>)[k] : null;
    }
    return cur ?? null;
  },
  "text.to_lower": (_e, [s]) => {
    if (typeof s !== "string") throw new Error(`TypeError: text.to_lower of ${JSON.stringify(s)}`);
    return s.toLowerCase();
  },
  "time.parse": (_e, [s]) => {
    const ms = typeof s === "string" ? Date.parse(s) : NaN;
    if (Number.isNaN(ms)) throw new Error(`ValueError: time.parse of ${JSON.stringify(s)}`);
    return ms / 1000;
  },
  "sys.now": (env) => env.__now,
};

/** Evaluate one `${...}` expression. Precedence: or < and < comparison < + - < primary. */
function evaluate(expression: string, env: Env): Value {
  const inner = /^\$\{([\s\S]*)\}$/.exec(expression)?.[1];
  if (inner === undefined) return expression; // a plain value, not an expression
  const t = tokenize(inner);
  let i = 0;
  const peek = () => t[i];
  const take = (want?: string) => {
    const tok = t[i++];
    if (want !== undefined && tok !== want) throw new Error(`expected ${want}, found ${tok} in ${expression}`);
    return tok;
  };
  const bool = (v: Value) => {
    if (typeof v !== "boolean") throw new Error(`TypeError: ${JSON.stringify(v)} is not a boolean in ${expression}`);
    return v;
  };
  const num = (v: Value) => {
    if (typeof v !== "number") throw new Error(`TypeError: ${JSON.stringify(v)} is not a number in ${expression}`);
    return v;
  };
  const primary = (): Value => {
    const tok = take();
    if (tok === "(") {
      const v = or();
      take(")");
      return v;
    }
    if (tok === "[") {
      const items: Value[] = [];
      while (peek() !== "]") {
        items.push(or());
        if (peek() === ",") take(",");
      }
      take("]");
      return items;
    }
    if (tok.startsWith('"')) return JSON.parse(tok);
    if (/^\d/.test(tok)) return Number(tok);
    if (peek() === "(") {
      const fn = FUNCTIONS[tok];
      if (!fn) throw new Error(`unsupported function ${tok} in ${expression}`);
      take("(");
      const args: Value[] = [];
      while (peek() !== ")") {
        args.push(or());
        if (peek() === ",") take(",");
      }
      take(")");
      return fn(env, args);
    }
    const [name, ...path] = tok.split(".");
    if (!(name in env)) throw new Error(`KeyError: variable ${name} is not defined in ${expression}`);
    let v: Value = env[name];
    for (const key of path) {
      if (!v || typeof v !== "object" || !(key in v)) throw new Error(`KeyError: ${key} in ${tok}`);
      v = (v as Record<string, Value>)[key];
    }
    return v;
  };
  const additive = (): Value => {
    let v = primary();
    while (peek() === "+" || peek() === "-") {
      const op = take();
      const r = primary();
      v = op === "-" ? num(v) - num(r) : typeof v === "string" && typeof r === "string" ? v + r : num(v) + num(r);
    }
    return v;
  };
  const comparison = (): Value => {
    const l = additive();
    const op = peek();
    if (!["==", "!=", ">", ">=", "<", "<="].includes(op)) return l;
    take();
    const r = additive();
    if (op === "==") return l === r;
    if (op === "!=") return l !== r;
    const [a, b] = typeof l === "string" && typeof r === "string" ? [l, r] : [num(l), num(r)];
    return op === ">" ? a > b : op === ">=" ? a >= b : op === "<" ? a < b : a <= b;
  };
  const and = (): Value => {
    let v = comparison();
    while (peek() === "and") {
      take();
      const r = comparison();
      v = bool(v) && bool(r);
    }
    return v;
  };
  const or = (): Value => {
    let v = and();
    while (peek() === "or") {
      take();
      const r = and();
      v = bool(v) || bool(r);
    }
    return v;
  };
  const value = or();
  if (i !== t.length) throw new Error(`unexpected ${t[i]} in ${expression}`);
  return value;
}

const doc: any = parse(
  workflowDefinition({
    pipeline: "shop",
    region: "europe-west1",
    dbtJob: "acme-dev-shop-dbt-job",
    ingestionWaitSeconds: 600,
    dbtWaitSeconds: 600,
    stepRetries: 1,
    fivetran: { maxWaitSeconds: 21600 },
  }),
);
const stepOf = (name: string) => doc.fivetran_sync.steps.find((s: object) => name in s)[name];

/** Run `read_status` then `check` on one polled connection; the step the switch goes to. */
function decide(polled: unknown, triggeredAt: string, now: number): string {
  const env: Env = { status: { body: { data: polled } }, triggered: Date.parse(triggeredAt) / 1000, max_wait_seconds: 21600, connection_id: "conn_1", __now: now };
  for (const assignment of stepOf("read_status").assign) for (const [name, expr] of Object.entries(assignment)) env[name] = evaluate(String(expr), env);
  const check = stepOf("check");
  for (const c of check.switch) if (evaluate(c.condition, env) === true) return c.next;
  return check.next;
}

describe("the GCP workflow's Fivetran sync decisions", () => {
  const triggeredAt = TRIGGERED_AT;
  const soon = Date.parse(triggeredAt) / 1000 + 60;
  const cases = syncStatusGrid();
  // A failure is reported as connection_broken when the connection is broken (it will not sync again
  // until someone fixes it), as sync_failed otherwise.
  const expected = (polled: ConnectionSyncStatus) => {
    if (FIVETRAN_SYNC.isFailed(polled, triggeredAt)) return polled.status?.setup_state?.toLowerCase() === "broken" ? "connection_broken" : "sync_failed";
    return FIVETRAN_SYNC.isFinished(polled, triggeredAt) ? "synced" : "wait";
  };

  it("decide what FIVETRAN_SYNC implies, for every combination of timestamps and setup state", () => {
    const outcomes = new Set<string>();
    for (const polled of cases) {
      const want = expected(polled);
      assert.equal(decide(polled, triggeredAt, soon), want, JSON.stringify(polled));
      outcomes.add(want);
    }
    assert.deepEqual([...outcomes].sort(), ["connection_broken", "sync_failed", "synced", "wait"], "the grid exercises every branch");
  });

  it("keep waiting on a real just-created connection (Fivetran's payload), and give up after max_wait_seconds", () => {
    const data = fixture("gf.connections.get.response.200.json").data;
    assert.equal(decide(data, triggeredAt, soon), "wait");
    assert.equal(decide({}, triggeredAt, soon + 21600), "sync_timed_out");
  });

  it("the evaluator refuses what it does not know, rather than guessing", () => {
    const env = { __now: 0, x: 1 } as Env;
    assert.throws(() => evaluate("${unknown_fn(x)}", env), /unsupported function/);
    assert.throws(() => evaluate("${y > 1}", env), /KeyError/);
    assert.throws(() => evaluate('${x and "a"}', env), /TypeError/);
  });
});
