/**
 * The PR preview guard (tools/preview-guard.ts) over fixtures shaped like `pulumi preview --json`
 * (test/ci/fixtures/README.md): replacing or deleting a stateful type blocks unless the PR carries
 * the allow label; other changes pass; unreadable previews fail closed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ALLOW_LABEL, evaluateGuard, parsePreview, renderPreviewMarkdown, riskyChanges, splitUrn } from "../../tools/preview-guard";
import { GUARDED_TYPES } from "../../policy/stateful";

const ROOT = path.resolve(__dirname, "../..");
const fixture = (name: string) => path.join(__dirname, "fixtures", name);
const load = (name: string) => parsePreview(fs.readFileSync(fixture(name), "utf8"));

describe("preview guard", () => {
  it("a bucket replacement is one risky change (three steps, one URN), reported as replace", () => {
    const risky = riskyChanges(load("preview-replace-bucket.json"));
    assert.equal(risky.length, 1);
    assert.equal(risky[0].op, "replace");
    assert.equal(risky[0].type, "gcp:storage/bucket:Bucket");
    assert.equal(risky[0].name, "raw");
    assert.deepEqual(risky[0].reasons, ["location"]);
  });

  it("blocks a bucket replacement without the label, allows it with the label", () => {
    const preview = load("preview-replace-bucket.json");
    assert.equal(evaluateGuard(preview, []).blocked, true);
    assert.equal(evaluateGuard(preview, ["documentation"]).blocked, true);
    const allowed = evaluateGuard(preview, [ALLOW_LABEL]);
    assert.equal(allowed.blocked, false);
    assert.equal(allowed.allowed, true);
    assert.equal(allowed.risky.length, 1, "allowed changes are still reported");
  });

  it("blocks deleting a Snowflake database even when it is not protected (dev)", () => {
    const g = evaluateGuard(load("preview-delete-database.json"), []);
    assert.equal(g.blocked, true);
    assert.deepEqual(
      g.risky.map((r) => [r.op, r.type]),
      [["delete", "snowflake:index/database:Database"]],
    );
  });

  it("passes replacing a stateless resource and updating a bucket in place", () => {
    const g = evaluateGuard(load("preview-safe.json"), []);
    assert.deepEqual(g.risky, []);
    assert.equal(g.blocked, false);
  });

  it("takes the type from the URN when a step has no state", () => {
    const urn = "urn:pulumi:prod::data-platform::data-platform:index:DataPlatform$data-platform:aws:DataBucket$aws:s3/bucket:Bucket::raw";
    assert.deepEqual(splitUrn(urn), { type: "aws:s3/bucket:Bucket", name: "raw" });
    assert.equal(riskyChanges({ steps: [{ op: "delete", urn }] }).length, 1);
  });

  it("guards buckets, databases, registries, schemas, warehouses, Fivetran connections and secrets", () => {
    assert.deepEqual([...GUARDED_TYPES].sort(), [
      "aws:ecr/repository:Repository",
      "aws:s3/bucket:Bucket",
      "aws:s3/bucketV2:BucketV2",
      "aws:secretsmanager/secret:Secret",
      "gcp:artifactregistry/repository:Repository",
      "gcp:secretmanager/secret:Secret",
      "gcp:storage/bucket:Bucket",
      "pulumi-nodejs:dynamic/fivetran:Connection",
      "snowflake:index/database:Database",
      "snowflake:index/schema:Schema",
      "snowflake:index/warehouse:Warehouse",
    ]);
  });

  // Stands for: a renamed pipeline's Fivetran connection replaced (a full re-sync) or a secret deleted
  // blocks the PR until someone says it is intended. Our own parse of `pulumi preview --json` steps.
  it("a replaced Fivetran connection or a deleted secret is risky; a replaced job is not", () => {
    const p = "urn:pulumi:prod::data-platform::data-platform:index:DataPlatform$data-platform:pipeline:Pipeline";
    const connection = `${p}$pulumi-nodejs:dynamic/fivetran:Connection::shop_postgres-connection`;
    const secret = `${p}$data-platform:gcp:Secrets$gcp:secretmanager/secret:Secret::shop_postgres-db_password`;
    const job = `${p}$gcp:cloudrunv2/job:Job::shop_postgres-dbt-job`;
    assert.equal(riskyChanges({ steps: [{ op: "replace", urn: connection }] }).length, 1);
    assert.equal(riskyChanges({ steps: [{ op: "delete", urn: secret }] }).length, 1);
    assert.equal(riskyChanges({ steps: [{ op: "replace", urn: job }] }).length, 0);
  });

  it("rejects output that is not a preview (fail closed)", () => {
    assert.throws(() => parsePreview(""), /no JSON/);
    assert.throws(() => parsePreview("error: could not log in\n"), /no JSON/);
    assert.throws(() => parsePreview('{"hello": 1}'), /neither/);
    assert.throws(() => parsePreview('{"steps": {}}'), /not a list/);
  });

  it("renders the verdict, the label to add, and one row per changed resource (halves of a replacement folded)", () => {
    const preview = load("preview-replace-bucket.json");
    const text = renderPreviewMarkdown("prod", preview, evaluateGuard(preview, []));
    assert.match(text, /### `prod`: replace 1, update 1/);
    assert.match(text, /Blocked/);
    assert.ok(text.includes(`\`${ALLOW_LABEL}\``));
    const rows = text.split("\n").filter((l) => l.startsWith("| `"));
    assert.equal(rows.length, 2, text);
    const none = load("preview-no-changes.json");
    assert.match(renderPreviewMarkdown("dev", none, evaluateGuard(none, [])), /### `dev`: no changes/);
  });

  describe("CLI", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools/preview-guard.ts"), ...args], { cwd: ROOT, encoding: "utf8" });

    it("exits 1 when blocked and writes the markdown file", () => {
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "guard-")), "prod.md");
      const r = run("--stack", "prod", "--preview", fixture("preview-replace-bucket.json"), "--labels", '["docs"]', "--markdown", out);
      assert.equal(r.status, 1, r.stderr);
      assert.match(fs.readFileSync(out, "utf8"), /Blocked/);
    });

    it("exits 0 with the label (as the workflow passes it: a JSON list)", () => {
      const r = run("--stack", "prod", "--preview", fixture("preview-replace-bucket.json"), "--labels", JSON.stringify(["docs", ALLOW_LABEL]));
      assert.equal(r.status, 0, r.stderr);
    });

    it("exits 1 when the preview file is missing, and says the preview failed", () => {
      const r = run("--stack", "dev", "--preview", fixture("does-not-exist.json"));
      assert.equal(r.status, 1);
      assert.match(r.stdout, /preview failed/);
    });

    it("exits 0 on a clean preview, and flags a failed preview step in the text", () => {
      const r = run("--stack", "dev", "--preview", fixture("preview-no-changes.json"), "--outcome", "failure");
      assert.equal(r.status, 0);
      assert.match(r.stdout, /ended with `failure`/);
    });
  });
});
