/**
 * The shipped pipelines run, and the dev stack plans, without a single warning line.
 * Stands for: a new user's first `npm run local` and `npm run plan -- --stack dev`, where a warning
 * that fires on every normal run (dlt's arrow-schema hint warning for orders_files, the Fivetran
 * secret warnings on a paused dev stack) teaches people to ignore warnings. Proven by: the real
 * tools/local.ts (dlt into DuckDB, dbt build; ingestion's and dbt's WARNING log lines are printed as
 * "warning:" steps) and the real tools/plan.ts under Pulumi's mocks (pulumi.log.warn prints
 * "warning:"), ran for real. The prod plan is the control: there the schedules run, so the missing
 * Fivetran secret must still warn. Cannot prove: what the real Pulumi CLI prints beyond the program's
 * own log calls (provider diagnostics), or warnings of the cloud runs.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";

const ROOT = path.resolve(__dirname, "../..");

function run(args: string[], env: Record<string, string> = {}): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Lines that warn, in any tool's words: "warning: ...", Python's "UserWarning", dbt's "[WARNING]". */
const warningLines = (out: string) => out.split("\n").filter((l) => /\bwarn(ing)?\b|Warning\b/i.test(l));

test("npm run local: every shipped pipeline runs without a warning line", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-local-quiet-"));
  try {
    const r = run(["tools/local.ts"], { DP_LOCAL_DIR: dir });
    // Did it run at all: the two pipelines that run locally succeeded (a run that did nothing is not quiet, it is broken).
    assert.match(r.out, /^\s+jsonplaceholder\s+SUCCESS\s/m, r.out);
    assert.match(r.out, /^\s+orders_files\s+SUCCESS\s+orders=\d+/m, r.out);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(warningLines(r.out), [], r.out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const stack of ["dev", "dev-aws"]) {
  test(`npm run plan -- --stack ${stack}: no warning line, and the empty secrets are still named (as info)`, () => {
    const r = run(["tools/plan.ts", "--stack", stack]);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(warningLines(r.out), [], r.out);
    // Quiet, not silent: point 4's plan-time report of a referenced secret without a value stays.
    assert.match(r.out, /^info: .*secret \S+-shop-postgres-secret-db-password has no value yet; add one with: /m, r.out);
    assert.match(r.out, /^info: .*pipeline shop_postgres: secret "db_password" has no value, so source field "password" is left out/m, r.out);
  });
}

test("npm run plan -- --stack prod: a missing secret of a scheduled pipeline still warns", () => {
  const r = run(["tools/plan.ts", "--stack", "prod"]);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(
    warningLines(r.out).map((l) => l.replace(/ \(pulumi config set.*| set it with:.*/, "")),
    [
      "warning: [runtime] Fivetran API key not set: the Fivetran pipelines' syncs will fail with 401 until it is",
      'warning: [runtime] pipeline shop_postgres: secret "db_password" has no value, so source field "password" is left out;',
    ],
    r.out,
  );
});
