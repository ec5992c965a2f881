/**
 * The CI conventions the workflows must keep (actionlint checks syntax; this checks intent): PR
 * previews for every shipped stack with the read-only identity, deployed digests pinned back and the
 * guard; the offline diff on every PR and in the comment (forks through pr-comment.yml); deploys per
 * cloud that promote dev's digests to prod behind an approval; drift by refresh; actions pinned to
 * commit SHAs. Stands for GitHub's reading of the workflow files; proven by parsing them (our own
 * check of intent; actionlint is the third-party validator). Cannot prove a run on GitHub.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "../..");
const wf = (name: string) => parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8"));
const shippedStacks = fs
  .readdirSync(ROOT)
  .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
  .map((f) => f.slice(7, -5))
  .sort();
const steps = (job: any): any[] => job.steps ?? [];
const uses = (job: any, action: string) => steps(job).filter((s) => typeof s.uses === "string" && s.uses.startsWith(`${action}@`));
const workflowFiles = fs
  .readdirSync(path.join(ROOT, ".github", "workflows"))
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const runText = (job: any) =>
  steps(job)
    .map((s) => s.run ?? "")
    .join("\n");
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

  it("pins the digests each stack already runs before previewing it, after its identity and the CLI", () => {
    const list = steps(pr.jobs.preview);
    const pin = list.findIndex((s) => /pin-deployed\.sh "\$\{\{ matrix\.stack \}\}" "\$STACK"/.test(s.run ?? ""));
    const preview = list.findIndex((s) => s.with?.command === "preview");
    const cli = list.findIndex((s) => typeof s.uses === "string" && s.uses.startsWith("pulumi/actions@") && !s.with);
    const auth = list.findIndex((s) => typeof s.uses === "string" && s.uses.startsWith("google-github-actions/auth@"));
    assert.ok(auth >= 0 && cli > auth && pin > cli && preview > pin, `auth ${auth}, cli ${cli}, pin ${pin}, preview ${preview}`);
  });

  it("preview jobs declare no environment (OIDC subject pull_request)", () => {
    for (const name of ["preview", "plan-diff", "comment"]) assert.equal(pr.jobs[name].environment, undefined, name);
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
    for (const s of [...uses(job, "google-github-actions/auth"), ...uses(job, "aws-actions/configure-aws-credentials")])
      assert.ok(!JSON.stringify(s).includes("secrets."), "no stored cloud keys");
  });

  it("runs pulumi/actions v7 preview with diff and the policy pack, no per-stack comment", () => {
    const p = uses(pr.jobs.preview, "pulumi/actions").find((s) => s.with?.command);
    assert.match(p.uses, /^pulumi\/actions@[0-9a-f]{40}$/);
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

  it("every PR (forks too) gets the offline plan diff against the base, with no secrets, uploaded for the comment", () => {
    const job = pr.jobs["plan-diff"];
    assert.equal(job.if, undefined, "not only forks");
    assert.deepEqual(matrixStacks(job), shippedStacks);
    assert.match(runText(job), /npm run --silent plan:diff -- --stack .* --base "\$BASE_SHA" > "out\/plan-\$\{\{ matrix\.stack \}\}\.md"/);
    assert.match(job.steps.find((s: any) => /plan:diff/.test(s.run ?? "")).env.BASE_SHA, /pull_request\.base\.sha/);
    assert.ok(!JSON.stringify(job).includes("secrets."));
    assert.equal(uses(job, "actions/checkout")[0].with["fetch-depth"], 0, "the base commit must be there");
    assert.equal(uses(job, "actions/upload-artifact")[0].with.name, "plan-${{ matrix.stack }}");
  });

  it("one combined comment, edited in place, after every preview and plan-diff job, with both kinds of section", () => {
    const job = pr.jobs.comment;
    assert.match(job.if, /always\(\)/);
    assert.deepEqual([...job.needs].sort(), ["plan-diff", "preview"]);
    assert.equal(job.permissions["pull-requests"], "write");
    assert.deepEqual(
      uses(job, "actions/download-artifact")
        .map((s) => s.with.pattern)
        .sort(),
      ["plan-*", "preview-*"],
    );
    assert.match(uses(job, "actions/github-script")[0].with.script, /preview-comment\.cjs/);
    assert.deepEqual(scriptStacks(job), shippedStacks, "a section per shipped stack");
  });

  it("forks: pr-comment.yml comments from the base repository after the run, without running the fork's code", () => {
    const w = wf("pr-comment.yml");
    assert.deepEqual(w.on.workflow_run, { workflows: [pr.name], types: ["completed"] });
    const job = w.jobs.comment;
    assert.match(job.if, /head_repository\.full_name != github\.repository/);
    assert.deepEqual(job.permissions, { contents: "read", actions: "read", "pull-requests": "write" });
    assert.equal(uses(job, "actions/checkout")[0].with["sparse-checkout"], ".github/scripts");
    assert.ok(!uses(job, "actions/checkout")[0].with.ref, "the default branch's scripts, never the fork's head");
    assert.ok(!runText(job).trim(), "no run steps: nothing of the fork's executes");
    for (const d of uses(job, "actions/download-artifact")) assert.equal(d.with["run-id"], "${{ github.event.workflow_run.id }}");
    assert.match(uses(job, "actions/github-script")[0].with.script, /runForWorkflowRun/);
    assert.deepEqual(scriptStacks(job), shippedStacks);
    // The run it reads records the PR number.
    assert.ok(uses(pr.jobs.test, "actions/upload-artifact").some((s) => s.with.name === "pr"));
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

  it("builds the images once per cloud, in one job each, and outputs their digests", () => {
    const builders = Object.entries(d.jobs)
      .filter(([, j]) => /build-image\.sh|docker (buildx )?build/.test(runText(j)))
      .map(([n]) => n);
    assert.deepEqual(builders.sort(), ["images", "images-aws"]);
    for (const b of builders) assert.deepEqual(Object.keys(d.jobs[b].outputs).sort(), ["dbt", "ingestion"]);
  });

  it("dev pins the built digests by config path, runs pulumi up, and outputs what it runs", () => {
    const job = d.jobs["deploy-dev"];
    assert.equal(job.environment, "dev");
    assert.match(job.env.INGESTION_IMAGE, /needs\.images\.outputs\.ingestion/);
    assert.match(runText(job), /\.github\/scripts\/pin-images\.sh "\$STACK"[\s\S]*record-images\.sh "\$STACK"/);
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

  it("deploy jobs use the deploy identity through OIDC, each declaring its stack as environment", () => {
    const expected: Record<string, string> = {
      images: "dev",
      "deploy-dev": "dev",
      "deploy-prod": "prod",
      "images-aws": "dev-aws",
      "deploy-dev-aws": "dev-aws",
      "deploy-prod-aws": "prod-aws",
    };
    for (const [name, env] of Object.entries(expected)) {
      const job = d.jobs[name];
      assert.equal(job.environment, env, name);
      assert.equal(job.permissions["id-token"], "write", name);
      const gcp = uses(job, "google-github-actions/auth");
      const aws = uses(job, "aws-actions/configure-aws-credentials");
      if (env.endsWith("-aws")) assert.match(aws[0].with["role-to-assume"], /vars\.AWS_CI_DEPLOY_ROLE_ARN/, name);
      else assert.match(gcp[0].with.service_account, /CI_DEPLOY/, name);
      assert.ok(!JSON.stringify([...gcp, ...aws]).includes("secrets."), `${name}: no stored cloud keys`);
    }
  });

  // Stands for: the deploy reading Fivetran-side drift before it plans (the engine tier proves that
  // `up` with refresh repairs it; this proves every deploy asks for it). Cannot prove a run on GitHub.
  it("every deploy `up` refreshes first, so drift made outside Pulumi is read and repaired", () => {
    const ups = Object.entries(d.jobs as Record<string, any>).flatMap(([name, job]) =>
      steps(job)
        .filter((s) => s.with?.command === "up")
        .map((s) => [name, s] as const),
    );
    assert.deepEqual(ups.map(([name]) => name).sort(), ["deploy-dev", "deploy-dev-aws", "deploy-prod", "deploy-prod-aws"]);
    for (const [name, step] of ups) assert.equal(step.with.refresh, true, name);
  });

  it("AWS: builds once into the dev-aws stack's ECR namespace (its registry output), deploys dev-aws, promotes the same digests to prod-aws", () => {
    const images = d.jobs["images-aws"];
    assert.match(runText(images), /pulumi stack output registry --stack "\$STACK"/);
    assert.ok(uses(images, "aws-actions/amazon-ecr-login").length === 1);
    assert.match(runText(images), /build-image\.sh ingestion dev-aws[\s\S]*build-image\.sh dbt dev-aws/);
    const dev = d.jobs["deploy-dev-aws"];
    assert.equal(dev.needs, "images-aws");
    assert.match(dev.env.INGESTION_IMAGE, /needs\.images-aws\.outputs\.ingestion/);
    assert.match(runText(dev), /pin-images\.sh "\$STACK"[\s\S]*record-images\.sh "\$STACK"/);
    const prod = d.jobs["deploy-prod-aws"];
    assert.deepEqual(prod.needs, ["stacks", "deploy-dev-aws"]);
    assert.match(prod.if, /needs\.stacks\.outputs\.prod-aws == 'true'/);
    assert.match(prod.env.INGESTION_IMAGE, /needs\.deploy-dev-aws\.outputs\.ingestion/);
    assert.match(prod.env.DBT_IMAGE, /needs\.deploy-dev-aws\.outputs\.dbt/);
    assert.doesNotMatch(runText(prod), /docker|build-image/);
    for (const job of [dev, prod]) assert.equal(uses(job, "pulumi/actions").find((s) => s.with?.command)?.with.command, "up");
  });
});

describe("drift.yml", () => {
  const d = wf("drift.yml");

  it("runs on a schedule, checks every shipped stack by refresh (not the program) with the preview identity, and reports through issues", () => {
    assert.ok(d.on.schedule[0].cron);
    const job = d.jobs.detect;
    assert.deepEqual(matrixStacks(job), shippedStacks);
    assert.equal(job.environment, undefined, "no environment: subject ref:refs/heads/<deployBranch>");
    assert.match(uses(job, "google-github-actions/auth")[0].with.service_account, /CI_PREVIEW/);
    assert.match(uses(job, "aws-actions/configure-aws-credentials")[0].with["role-to-assume"], /CI_PREVIEW/);
    assert.match(runText(job), /\.github\/scripts\/drift-check\.sh "\$\{\{ matrix\.stack \}\}" .* drift/);
    assert.ok(!uses(job, "pulumi/actions").some((s) => s.with?.command), "no `pulumi preview`: it would report unpromoted code as drift");
    assert.equal(d.jobs.report.permissions.issues, "write");
    assert.match(uses(d.jobs.report, "actions/github-script")[0].with.script, /drift-report\.cjs/);
    assert.deepEqual(scriptStacks(d.jobs.report), shippedStacks, "a result per shipped stack");
  });
});

describe("all workflows", () => {
  it("set least privilege at the top", () => {
    for (const f of workflowFiles) assert.deepEqual(wf(f).permissions, { contents: "read" }, f);
  });

  // Issue 17.4: a floating tag can be moved to other code, which would then run with deploy identities.
  it("pin every action to a full commit SHA with its version in a comment, one SHA per action", () => {
    const seen = new Map<string, string>();
    let count = 0;
    for (const f of workflowFiles) {
      const text = fs.readFileSync(path.join(ROOT, ".github", "workflows", f), "utf8");
      for (const [i, line] of text.split("\n").entries()) {
        const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!m) continue;
        count++;
        const where = `${f}:${i + 1}`;
        const pin = /^([\w.-]+\/[\w./-]+)@([0-9a-f]{40})$/.exec(m[1]);
        assert.ok(pin, `${where}: ${m[1]} is not pinned to a 40-hex commit SHA`);
        assert.match(m[2], /^ # v\d+\.\d+\.\d+$/, `${where}: ${m[1]} needs its version as a comment (# vX.Y.Z)`);
        const key = `${pin![1]} ${m[2].trim()}`;
        assert.equal(seen.get(key) ?? pin![2], pin![2], `${where}: ${key} pinned to two SHAs`);
        seen.set(key, pin![2]);
      }
    }
    assert.ok(count > 20, `found ${count} uses: lines`);
    // Every step's uses: is one of those lines (no flow-style or multi-line forms slip past).
    for (const f of workflowFiles)
      for (const job of Object.values<any>(wf(f).jobs)) for (const s of steps(job)) if (s.uses) assert.match(s.uses, /@[0-9a-f]{40}$/, `${f}: ${s.uses}`);
  });
});
