/**
 * `npm run site`: the docs and data-quality site of the last local runs, into `.local/site/`.
 *
 *   npm run local && npm run site      then open .local/site/index.html
 *
 * `index.html` is the data-quality report (every model, its last build and its tests, failing tests
 * first), built from dbt's manifest.json and the run_results.json of each pipeline's newest local
 * run; `docs.html` is dbt's own docs (`dbt docs generate --static` on the local DuckDB). The work is
 * `python -m dbt_runner site` (dbt/dbt_runner/site.py), the same code the cloud's dbt job publishes
 * with. `DP_LOCAL_DIR` moves `.local/` as for `npm run local`.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const PYTHON = process.env.DP_PYTHON ?? path.join(ROOT, ".venv", "bin", "python");

function main(): number {
  const r = spawnSync(PYTHON, ["-m", "dbt_runner", "site", ...process.argv.slice(2)], { cwd: path.join(ROOT, "dbt"), encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.error) {
    process.stderr.write(`site: could not start ${PYTHON}: ${r.error.message} (run tools/bootstrap.sh)\n`);
    return 2;
  }
  const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  let summary: { status: string; error?: string | null; site?: string; models?: number; tests?: number; tests_failing?: number };
  try {
    summary = JSON.parse(last);
  } catch {
    process.stderr.write(`site: dbt_runner site exited ${r.status} without a summary:\n${r.stdout}\n`);
    return 2;
  }
  if (summary.site) {
    process.stdout.write(
      `site: ${summary.models} models, ${summary.tests} tests (${summary.tests_failing} failing) → ${path.join(summary.site, "index.html")} (dbt docs: docs.html)\n`,
    );
  }
  if (summary.error) process.stderr.write(`site: ${summary.status}: ${summary.error}\n`);
  return r.status ?? 2;
}

process.exit(main());
