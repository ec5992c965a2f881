/**
 * Issue 17.5: `npm run plan -- --stack dev --pipeline <name>` shows one pipeline's resources and
 * inputs; `--help` and usage errors print the usage, not a stack trace. Stands for the command a
 * pipeline author runs; proven by running tools/plan.ts for real in a child process on the shipped
 * stack and pipelines (under mocks: it cannot prove what a cloud would create).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";

const ROOT = path.resolve(__dirname, "../..");
function plan(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools", "plan.ts"), ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run plan -- --pipeline", () => {
  it("--json holds exactly that pipeline's resources: its component's, and its identity and grants elsewhere", () => {
    const all = JSON.parse(plan("--stack", "dev", "--json").stdout);
    const r = plan("--stack", "dev", "--pipeline", "orders_files", "--json");
    assert.equal(r.code, 0, r.stderr);
    const only = JSON.parse(r.stdout);
    const names = only.resources.map((x: any) => x.name);
    assert.ok(names.includes("orders_files-schedule"), names.join(", "));
    assert.ok(
      names.some((n: string) => /^sa-.*orders_files$|orders_files.*account/.test(n) || n.endsWith("-orders_files")),
      `an identity or grant named after it: ${names.join(", ")}`,
    );
    for (const n of names) assert.ok(n.includes("orders_files"), `${n} is not the pipeline's`);
    // Every resource the full plan names after the pipeline is there, and nothing of another pipeline.
    const expected = all.resources
      .filter((x: any) => x.name.split("-").includes("orders_files") || x.name === "orders_files")
      .map((x: any) => x.urn)
      .sort();
    assert.deepEqual(only.resources.map((x: any) => x.urn).sort(), expected);
    assert.deepEqual(Object.keys(only), ["project", "stack", "resources", "outputs"]);
  });

  it("as text: each resource with its inputs (the cron, the image), secrets masked", () => {
    const r = plan("--stack", "dev", "--pipeline", "orders_files");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^data-platform \/ dev, pipeline orders_files: \d+ resources/);
    assert.match(r.stdout, /gcp:cloudscheduler\/job:Job {2}orders_files-schedule\n(\s{4}.*\n)*\s{4}schedule: 30 2 \* \* \*/);
    assert.match(r.stdout, /image: \S+@sha256:[0-9a-f]{64}/);
    assert.doesNotMatch(r.stdout, /jsonplaceholder|shop_postgres/);
    assert.doesNotMatch(r.stdout, /PRIVATE KEY/);
  });

  it("an unknown pipeline names the ones the stack has", () => {
    const r = plan("--stack", "dev", "--pipeline", "nope");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^plan: stack dev has no pipeline 'nope' \(its pipelines: jsonplaceholder, orders_files, shop_postgres\)$/m);
    assert.doesNotMatch(r.stderr, /usage:|\n\s+at /);
  });

  it("--help prints the usage; a usage error prints what is wrong and the usage, no stack trace", () => {
    const help = plan("--help");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: npm run plan -- --stack <name> \[--pipeline <name>\]/);
    for (const args of [["--stack"], ["--bogus"], []]) {
      const r = plan(...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /^plan: (--stack needs a value|unknown argument --bogus|--stack is required)\n\nusage:/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});
