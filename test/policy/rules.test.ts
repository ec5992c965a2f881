/**
 * Every rule of the policy pack on small fixtures: a compliant resource passes, and each must-fail
 * case is caught by the rule it is meant for. Also the @pulumi/policy wrappers: the same rules fire
 * when called with engine-shaped arguments, as `pulumi preview --policy-pack policy` would call them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluate, isProduction, RULES, stackOfUrn, type RuleResource } from "../../policy/rules";
import { policies } from "../../policy/policies";
import { labelProperty } from "../../policy/taggable";

const LABELS = { platform: "acme", environment: "dev", "managed-by": "pulumi" };
let n = 0;
function r(type: string, inputs: Record<string, unknown>, extra: Partial<RuleResource> = {}): RuleResource {
  const name = extra.name ?? `r${n++}`;
  const stack = extra.stack ?? "dev";
  return { type, name, urn: `urn:pulumi:${stack}::data-platform::${type}::${name}`, inputs, protect: false, stack, ...extra };
}
const rulesOf = (rs: RuleResource[]) => [...new Set(evaluate(rs).map((v) => v.rule))].sort();

const gcsBucket = (over: Record<string, unknown> = {}, extra: Partial<RuleResource> = {}) =>
  r("gcp:storage/bucket:Bucket", { name: "acme-dev-raw", publicAccessPrevention: "enforced", uniformBucketLevelAccess: true, labels: LABELS, ...over }, extra);

/** An S3 bucket with everything it needs, as components/cloud/aws/lake.ts declares it. */
function s3(omit: string[] = [], over: Record<string, Record<string, unknown>> = {}): RuleResource[] {
  const bucket = r("aws:s3/bucket:Bucket", { bucket: "acmeaws-dev-raw", tags: LABELS, ...over.bucket }, { name: "raw" });
  const child = { parent: bucket.urn };
  const all: Record<string, RuleResource> = {
    bucket,
    pab: r(
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      { bucket: "acmeaws-dev-raw", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, ...over.pab },
      child,
    ),
    sse: r(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      { bucket: "acmeaws-dev-raw", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }], ...over.sse },
      child,
    ),
  };
  return Object.entries(all)
    .filter(([k]) => !omit.includes(k))
    .map(([, v]) => v);
}

const policyDoc = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe("policy rules: compliant resources pass", () => {
  it("a private, labelled GCS bucket, a complete S3 bucket, least-privilege IAM, a key-pair Snowflake service user", () => {
    const rs = [
      gcsBucket(),
      ...s3(),
      r("gcp:storage/bucketIAMMember:BucketIAMMember", { bucket: "b", role: "roles/storage.objectViewer", member: "serviceAccount:x@p.iam.gserviceaccount.com" }),
      r("aws:iam/rolePolicy:RolePolicy", { policy: policyDoc([{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }]) }),
      // Deny statements may use wildcards (the TLS-only bucket policy).
      r("aws:s3/bucketPolicy:BucketPolicy", {
        bucket: "b",
        policy: policyDoc([
          { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: ["s3:*"], Resource: ["*"], Condition: { Bool: { "aws:SecureTransport": "false" } } },
        ]),
      }),
      r("snowflake:index/serviceUser:ServiceUser", { name: "DEV_LOADER", rsaPublicKey: "MIIB..." }),
      r("snowflake:index/database:Database", { name: "PROD_RAW" }, { stack: "prod", protect: true }),
      r("gcp:monitoring/alertPolicy:AlertPolicy", { userLabels: LABELS }),
      // A notification channel's `labels` are its settings; the platform labels are its userLabels.
      r("gcp:monitoring/notificationChannel:NotificationChannel", { type: "email", labels: { email_address: "a@b.c" }, userLabels: LABELS }),
    ];
    assert.deepEqual(evaluate(rs), []);
  });
});

