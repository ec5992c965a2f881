/** Writes pipeline-run records with the real Python module (ingestion/pipeline_run.py) in the project's venv. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const PYTHON = path.join(ROOT, ".venv", "bin", "python");

/** Record steps with the real module: [pipeline, run id, step, part]. */
export function writeRecords(artifacts: string, steps: [string, string, string, Record<string, unknown>][]): void {
  const code = [
    "import json, sys",
    `sys.path.insert(0, ${JSON.stringify(ROOT)})`,
    "from ingestion import pipeline_run as pr",
    "store = pr.open_part_store(sys.argv[1])",
    "for pipeline, run_id, step, part in json.load(sys.stdin): pr.record_step(store, pipeline, run_id, step, part)",
  ].join("\n");
  const r = spawnSync(PYTHON, ["-c", code, artifacts], { input: JSON.stringify(steps), encoding: "utf8" });
  assert.equal(r.status, 0, `python failed (run npm test once to create .venv): ${r.stderr}`);
}
