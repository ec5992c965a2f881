/**
 * The local run reads the run records that ingestion and dbt_runner (Python) write. Their status
 * values are defined in Python; this asserts, by importing those modules in the project's venv,
 * that tools/run-status.ts lists exactly their union and that an unknown status reads as FAILED.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { test } from "node:test";
import { RUN_STATUSES, runStatus } from "../../tools/run-status";

const ROOT = path.resolve(__dirname, "../..");

function pythonStatuses(): { ingestion: string[]; dbt: string[] } {
  const code = [
    "import json, sys",
    `sys.path[:0] = [${JSON.stringify(ROOT)}, ${JSON.stringify(path.join(ROOT, "dbt"))}]`,
    "from ingestion.run_record import STATUSES as ingestion",
    "from dbt_runner.results import STATUSES as dbt",
    "print(json.dumps({'ingestion': list(ingestion), 'dbt': list(dbt)}))",
  ].join("\n");
  const r = spawnSync(path.join(ROOT, ".venv", "bin", "python"), ["-c", code], { encoding: "utf8" });
  assert.equal(r.status, 0, `python failed (run npm test once to create .venv): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test("the local run's status vocabulary is exactly what ingestion and dbt_runner write", () => {
  const { ingestion, dbt } = pythonStatuses();
  assert.ok(ingestion.length > 0 && dbt.length > 0);
  assert.deepEqual([...RUN_STATUSES].sort(), [...new Set([...ingestion, ...dbt])].sort());
});

test("a status outside the vocabulary, or none, reads as FAILED", () => {
  assert.equal(runStatus("PARTIAL"), "PARTIAL");
  assert.equal(runStatus("SKIPPED"), "SKIPPED");
  assert.equal(runStatus("success"), "FAILED");
  assert.equal(runStatus(undefined), "FAILED");
});
