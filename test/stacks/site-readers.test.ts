/**
 * The docs and data-quality site in the cloud (issue #19 point 5): every dbt job publishes it
 * (DP_PUBLISH_SITE=1) to the artifacts bucket's site/ prefix, and only the stack's `site.readers` may
 * read it, and only that prefix.
 *
 * Stands for: GCS's conditional IAM (objectViewer limited by a resource.name condition) and an S3 read
 * through an IAM role the readers assume. Proof: declaration under mocks (the real program, the
 * shipped stack files with `site.readers` set). The aws-emulated tier's IAM simulation covers the
 * roles it lists; this test reads the statements themselves. Cannot prove: that a reader's browser
 * can open the objects (signed URLs, console), or that the job's upload succeeds (dbt suite:
 * dbt/tests_runner/test_site.py runs the publish against a folder).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readStackFile } from "../../tools/synth/stack-file";
import { maskSecrets, synthesize, type Plan } from "../../tools/synth/synthesize";
import { ConfigError, formatIssue } from "../../stacks/errors";
import { loadPlatformConfig } from "../../stacks/load";
import { examplesRoot } from "../examples";

async function planWith(stack: "dev" | "dev-aws", settings: Record<string, unknown>): Promise<Plan> {
  const root = examplesRoot();
  const file = readStackFile(root, stack);
  const config: Record<string, string> = { ...file.config };
  for (const [k, v] of Object.entries(settings)) config[`data-platform:${k}`] = JSON.stringify(v);
  return synthesize({ stack, root, config, secretKeys: file.secretKeys });
}
const plain = (v: unknown) => maskSecrets(v, true) as any;
const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type).map((r) => ({ ...r, inputs: plain(r.inputs) }));

describe("site readers on GCP", () => {
  it("each reader gets objectViewer on the artifacts bucket's site/ objects only; nobody without readers", async () => {
    const plan = await planWith("dev", { site: { readers: ["group:data-readers@example.com", "user:ana@example.com"] } });
    const grants = ofType(plan, "gcp:storage/bucketIAMMember:BucketIAMMember").filter((g) => /^(group|user):/.test(g.inputs.member));
    assert.deepEqual(grants.map((g) => g.inputs.member).sort(), ["group:data-readers@example.com", "user:ana@example.com"]);
    const artifacts = ofType(plan, "gcp:storage/bucket:Bucket").find((b) => b.name === "artifacts")!.inputs.name;
    for (const g of grants) {
      assert.equal(g.inputs.role, "roles/storage.objectViewer");
      assert.equal(g.inputs.bucket, artifacts);
      // Objects under site/ only: no bucket-level clause, no other prefix.
      assert.equal(g.inputs.condition.expression, `resource.name.startsWith('projects/_/buckets/${artifacts}/objects/site/')`);
    }
    const none = await planWith("dev", {});
    assert.equal(ofType(none, "gcp:storage/bucketIAMMember:BucketIAMMember").filter((g) => /^(group|user):/.test(g.inputs.member)).length, 0);
  });

  it("every dbt job publishes the site", async () => {
    const plan = await planWith("dev", {});
    const dbtJobs = ofType(plan, "gcp:cloudrunv2/job:Job").filter((j) => j.name.endsWith("-dbt-job"));
    assert.ok(dbtJobs.length >= 3);
    for (const j of dbtJobs)
      assert.ok(
        j.inputs.template.template.containers[0].envs.some((e: any) => e.name === "DP_PUBLISH_SITE" && e.value === "1"),
        j.name,
      );
  });
});

describe("site readers on AWS", () => {
  it("the readers may assume a role that reads site/ of the artifacts bucket and nothing else", async () => {
    const readers = ["arn:aws:iam::123456789012:role/analysts", "arn:aws:iam::210987654321:user/auditor"];
    const plan = await planWith("dev-aws", { site: { readers } });
    const role = ofType(plan, "aws:iam/role:Role").find((r) => r.inputs.name === "acmeaws-dev-site-reader");
    assert.ok(role, "a site-reader role");
    const trust = JSON.parse(role.inputs.assumeRolePolicy);
    assert.deepEqual(trust.Statement, [{ Effect: "Allow", Principal: { AWS: readers }, Action: "sts:AssumeRole" }]);
    assert.ok(role.inputs.permissionsBoundary, "bounded like every workload role");
    const policies = ofType(plan, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.name === "site-reader-site");
    assert.equal(policies.length, 1);
    const st = JSON.parse(policies[0].inputs.policy).Statement;
    const bucket = "arn:aws:s3:::acmeaws-dev-artifacts";
    assert.deepEqual(
      st.map((s: any) => [s.Sid, s.Action, s.Resource, s.Condition]),
      [
        ["ListSite", ["s3:ListBucket"], [bucket], { StringLike: { "s3:prefix": ["site/*"] } }],
        ["ReadSite", ["s3:GetObject"], [`${bucket}/site/*`], undefined],
      ],
    );
    const none = await planWith("dev-aws", {});
    assert.equal(ofType(none, "aws:iam/role:Role").filter((r) => r.inputs.name === "acmeaws-dev-site-reader").length, 0);
  });

  it("every dbt task publishes the site", async () => {
    const plan = await planWith("dev-aws", {});
    const tasks = ofType(plan, "aws:ecs/taskDefinition:TaskDefinition").filter((t) => String(t.inputs.family).endsWith("-dbt-task"));
    assert.ok(tasks.length >= 3);
    for (const t of tasks)
      assert.ok(
        JSON.parse(t.inputs.containerDefinitions)[0].environment.some((e: any) => e.name === "DP_PUBLISH_SITE" && e.value === "1"),
        t.inputs.family,
      );
  });
});

describe("site.readers validation", () => {
  for (const [stack, bad, expected] of [
    ["dev", "data-readers@example.com", "an IAM member like group:data-readers@example.com"],
    ["dev-aws", "analysts", "an IAM role or user ARN like arn:aws:iam::123456789012:role/analysts"],
  ] as const) {
    it(`${stack}: a reader that is not a ${stack === "dev" ? "GCP member" : "AWS principal ARN"} stops the load, nothing declared`, () => {
      const root = examplesRoot();
      const config = { ...readStackFile(root, stack).config, "data-platform:site": JSON.stringify({ readers: ["group:ok@example.com", bad].slice(stack === "dev" ? 0 : 1) }) };
      assert.throws(
        () => loadPlatformConfig({ root, stack, config }),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, String(e));
          const text = e.issues.map(formatIssue).join("\n");
          const index = stack === "dev" ? 1 : 0;
          assert.ok(text.includes(`site.readers.${index}: expected ${expected}, found "${bad}"`), text);
          return true;
        },
      );
    });
  }
});
