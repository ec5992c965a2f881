// One pull-request comment for every stack's preview, edited in place. Used by the `comment` job of
// .github/workflows/pr.yml through actions/github-script; tested by test/ci/preview-comment.test.ts.
// The comment is found by a hidden marker, so a new push edits it instead of adding another.
"use strict";
const fs = require("fs");
const path = require("path");

const MARKER = "<!-- data-platform-preview -->";
// GitHub rejects comment bodies over 65536 characters.
const MAX_BODY = 65000;

/** The markdown each matrix job wrote (`<dir>/<stack>.md`), or a note when a job left none. */
function readSections(dir, stacks) {
  return stacks.map((stack) => {
    const file = path.join(dir, `${stack}.md`);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : `### \`${stack}\`: no result\n\n:x: The job for this stack ended before it wrote a preview; see the run.`;
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

/** Entry point for actions/github-script. */
async function run({ github, context, core, dir, stacks }) {
  const pr = context.payload.pull_request;
  const body = buildComment({
    sections: readSections(dir, stacks),
    sha: pr && pr.head && pr.head.sha,
    runUrl: `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`,
  });
  const result = await upsertComment({ github, owner: context.repo.owner, repo: context.repo.repo, issueNumber: pr.number, body });
  if (core) core.info(`preview comment ${result.action} (${result.id})`);
  return result;
}

module.exports = { MARKER, MAX_BODY, readSections, buildComment, upsertComment, run };
