/**
 * The scripts the workflows run through actions/github-script: the combined PR comment (found by its
 * hidden marker and edited in place) and the drift issue. Driven with a fake GitHub client.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const comment = require("../../.github/scripts/preview-comment.cjs");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const drift = require("../../.github/scripts/drift-report.cjs");

function fakeGithub(comments: { id: number; body: string }[] = [], issues: any[] = []) {
  const calls: [string, any][] = [];
  const github = {
    paginate: async (fn: any, args: any) => fn(args),
    rest: {
      issues: {
        listComments: (a: any) => (calls.push(["listComments", a]), comments),
        updateComment: async (a: any) => calls.push(["updateComment", a]),
        createComment: async (a: any) => (calls.push(["createComment", a]), { data: { id: 99 } }),
        listForRepo: (a: any) => (calls.push(["listForRepo", a]), issues),
        create: async (a: any) => calls.push(["create", a]),
        update: async (a: any) => calls.push(["update", a]),
      },
    },
  };
  return { github, calls };
}
const context = { repo: { owner: "acme", repo: "data-platform" }, serverUrl: "https://github.com", runId: 7, payload: { pull_request: { number: 12, head: { sha: "abcdef1234567" } } } };

function sectionsDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sections-"));
  for (const [f, s] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), s);
  return dir;
}

describe("combined preview comment", () => {
  it("holds the marker and every stack's section, in order, noting stacks that left none", () => {
    const body = comment.buildComment({ sections: comment.readSections(sectionsDir({ "dev.md": "### `dev`: update 1", "prod.md": "### `prod`: no changes" }), ["dev", "prod", "dev-aws"]), sha: "abcdef123" });
    assert.ok(body.startsWith(comment.MARKER));
    assert.ok(body.indexOf("`dev`: update 1") < body.indexOf("`prod`: no changes"));
    assert.match(body, /`dev-aws`: no result/);
    assert.match(body, /for `abcdef1`/);
  });

  it("stays under GitHub's body limit", () => {
    const body = comment.buildComment({ sections: ["x".repeat(200_000)] });
    assert.ok(body.length <= comment.MAX_BODY);
    assert.match(body, /truncated/);
  });

  it("creates the comment when none has the marker", async () => {
    const { github, calls } = fakeGithub([{ id: 1, body: "LGTM" }]);
    const r = await comment.run({ github, context, dir: sectionsDir({}), stacks: ["dev"] });
    assert.equal(r.action, "created");
    assert.equal(calls.find(([n]) => n === "createComment")![1].issue_number, 12);
  });

  it("edits the comment that has the marker instead of adding one", async () => {
    const { github, calls } = fakeGithub([{ id: 1, body: "LGTM" }, { id: 5, body: `${comment.MARKER}\nold` }]);
    const r = await comment.run({ github, context, dir: sectionsDir({ "dev.md": "new" }), stacks: ["dev"] });
    assert.deepEqual(r, { action: "updated", id: 5 });
    assert.equal(calls.filter(([n]) => n === "createComment").length, 0);
    assert.match(calls.find(([n]) => n === "updateComment")![1].body, /new/);
  });
});

describe("drift report", () => {
  const core = () => {
    const failed: string[] = [];
    return { failed, setFailed: (m: string) => failed.push(m), info: () => undefined };
  };

  it("opens an issue and fails the run when a stack drifted (a missing result counts)", async () => {
    const { github, calls } = fakeGithub();
    const c = core();
    const r = await drift.run({ github, context, core: c, dir: sectionsDir({ "dev.json": '{"stack":"dev","outcome":"success"}', "prod.json": '{"stack":"prod","outcome":"failure"}' }), stacks: ["dev", "prod", "dev-aws"] });
    assert.deepEqual(r.drifted, ["prod", "dev-aws"]);
    const created = calls.find(([n]) => n === "create")![1];
    assert.equal(created.title, drift.TITLE);
    assert.deepEqual(created.labels, [drift.LABEL]);
    assert.equal(c.failed.length, 1);
  });

  it("updates the open drift issue instead of opening another", async () => {
    const { github, calls } = fakeGithub([], [{ number: 3, title: drift.TITLE }]);
    await drift.run({ github, context, core: core(), dir: sectionsDir({ "dev.json": '{"outcome":"failure"}' }), stacks: ["dev"] });
    assert.equal(calls.filter(([n]) => n === "create").length, 0);
    assert.equal(calls.find(([n]) => n === "update")![1].issue_number, 3);
  });

  it("closes the open drift issue when nothing drifts, and passes", async () => {
    const { github, calls } = fakeGithub([], [{ number: 3, title: drift.TITLE }]);
    const c = core();
    await drift.run({ github, context, core: c, dir: sectionsDir({ "dev.json": '{"outcome":"success"}' }), stacks: ["dev"] });
    assert.equal(calls.find(([n]) => n === "update")![1].state, "closed");
    assert.deepEqual(c.failed, []);
  });
});
