/**
 * The CI conventions the workflows must keep (actionlint checks syntax; this checks intent): PR
 * previews for every shipped stack with the read-only identity and the guard, forks on the offline
 * diff, one edited comment, deploys that promote dev's digests to prod behind an approval, drift.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "../..");
const wf = (name: string) => parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8"));
const shippedStacks = fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5)).sort();
const steps = (job: any): any[] => job.steps ?? [];
const uses = (job: any, action: string) => steps(job).filter((s) => typeof s.uses === "string" && s.uses.startsWith(`${action}@`));
const runText = (job: any) => steps(job).map((s) => s.run ?? "").join("\n");
const matrixStacks = (job: any): string[] => (job.strategy.matrix.include ? job.strategy.matrix.include.map((m: any) => m.stack) : job.strategy.matrix.stack).slice().sort();
/** The `stacks` list a github-script step passes to its .cjs script. */
const scriptStacks = (job: any): string[] => JSON.parse(/stacks: (\[[^\]]*\])/.exec(uses(job, "actions/github-script")[0].with.script)![1]).sort();

describe("pr.yml", () => {
  const pr = wf("pr.yml");

  it("runs on pull requests, including label changes (the allow label re-runs the guard), one run per PR", () => {
    assert.deepEqual(pr.on.pull_request.types.sort(), ["labeled", "opened", "reopened", "synchronize", "unlabeled"]);
    assert.match(pr.concurrency.group, /github\.event\.pull_request\.number/);
    assert.equal(pr.concurrency["cancel-in-progress"], true);
    assert.deepEqual(pr.permissions, { contents: "read" });
  });

  it("tests first: npm test", () => {
    assert.match(runText(pr.jobs.test), /npm test/);
    assert.equal(pr.jobs.preview.needs, "test");
    assert.equal(pr.jobs["plan-diff"].needs, "test");
  });

  it("previews every shipped stack, with OIDC and the PR permissions", () => {
    const job = pr.jobs.preview;
    assert.deepEqual(matrixStacks(job), shippedStacks);
    assert.deepEqual(job.permissions, { "id-token": "write", contents: "read", "pull-requests": "write" });
    assert.match(job.if, /head\.repo\.fork == false/);
    const [gcp] = uses(job, "google-github-actions/auth");
    assert.match(gcp.with.service_account, /CI_PREVIEW/);
    assert.match(gcp.with.workload_identity_provider, /vars\[/);
    const [aws] = uses(job, "aws-actions/configure-aws-credentials");
    assert.match(aws.with["role-to-assume"], /CI_PREVIEW_ROLE_ARN/);
    for (const s of [...uses(job, "google-github-actions/auth"), ...uses(job, "aws-actions/configure-aws-credentials")]) assert.ok(!JSON.stringify(s).includes("secrets."), "no stored cloud keys");
  });

  it("runs pulumi/actions@v7 preview with diff and the policy pack, no per-stack comment", () => {
    const [p] = uses(pr.jobs.preview, "pulumi/actions");
    assert.equal(p.uses, "pulumi/actions@v7");
    assert.equal(p.with.command, "preview");
    assert.equal(p.with.diff, true);
    assert.equal(p.with.policyPacks, "policy");
    assert.equal(p.with["comment-on-pr"], false);
  });

  it("guards the JSON preview with the PR's labels, and uploads each stack's section", () => {
    const text = runText(pr.jobs.preview);
    assert.match(text, /pulumi preview .*--json/);
    assert.match(text, /tools\/preview-guard\.ts .*--labels/s);
    const guard = steps(pr.jobs.preview).find((s) => /preview-guard/.test(s.run ?? ""));
    assert.match(guard.env.PR_LABELS, /pull_request\.labels\.\*\.name/);
    assert.equal(uses(pr.jobs.preview, "actions/upload-artifact")[0].if, "always()");
  });

  it("forks get the offline plan diff against the base, with no secrets", () => {
    const job = pr.jobs["plan-diff"];
    assert.match(job.if, /head\.repo\.fork == true/);
    assert.deepEqual(matrixStacks(job), shippedStacks);
    assert.match(runText(job), /npm run --silent plan:diff -- --stack .* --base/);
    assert.ok(!JSON.stringify(job).includes("secrets."));
    assert.equal(uses(job, "actions/checkout")[0].with["fetch-depth"], 0, "the base commit must be there");
  });

  it("one combined comment, edited in place, after every preview job", () => {
    const job = pr.jobs.comment;
    assert.match(job.if, /always\(\)/);
    assert.equal(job.permissions["pull-requests"], "write");
    assert.match(uses(job, "actions/github-script")[0].with.script, /preview-comment\.cjs/);
    assert.deepEqual(scriptStacks(job), shippedStacks, "a section per shipped stack");
  });

  it("package.json has the plan:diff script", () => {
    assert.equal(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts["plan:diff"], "tsx tools/plan-diff.ts");
  });
});

describe("deploy.yml", () => {
  const d = wf("deploy.yml");

  it("deploys on push to main, one at a time, never cancelled", () => {
    assert.deepEqual(d.on.push.branches, ["main"]);
    assert.equal(d.concurrency["cancel-in-progress"], false);
  });

  it("builds the images once, in one job, and outputs their digests", () => {
    const builders = Object.entries(d.jobs).filter(([, j]) => /build-image\.sh|docker (buildx )?build/.test(runText(j))).map(([n]) => n);
    assert.deepEqual(builders, ["images"]);
    assert.deepEqual(Object.keys(d.jobs.images.outputs).sort(), ["dbt", "ingestion"]);
  });

  it("dev pins the built digests by config path, runs pulumi up, and outputs what it runs", () => {
    const job = d.jobs["deploy-dev"];
    assert.equal(job.environment, "dev");
    assert.match(job.env.INGESTION_IMAGE, /needs\.images\.outputs\.ingestion/);
    assert.match(runText(job), /\.github\/scripts\/pin-images\.sh "\$STACK"/);
    assert.equal(uses(job, "pulumi/actions").find((s) => s.with?.command)?.with.command, "up");
    assert.deepEqual(Object.keys(job.outputs).sort(), ["dbt", "ingestion"]);
  });

  it("prod waits for the prod environment's approval and deploys the digests dev ran: promote, never rebuild", () => {
    const job = d.jobs["deploy-prod"];
    assert.equal(job.environment, "prod");
    assert.equal(job.needs, "deploy-dev");
    assert.match(job.env.INGESTION_IMAGE, /needs\.deploy-dev\.outputs\.ingestion/);
    assert.match(job.env.DBT_IMAGE, /needs\.deploy-dev\.outputs\.dbt/);
    assert.doesNotMatch(runText(job), /docker|build-image/);
    assert.match(runText(job), /\.github\/scripts\/pin-images\.sh "\$STACK"/);
    assert.equal(uses(job, "pulumi/actions").find((s) => s.with?.command)?.with.command, "up");
  });

  it("deploy jobs use the deploy identity through OIDC", () => {
    for (const name of ["images", "deploy-dev", "deploy-prod"]) {
      assert.equal(d.jobs[name].permissions["id-token"], "write", name);
      assert.match(uses(d.jobs[name], "google-github-actions/auth")[0].with.service_account, /CI_DEPLOY/, name);
    }
  });
});

describe("drift.yml", () => {
  const d = wf("drift.yml");

  it("runs on a schedule, previews every shipped stack expecting no changes, and reports through an issue", () => {
    assert.ok(d.on.schedule[0].cron);
    assert.deepEqual(matrixStacks(d.jobs.detect), shippedStacks);
    const [p] = uses(d.jobs.detect, "pulumi/actions");
    assert.equal(p.with.command, "preview");
    assert.equal(p.with["expect-no-changes"], true);
    assert.equal(d.jobs.report.permissions.issues, "write");
    assert.match(uses(d.jobs.report, "actions/github-script")[0].with.script, /drift-report\.cjs/);
    assert.deepEqual(scriptStacks(d.jobs.report), shippedStacks, "a result per shipped stack");
  });
});

describe("all workflows", () => {
  it("pin every action to a version and set least privilege at the top", () => {
    for (const f of fs.readdirSync(path.join(ROOT, ".github", "workflows"))) {
      const w = wf(f);
      assert.deepEqual(w.permissions, { contents: "read" }, f);
      for (const [name, job] of Object.entries<any>(w.jobs)) {
        for (const s of steps(job)) if (s.uses) assert.match(s.uses, /@v\d+(\.\d+)*$|@[0-9a-f]{40}$/, `${f} ${name} ${s.uses}`);
      }
    }
  });
});
