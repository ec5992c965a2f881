// One pull-request comment for every stack's preview, edited in place. Used by the `comment` job of
// .github/workflows/pr.yml through actions/github-script; tested by test/ci/preview-comment.test.ts.
// The comment is found by a hidden marker, so a new push edits it instead of adding another.
"use strict";
const fs = require("fs");
const path = require("path");

const MARKER = "<!-- data-platform-preview -->";
// GitHub rejects comment bodies over 65536 characters.
const MAX_BODY = 65000;

/**
 * Per stack: the `pulumi preview` section (`<dir>/<stack>.md`, same-repository PRs only) and the
 * offline plan diff (`<dir>/plan-<stack>.md`: every PR, with its risky changes first, the inputs of
 * added resources, per-pipeline counts and the Mermaid diagram). A stack with neither says so.
 */
function readSections(dir, stacks) {
  const read = (f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8").trim() : undefined);
  return stacks.map((stack) => {
    const preview = read(`${stack}.md`);
    const plan = read(`plan-${stack}.md`);
    if (!preview && !plan) return `### \`${stack}\`: no result\n\n:x: The jobs for this stack ended before they wrote a preview or a plan diff; see the run.`;
    return [preview, plan].filter(Boolean).join("\n\n");
  });
}

/** The comment body: marker, title, one section per stack, the run link. Trimmed to GitHub's limit. */
function buildComment({ sections, sha, runUrl, title = "Pulumi preview" }) {
  const head = `${MARKER}\n## ${title}${sha ? ` for \`${String(sha).slice(0, 7)}\`` : ""}\n`;
  const foot = `\n---\n${runUrl ? `[Workflow run](${runUrl}) · ` : ""}updated on every push; this comment is edited in place.\n`;
  let body = `${head}\n${sections.join("\n\n")}\n${foot}`;
  if (body.length > MAX_BODY) {
    const room = MAX_BODY - head.length - foot.length - 200;
    body = `${head}\n${sections.join("\n\n").slice(0, room)}\n\n…(truncated: the full previews are in the job logs)\n${foot}`;
  }
  return body;
}

/** Create the comment, or edit the one that carries the marker (the first, if several). */
async function upsertComment({ github, owner, repo, issueNumber, body }) {
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 });
  const existing = comments.find((c) => typeof c.body === "string" && c.body.includes(MARKER));
  if (existing) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
    return { action: "updated", id: existing.id };
  }
  const created = await github.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return { action: "created", id: created.data.id };
}

/**
 * Entry point for actions/github-script. `pr` ({ number, sha, runId }) is given by the workflow_run
 * path (pr-comment.yml, for forks), where the event is not the pull request itself.
 */
async function run({ github, context, core, dir, stacks, pr: given }) {
  const event = context.payload.pull_request;
  const pr = given || { number: event.number, sha: event.head && event.head.sha, runId: context.runId };
  if (!Number.isInteger(pr.number) || pr.number <= 0) throw new Error(`not a pull request number: ${JSON.stringify(pr.number)}`);
  const body = buildComment({
    sections: readSections(dir, stacks),
    sha: pr.sha,
    runUrl: `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${pr.runId}`,
  });
  const result = await upsertComment({ github, owner: context.repo.owner, repo: context.repo.repo, issueNumber: pr.number, body });
  if (core) core.info(`preview comment ${result.action} (${result.id})`);
  return result;
}

/**
 * For forks (pr-comment.yml, on workflow_run): the PR number comes from an artifact the untrusted run
 * wrote, so it is only believed when that PR's head is the commit the run tested.
 */
async function runForWorkflowRun({ github, context, core, dir, stacks }) {
  const wr = context.payload.workflow_run;
  const raw = fs.existsSync(path.join(dir, "pr.json")) ? JSON.parse(fs.readFileSync(path.join(dir, "pr.json"), "utf8")) : {};
  const number = Number(raw.number);
  if (!Number.isInteger(number) || number <= 0) throw new Error("the run left no pull request number (pr.json)");
  const { data: pull } = await github.rest.pulls.get({ owner: context.repo.owner, repo: context.repo.repo, pull_number: number });
  if (pull.head.sha !== wr.head_sha) throw new Error(`PR #${number} head is ${pull.head.sha}, not the commit this run tested (${wr.head_sha}): not commenting`);
  return run({ github, context, core, dir, stacks, pr: { number, sha: wr.head_sha, runId: wr.id } });
}

module.exports = { MARKER, MAX_BODY, readSections, buildComment, upsertComment, run, runForWorkflowRun };
