// Drift report for .github/workflows/drift.yml (through actions/github-script): one issue per stack,
// labelled `drift` and titled `Drift: <stack>`, opened when that stack drifts, its body kept up to
// date while it does (with a comment when the drift changes), closed by the first clean check.
// A check that errored (no credentials, an outage) is not drift: it neither opens nor closes an
// issue, and fails the run so someone looks. Tested by test/ci/drift-report.test.ts.
"use strict";
const fs = require("fs");
const path = require("path");

const LABEL = "drift";
const titleOf = (stack) => `Drift: ${stack}`;

/** `<dir>/<stack>.json` = { stack, outcome, changes } per matrix job; a missing or unreadable file is an error. */
function readResults(dir, stacks) {
  return stacks.map((stack) => {
    const file = path.join(dir, `${stack}.json`);
    if (!fs.existsSync(file)) return { stack, outcome: "error", changes: [], reason: "the check left no result" };
    try {
      const r = JSON.parse(fs.readFileSync(file, "utf8"));
      const outcome = ["clean", "drift", "error"].includes(r.outcome) ? r.outcome : "error";
      return { stack, outcome, changes: Array.isArray(r.changes) ? r.changes.map(String) : [], reason: outcome === r.outcome ? undefined : `unknown outcome '${r.outcome}'` };
    } catch (e) {
      return { stack, outcome: "error", changes: [], reason: `unreadable result: ${e.message}` };
    }
  });
}

function issueBody(result, runUrl) {
  const changes = result.changes.length ? result.changes.map((c) => `    ${c}`).join("\n") : "    (see the run)";
  return [
    `The scheduled drift check found that \`${result.stack}\` no longer matches its last deploy: something changed it outside Pulumi.`,
    "",
    "```",
    changes,
    "```",
    "",
    `[Latest run](${runUrl}): the job log shows the diff (\`pulumi refresh --preview-only\`).`,
    `Fix by running \`pulumi up\` for \`${result.stack}\` (the code wins), or change the code to match and deploy (the cloud wins). This issue closes itself on the first clean check.`,
  ].join("\n");
}

async function run({ github, context, core, dir, stacks }) {
  const { owner, repo } = context.repo;
  const runUrl = `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`;
  const results = readResults(dir, stacks);
  const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, state: "open", labels: LABEL, per_page: 100 });
  const actions = [];
  for (const r of results) {
    const issue = open.find((i) => i.title === titleOf(r.stack) && !i.pull_request);
    if (r.outcome === "drift") {
      const body = issueBody(r, runUrl);
      if (!issue) {
        await github.rest.issues.create({ owner, repo, title: titleOf(r.stack), body, labels: [LABEL] });
        actions.push({ stack: r.stack, action: "opened" });
      } else if (issue.body !== body) {
        const changed = !String(issue.body || "").includes(r.changes.join("\n    ") || "(see the run)");
        await github.rest.issues.update({ owner, repo, issue_number: issue.number, body });
        if (changed)
          await github.rest.issues.createComment({
            owner,
            repo,
            issue_number: issue.number,
            body: `The drift changed:\n\n\`\`\`\n${r.changes.join("\n")}\n\`\`\`\n\n[run](${runUrl})`,
          });
        actions.push({ stack: r.stack, action: "updated" });
      } else {
        actions.push({ stack: r.stack, action: "unchanged" });
      }
    } else if (r.outcome === "clean" && issue) {
      await github.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: `No drift any more ([run](${runUrl})). Closing.` });
      await github.rest.issues.update({ owner, repo, issue_number: issue.number, state: "closed", state_reason: "completed" });
      actions.push({ stack: r.stack, action: "closed" });
    }
  }
  const errors = results.filter((r) => r.outcome === "error");
  const drifted = results.filter((r) => r.outcome === "drift");
  for (const r of results) core.info(`${r.stack}: ${r.outcome}${r.reason ? ` (${r.reason})` : ""}`);
  if (errors.length) core.setFailed(`the drift check could not run for ${errors.map((e) => e.stack).join(", ")}: see the job logs (this is not drift)`);
  else if (drifted.length) core.setFailed(`drift in ${drifted.map((d) => d.stack).join(", ")}`);
  return { drifted: drifted.map((d) => d.stack), errors: errors.map((e) => e.stack), actions };
}

module.exports = { LABEL, titleOf, readResults, issueBody, run };
