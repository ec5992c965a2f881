// Drift report for .github/workflows/drift.yml (through actions/github-script): one open issue with
// the `drift` label, created or updated while any stack drifts, closed once none does.
// Tested by test/ci/preview-comment.test.ts.
"use strict";
const fs = require("fs");
const path = require("path");

const LABEL = "drift";
const TITLE = "Infrastructure drift detected";

/** `<dir>/<stack>.json` = { stack, outcome } per matrix job; a missing file counts as a failed check. */
function readResults(dir, stacks) {
  return stacks.map((stack) => {
    const file = path.join(dir, `${stack}.json`);
    if (!fs.existsSync(file)) return { stack, outcome: "missing" };
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    return { stack, outcome: String(r.outcome || "missing") };
  });
}

function summarize(results, runUrl) {
  const drifted = results.filter((r) => r.outcome !== "success");
  const lines = ["| stack | result |", "|---|---|"];
  for (const r of results) lines.push(`| \`${r.stack}\` | ${r.outcome === "success" ? "no changes" : r.outcome === "failure" ? "**drift** (or the preview failed)" : `**${r.outcome}**`} |`);
  const body = `A scheduled \`pulumi preview --expect-no-changes\` found differences between the stacks and the cloud.\n\n${lines.join("\n")}\n\n[Workflow run](${runUrl}): the job logs show each stack's diff. Fix by running \`pulumi up\` (if the code is right) or by changing the code to match (if the change outside Pulumi was intended), then re-run the drift workflow.`;
  return { drifted, body };
}

async function run({ github, context, core, dir, stacks }) {
  const { owner, repo } = context.repo;
  const runUrl = `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`;
  const { drifted, body } = summarize(readResults(dir, stacks), runUrl);
  const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, state: "open", labels: LABEL, per_page: 100 });
  const issue = open.find((i) => i.title === TITLE && !i.pull_request);
  if (drifted.length) {
    if (issue) {
      await github.rest.issues.update({ owner, repo, issue_number: issue.number, body });
      await github.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: `Still drifting: ${drifted.map((d) => `\`${d.stack}\``).join(", ")} ([run](${runUrl})).` });
    } else {
      await github.rest.issues.create({ owner, repo, title: TITLE, body, labels: [LABEL] });
    }
    core.setFailed(`drift in ${drifted.map((d) => d.stack).join(", ")}`);
    return { drifted: drifted.map((d) => d.stack) };
  }
  if (issue) {
    await github.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: `No drift any more ([run](${runUrl})). Closing.` });
    await github.rest.issues.update({ owner, repo, issue_number: issue.number, state: "closed" });
  }
  core.info("no drift");
  return { drifted: [] };
}

module.exports = { LABEL, TITLE, readResults, summarize, run };
