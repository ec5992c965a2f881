/**
 * An empty dbt selection is an error at validation time, where a parsed manifest is at hand.
 * Stands for: `transform.select` (or the default tag:<name>+) selecting nothing, which dbt itself
 * reports as "SUCCESS: 0 models". Proven against the manifest that the real `dbt parse` (pinned dbt
 * in .venv) writes for this project (third-party parser), and the loader's issue for it. Cannot
 * prove: dbt's full selector grammar (methods not evaluated here are "unknown" and pass; the runner
 * refuses an empty selection at run time regardless, dbt/tests_runner).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { evaluateSelection, freshManifest, type Manifest } from "../../stacks/dbt-selection";
import { ConfigError } from "../../stacks/errors";
import { load, project, ROOT, VALID_PIPELINE } from "./fixture";
import { loadPlatformConfig } from "../../stacks/load";
import { readStackFile } from "../../tools/synth/stack-file";

let work: string;
let manifestFile: string;
let manifest: Manifest;

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "dp-dbt-parse-"));
  const r = spawnSync(
    path.join(ROOT, ".venv", "bin", "dbt"),
    [
      "parse",
      "--project-dir",
      ".",
      "--profiles-dir",
      ".",
      "--target",
      "local",
      "--target-path",
      path.join(work, "target"),
      "--log-path",
      path.join(work, "logs"),
      "--no-send-anonymous-usage-stats",
    ],
    {
      cwd: path.join(ROOT, "dbt"),
      env: { ...process.env, DP_LOCAL_DIR: work },
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 0, `dbt parse failed (run tools/bootstrap.sh):\n${r.stdout}${r.stderr}`);
  manifestFile = path.join(work, "target", "manifest.json");
  manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

describe("dbt selections against the parsed manifest", () => {
  it("every pipeline's selection selects something (Fivetran models count though DuckDB disables them)", () => {
    for (const stack of ["dev", "prod", "dev-aws"]) {
      for (const p of load(ROOT, stack).config.pipelines) assert.equal(evaluateSelection(p.dbtSelect, manifest), "selects", `${stack}: ${p.name} (${p.dbtSelect})`);
    }
  });

  it("tells empty, selecting and unknown apart", () => {
    assert.equal(evaluateSelection("tag:orders_flies+", manifest), "empty");
    assert.equal(evaluateSelection("tag:orders_files,tag:jsonplaceholder", manifest), "empty");
    assert.equal(evaluateSelection("tag:nothing tag:orders_files", manifest), "selects");
    assert.equal(evaluateSelection("+stg_orders", manifest), "selects");
    assert.equal(evaluateSelection("path:models/marts/orders_files", manifest), "selects");
    assert.equal(evaluateSelection("source:orders_files+", manifest), "selects");
    assert.equal(evaluateSelection("tag:orders_files,resource_type:model", manifest), "selects");
    assert.equal(evaluateSelection("state:modified+", manifest), "unknown");
    assert.equal(evaluateSelection("stg_*", manifest), "unknown");
  });

  it("the loader reports an empty selection at its line, naming the pipeline and the selection; a stale manifest is not used", () => {
    const text = `${VALID_PIPELINE}transform:\n  select: "tag:orderz+"\n`;
    const root = project({ pipelines: { "orders.yaml": text } });
    fs.mkdirSync(path.join(root, "dbt", "target"), { recursive: true });
    fs.copyFileSync(manifestFile, path.join(root, "dbt", "target", "manifest.json"));
    const config = readStackFile(root, "dev").config;
    let issues;
    try {
      loadPlatformConfig({ root, stack: "dev", config });
      assert.fail("an empty selection must be refused");
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      issues = e.issues;
    }
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.deepEqual({ file: issues[0].file, line: issues[0].line, path: issues[0].path }, { file: "pipelines/orders.yaml", line: 13, path: "transform.select" });
    assert.match(issues[0].expected, /selects at least one model or test of dbt\/target\/manifest\.json/);
    assert.equal(issues[0].found, '"tag:orderz+", which selects nothing');

    // A model written after the parse may be the one the selection is for: the manifest is not trusted.
    fs.mkdirSync(path.join(root, "dbt", "models"));
    const later = new Date(Date.now() + 5000);
    fs.writeFileSync(path.join(root, "dbt", "models", "new.sql"), "select 1");
    fs.utimesSync(path.join(root, "dbt", "models", "new.sql"), later, later);
    assert.equal(freshManifest(path.join(root, "dbt")), undefined);
    assert.doesNotThrow(() => loadPlatformConfig({ root, stack: "dev", config }));
  });
});
