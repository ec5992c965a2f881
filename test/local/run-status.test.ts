/**
 * The pipeline-run record's vocabulary has one TypeScript home (tools/run-status.ts for statuses,
 * components/cloud/run-context.ts for run types) and one Python home (ingestion/pipeline_run.py, copied
 * into the dbt image's package as dbt/dbt_runner/pipeline_run.py, since the images have separate build
 * contexts). Stands for: every writer and reader of a run record agreeing on its words.
 * What proves it: importing both Python modules in the project's venv and comparing (our own check of
 * our own code); the copy is compared byte for byte. It cannot prove what an older deployed image writes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { RUN_TYPES } from "../../components/cloud/run-context";
import { RUN_STATUSES, runStatus } from "../../tools/run-status";

const ROOT = path.resolve(__dirname, "../..");

function pythonVocabulary(): Record<string, { statuses: string[]; runTypes: string[]; defaultRunType: string }> {
  const code = [
    "import json, sys",
    `sys.path[:0] = [${JSON.stringify(ROOT)}, ${JSON.stringify(path.join(ROOT, "dbt"))}]`,
    "from ingestion import pipeline_run as i",
    "from dbt_runner import pipeline_run as d",
    "print(json.dumps({k: {'statuses': list(m.STATUSES), 'runTypes': list(m.RUN_TYPES), 'defaultRunType': m.DEFAULT_RUN_TYPE} for k, m in (('ingestion', i), ('dbt', d))}))",
  ].join("\n");
  const r = spawnSync(path.join(ROOT, ".venv", "bin", "python"), ["-c", code], { encoding: "utf8" });
  assert.equal(r.status, 0, `python failed (run npm test once to create .venv): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test("the dbt image's pipeline_run.py is a byte-identical copy of ingestion's", () => {
  const home = fs.readFileSync(path.join(ROOT, "ingestion", "pipeline_run.py"), "utf8");
  const copy = fs.readFileSync(path.join(ROOT, "dbt", "dbt_runner", "pipeline_run.py"), "utf8");
  assert.ok(home === copy, "dbt/dbt_runner/pipeline_run.py differs from ingestion/pipeline_run.py: copy the home (ingestion/) over it");
});

test("statuses and run types are exactly those of tools/run-status.ts and run-context.ts, in both Python modules", () => {
  for (const [module, v] of Object.entries(pythonVocabulary())) {
    assert.deepEqual(v.statuses, [...RUN_STATUSES], `${module} pipeline_run.STATUSES`);
    assert.deepEqual([...v.runTypes].sort(), Object.values(RUN_TYPES).sort(), `${module} pipeline_run.RUN_TYPES`);
    assert.equal(v.defaultRunType, RUN_TYPES.schedule, `${module} pipeline_run.DEFAULT_RUN_TYPE`);
  }
});

test("a status outside the vocabulary, or none, reads as FAILED", () => {
  assert.equal(runStatus("PARTIAL"), "PARTIAL");
  assert.equal(runStatus("QUEUED"), "QUEUED");
  assert.equal(runStatus("success"), "FAILED");
  assert.equal(runStatus(undefined), "FAILED");
});
