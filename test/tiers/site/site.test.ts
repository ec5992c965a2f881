/**
 * The docs and data-quality site in a real browser (issue #19 point 5): Debian's chromium, headless
 * (chromium.ts: pinned, installed once per machine), reads the pages `npm run site` wrote after a
 * local run whose dbt build has a failing test.
 *
 * The fixture: `npm run local -- --pipeline orders_files` into a scratch `.local`, then one duplicate
 * order inserted into the raw table and the pipeline's dbt build run again (as the local run runs it),
 * so `unique_stg_orders_order_id` fails; then `npm run site` (tools/site.ts).
 *
 * Rank: ran for real (dbt on DuckDB, dbt's own docs app, a real browser's DOM after scripts ran).
 * Proves: the report page loads and lists every model the manifest has, the failing test is shown as
 * failing and a passing one as passing; dbt's docs page renders (its JavaScript app runs) and lists
 * every model in its navigation. Cannot prove: how the pages look (no pixels are compared), or that
 * the cloud bucket serves them to the readers (IAM under mocks: test/stacks/site-readers.test.ts).
 */
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { dumpDom, ensureChromium } from "./chromium";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const PY = path.join(ROOT, ".venv", "bin", "python");

let dir: string;
let browser: string;
let report: { models: { name: string; unique_id: string; pipeline: string | null }[]; tests: { name: string; status: string; model: string | null }[] };

function sh(cmd: string, args: string[], cwd = ROOT): { code: number; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, DP_LOCAL_DIR: dir }, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

before(() => {
  browser = ensureChromium();
  if (!fs.existsSync(PY)) throw new Error(`site tier: no ${PY} (run tools/bootstrap.sh)`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-site-"));
  const local = sh(process.execPath, ["--import", "tsx", "tools/local.ts", "--pipeline", "orders_files"]);
  assert.equal(local.code, 0, local.out);
  const dup = `import duckdb; c = duckdb.connect(${JSON.stringify(path.join(dir, "warehouse.duckdb"))}); c.execute("insert into raw_orders_files.orders select * from raw_orders_files.orders limit 1"); c.close()`;
  const inserted = sh(PY, ["-c", dup]);
  assert.equal(inserted.code, 0, inserted.out);
  const rebuild = sh(PY, ["-m", "dbt_runner", "build", "--select", "tag:orders_files+", "--pipeline", "orders_files", "--target", "local"], path.join(ROOT, "dbt"));
  assert.equal(rebuild.code, 1, `the rebuild is PARTIAL (a failing test):\n${rebuild.out.slice(-3000)}`);
  const site = sh(process.execPath, ["--import", "tsx", "tools/site.ts"]);
  assert.equal(site.code, 0, site.out);
  report = JSON.parse(fs.readFileSync(path.join(dir, "site", "report.json"), "utf8"));
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Rows of one table in the dumped DOM, by their data attributes. */
function rows(dom: string, cls: "model" | "test"): Record<string, string>[] {
  return [...dom.matchAll(new RegExp(`<tr class="${cls}"([^>]*)>([\\s\\S]*?)</tr>`, "g"))].map((m) => ({
    ...Object.fromEntries([...m[1].matchAll(/data-([a-z]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])),
    html: m[2],
  }));
}

describe("the data-quality report in chromium", () => {
  it("loads, lists every model of the manifest, and shows the failing test as failing", () => {
    const dom = dumpDom(browser, path.join(dir, "site", "index.html"));
    assert.match(dom, /<h1>Data quality<\/h1>/);
    const models = rows(dom, "model")
      .map((r) => r.model)
      .sort();
    assert.deepEqual(models, report.models.map((m) => m.name).sort());
    for (const m of ["stg_orders", "fct_orders", "fct_daily_revenue"]) assert.ok(models.includes(m), m);
    const tests = rows(dom, "test");
    const failing = tests.find((t) => t.test === "unique_stg_orders_order_id");
    assert.ok(failing, "the unique test is listed");
    assert.equal(failing.status, "fail");
    assert.match(failing.html, /class="status status-fail">fail</);
    const passing = tests.find((t) => t.test === "not_null_stg_orders_order_id")!;
    assert.equal(passing.status, "pass");
    assert.equal(tests.filter((t) => t.status === "fail").length, 1, "only the duplicated key fails");
    assert.equal(rows(dom, "model").find((r) => r.model === "stg_orders")!.failing, "1");
    assert.match(dom, /data-failing="1">\d+ models, \d+ tests, 1 failing\./);
  });
});

describe("dbt's docs in chromium", () => {
  it("renders its app and lists every model in the navigation", () => {
    const dom = dumpDom(browser, path.join(dir, "site", "docs.html"));
    // Only what the app rendered counts: the manifest embedded in its scripts names every model too.
    const rendered = dom.replace(/<script[\s\S]*?<\/script>/g, "");
    for (const m of report.models) assert.ok(rendered.includes(`data-nav-unique-id="${m.unique_id}"`), `${m.name} in the docs' navigation`);
  });
});
