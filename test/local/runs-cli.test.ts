/**
 * `npm run runs -- --stack local`: lists the pipeline-run records a local run leaves, newest first.
 * Stands for: an operator reading recent runs. What proves it: the records are written by the real Python
 * module (ingestion/pipeline_run.py, through the project's venv) into a scratch DP_LOCAL_DIR, and the real
 * CLI reads them (our own code end to end, no stand-in). It cannot prove the cloud listing (GCS, S3): the
 * aws-emulated tier runs that against moto's S3.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { writeRecords } from "./run-records";

const ROOT = path.resolve(__dirname, "../..");
const PYTHON = path.join(ROOT, ".venv", "bin", "python");

const runs = (local: string, ...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools", "runs.ts"), ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, DP_LOCAL_DIR: local } });

const at = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, "0")}:00.000Z`;
const part = (status: string, start: number, extra: Record<string, unknown> = {}) => ({ status, run_type: "MANUAL", started_at: at(start), finished_at: at(start + 1), ...extra });

test("lists each pipeline's runs newest first, with status, rows, models, tests and the failing step's error", () => {
  const local = fs.mkdtempSync(path.join(os.tmpdir(), "runs-cli-"));
  writeRecords(path.join(local, "artifacts"), [
    ["orders_files", "r-old", "ingestion", part("SUCCESS", 1, { rows: { orders: 7 } })],
    ["orders_files", "r-old", "dbt", part("SUCCESS", 2, { models_built: 3, models_failed: 0, models_skipped: 0, tests_passed: 5, tests_failed: 0 })],
    ["orders_files", "r-new", "ingestion", part("FAILED", 30, { error: "step extract: HTTPError: 503 Server Error" })],
    ["jsonplaceholder", "r-mid", "ingestion", part("SUCCESS", 10, { rows: { posts: 4 } })],
  ]);
  const all = runs(local, "--stack", "local", "--json");
  assert.equal(all.status, 0, all.stderr);
  const records = JSON.parse(all.stdout) as { run_id: string; status: string; failed_step: string | null; error: string | null }[];
  assert.deepEqual(
    records.map((r) => [r.run_id, r.status]),
    [
      ["r-new", "FAILED"],
      ["r-mid", "RUNNING"], // ingestion done, dbt has yet to report
      ["r-old", "SUCCESS"],
    ],
  );
  assert.equal(records[0].failed_step, "ingestion");

  const one = runs(local, "--stack", "local", "--pipeline", "orders_files", "--limit", "1");
  assert.equal(one.status, 0, one.stderr);
  const lines = one.stdout.trim().split("\n");
  assert.match(lines[0], /^started\s+pipeline\s+run id\s+type\s+status/);
  assert.match(lines[1], /^2026-12-01T10:30:00.000Z\s+orders_files\s+r-new\s+MANUAL\s+FAILED\s+60.0s\s+0\s+-\s+-\s+ingestion: step extract: HTTPError: 503 Server Error$/);
  assert.equal(lines.length, 3, one.stdout);

  const table = runs(local, "--stack", "local", "--pipeline", "orders_files").stdout;
  assert.match(table, /r-old\s+MANUAL\s+SUCCESS\s+120.0s\s+7\s+3\/3\s+5\/5/);
});

test("no records is not an error; bad flags are, with what was expected and found, and nothing is read", () => {
  const local = fs.mkdtempSync(path.join(os.tmpdir(), "runs-cli-"));
  const none = runs(local, "--stack", "local");
  assert.equal(none.status, 0, none.stderr);
  assert.match(none.stdout, /^no runs recorded/);
  const bad = runs(local, "--stack", "local", "--limit", "0", "--pipeline", "Orders");
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--pipeline: expected a lower_snake pipeline name, found "Orders"/);
  const unknown = runs(local, "--stack", "nosuch");
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--stack nosuch: expected one of local, .*dev.*, found no Pulumi.nosuch.yaml/);
  const flag = runs(local, "--stack", "local", "--since", "1d");
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--since: expected one of --stack, --pipeline, --limit, --json, --outputs, --help/);
});

test("a local run leaves one MANUAL pipeline-run record per pipeline run, with both steps, in the folder and in DuckDB", () => {
  // Stands for: `npm run local` then `npm run runs -- --stack local`, and an analyst's query of
  // platform.pipeline_runs. The real local run (dlt, dbt, DuckDB) on the shipped sample data.
  const local = fs.mkdtempSync(path.join(os.tmpdir(), "runs-cli-local-"));
  try {
    const run = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools", "local.ts"), "--pipeline", "orders_files"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, DP_LOCAL_DIR: local },
      timeout: 300_000,
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const listed = runs(local, "--stack", "local", "--json");
    assert.equal(listed.status, 0, listed.stderr);
    const records = JSON.parse(listed.stdout) as {
      run_id: string;
      run_type: string;
      status: string;
      rows: Record<string, number>;
      models: Record<string, number>;
      steps: Record<string, unknown>;
    }[];
    assert.equal(records.length, 1, "ingestion and dbt share the run id: one record");
    const [r] = records;
    assert.deepEqual([r.run_type, r.status, Object.keys(r.steps).sort()], ["MANUAL", "SUCCESS", ["dbt", "ingestion"]]);
    assert.ok(r.rows.orders > 0 && r.models.built === 3, JSON.stringify(r));
    const q = spawnSync(
      PYTHON,
      [
        "-c",
        "import duckdb, sys, json; c = duckdb.connect(sys.argv[1], read_only=True); print(json.dumps([list(map(str, x)) for x in c.execute('select run_id, run_type, status, rows_loaded from platform.pipeline_runs').fetchall()]))",
        path.join(local, "warehouse.duckdb"),
      ],
      { encoding: "utf8" },
    );
    assert.equal(q.status, 0, q.stderr);
    assert.deepEqual(JSON.parse(q.stdout), [[r.run_id, "MANUAL", "SUCCESS", String(r.rows.orders)]]);
  } finally {
    fs.rmSync(local, { recursive: true, force: true });
  }
});
