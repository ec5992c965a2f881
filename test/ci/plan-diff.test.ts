/**
 * The offline plan diff's pure parts (diffPlans, renderMarkdown, grouping) on hand-made plans, and
 * the export of a git ref's planning inputs (git archive | tar -x) on a throwaway repository. These
 * need neither the program nor the network.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import type { PlanJson } from "../../tools/plan";
import { diffInputs, diffPlans, groupOf, headlineInputs, isEmpty, renderMarkdown, renderMermaid, resolveRef, riskyChanges, PLATFORM_GROUP } from "../../tools/plan-diff";

const ROOT = path.resolve(__dirname, "../..");

type R = PlanJson["resources"][number];
const STACK = "urn:pulumi:dev::data-platform::";
const platformUrn = `${STACK}data-platform:index:DataPlatform::acme-dev`;
const res = (type: string, name: string, inputs: Record<string, unknown> = {}, parent: string = platformUrn): R => ({
  urn: `${STACK}${type}::${name}`,
  type,
  name,
  parent,
  inputs,
});
const pipeline = (name: string): R => res("data-platform:pipeline:Pipeline", name);
const plan = (resources: R[]): PlanJson => ({ project: "data-platform", stack: "dev", resources, outputs: {} });

function basePlan(): R[] {
  const p = pipeline("jsonplaceholder");
  return [
    { urn: platformUrn, type: "data-platform:index:DataPlatform", name: "acme-dev", inputs: {} },
    res("gcp:storage/bucket:Bucket", "raw", { name: "acme-dev-raw", labels: { platform: "acme", environment: "dev", "managed-by": "pulumi" } }),
    p,
    res("gcp:cloudrunv2/job:Job", "jsonplaceholder-ingest-job", { name: "acme-dev-jsonplaceholder-ingest-job", labels: { pipeline: "jsonplaceholder" } }, p.urn),
    res("gcp:cloudscheduler/job:Job", "jsonplaceholder-schedule", { schedule: "0 */6 * * *", timeZone: "UTC", paused: true }, p.urn),
    // A dynamic Fivetran resource: no labels, found through its parent Pipeline.
    res("pulumi-nodejs:dynamic:Resource", "jsonplaceholder-connection", { service: "x", __provider: "[provider code]" }, p.urn),
  ];
}

