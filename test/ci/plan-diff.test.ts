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
import { diffInputs, diffPlans, exportRef, groupOf, isEmpty, renderMarkdown, renderMermaid, PLATFORM_GROUP } from "../../tools/plan-diff";

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
    const extra = [q, res("gcp:cloudrunv2/job:Job", "orders_files-ingest-job", { labels: { pipeline: "orders_files" } }, q.urn), res("gcp:cloudscheduler/job:Job", "orders_files-schedule", { schedule: "0 1 * * *" }, q.urn)];
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
    const extra = [q, res("gcp:serviceaccount/account:Account", "sa-ing-orders_files"), res("gcp:storage/bucketIAMMember:BucketIAMMember", "raw-storage-objectuser-ing-orders_files")];
    const d = diffPlans(plan(basePlan()), plan([...basePlan(), ...extra]));
    assert.deepEqual([...new Set(d.added.map((c) => c.group))], ["orders_files"]);
  });

  it("diffInputs reports leaf paths; arrays of another length differ as a whole", () => {
    assert.deepEqual(diffInputs({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } }), [{ path: "a.c", before: 2, after: 3 }]);
    assert.deepEqual(diffInputs({ l: [1, 2] }, { l: [1, 3] }), [{ path: "l[1]", before: 2, after: 3 }]);
    assert.deepEqual(diffInputs({ l: [1] }, { l: [1, 2] }).map((c) => c.path), ["l"]);
    assert.deepEqual(diffInputs({ a: 1 }, { b: 1 }).map((c) => c.path), ["a", "b"]);
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

describe("exportRef (git archive | tar -x)", () => {
  const git = (cwd: string, ...args: string[]) => {
    const r = spawnSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e" } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };

  it("exports the stack files, pipelines and image contexts of the ref, and nothing else", () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-repo-"));
    git(repo, "init", "-q");
    const write = (p: string, s: string) => {
      fs.mkdirSync(path.dirname(path.join(repo, p)), { recursive: true });
      fs.writeFileSync(path.join(repo, p), s);
    };
    write("Pulumi.dev.yaml", "config:\n  data-platform:images:\n    dbtContext: analytics/dbt\n");
    write("Pulumi.prod.yaml", "config: {}\n");
    write("Pulumi.yaml", "name: data-platform\n");
    write("pipelines/a.yaml", "name: a\n");
    write("ingestion/Dockerfile", "FROM scratch\n");
    write("analytics/dbt/Dockerfile", "FROM scratch\n");
    write("components/x.ts", "export {};\n");
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "base");
    const base = git(repo, "rev-parse", "HEAD");
    write("pipelines/b.yaml", "name: b\n");
    write("pipelines/a.yaml", "name: a2\n");

    const dir = exportRef(repo, base, "dev");
    const files = spawnSync("find", [".", "-type", "f"], { cwd: dir, encoding: "utf8" }).stdout.split("\n").filter(Boolean).sort();
    // Every stack file: the program checks pipelines' environment overrides against all of them.
    assert.deepEqual(files, ["./Pulumi.dev.yaml", "./Pulumi.prod.yaml", "./analytics/dbt/Dockerfile", "./ingestion/Dockerfile", "./pipelines/a.yaml"]);
    assert.equal(fs.readFileSync(path.join(dir, "pipelines/a.yaml"), "utf8"), "name: a\n", "the base's content, not the working tree's");

    // A stack that does not exist at the ref exports no stack file (planned as empty: everything is added).
    const none = exportRef(repo, base, "staging");
    assert.equal(fs.existsSync(path.join(none, "Pulumi.staging.yaml")), false);
    assert.throws(() => exportRef(repo, "no-such-ref", "dev"), /no-such-ref/);
  });
});
