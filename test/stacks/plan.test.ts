/** The offline plan as users run it: `npm run plan -- --stack <name> [--json]`, in a child process. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { PROJECT_ROOT } from "../../stacks/program";

function plan(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "tools", "plan.ts"), ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run plan", () => {
  it("--json prints { project, stack, resources, outputs } with secrets as [secret]", () => {
    const r = plan("--stack", "dev", "--json");
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(json), ["project", "stack", "resources", "outputs"]);
    assert.equal(json.project, "data-platform");
    assert.equal(json.stack, "dev");
    for (const res of json.resources)
      assert.deepEqual(
        Object.keys(res).filter((k) => k !== "parent"),
        ["urn", "type", "name", "inputs"],
      );
    const versions = json.resources.filter((x: { type: string }) => x.type === "gcp:secretmanager/secretVersion:SecretVersion");
    assert.ok(versions.length > 0);
    // GCP writes secret values write-only (secretDataWo): never in state, never read back by a refresh.
    for (const v of versions) assert.equal(v.inputs.secretDataWo, "[secret]");
    assert.doesNotMatch(r.stdout, /PRIVATE KEY/);
  });

  it("prints a tree by component and counts by type", () => {
    const r = plan("--stack", "dev-aws");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^data-platform \/ dev-aws: \d+ resources in \d+ components/);
    assert.match(r.stdout, /└─ index:DataPlatform {2}acmeaws-dev/);
    assert.match(r.stdout, /Resources by type:\n\s+\d+ {2}\S+/);
    assert.match(r.stdout, /\n\s+1 {2}aws:ecs\/cluster:Cluster\n/);
  });

  it("exits 1 with every configuration error on bad input, declaring nothing", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dp-plan-"));
    fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), path.join(root, "Pulumi.dev.yaml"));
    fs.mkdirSync(path.join(root, "pipelines"));
    const good = fs.readFileSync(path.join(PROJECT_ROOT, "pipelines", "orders_files.yaml"), "utf8");
    fs.writeFileSync(path.join(root, "pipelines", "orders_files.yaml"), good.replace('cron: "30 2 * * *"', 'cron: "30 2 * *"'));
    const r = plan("--stack", "dev", "--root", root);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^1 configuration error; nothing was declared:\n {2}pipelines\/orders_files\.yaml:17:9 {2}schedule\.cron: expected a cron expression with 5 fields/);
    assert.equal(r.stdout, "");
  });

  it("names the stacks that exist when asked for one that does not", () => {
    const r = plan("--stack", "staging");
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^1 configuration error; nothing was declared:\n {2}Pulumi\.staging\.yaml {2}expected a stack file \(stacks here: dev, dev-aws, prod\), found no such file\n$/,
    );
  });
});