describe("diffPlans", () => {
  it("an identical plan is an empty diff, rendered as one line", () => {
    const d = diffPlans(plan(basePlan()), plan(basePlan()));
    assert.ok(isEmpty(d));
    assert.match(renderMarkdown(d), /No resource changes\./);
    assert.doesNotMatch(renderMarkdown(d), /mermaid/);
  });

  it("key order in inputs is not a change", () => {
    const a = basePlan();
    const b = basePlan();
    b[4] = { ...b[4], inputs: { paused: true, timeZone: "UTC", schedule: "0 */6 * * *" } };
    assert.ok(isEmpty(diffPlans(plan(a), plan(b))));
  });

  it("adding a pipeline adds exactly its resources, all under that pipeline", () => {
    const q = pipeline("orders_files");
    const extra = [
      q,
      res("gcp:cloudrunv2/job:Job", "orders_files-ingest-job", { labels: { pipeline: "orders_files" } }, q.urn),
      res("gcp:cloudscheduler/job:Job", "orders_files-schedule", { schedule: "0 1 * * *" }, q.urn),
    ];
    const d = diffPlans(plan(basePlan()), plan([...basePlan(), ...extra]));
    assert.deepEqual(d.added.map((c) => c.urn).sort(), extra.map((r) => r.urn).sort());
    assert.deepEqual([...new Set(d.added.map((c) => c.group))], ["orders_files"]);
    assert.deepEqual(d.changed, []);
    assert.deepEqual(d.removed, []);
    const md = renderMarkdown(d);
    assert.match(md, /3 to add, 0 to change, 0 to remove/);
    assert.match(md, /#### pipeline `orders_files`/);
    assert.doesNotMatch(md, /jsonplaceholder/);
  });

  it("changing a schedule is one changed resource with one changed input, old and new value shown", () => {
    const head = basePlan();
    head[4] = { ...head[4], inputs: { ...(head[4].inputs as object), schedule: "0 * * * *" } };
    const d = diffPlans(plan(basePlan()), plan(head));
    assert.equal(d.added.length + d.removed.length, 0);
    assert.equal(d.changed.length, 1);
    assert.equal(d.changed[0].group, "jsonplaceholder");
    assert.deepEqual(d.changed[0].inputs, [{ path: "schedule", before: "0 */6 * * *", after: "0 * * * *" }]);
    assert.match(renderMarkdown(d), /`schedule`: `0 \*\/6 \* \* \*` → `0 \* \* \* \*`/);
  });

  it("removing a pipeline lists its resources as removed, grouped by the base plan's parents", () => {
    const head = basePlan().filter((r) => !r.urn.includes("jsonplaceholder") || r.type === "x");
    const d = diffPlans(plan(basePlan()), plan(head));
    assert.equal(d.removed.length, 4);
    assert.deepEqual([...new Set(d.removed.map((c) => c.group))], ["jsonplaceholder"]);
  });

  it("groups by pipeline label, then Pipeline ancestor, else platform", () => {
    const rs = basePlan();
    const by = new Map(rs.map((r) => [r.urn, r]));
    assert.equal(groupOf(rs[1], by), PLATFORM_GROUP);
    assert.equal(groupOf(rs[3], by), "jsonplaceholder");
    assert.equal(groupOf(rs[5], by), "jsonplaceholder");
    const tagged = res("aws:iam/role:Role", "x", { tags: { pipeline: "shop_postgres" } });
    assert.equal(groupOf(tagged, by), "shop_postgres");
    // A grandchild (a sub-component inside the Pipeline) belongs to it too.
    const sub = res("data-platform:gcp:PipelineRuntime", "jp-runtime", {}, rs[2].urn);
    const leaf = res("gcp:workflows/workflow:Workflow", "jp-flow", {}, sub.urn);
    by.set(sub.urn, sub);
    assert.equal(groupOf(leaf, by), "jsonplaceholder");
    // Named after a known pipeline but parented elsewhere (a grant on a shared bucket): that pipeline.
    const known = new Set(["jsonplaceholder", "raw_events"]);
    assert.equal(groupOf(res("gcp:storage/bucketIAMMember:BucketIAMMember", "raw-storage-objectuser-ing-jsonplaceholder"), by, known), "jsonplaceholder");
    assert.equal(groupOf(res("gcp:serviceaccount/account:Account", "sa-ing-raw_events"), by, known), "raw_events");
    // Whole tokens only, and a bare name is not a pipeline reference.
    assert.equal(groupOf(res("gcp:storage/bucketIAMMember:BucketIAMMember", "raw-storage-objectuser-ing-jsonplaceholder2"), by, known), PLATFORM_GROUP);
    assert.equal(groupOf(res("gcp:storage/bucket:Bucket", "raw_events"), by, known), PLATFORM_GROUP);
  });

  it("attributes a new pipeline's grants on shared resources to the pipeline", () => {
    const q = pipeline("orders_files");
    const extra = [
      q,
      res("gcp:serviceaccount/account:Account", "sa-ing-orders_files"),
      res("gcp:storage/bucketIAMMember:BucketIAMMember", "raw-storage-objectuser-ing-orders_files"),
    ];
    const d = diffPlans(plan(basePlan()), plan([...basePlan(), ...extra]));
    assert.deepEqual([...new Set(d.added.map((c) => c.group))], ["orders_files"]);
  });

  it("diffInputs reports leaf paths; arrays of another length differ as a whole", () => {
    assert.deepEqual(diffInputs({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } }), [{ path: "a.c", before: 2, after: 3 }]);
    assert.deepEqual(diffInputs({ l: [1, 2] }, { l: [1, 3] }), [{ path: "l[1]", before: 2, after: 3 }]);
    assert.deepEqual(
      diffInputs({ l: [1] }, { l: [1, 2] }).map((c) => c.path),
      ["l"],
    );
    assert.deepEqual(
      diffInputs({ a: 1 }, { b: 1 }).map((c) => c.path),
      ["a", "b"],
    );
  });

  it("the Mermaid diagram has a subgraph per group, a node per change, parent edges, no raw quotes", () => {
    const q = pipeline("orders_files");
    const head = [...basePlan(), q, res("gcp:cloudrunv2/job:Job", 'odd"name', {}, q.urn)];
    head[4] = { ...head[4], inputs: { ...(head[4].inputs as object), paused: false } };
    const m = renderMermaid(diffPlans(plan(basePlan()), plan(head)));
    assert.match(m, /^flowchart LR/);
    assert.equal((m.match(/subgraph/g) ?? []).length, 2);
    assert.equal((m.match(/:::(added|changed|removed)/g) ?? []).length, 3);
    assert.match(m, /n\d+ --> n\d+/);
    assert.doesNotMatch(m, /odd"name/);
  });

  it("table cells escape pipes and HTML", () => {
    const head = basePlan();
    head[1] = { ...head[1], inputs: { ...(head[1].inputs as object), name: "a|<b>" } };
    const md = renderMarkdown(diffPlans(plan(basePlan()), plan(head)));
    assert.ok(md.includes("a\\|&lt;b>"), md);
  });
});

describe("risky changes and headline inputs", () => {
  // Stands for: what a reviewer sees first in the PR comment. Proven on hand-made plans (our own
  // rules); whether a provider really replaces is decided by `pulumi preview` (the guard), not here.
  it("a removed stateful resource is named at the top as a deletion", () => {
    const head = basePlan().filter((r) => r.name !== "raw");
    const d = diffPlans(plan(basePlan()), plan(head));
    assert.deepEqual(
      riskyChanges(d).map((r) => [r.risk, r.name]),
      [["delete", "raw"]],
    );
    const md = renderMarkdown(d);
    assert.ok(md.indexOf("Risky") >= 0 && md.indexOf("Risky") < md.indexOf("to add"), md);
  });

  it("a bucket renamed in place is a replacement; a label change on it is not risky", () => {
    const renamed = basePlan();
    renamed[1] = { ...renamed[1], inputs: { ...(renamed[1].inputs as object), name: "acme-dev-raw2" } };
    assert.deepEqual(
      riskyChanges(diffPlans(plan(basePlan()), plan(renamed))).map((r) => r.risk),
      ["replace"],
    );
    const relabelled = basePlan();
    relabelled[1] = { ...relabelled[1], inputs: { ...(relabelled[1].inputs as object), labels: { platform: "x" } } };
    const d = diffPlans(plan(basePlan()), plan(relabelled));
    assert.equal(d.changed.length, 1);
    assert.deepEqual(riskyChanges(d), []);
    assert.doesNotMatch(renderMarkdown(d), /Risky/);
  });

  it("a stateful resource moved to a new parent without an alias is a replacement", () => {
    const moved = basePlan();
    const other = `${STACK}data-platform:gcp:Lake::lake`;
    moved[1] = { ...moved[1], urn: `${STACK}data-platform:gcp:Lake$gcp:storage/bucket:Bucket::raw`, parent: other };
    assert.deepEqual(
      riskyChanges(diffPlans(plan(basePlan()), plan(moved))).map((r) => [r.risk, r.name]),
      [["replace", "raw"]],
    );
  });

  it("added resources show their schedule, image and recipients; nested names are left out", () => {
    const q = pipeline("orders_files");
    const extra = [
      q,
      res(
        "gcp:cloudscheduler/job:Job",
        "orders_files-schedule",
        { schedule: "30 2 * * *", timeZone: "UTC", paused: false, labels: { pipeline: "orders_files", name: "x" } },
        q.urn,
      ),
      res(
        "gcp:cloudrunv2/job:Job",
        "orders_files-ingest-job",
        { template: { template: { containers: [{ image: "r/ingestion@sha256:abc", env: [{ name: "A", value: "1" }] }] } } },
        q.urn,
      ),
      res("gcp:monitoring/notificationChannel:NotificationChannel", "email-orders", { labels: { email_address: "data-team@example.com" } }),
    ];
    const d = diffPlans(plan(basePlan()), plan([...basePlan(), ...extra]));
    const md = renderMarkdown(d);
    assert.match(md, /`schedule`: `30 2 \* \* \*`<br>`timeZone`: `UTC`/);
    assert.match(md, /`template\.template\.containers\[0\]\.image`: `r\/ingestion@sha256:abc`/);
    assert.match(md, /`labels\.email_address`: `data-team@example\.com`/, "a GCP e-mail channel keeps its address in labels");
    assert.doesNotMatch(md, /env\[0\]\.name/);
    assert.match(md, /\| `orders_files` \| 3 \| 0 \| 0 \|/, "the per-pipeline summary row");
    assert.match(md, /\| platform \(shared\) \| 1 \| 0 \| 0 \|/);
    assert.deepEqual(headlineInputs({ labels: { pipeline: "x", name: "y" }, name: "n" }), [{ path: "name", after: "n" }]);
  });
});

describe("plan:diff on git refs (worktrees)", () => {
  const git = (cwd: string, ...args: string[]) => {
    const r = spawnSync("git", args, {
      cwd,
      encoding: "utf8",
      env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e" },
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };

  it("a bad ref says which flag, which ref and what to do, before planning anything", () => {
    assert.throws(() => resolveRef(ROOT, "no-such-ref-xyz"), /--base no-such-ref-xyz: no such commit in .*(fetch)/);
    const r = spawnSync(process.execPath, ["--import", "tsx", "tools/plan-diff.ts", "--stack", "dev", "--base", "no-such-ref-xyz"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^plan:diff: --base no-such-ref-xyz: no such commit/);
    assert.doesNotMatch(r.stderr, / {4}at /, "no stack trace");
  });

  it("--help and usage errors print the usage, not a stack trace", () => {
    const help = spawnSync(process.execPath, ["--import", "tsx", "tools/plan-diff.ts", "--help"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^usage: npm run plan:diff/);
    const bad = spawnSync(process.execPath, ["--import", "tsx", "tools/plan-diff.ts", "--stack"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--stack needs a value[\s\S]*usage:/);
    assert.doesNotMatch(bad.stderr, / {4}at /);
  });

  // Stands for: a PR that changes components/ shows that change in the fork diff. Proven by running
  // plan:diff for real on two commits of a clone of this repository, each planned with its own code
  // (the base's lake.ts enforces public access prevention, the head's does not). Cannot prove what
  // the cloud would do with it: that is `pulumi preview`'s job.
  it("a change to components/ shows: each side is planned with its own code", { timeout: 300_000 }, () => {
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-clone-"));
    git(ROOT, "rev-parse", "HEAD");
    git(os.tmpdir(), "clone", "--quiet", "--no-checkout", ROOT, clone);
    git(clone, "checkout", "--quiet", "--detach", git(ROOT, "rev-parse", "HEAD"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(clone, "node_modules"), "dir");
    const base = git(clone, "rev-parse", "HEAD");
    const lake = path.join(clone, "components/cloud/gcp/lake.ts");
    const src = fs.readFileSync(lake, "utf8");
    assert.ok(src.includes('publicAccessPrevention: "enforced"'));
    fs.writeFileSync(lake, src.replace('publicAccessPrevention: "enforced"', 'publicAccessPrevention: "inherited"'));
    git(clone, "commit", "-qam", "lake: inherit public access prevention");
    const head = git(clone, "rev-parse", "HEAD");
    try {
      const r = spawnSync(
        process.execPath,
        ["--import", "tsx", path.join(ROOT, "tools/plan-diff.ts"), "--repo", clone, "--stack", "dev", "--base", base, "--head", head, "--json"],
        {
          cwd: ROOT,
          encoding: "utf8",
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      assert.equal(r.status, 0, r.stderr);
      const d = JSON.parse(r.stdout);
      assert.deepEqual(d.added, []);
      assert.deepEqual(d.removed, []);
      const changes = d.changed.flatMap((c: any) => c.inputs.map((i: any) => `${c.type} ${i.path} ${i.before}→${i.after}`));
      assert.ok(changes.length >= 1, r.stdout);
      for (const c of changes) assert.match(c, /^gcp:storage\/bucket:Bucket publicAccessPrevention enforced→inherited$/);
      assert.equal(git(clone, "worktree", "list").split("\n").length, 1, "the worktrees are removed");
    } finally {
      fs.rmSync(clone, { recursive: true, force: true });
    }
  });
});
