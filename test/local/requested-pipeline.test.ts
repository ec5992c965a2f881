/**
 * `npm run local -- --pipeline <name>` for a pipeline that cannot run locally (a Fivetran one, loaded
 * only in the cloud) must not pass silently.
 * Stands for: the exit code a developer or script sees. Proven by: the real tools/local.ts (ran for
 * real; the Fivetran pipeline is skipped before any Python starts). Cannot prove: anything about the
 * pipeline's cloud run.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";

const ROOT = path.resolve(__dirname, "../..");

test("a pipeline asked for with --pipeline that was skipped exits non-zero, with the reason", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-local-skip-"));
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", "tools/local.ts", "--pipeline", "shop_postgres"], {
      cwd: ROOT,
      env: { ...process.env, DP_LOCAL_DIR: dir },
      encoding: "utf8",
    });
    const out = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 1, out);
    assert.match(out, /shop_postgres: SKIPPED: Fivetran loads it in the cloud/);
    assert.match(out, /asked for with --pipeline but skipped: shop_postgres/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