describe("policy rules: each must-fail case is caught by its rule", () => {
  const cases: [string, string, RuleResource[]][] = [
    ["no-public-buckets", "GCS bucket without public access prevention", [gcsBucket({ publicAccessPrevention: "inherited" })]],
    ["no-public-buckets", "allUsers on a bucket", [r("gcp:storage/bucketIAMMember:BucketIAMMember", { bucket: "b", role: "roles/storage.objectViewer", member: "allUsers" })]],
    [
      "no-public-buckets",
      "allAuthenticatedUsers in a binding",
      [r("gcp:storage/bucketIAMBinding:BucketIAMBinding", { bucket: "b", role: "roles/storage.objectViewer", members: ["user:a@b.c", "allAuthenticatedUsers"] })],
    ],
    ["no-public-buckets", "S3 public access block not all true", s3([], { pab: { restrictPublicBuckets: false } })],
    ["no-public-buckets", "S3 bucket with no public access block", s3(["pab"])],
    ["no-public-buckets", "public-read ACL", s3([], { bucket: { acl: "public-read" } })],
    [
      "no-public-buckets",
      "bucket policy allowing everyone",
      [r("aws:s3/bucketPolicy:BucketPolicy", { policy: policyDoc([{ Effect: "Allow", Principal: "*", Action: ["s3:GetObject"], Resource: ["*"] }]) })],
    ],
    ["encryption-at-rest", "S3 bucket with no SSE configuration", s3(["sse"])],
    ["encryption-at-rest", "SSE configuration with no rules", s3([], { sse: { rules: [] } })],
    ["encryption-at-rest", "GCS encryption block without a key name", [gcsBucket({ encryption: { defaultKmsKeyName: "" } })]],
    [
      "encryption-at-rest",
      "one GCS bucket with CMEK, another without",
      [gcsBucket({ encryption: { defaultKmsKeyName: "projects/p/locations/europe-west1/keyRings/k/cryptoKeys/lake" } }), gcsBucket({ name: "acme-dev-artifacts" })],
    ],
    ["no-primitive-roles", "roles/editor on a project", [r("gcp:projects/iAMMember:IAMMember", { project: "p", role: "roles/editor", member: "serviceAccount:x" })]],
    [
      "no-primitive-roles",
      "roles/owner in a policy document",
      [r("gcp:storage/bucketIAMPolicy:BucketIAMPolicy", { policyData: JSON.stringify({ bindings: [{ role: "roles/owner", members: ["user:a@b.c"] }] }) })],
    ],
    ["no-wildcard-actions", 'Action "*"', [r("aws:iam/rolePolicy:RolePolicy", { policy: policyDoc([{ Effect: "Allow", Action: "*", Resource: "*" }]) })]],
    [
      "no-wildcard-actions",
      'Action "s3:*" in an inline role policy',
      [r("aws:iam/role:Role", { inlinePolicies: [{ name: "x", policy: policyDoc([{ Effect: "Allow", Action: ["s3:*"], Resource: ["*"] }]) }], tags: LABELS })],
    ],
    ["no-wildcard-actions", "NotAction in an Allow", [r("aws:iam/policy:Policy", { policy: policyDoc([{ Effect: "Allow", NotAction: ["iam:*"], Resource: "*" }]), tags: LABELS })]],
    ["snowflake-key-pair-only", "a Snowflake user with a password", [r("snowflake:index/user:User", { name: "BOB", password: "hunter2", rsaPublicKey: "MII" })]],
    ["snowflake-key-pair-only", "a service user without a public key", [r("snowflake:index/serviceUser:ServiceUser", { name: "DEV_LOADER" })]],
    [
      "snowflake-key-pair-only",
      "a legacy service user with a password",
      [r("snowflake:index/legacyServiceUser:LegacyServiceUser", { name: "L", password: "x", rsaPublicKey: "MII" })],
    ],
    ["stateful-protected-in-prod", "an unprotected bucket in prod", [gcsBucket({ labels: { ...LABELS, environment: "prod" } }, { stack: "prod" })]],
    ["stateful-protected-in-prod", "an unprotected Snowflake database in prod", [r("snowflake:index/database:Database", { name: "PROD_RAW" }, { stack: "prod" })]],
    [
      "stateful-protected-in-prod",
      "an unprotected ECR repository on a stack named prod-aws",
      [r("aws:ecr/repository:Repository", { name: "x", tags: { ...LABELS, environment: "prod" } }, { stack: "prod-aws" })],
    ],
    ["platform-labels", "a GCS bucket without labels", [gcsBucket({ labels: undefined })]],
    ["platform-labels", "an S3 bucket whose tags lack managed-by", s3([], { bucket: { tags: { platform: "acme", environment: "dev" } } })],
    ["platform-labels", "managed-by is not pulumi", [gcsBucket({ labels: { ...LABELS, "managed-by": "terraform" } })]],
    ["platform-labels", "a Cloud Run job without labels", [r("gcp:cloudrunv2/job:Job", { name: "j", template: {} })]],
    [
      "platform-labels",
      "a notification channel with the platform labels in its settings, not its userLabels",
      [r("gcp:monitoring/notificationChannel:NotificationChannel", { type: "email", labels: LABELS })],
    ],
  ];
  for (const [rule, what, rs] of cases) {
    it(`${rule}: ${what}`, () => {
      const v = evaluate(rs);
      assert.ok(
        v.some((x) => x.rule === rule),
        `expected a ${rule} violation, got ${JSON.stringify(v)}`,
      );
      assert.deepEqual(rulesOf(rs), [rule], "and no other rule fires on the fixture");
    });
  }

  it("every rule has at least one must-fail case", () => {
    assert.deepEqual([...new Set(cases.map(([rule]) => rule))].sort(), RULES.map((x) => x.name).sort());
  });
});

