/**
 * The combined PR comment (.github/scripts/preview-comment.cjs, run through actions/github-script):
 * found by its hidden marker and edited in place, with each stack's preview and offline plan diff.
 * Stands for GitHub's issue-comment API as the script calls it; proven with a fake GitHub client
 * (our own stand-in), so it cannot prove GitHub's rendering of the markdown or the Mermaid diagram.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const comment = require("../../.github/scripts/preview-comment.cjs");

function fakeGithub(comments: { id: number; body: string }[] = [], issues: any[] = [], heads: Record<number, string> = {}) {
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
      pulls: { get: async (a: any) => (calls.push(["pulls.get", a]), { data: { head: { sha: heads[a.pull_number] } } }) },
    },
  };
  return { github, calls };
}
const context = {
  repo: { owner: "acme", repo: "data-platform" },
  serverUrl: "https://github.com",
  runId: 7,
  payload: { pull_request: { number: 12, head: { sha: "abcdef1234567" } } },
};

function sectionsDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sections-"));
  for (const [f, s] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), s);
  return dir;
}

describe("combined preview comment", () => {
  it("holds the marker and every stack's section, in order, noting stacks that left none", () => {
    const body = comment.buildComment({
      sections: comment.readSections(sectionsDir({ "dev.md": "### `dev`: update 1", "prod.md": "### `prod`: no changes" }), ["dev", "prod", "dev-aws"]),
      sha: "abcdef123",
    });
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
    const { github, calls } = fakeGithub([
      { id: 1, body: "LGTM" },
      { id: 5, body: `${comment.MARKER}\nold` },
    ]);
    const r = await comment.run({ github, context, dir: sectionsDir({ "dev.md": "new" }), stacks: ["dev"] });
    assert.deepEqual(r, { action: "updated", id: 5 });
    assert.equal(calls.filter(([n]) => n === "createComment").length, 0);
    assert.match(calls.find(([n]) => n === "updateComment")![1].body, /new/);
  });
});

describe("the comment carries the offline plan diff", () => {
  it("per stack: the preview section, then the plan diff (with its Mermaid diagram); a fork's stack has the diff alone", () => {
    const dir = sectionsDir({
      "dev.md": "### `dev`: update 1",
      "plan-dev.md": "### Offline plan diff: `dev`\n\n```mermaid\nflowchart LR\n```",
      "plan-prod.md": "### Offline plan diff: `prod`\n\nNo resource changes.",
    });
    const [dev, prod, aws] = comment.readSections(dir, ["dev", "prod", "dev-aws"]);
    assert.ok(dev.indexOf("`dev`: update 1") < dev.indexOf("```mermaid"), dev);
    assert.match(prod, /^### Offline plan diff: `prod`/);
    assert.match(aws, /`dev-aws`: no result/);
    assert.match(comment.buildComment({ sections: [dev] }), /```mermaid/);
  });

  it("forks (workflow_run): comments on the PR the artifact names only when its head is the commit the run tested", async () => {
    const wrContext = { ...context, payload: { workflow_run: { id: 41, head_sha: "f00d" } } };
    const ok = fakeGithub([], [], { 12: "f00d" });
    const r = await comment.runForWorkflowRun({ github: ok.github, context: wrContext, dir: sectionsDir({ "pr.json": '{"number":12}', "plan-dev.md": "diff" }), stacks: ["dev"] });
    assert.equal(r.action, "created");
    const created = ok.calls.find(([n]) => n === "createComment")![1];
    assert.equal(created.issue_number, 12);
    assert.match(created.body, /actions\/runs\/41/);

    const moved = fakeGithub([], [], { 12: "beef" });
    await assert.rejects(
      () => comment.runForWorkflowRun({ github: moved.github, context: wrContext, dir: sectionsDir({ "pr.json": '{"number":12}' }), stacks: ["dev"] }),
      /not the commit this run tested/,
    );
    assert.equal(moved.calls.filter(([n]) => n === "createComment" || n === "updateComment").length, 0);
    await assert.rejects(
      () => comment.runForWorkflowRun({ github: ok.github, context: wrContext, dir: sectionsDir({ "pr.json": '{"number":"12; rm"}' }), stacks: ["dev"] }),
      /no pull request number/,
    );
  });
});
