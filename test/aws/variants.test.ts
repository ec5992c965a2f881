/**
 * The AWS environment under other stack settings (named subnets, a KMS key, protection on, no CI, a
 * non-dev environment), the refusals, and the real program on `dev-aws`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { awsCloud } from "../../components/cloud/aws";
import type { PlatformConfig } from "../../components/types";
import { synthesize } from "../../tools/synth/synthesize";
import { cloudContext } from "../../components/platform";
import { ACCOUNT, byType, integrationIdentity, json, list, one, policies, policyRole, synthAws, TestPlatform } from "./harness";
import { examplesRoot } from "../examples";

const KMS = "arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd";

describe("aws environment in a protected staging stack with named subnets and a KMS key", () => {
  let s: Awaited<ReturnType<typeof synthAws>>;
  it("synthesizes", async () => {
    s = await synthAws({
      environment: "stg",
      protect: true,
      allowDataDestroy: false,
      aws: { accountId: ACCOUNT, subnetIds: ["subnet-0aaa111", "subnet-0bbb222"] },
      lake: { coldAfterDays: 30, expireAfterDays: 0, noncurrentVersionDays: 30, kmsKey: KMS },
      ci: undefined,
    });
  });
  it("a protected stack's deploy role cannot empty buckets (no version listing or object deletion)", async () => {
    const ci = await synthAws({ environment: "stg", protect: true, allowDataDestroy: false, aws: { accountId: ACCOUNT, subnetIds: ["subnet-0aaa111"] }, lake: { kmsKey: KMS } });
    const deploy = policies(ci.plan)
      .filter((p) => p.resource.type === "aws:iam/rolePolicy:RolePolicy" && policyRole(p.resource) === "acmeaws-stg-ci-deploy")
      .flatMap((p) => p.statements);
    const actions = deploy.filter((x) => x.Effect !== "Deny").flatMap((x) => list(x.Action));
    for (const a of ["s3:ListBucketVersions", "s3:DeleteObjectVersion", "s3:DeleteObject"]) assert.ok(!actions.includes(a), a);
  });
  it("protects and retains buckets and repositories, and never force-destroys them", () => {
    for (const r of [...byType(s.plan, "aws:s3/bucket:Bucket"), ...byType(s.plan, "aws:ecr/repository:Repository")]) {
      assert.equal(r.options.protect, true, r.name);
      assert.equal(r.options.retainOnDelete, true, r.name);
      assert.equal(r.inputs.forceDestroy ?? r.inputs.forceDelete, false, r.name);
    }
    for (const sec of byType(s.plan, "aws:secretsmanager/secret:Secret")) assert.equal(sec.inputs.recoveryWindowInDays, 30);
  });
  it("encrypts with SSE-KMS under the stack's key and lets the lake's users use that key only", () => {
    for (const e of byType(s.plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")) {
      // S3 delivers server access logs only into an SSE-S3 bucket; the lake's data buckets use the key.
      const expected =
        e.name === "access-logs-encryption"
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KMS }, bucketKeyEnabled: true };
      assert.deepEqual((e.inputs.rules as any[])[0], expected, e.name);
    }
    const kmsUsers = policies(s.plan)
      .filter((p) => p.statements.some((st) => list(st.Action).some((a) => a.startsWith("kms:"))))
      .map((p) => policyRole(p.resource))
      .sort();
    assert.deepEqual(kmsUsers, [
      "acmeaws-stg-dbt",
      "acmeaws-stg-jsonplaceholder-ingest",
      "acmeaws-stg-orders-files-ingest",
      "acmeaws-stg-snowflake-lake",
      "policy acmeaws-stg-workload-boundary",
    ]);
    for (const p of policies(s.plan)) for (const st of p.statements) if (list(st.Action).some((a) => a.startsWith("kms:"))) assert.deepEqual(list(st.Resource), [KMS]);
  });
  it("runs tasks in the named subnets without a public IP, and creates no VPC", () => {
    assert.equal(byType(s.plan, "aws:ec2/vpc:Vpc").length, 0);
    assert.equal(byType(s.plan, "aws:ec2/subnet:Subnet").length, 0);
    const sg = one(s.plan, "aws:ec2/securityGroup:SecurityGroup");
    assert.match(String(sg.inputs.vpcId), /^vpc-/, "VPC looked up from the first subnet");
    assert.deepEqual(sg.inputs.ingress, []);
    for (const sm of byType(s.plan, "aws:sfn/stateMachine:StateMachine")) {
      const d = json(sm.inputs.definition);
      const net = d.States.Transform.Arguments.NetworkConfiguration.AwsvpcConfiguration;
      assert.deepEqual(net.Subnets, ["subnet-0aaa111", "subnet-0bbb222"]);
      assert.equal(net.AssignPublicIp, "DISABLED");
    }
  });
  it("enables the schedules where the pipeline is not paused", () => {
    const schedules = byType(s.plan, "aws:scheduler/schedule:Schedule");
    assert.equal(schedules.length, 3);
    for (const x of schedules) assert.equal(x.inputs.state, "ENABLED", x.name);
  });
  it("skips CI access when config.ci is absent", () => {
    assert.equal(byType(s.plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
    assert.ok(!byType(s.plan, "aws:iam/role:Role").some((r) => String(r.inputs.name).includes("-ci-")));
  });
});

describe("aws refusals", () => {
  it("refuses to inject a secret into a task whose workload is not one of its readers", async () => {
    const s = await synthAws({}, undefined, (args, keys) => ({ ...args, secretEnv: { ...args.secretEnv, ingestion: { ...args.secretEnv.ingestion, STOLEN: keys.transformer } } }));
    assert.ok(
      s.errors.some((e) => /ingestion env STOLEN \(secret "snowflake-transformer-key"\): ingestion is not one of its readers \(dbt\)/.test(e)),
      s.errors.join("\n"),
    );
    assert.equal(byType(s.plan, "aws:ecs/taskDefinition:TaskDefinition").length, 1, "only shop_postgres (no ingestion) got its dbt task; refused runtimes declared nothing");
  });
  it("refuses another pipeline's secret", async () => {
    let other: any;
    const s = await synthAws(
      {},
      (env) => (other = env.secret("api_token", undefined, ["ingestion"], "someone_else")),
      (args) => (args.pipeline.name === "orders_files" ? { ...args, secretEnv: { ...args.secretEnv, ingestion: { ...args.secretEnv.ingestion, X: other } } } : args),
    );
    assert.deepEqual(s.errors, ['pipeline orders_files: ingestion env X (secret "api_token"): it belongs to pipeline someone_else']);
  });
  it("grants the lake reader once", async () => {
    const s = await synthAws({}, (env) => env.lakeReader.grant(integrationIdentity("arn:aws:iam::1:user/x", "y")));
    assert.deepEqual(s.errors, ["grantLakeReader: the lake reader role is already granted (one storage integration per environment)"]);
  });
  it("refuses a stack of another cloud", () => {
    const parent = {} as TestPlatform;
    assert.throws(() => awsCloud.environment(cloudContext({ cloud: "gcp", stack: "dev" } as PlatformConfig, parent)), /has cloud gcp/);
  });
});

describe("aws through the real program (components/platform.ts)", () => {
  it("synthesizes dev-aws end to end with the warehouse, Fivetran and images", async () => {
    const plan = await synthesize({ stack: "dev-aws", root: examplesRoot() });
    assert.equal(plan.outputs.cloud, "aws");
    assert.equal(plan.outputs.rawBucket, "s3://acmeaws-dev-raw");
    assert.equal(plan.outputs.registry, `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/acmeaws-dev-images`);
    assert.equal(byType(plan, "aws:sfn/stateMachine:StateMachine").length, 3);
    assert.equal(byType(plan, "aws:scheduler/schedule:Schedule").length, 3);
    // Images built by Deploy land in the environment's repositories and the tasks pull them by digest.
    for (const td of byType(plan, "aws:ecs/taskDefinition:TaskDefinition")) {
      const image = json(td.inputs.containerDefinitions)[0].image as string;
      assert.match(image, new RegExp(`^${ACCOUNT}\\.dkr\\.ecr\\.eu-west-1\\.amazonaws\\.com/acmeaws-dev-images/(ingestion|dbt)@sha256:[0-9a-f]{64}$`), td.name);
    }
    // The warehouse's storage integration names the lake reader role this environment creates.
    const reader = one(plan, "aws:iam/role:Role", (r) => r.inputs.name === "acmeaws-dev-snowflake-lake");
    assert.equal((plan.outputs as any).aws.lakeReaderRole, `arn:aws:iam::${ACCOUNT}:role/${reader.inputs.name}`);
  });
});