describe("policy helpers", () => {
  it("production is the environment label or a prod stack name", () => {
    assert.equal(isProduction(r("x", {}, { stack: "prod" })), true);
    assert.equal(isProduction(r("x", {}, { stack: "prod-aws" })), true);
    assert.equal(isProduction(r("x", { labels: { environment: "prod" } }, { stack: "main" })), true);
    assert.equal(isProduction(r("x", {}, { stack: "dev" })), false);
    assert.equal(isProduction(r("x", {}, { stack: "product-dev" })), false);
  });

  it("label properties come from the provider SDKs (Monitoring types: userLabels)", () => {
    assert.equal(labelProperty("gcp:storage/bucket:Bucket"), "labels");
    assert.equal(labelProperty("aws:s3/bucket:Bucket"), "tags");
    assert.equal(labelProperty("gcp:monitoring/alertPolicy:AlertPolicy"), "userLabels");
    assert.equal(labelProperty("gcp:monitoring/notificationChannel:NotificationChannel"), "userLabels");
    assert.equal(labelProperty("gcp:storage/bucketIAMMember:BucketIAMMember"), undefined);
    assert.equal(labelProperty("snowflake:index/database:Database"), undefined);
  });

  it("stack of a URN", () => assert.equal(stackOfUrn("urn:pulumi:dev-aws::data-platform::aws:s3/bucket:Bucket::raw"), "dev-aws"));
});

describe("policy pack wrappers (@pulumi/policy)", () => {
  const byName = new Map(policies.map((p) => [p.name, p]));

  it("one resource policy per rule, a stack policy for the rules that pair resources, all mandatory", () => {
    assert.deepEqual(policies.map((p) => p.name).sort(), [
      "encryption-at-rest",
      "encryption-at-rest-stack",
      "no-primitive-roles",
      "no-public-buckets",
      "no-public-buckets-stack",
      "no-wildcard-actions",
      "platform-labels",
      "snowflake-key-pair-only",
      "stateful-protected-in-prod",
    ]);
    for (const p of policies) assert.equal(p.enforcementLevel, "mandatory");
  });

  it("a resource validation reports what the rule finds, reading protect from opts and the stack from the URN", async () => {
    const reported: string[] = [];
    const p = byName.get("stateful-protected-in-prod") as any;
    const args = (protect: boolean) => ({
      type: "gcp:storage/bucket:Bucket",
      name: "raw",
      urn: "urn:pulumi:prod::data-platform::data-platform:index:DataPlatform$gcp:storage/bucket:Bucket::raw",
      props: { name: "acme-prod-raw", publicAccessPrevention: "enforced", labels: { ...LABELS, environment: "prod" } },
      opts: { protect, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } },
    });
    await p.validateResource(args(false), (m: string) => reported.push(m));
    assert.equal(reported.length, 1);
    await p.validateResource(args(true), (m: string) => reported.push(m));
    assert.equal(reported.length, 1, "protected: no new violation");
  });

  it("a stack validation pairs S3 buckets with their configuration through the parent resource", async () => {
    const [bucket, pab] = s3(["sse"]);
    const asPolicyResource = (x: RuleResource, parent?: RuleResource) => ({
      type: x.type,
      name: x.name,
      urn: x.urn!,
      props: x.inputs,
      opts: { protect: false },
      parent: parent && { urn: parent.urn },
    });
    const reported: [string, string | undefined][] = [];
    const p = byName.get("encryption-at-rest-stack") as any;
    await p.validateStack({ resources: [asPolicyResource(bucket), asPolicyResource(pab, bucket)] }, (m: string, urn?: string) => reported.push([m, urn]));
    assert.deepEqual(reported, [["S3 bucket has no server-side encryption configuration", bucket.urn]]);
  });
});
