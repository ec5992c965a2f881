/**
 * Issue 17.6: the drift check reports real drift only, as one issue per stack kept up to date, and
 * closes it when drift is gone.
 *
 * Stands for: drift.yml's report job (drift-report.cjs through actions/github-script) and its detect
 * step (drift-check.sh). Proven with a fake GitHub client and a stand-in `pulumi` that answers like the
 * CLI's `refresh --preview-only` (exit code and summary lines): our own stand-ins. They cannot prove
 * the real CLI's wording of its summary, nor what the cloud reports.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const drift = require("../../.github/scripts/drift-report.cjs");
const ROOT = path.resolve(__dirname, "../..");

function fakeGithub(issues: any[] = []) {
  const calls: [string, any][] = [];
  const github = {
    paginate: async (fn: any, args: any) => fn(args),
    rest: {
      issues: {
        listForRepo: (a: any) => (calls.push(["listForRepo", a]), issues),
        create: async (a: any) => calls.push(["create", a]),
        update: async (a: any) => calls.push(["update", a]),
        createComment: async (a: any) => calls.push(["createComment", a]),
      },
    },
  };
  return { github, calls };
}
const context = { repo: { owner: "acme", repo: "data-platform" }, serverUrl: "https://github.com", runId: 7 };
const core = () => {
  const failed: string[] = [];
  return { failed, setFailed: (m: string) => failed.push(m), info: () => undefined };
};
function results(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-"));
  for (const [stack, r] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${stack}.json`), JSON.stringify(r));
  return dir;
}
const DRIFT = { outcome: "drift", changes: ["~ 1 to update"] };

describe("drift report: one issue per stack", () => {
  it("opens an issue for each drifted stack only, titled by stack, and fails the run", async () => {
    const { github, calls } = fakeGithub();
    const c = core();
    const r = await drift.run({
      github,
      context,
      core: c,
      dir: results({ dev: { outcome: "clean" }, prod: DRIFT, "dev-aws": { outcome: "clean" } }),
      stacks: ["dev", "prod", "dev-aws"],
    });
    assert.deepEqual(r.drifted, ["prod"]);
    const created = calls.filter(([n]) => n === "create").map(([, a]) => a);
    assert.deepEqual(
      created.map((a) => [a.title, a.labels]),
      [["Drift: prod", ["drift"]]],
    );
    assert.match(created[0].body, /~ 1 to update/);
    assert.deepEqual(c.failed, ["drift in prod"]);
  });

  it("updates that stack's open issue instead of opening another; comments only when the drift changed", async () => {
    const open = [{ number: 3, title: "Drift: prod", body: drift.issueBody({ stack: "prod", changes: ["~ 1 to update"] }, "https://old") }];
    const same = fakeGithub(open);
    await drift.run({ github: same.github, context, core: core(), dir: results({ prod: DRIFT }), stacks: ["prod"] });
    assert.equal(same.calls.filter(([n]) => n === "create").length, 0);
    assert.equal(same.calls.find(([n]) => n === "update")![1].issue_number, 3);
    assert.equal(same.calls.filter(([n]) => n === "createComment").length, 0, "same drift: body refreshed, no comment");

    const more = fakeGithub(open);
    await drift.run({ github: more.github, context, core: core(), dir: results({ prod: { outcome: "drift", changes: ["~ 2 to update", "- 1 to delete"] } }), stacks: ["prod"] });
    assert.match(more.calls.find(([n]) => n === "createComment")![1].body, /The drift changed:[\s\S]*- 1 to delete/);
  });

  it("closes a stack's issue on its first clean check, leaving other stacks' issues alone", async () => {
    const { github, calls } = fakeGithub([
      { number: 3, title: "Drift: prod" },
      { number: 4, title: "Drift: dev" },
    ]);
    const c = core();
    const r = await drift.run({ github, context, core: c, dir: results({ prod: { outcome: "clean" }, dev: DRIFT }), stacks: ["prod", "dev"] });
    const closed = calls.filter(([n, a]) => n === "update" && a.state === "closed").map(([, a]) => a.issue_number);
    assert.deepEqual(closed, [3]);
    assert.deepEqual(r.actions.map((a: any) => `${a.stack}:${a.action}`).sort(), ["dev:updated", "prod:closed"]);
    assert.deepEqual(c.failed, ["drift in dev"]);
  });

  it("a check that errored (or left no result) is not drift: no issue opened or closed, the run fails saying so", async () => {
    const { github, calls } = fakeGithub([{ number: 3, title: "Drift: prod" }]);
    const c = core();
    const r = await drift.run({ github, context, core: c, dir: results({ prod: { outcome: "error", changes: [] } }), stacks: ["prod", "dev"] });
    assert.deepEqual(r.drifted, []);
    assert.deepEqual(r.errors, ["prod", "dev"]);
    assert.deepEqual(
      calls.filter(([n]) => n !== "listForRepo"),
      [],
    );
    assert.match(c.failed[0], /could not run for prod, dev: .*not drift/);
  });
});

describe("drift-check.sh (pulumi refresh --preview-only, stand-in CLI)", () => {
  function check(refresh: string) {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "dp-drift-"));
    const log = path.join(bin, "calls.log");
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/usr/bin/env bash\necho "$*" >> "${log}"\n[ "$1" = login ] && exit 0\n${refresh}\n`, { mode: 0o755 });
    const out = path.join(bin, "out");
    const r = spawnSync("bash", [path.join(ROOT, ".github/scripts/drift-check.sh"), "prod", "acme/prod", out], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, GITHUB_STEP_SUMMARY: "" },
    });
    assert.equal(r.status, 0, r.stderr);
    return { result: JSON.parse(fs.readFileSync(path.join(out, "prod.json"), "utf8")), calls: fs.readFileSync(log, "utf8").trim().split("\n"), log: r.stdout };
  }

  it("compares state with the cloud (refresh --preview-only), never runs the program", () => {
    const { calls } = check("exit 0");
    assert.equal(calls[1], "refresh --preview-only --expect-no-changes --diff --non-interactive --color never --stack acme/prod");
  });

  it("no changes: clean", () => {
    assert.deepEqual(check('echo "Resources:"; echo "    42 unchanged"; exit 0').result, { stack: "prod", outcome: "clean", changes: [] });
  });

  it("changes in the summary: drift, with the counts only (names and values stay in the job log)", () => {
    const r = check(
      'echo "    ~ gcp:storage/bucket:Bucket raw refresh [diff: ~labels]"; echo "Resources:"; echo "    ~ 1 to update"; echo "    41 unchanged"; echo "error: no changes were expected but changes were proposed" >&2; exit 255',
    );
    assert.deepEqual(r.result, { stack: "prod", outcome: "drift", changes: ["~ 1 to update"] });
    assert.match(r.log, /bucket:Bucket raw/, "the full diff is in the log");
  });

  it("a failure with no change counted (credentials, outage): error, not drift", () => {
    assert.equal(check('echo "error: failed to refresh: 403 Forbidden" >&2; exit 255').result.outcome, "error");
  });
});
