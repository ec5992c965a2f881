/**
 * Lineage as OpenLineage events (issue #19 point 6): `npm run lineage` after a local run of a shipped
 * pipeline (orders_files) must hold the edges ingestion → raw table → staging model → mart as one
 * connected graph: the raw table the ingestion event writes is the very dataset (namespace and name)
 * the staging model's event reads.
 *
 * Rank: ran for real (the local run's dlt load and dbt build; events built and written by
 * openlineage-python's own model and file transport, tools/lineage/). Proves: the export's edges
 * follow the run records and dbt's manifest, with consistent dataset names. Cannot prove: that a
 * consumer (Marquez, DataHub's OpenLineage endpoint) accepts them (no server here), or the cloud's
 * naming (the export reads the local runs only). It lives in the `site` suite: the same local run,
 * the same "what operators read about their data" part of the platform.
 */
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";

const ROOT = path.resolve(__dirname, "..", "..", "..");
let dir: string;
let events: any[];

function sh(args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, DP_LOCAL_DIR: dir },
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-lineage-"));
  const none = sh(["tools/lineage.ts"]);
  assert.equal(none.code, 2, "no local run yet: a clear error");
  assert.match(none.out, /run `npm run local` first/);
  const local = sh(["tools/local.ts", "--pipeline", "orders_files"]);
  assert.equal(local.code, 0, local.out);
  const lineage = sh(["tools/lineage.ts"]);
  assert.equal(lineage.code, 0, lineage.out);
  events = fs
    .readFileSync(path.join(dir, "lineage", "openlineage.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const id = (d: { namespace: string; name: string }) => `${d.namespace}|${d.name}`;

describe("OpenLineage export of a local run (orders_files)", () => {
  it("every event is a COMPLETE run event of OpenLineage's model", () => {
    assert.ok(events.length >= 4);
    for (const e of events) {
      assert.equal(e.eventType, "COMPLETE");
      assert.match(e.schemaURL, /^https:\/\/openlineage\.io\/spec\/2-0-\d+\/OpenLineage\.json#\/\$defs\/RunEvent$/);
      assert.match(e.run.runId, /^[0-9a-f-]{36}$/);
      assert.equal(e.job.namespace, "data-platform.dev.local");
    }
  });

  it("connects the file drop → raw table → staging model → marts, through the same datasets", () => {
    const byJob = new Map(events.map((e) => [e.job.name, e]));
    const warehouse = `duckdb://${path.join(dir, "warehouse.duckdb")}`;
    const chain: [string, string, string][] = [
      // [job, a dataset it reads, a dataset it writes]
      ["ingestion.orders_files", `file://${path.join(dir, "lake")}|landing/orders/*.csv`, `${warehouse}|warehouse.raw_orders_files.orders`],
      ["dbt.stg_orders", `${warehouse}|warehouse.raw_orders_files.orders`, `${warehouse}|warehouse.staging.stg_orders`],
      ["dbt.fct_orders", `${warehouse}|warehouse.staging.stg_orders`, `${warehouse}|warehouse.marts.fct_orders`],
      ["dbt.fct_daily_revenue", `${warehouse}|warehouse.marts.fct_orders`, `${warehouse}|warehouse.marts.fct_daily_revenue`],
    ];
    for (const [job, input, output] of chain) {
      const e = byJob.get(job);
      assert.ok(e, `an event for ${job}`);
      assert.ok(e.inputs.map(id).includes(input), `${job} reads ${input}; reads ${e.inputs.map(id).join(", ")}`);
      assert.deepEqual(e.outputs.map(id), [output], job);
    }
    // Every dataset a dbt model reads is written by the ingestion or by another model: no dangling name.
    const written = new Set(events.flatMap((e) => e.outputs.map(id)));
    for (const e of events.filter((x) => x.job.name.startsWith("dbt.")))
      for (const d of e.inputs) if (d.name.includes("orders")) assert.ok(written.has(id(d)), `${e.job.name} reads ${id(d)}, which nothing writes`);
  });

  it("carries the models' documented columns as schema facets", () => {
    const stg = events.find((e) => e.job.name === "dbt.stg_orders");
    const fields = stg.outputs[0].facets.schema.fields.map((f: any) => f.name);
    assert.ok(fields.includes("order_id") && fields.includes("status"), fields.join(", "));
  });
});
