/**
 * The AWS environment of the `dev-aws` stack, synthesized under mocks with every pipeline file:
 * one describe per feature, then the security invariants over the whole plan.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { UNSCOPED_ACTIONS } from "../../components/cloud/aws/policy";
import { LABEL_KEYS } from "../../components/labels";
import { isSecretValue, type PlannedResource } from "../../tools/synth/synthesize";
import {
  ACCOUNT,
  byType,
  digest,
  FIVETRAN_CREDENTIAL,
  isUnder,
  json,
  list,
  one,
  plain,
  policies,
  policyRole,
  REGION,
  SNOWFLAKE_EXTERNAL_ID,
  SNOWFLAKE_USER,
  synthAws,
  type AwsSynth,
  type PolicyStatement,
} from "./harness";

const T = {
  bucket: "aws:s3/bucket:Bucket",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  task: "aws:ecs/taskDefinition:TaskDefinition",
  sfn: "aws:sfn/stateMachine:StateMachine",
  schedule: "aws:scheduler/schedule:Schedule",
  secret: "aws:secretsmanager/secret:Secret",
  topic: "aws:sns/topic:Topic",
  sub: "aws:sns/topicSubscription:TopicSubscription",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
};

let s: AwsSynth;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const roleNamed = (name: string) => one(s.plan, T.role, (r) => r.inputs.name === name);
/** Statements of every inline policy attached to the role named `name`. */
const statementsOf = (name: string): PolicyStatement[] =>
  policies(s.plan)
    .filter((p) => p.resource.type === T.rolePolicy && policyRole(p.resource) === name)
    .flatMap((p) => p.statements);
const actionsOf = (name: string) => new Set(statementsOf(name).flatMap((st) => list(st.Action)));
const sfnOf = (p: string) => one(s.plan, T.sfn, (r) => r.inputs.name === `acmeaws-dev-${p.replace(/_/g, "-")}-flow`);
const taskOf = (p: string, kind: "ingest" | "dbt") => byType(s.plan, T.task).find((r) => r.inputs.family === `acmeaws-dev-${p.replace(/_/g, "-")}-${kind}-task`);
const PIPELINES = ["jsonplaceholder", "orders_files", "shop_postgres"];

before(async () => {
  s = await synthAws();
});

describe("aws lake", () => {
  it("has a raw and an artifacts bucket with planned names and s3:// URIs", () => {
    assert.deepEqual(
      byType(s.plan, T.bucket)
        .map((b) => b.inputs.bucket)
        .sort(),
      ["acmeaws-dev-access-logs", "acmeaws-dev-artifacts", "acmeaws-dev-raw"],
    );
    assert.equal(s.plan.outputs.rawBucket, "s3://acmeaws-dev-raw");
    assert.equal(s.plan.outputs.artifactsBucket, "s3://acmeaws-dev-artifacts");
  });
  for (const bucket of ["acmeaws-dev-raw", "acmeaws-dev-artifacts"]) {
    it(`${bucket}: public access blocked, owner enforced, versioned, encrypted, TLS-only`, () => {
      const on = (type: string) => one(s.plan, type, (r) => r.inputs.bucket === bucket);
      const pab = on("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
      for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(pab[k], true, k);
      assert.equal((on("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule as any).objectOwnership, "BucketOwnerEnforced");
      assert.equal((on("aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration as any).status, "Enabled");
      const sse = (on("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules as any[])[0];
      assert.equal(sse.applyServerSideEncryptionByDefault.sseAlgorithm, "AES256", "no kmsKey in dev-aws: SSE-S3");
      const [tls] = json(on("aws:s3/bucketPolicy:BucketPolicy").inputs.policy).Statement;
      assert.equal(tls.Effect, "Deny");
      assert.equal(tls.Principal, "*");
      assert.deepEqual(tls.Condition, { Bool: { "aws:SecureTransport": "false" } });
      assert.deepEqual(tls.Resource, [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]);
    });
  }
  it("takes lifecycle rules from the stack config (cold 30, expire 90, noncurrent 7; artifacts 90)", () => {
    const rules = (b: string) => (one(s.plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", (r) => r.inputs.bucket === b).inputs.rules as any[])[0];
    const raw = rules("acmeaws-dev-raw");
    assert.deepEqual(raw.transitions, [{ days: 30, storageClass: "STANDARD_IA" }]);
    assert.deepEqual(raw.expiration, { days: 90 });
    assert.deepEqual(raw.noncurrentVersionExpiration, { noncurrentDays: 7 });
    assert.deepEqual(rules("acmeaws-dev-artifacts").expiration, { days: 90 });
  });
  it("dev-aws turns both data keys (protect: false, allowDataDestroy: true): forceDestroy, not protected", () => {
    for (const b of byType(s.plan, T.bucket)) {
      assert.equal(b.inputs.forceDestroy, true);
      assert.equal(b.options.protect, false);
    }
  });
});

describe("aws identities", () => {
  it("has one role per workload, shared ones per environment and the rest per pipeline", () => {
    const names = byType(s.plan, T.role)
      .map((r) => r.inputs.name)
      .sort();
    const expected = ["acmeaws-dev-dbt", "acmeaws-dev-ci-preview", "acmeaws-dev-ci-deploy", "acmeaws-dev-snowflake-lake"];
    for (const p of ["jsonplaceholder", "orders-files"]) expected.push(`acmeaws-dev-${p}-ingest`, `acmeaws-dev-${p}-ingest-exec`);
    for (const p of ["jsonplaceholder", "orders-files", "shop-postgres"]) expected.push(`acmeaws-dev-${p}-dbt-exec`, `acmeaws-dev-${p}-orchestrator`, `acmeaws-dev-${p}-scheduler`);
    assert.deepEqual(names, expected.sort());
  });
  it("each task runs as its own task role, never as its execution role; each pipeline's ingestion has its own role", () => {
    const ingestRoles = new Set<string>();
    for (const t of byType(s.plan, T.task)) {
      assert.notEqual(t.inputs.taskRoleArn, t.inputs.executionRoleArn, t.name);
      const family = String(t.inputs.family);
      if (family.endsWith("-ingest-task")) {
        const base = family.replace(/-ingest-task$/, "");
        assert.equal(t.inputs.taskRoleArn, roleArn(`${base}-ingest`));
        assert.equal(t.inputs.executionRoleArn, roleArn(`${base}-ingest-exec`));
        ingestRoles.add(String(t.inputs.taskRoleArn));
      } else {
        assert.equal(t.inputs.taskRoleArn, roleArn("acmeaws-dev-dbt"));
        assert.equal(t.inputs.executionRoleArn, roleArn(family.replace(/-dbt-task$/, "-dbt-exec")));
      }
    }
    assert.equal(ingestRoles.size, 2, "jsonplaceholder and orders_files; shop_postgres is loaded by Fivetran");
  });
  it("trusts the right service, within this account", () => {
    const trust = (name: string) => json(roleNamed(name).inputs.assumeRolePolicy).Statement[0];
    for (const name of ["acmeaws-dev-dbt", "acmeaws-dev-orders-files-ingest", "acmeaws-dev-orders-files-ingest-exec", "acmeaws-dev-orders-files-dbt-exec"]) {
      assert.deepEqual(trust(name).Principal, { Service: "ecs-tasks.amazonaws.com" }, name);
      assert.equal(trust(name).Condition.StringEquals["aws:SourceAccount"], ACCOUNT);
    }
    const flow = trust("acmeaws-dev-orders-files-orchestrator");
    assert.deepEqual(flow.Principal, { Service: "states.amazonaws.com" });
    assert.equal(flow.Condition.ArnLike["aws:SourceArn"], `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:acmeaws-dev-orders-files-flow`);
    assert.deepEqual(trust("acmeaws-dev-orders-files-scheduler").Principal, { Service: "scheduler.amazonaws.com" });
  });
  it("ingestion writes only its own raw prefixes and reads its landing folder; dbt only the artifacts bucket", () => {
    const st = statementsOf("acmeaws-dev-orders-files-ingest");
    const write = st.find((x) => x.Sid === "WriteOwnPrefixes")!;
    assert.deepEqual(list(write.Resource), ["arn:aws:s3:::acmeaws-dev-raw/dlt/raw_orders_files/*"]);
    // Its pipeline-run records, in the artifacts bucket under runs/<pipeline>/ only (listed, so a part not yet written is a 404).
    assert.deepEqual(list(st.find((x) => x.Sid === "WriteRunRecords")!.Resource), ["arn:aws:s3:::acmeaws-dev-artifacts/runs/orders_files/*"]);
    const listRecords = st.find((x) => x.Sid === "ListRunRecords")!;
    assert.deepEqual(list(listRecords.Resource), ["arn:aws:s3:::acmeaws-dev-artifacts"]);
    assert.deepEqual(listRecords.Condition, { StringLike: { "s3:prefix": ["runs/orders_files/", "runs/orders_files/*"] } });
    assert.deepEqual(list(st.find((x) => x.Sid === "ReadLanding")!.Resource), ["arn:aws:s3:::acmeaws-dev-raw/landing/orders/*"]);
    assert.ok(!JSON.stringify(statementsOf("acmeaws-dev-jsonplaceholder-ingest")).includes("orders"), "no grant on another pipeline's prefixes");
    const dbt = statementsOf("acmeaws-dev-dbt");
    assert.ok(
      dbt.every((x) => list(x.Resource).every((r) => r.startsWith("arn:aws:s3:::acmeaws-dev-artifacts"))),
      JSON.stringify(dbt),
    );
  });
  it("each orchestrator runs only its own pipeline's tasks in the cluster and passes only their roles", () => {
    for (const p of PIPELINES) {
      const base = `acmeaws-dev-${p.replace(/_/g, "-")}`;
      const st = statementsOf(`${base}-orchestrator`);
      const run = st.find((x) => x.Sid === "RunOwnTasks")!;
      // The flow names families (no revision, so a deploy mid-run cannot strand it); ECS authorizes the resolved revision: both forms.
      const families = [taskOf(p, "ingest"), taskOf(p, "dbt")]
        .filter((t): t is PlannedResource => !!t)
        .flatMap((t) => [`arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${t.inputs.family}`, `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${t.inputs.family}:*`]);
      assert.deepEqual(list(run.Resource), families, p);
      assert.deepEqual(run.Condition, { ArnEquals: { "ecs:cluster": `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/acmeaws-dev-cluster` } });
      const pass = st.find((x) => x.Sid === "PassOwnRoles")!;
      const expected = [...(p === "shop_postgres" ? [] : [`${base}-ingest`, `${base}-ingest-exec`]), "acmeaws-dev-dbt", `${base}-dbt-exec`].map(roleArn);
      assert.deepEqual(list(pass.Resource), expected, p);
    }
  });
  it("Snowflake's lake reader: ARN known up front, trusts the integration's user with its external id, reads the raw bucket only", () => {
    const reader = roleNamed("acmeaws-dev-snowflake-lake");
    assert.equal(s.plan.outputs.lakeReaderRoleArn, roleArn("acmeaws-dev-snowflake-lake"));
    // The storage integration is declared for S3, assuming exactly this role (LakeReader.integration).
    assert.deepEqual(s.plan.outputs.lakeIntegration, { storageProvider: "S3", storageAwsRoleArn: roleArn("acmeaws-dev-snowflake-lake") });
    const trust = json(reader.inputs.assumeRolePolicy).Statement[0];
    assert.deepEqual(trust.Principal, { AWS: SNOWFLAKE_USER });
    assert.deepEqual(trust.Condition, { StringEquals: { "sts:ExternalId": SNOWFLAKE_EXTERNAL_ID } });
    assert.deepEqual([...actionsOf("acmeaws-dev-snowflake-lake")].sort(), ["s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]);
    assert.ok(statementsOf("acmeaws-dev-snowflake-lake").every((x) => list(x.Resource).every((r) => r.startsWith("arn:aws:s3:::acmeaws-dev-raw"))));
  });
  it("keeps every role's inline policies under IAM's 10,240-character limit", () => {
    const size = new Map<string, number>();
    for (const p of byType(s.plan, T.rolePolicy)) size.set(policyRole(p), (size.get(policyRole(p)) ?? 0) + String(plain(p.inputs.policy)).replace(/\s/g, "").length);
    for (const [role, n] of size) assert.ok(n < 10240, `${role}: ${n} characters`);
  });
});

describe("aws registry", () => {
  it("has immutable, scanned ingestion and dbt repositories under the environment's namespace, each with a lifecycle policy", () => {
    const repos = byType(s.plan, "aws:ecr/repository:Repository");
    assert.deepEqual(repos.map((r) => r.inputs.name).sort(), ["acmeaws-dev-images/dbt", "acmeaws-dev-images/ingestion"]);
    for (const r of repos) {
      assert.equal(r.inputs.imageTagMutability, "IMMUTABLE");
      assert.deepEqual(r.inputs.imageScanningConfiguration, { scanOnPush: true });
    }
    const policiesFor = byType(s.plan, "aws:ecr/lifecyclePolicy:LifecyclePolicy")
      .map((l) => l.inputs.repository)
      .sort();
    assert.deepEqual(policiesFor, ["acmeaws-dev-images/dbt", "acmeaws-dev-images/ingestion"]);
  });
  it("hands Deploy a URL under which `<url>/ingestion` and `<url>/dbt` are the repositories, with ECR credentials", () => {
    const reg = s.plan.outputs.registry as Record<string, unknown>;
    const host = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
    assert.equal(reg.url, `${host}/acmeaws-dev-images`);
    assert.equal(reg.server, host);
    assert.equal(reg.username, "AWS");
    assert.equal(reg.passwordIsSecret, true);
  });
});

describe("aws secrets", () => {
  it("creates the warehouse keys, the Fivetran credential and the pipelines' source secrets with planned names", () => {
    assert.deepEqual(
      byType(s.plan, T.secret)
        .map((x) => x.inputs.name)
        .sort(),
      ["acmeaws-dev-fivetran-api", "acmeaws-dev-shop-postgres-secret-db-password", "acmeaws-dev-snowflake-loader-key", "acmeaws-dev-snowflake-transformer-key"],
    );
  });
  it("stores values as Pulumi secrets, and leaves a secret without a value empty", () => {
    const versions = byType(s.plan, "aws:secretsmanager/secretVersion:SecretVersion");
    assert.equal(versions.length, 3, "db_password has no value");
    for (const v of versions) assert.ok(isSecretValue(v.inputs.secretString), v.name);
  });
  it("lets only the roles that inject or use a secret read it", () => {
    const grants: string[] = [];
    for (const p of policies(s.plan)) {
      for (const st of p.statements) {
        if (st.Effect !== "Allow" || !list(st.Action).includes("secretsmanager:GetSecretValue")) continue;
        // Secret name: the ARN without its prefix and the 6 characters Secrets Manager appends (and the connection's id).
        const secret = (arn: string) => arn.replace(`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:`, "").replace(/(\/[0-9a-f-]{36})?-\w{6}$/, "");
        for (const r of list(st.Resource)) grants.push(`${secret(r)} <- ${policyRole(p.resource)}`);
      }
    }
    assert.deepEqual(grants.sort(), [
      "acmeaws-dev-* <- acmeaws-dev-ci-deploy",
      // The boundary caps what a workload role may be granted (environment-wide); it grants nothing itself.
      "acmeaws-dev-* <- policy acmeaws-dev-workload-boundary",
      "acmeaws-dev-fivetran-api <- acmeaws-dev-shop-postgres-orchestrator",
      "acmeaws-dev-snowflake-loader-key <- acmeaws-dev-jsonplaceholder-ingest-exec",
      "acmeaws-dev-snowflake-loader-key <- acmeaws-dev-orders-files-ingest-exec",
      "acmeaws-dev-snowflake-transformer-key <- acmeaws-dev-jsonplaceholder-dbt-exec",
      "acmeaws-dev-snowflake-transformer-key <- acmeaws-dev-orders-files-dbt-exec",
      "acmeaws-dev-snowflake-transformer-key <- acmeaws-dev-shop-postgres-dbt-exec",
      "events!connection/acmeaws-dev-* <- policy acmeaws-dev-workload-boundary",
      "events!connection/acmeaws-dev-fivetran <- acmeaws-dev-shop-postgres-orchestrator",
    ]);
  });
  it("injects secrets into tasks from Secrets Manager, never as plain environment", () => {
    const def = json(taskOf("jsonplaceholder", "ingest")!.inputs.containerDefinitions)[0];
    assert.deepEqual(
      def.secrets.map((x: any) => x.name),
      ["SNOWFLAKE_PRIVATE_KEY"],
    );
    assert.match(def.secrets[0].valueFrom, /^arn:aws:secretsmanager:eu-west-1:123456789012:secret:acmeaws-dev-snowflake-loader-key-/);
    assert.ok(!JSON.stringify(s.plan.resources.map((r) => plain(r.inputs.containerDefinitions ?? ""))).includes("PRIVATE KEY-----"));
  });
});

describe("aws compute and network", () => {
  it("has one cluster and, per pipeline, an ingestion task (not for Fivetran) and a dbt task", () => {
    assert.equal(byType(s.plan, "aws:ecs/cluster:Cluster").length, 1);
    assert.equal(byType(s.plan, T.task).length, 5);
    assert.equal(taskOf("shop_postgres", "ingest"), undefined);
  });
  it("runs images by digest with the pipeline's command and env, sized from pipeline.jobs", () => {
    const ingest = taskOf("orders_files", "ingest")!;
    const def = json(ingest.inputs.containerDefinitions)[0];
    assert.equal(def.image, digest("ingestion"));
    assert.match(def.image, /@sha256:[0-9a-f]{64}$/);
    // `command` is the CMD, appended to the image's ENTRYPOINT (`python -m ingestion`).
    assert.deepEqual(def.command, ["run", "--pipeline", "orders_files", "--target", "cloud"]);
    assert.deepEqual(
      def.environment.find((e: any) => e.name === "DP_PIPELINE"),
      { name: "DP_PIPELINE", value: "orders_files" },
    );
    assert.deepEqual({ cpu: ingest.inputs.cpu, memory: ingest.inputs.memory }, { cpu: "1024", memory: "4096" }, "orders_files asks for 4 GiB");
    assert.deepEqual(ingest.inputs.requiresCompatibilities, ["FARGATE"]);
    assert.equal(ingest.inputs.networkMode, "awsvpc");
    const dbt = json(taskOf("orders_files", "dbt")!.inputs.containerDefinitions)[0];
    assert.equal(dbt.image, digest("dbt"));
    assert.deepEqual(dbt.command, ["build", "--select", "tag:orders_files+", "--target", "snowflake", "--pipeline", "orders_files"]);
    assert.equal(dbt.logConfiguration.options["awslogs-group"], "acmeaws-dev-orders-files-logs");
  });
  it("keeps logs for logRetentionDays", () => {
    const groups = byType(s.plan, "aws:cloudwatch/logGroup:LogGroup");
    assert.equal(groups.length, 3);
    for (const g of groups) assert.equal(g.inputs.retentionInDays, s.config.logRetentionDays);
  });
  it("without named subnets, creates a minimal VPC with two public subnets; tasks get a public IP", () => {
    assert.equal(byType(s.plan, "aws:ec2/vpc:Vpc")[0].inputs.cidrBlock, "10.40.0.0/16");
    assert.deepEqual(
      byType(s.plan, "aws:ec2/subnet:Subnet")
        .map((x) => x.inputs.cidrBlock)
        .sort(),
      ["10.40.0.0/20", "10.40.16.0/20"],
    );
    assert.equal(byType(s.plan, "aws:ec2/natGateway:NatGateway").length, 0, "no NAT gateway (~$32/month)");
    const net = json(sfnOf("orders_files").inputs.definition).States.Ingest.Arguments.NetworkConfiguration.AwsvpcConfiguration;
    assert.equal(net.AssignPublicIp, "ENABLED");
    assert.equal(net.Subnets.length, 2);
  });
  it("tasks accept no inbound traffic", () => {
    // An explicit empty list, not an absent one: Pulumi then owns the rule set and removes rules added by hand.
    for (const sg of byType(s.plan, "aws:ec2/securityGroup:SecurityGroup")) assert.deepEqual(sg.inputs.ingress, [], sg.name);
    assert.equal(byType(s.plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").length, 0);
    assert.equal(byType(s.plan, "aws:ec2/securityGroupRule:SecurityGroupRule").length, 0);
  });
});

describe("aws orchestration and schedules", () => {
  it("chains ingestion → dbt for dlt pipelines, with the configured retries", () => {
    for (const p of ["jsonplaceholder", "orders_files"]) {
      const d = json(sfnOf(p).inputs.definition);
      assert.equal(d.StartAt, "Ingest");
      // Family ARNs, no revision: each step runs the latest ACTIVE revision, so a deploy during a run does not fail its next step.
      assert.equal(d.States.Ingest.Arguments.TaskDefinition, `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${taskOf(p, "ingest")!.inputs.family}`);
      assert.equal(d.States.Transform.Arguments.TaskDefinition, `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${taskOf(p, "dbt")!.inputs.family}`);
      assert.equal(d.States.Ingest.Retry[0].MaxAttempts, s.config.orchestration.stepRetries);
      assert.equal(sfnOf(p).inputs.roleArn, roleArn(`acmeaws-dev-${p.replace(/_/g, "-")}-orchestrator`));
    }
  });
  it("syncs Fivetran through an EventBridge connection (Basic auth from the credential), then dbt", () => {
    const conn = one(s.plan, "aws:cloudwatch/eventConnection:EventConnection");
    assert.equal(conn.inputs.authorizationType, "BASIC");
    const auth = conn.inputs.authParameters as any;
    // The SDK hoists nested secrets to the top-level input, so the whole block reaches state as one secret.
    assert.ok(isSecretValue(auth), "credential kept secret in state");
    assert.equal(FIVETRAN_CREDENTIAL, "ftkey:ftsecret-value");
    assert.deepEqual((plain(auth) as any).basic, { username: "ftkey", password: "ftsecret-value" });
    const d = json(sfnOf("shop_postgres").inputs.definition);
    assert.equal(d.StartAt, "FivetranSync");
    assert.equal(d.States.FivetranSync.Arguments.ApiEndpoint, "https://api.fivetran.com/v1/connections/conn_shop_postgres/sync");
    assert.match(d.States.FivetranSync.Arguments.Authentication.ConnectionArn, /^arn:aws:events:eu-west-1:123456789012:connection\/acmeaws-dev-fivetran\//);
    assert.equal(d.States.FivetranSync.Retry[0].MaxAttempts, s.config.orchestration.stepRetries);
    assert.ok(!JSON.stringify(d).includes(FIVETRAN_CREDENTIAL.split(":")[1]), "no credential in the definition");
    const call = statementsOf("acmeaws-dev-shop-postgres-orchestrator").find((x) => x.Sid === "CallFivetran")!;
    assert.deepEqual(list(call.Resource), [`arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:acmeaws-dev-shop-postgres-flow`]);
    assert.deepEqual(call.Condition!.StringLike, { "states:HTTPEndpoint": "https://api.fivetran.com/v1/connections/conn_shop_postgres*" });
    assert.ok(!actionsOf("acmeaws-dev-orders-files-orchestrator").has("states:InvokeHTTPEndpoint"), "only Fivetran flows call HTTP");
  });
  it("each schedule starts its own pipeline's state machine, on its cron and timezone, through a role that may start only that one", () => {
    // pipelines/*.yaml: "0 */6 * * *", "30 2 * * *", "0 4 * * *" in EventBridge's six fields.
    const expressions: Record<string, string> = { jsonplaceholder: "cron(0 */6 * * ? *)", orders_files: "cron(30 2 * * ? *)", shop_postgres: "cron(0 4 * * ? *)" };
    assert.deepEqual(s.config.pipelines.map((p) => p.name).sort(), Object.keys(expressions));
    for (const p of s.config.pipelines) {
      const base = `acmeaws-dev-${p.name.replace(/_/g, "-")}`;
      const sch = one(s.plan, T.schedule, (x) => x.inputs.name === `${base}-schedule`);
      const target = sch.inputs.target as any;
      const flowArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${base}-flow`;
      assert.equal(target.arn, flowArn, p.name);
      assert.equal(target.roleArn, roleArn(`${base}-scheduler`));
      assert.equal(sch.inputs.scheduleExpression, expressions[p.name], p.name);
      assert.equal(sch.inputs.scheduleExpressionTimezone, p.schedule.timezone);
      const starts = statementsOf(`${base}-scheduler`);
      const dlq = `arn:aws:sqs:${REGION}:${ACCOUNT}:acmeaws-dev-schedule-dlq`;
      assert.deepEqual(
        starts.flatMap((x) => list(x.Resource)),
        [flowArn, dlq],
      );
      assert.deepEqual(
        starts.flatMap((x) => list(x.Action)),
        ["states:StartExecution", "sqs:SendMessage"],
      );
      // A start that fails after its retries goes to the dead-letter queue, not nowhere.
      assert.deepEqual(target.deadLetterConfig, { arn: dlq }, p.name);
    }
  });
  it("dev schedules are disabled (every pipeline pauses in dev)", () => {
    const schedules = byType(s.plan, T.schedule);
    assert.equal(schedules.length, 3);
    for (const x of schedules) assert.equal(x.inputs.state, "DISABLED", x.name);
  });
  it("returns comparable runtime outputs: ingestion job (not for Fivetran), dbt job, orchestration, schedule", () => {
    for (const p of PIPELINES) {
      const r = s.runtimes[p];
      const base = `acmeaws-dev-${p.replace(/_/g, "-")}`;
      assert.equal(r.ingestionJob, p === "shop_postgres" ? undefined : `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${base}-ingest-task`);
      assert.equal(r.dbtJob, `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${base}-dbt-task`);
      assert.equal(r.orchestration, `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${base}-flow`);
      assert.equal(r.schedule, `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/${base}-schedule`);
    }
  });
});

describe("aws alerts", () => {
  it("mails the stack's recipients from the environment topic and each owner from the pipeline's topic", () => {
    const subs = byType(s.plan, T.sub)
      .map((x) => `${x.inputs.topic} ${x.inputs.endpoint}`)
      .sort();
    const topic = (n: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${n}`;
    assert.deepEqual(subs, [
      `${topic("acmeaws-dev-alerts")} data-platform-dev@example.com`,
      `${topic("acmeaws-dev-jsonplaceholder-alerts")} data-team@example.com`,
      `${topic("acmeaws-dev-orders-files-alerts")} commerce-analytics@example.com`,
      `${topic("acmeaws-dev-shop-postgres-alerts")} commerce-analytics@example.com`,
    ]);
    for (const x of byType(s.plan, T.sub)) assert.equal(x.inputs.protocol, "email");
  });
  it("routes each pipeline's failed, timed-out and aborted runs to its owner's topic and the environment's", () => {
    for (const p of PIPELINES) {
      const base = `acmeaws-dev-${p.replace(/_/g, "-")}`;
      const rule = one(s.plan, T.rule, (x) => x.inputs.name === `${base}-failed`);
      const pattern = json(rule.inputs.eventPattern);
      assert.deepEqual(pattern.detail.stateMachineArn, [`arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${base}-flow`]);
      assert.deepEqual(pattern.detail.status, ["FAILED", "TIMED_OUT", "ABORTED"]);
      const targets = byType(s.plan, T.target)
        .filter((t) => t.inputs.rule === `${base}-failed`)
        .map((t) => t.inputs.arn)
        .sort();
      assert.deepEqual(targets, [`arn:aws:sns:${REGION}:${ACCOUNT}:acmeaws-dev-alerts`, `arn:aws:sns:${REGION}:${ACCOUNT}:${base}-alerts`]);
    }
  });
  it("lets EventBridge publish to a topic only from the platform's failure rules", () => {
    for (const tp of byType(s.plan, "aws:sns/topicPolicy:TopicPolicy")) {
      const [st] = json(tp.inputs.policy).Statement;
      assert.deepEqual(st.Principal, { Service: "events.amazonaws.com" });
      assert.deepEqual(st.Action, ["sns:Publish"]);
      assert.match(st.Condition.ArnLike["aws:SourceArn"], /^arn:aws:events:eu-west-1:123456789012:rule\/acmeaws-dev-.*failed$/);
    }
  });
});

describe("aws CI access", () => {
  it("trusts GitHub's OIDC provider for this repository: pull requests and drift checks preview, the stack's GitHub environment deploys", () => {
    const oidc = one(s.plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    assert.equal(oidc.inputs.url, "https://token.actions.githubusercontent.com");
    assert.deepEqual(oidc.inputs.clientIdLists, ["sts.amazonaws.com"]);
    const trust = (n: string) => json(roleNamed(n).inputs.assumeRolePolicy).Statement[0];
    const main = "repo:acme/data-platform:ref:refs/heads/main";
    const env = "repo:acme/data-platform:environment:dev-aws";
    for (const [role, sub] of [
      ["acmeaws-dev-ci-preview", ["repo:acme/data-platform:pull_request", main]],
      ["acmeaws-dev-ci-deploy", env],
    ] as const) {
      const t = trust(role);
      assert.equal(t.Action, "sts:AssumeRoleWithWebIdentity");
      assert.deepEqual(t.Condition.StringEquals, { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": sub }, role);
      assert.equal(t.Condition.StringLike, undefined, "exact subject, no pattern");
    }
  });
  it("the preview role only reads: no write action and no data access", () => {
    for (const a of actionsOf("acmeaws-dev-ci-preview")) {
      assert.match(a, /:(Get|List|Describe)[A-Za-z]*$/, a);
      assert.ok(!["s3:GetObject", "secretsmanager:GetSecretValue"].includes(a), a);
    }
  });
  it("the deploy role manages only resources named <prefix>-<env>-*", () => {
    for (const st of statementsOf("acmeaws-dev-ci-deploy")) {
      for (const r of list(st.Resource)) {
        if (r === "*") continue;
        assert.ok(/acmeaws-dev-|oidc-provider\/token\.actions\.githubusercontent\.com|^arn:aws:ec2:eu-west-1:123456789012:\*$/.test(r), `${st.Sid}: ${r}`);
      }
    }
  });
});

describe("aws CI deploy role: bounded roles, no self-escalation, destroy calls (issue 13)", () => {
  const boundary = `arn:aws:iam::${ACCOUNT}:policy/acmeaws-dev-workload-boundary`;
  const st = (sid: string) => statementsOf("acmeaws-dev-ci-deploy").find((x) => x.Sid === sid)!;
  it("every workload role carries the workload boundary; the CI roles carry none", () => {
    for (const r of byType(s.plan, T.role)) {
      const ci = /-ci-(preview|deploy)$/.test(String(r.inputs.name));
      assert.equal(r.inputs.permissionsBoundary, ci ? undefined : boundary, String(r.inputs.name));
    }
  });
  it("the boundary holds every action a workload role is granted", () => {
    const capped = new Set(
      policies(s.plan)
        .filter((p) => p.resource.type === "aws:iam/policy:Policy")
        .flatMap((p) => p.statements.flatMap((x) => list(x.Action))),
    );
    for (const r of byType(s.plan, T.role).filter((x) => x.inputs.permissionsBoundary)) {
      for (const a of actionsOf(String(r.inputs.name))) assert.ok(capped.has(a), `${r.inputs.name}: ${a} is outside the boundary`);
    }
  });
  it("creates and grants roles only with that boundary, denies every write on the CI roles", () => {
    assert.deepEqual(st("GrantBoundedRoles").Condition, { ArnEquals: { "iam:PermissionsBoundary": boundary } });
    const deny = st("ProtectCiRoles");
    assert.equal(deny.Effect, "Deny");
    assert.deepEqual(list(deny.Resource), [roleArn("acmeaws-dev-ci-preview"), roleArn("acmeaws-dev-ci-deploy")]);
    for (const a of ["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:PassRole"]) assert.ok(list(deny.Action).includes(a), a);
    assert.ok(!actionsOf("acmeaws-dev-ci-deploy").has("iam:CreatePolicyVersion"), "the boundary cannot be rewritten by CI");
  });
  it("may delete roles (the provider lists instance profiles first) and, in a destroyable stack, empty versioned buckets", () => {
    assert.ok(list(st("ManageRoles").Action).includes("iam:ListInstanceProfilesForRole"));
    assert.deepEqual(list(st("ListVersionsToEmpty").Action), ["s3:ListBucketVersions"]);
    assert.deepEqual(list(st("EmptyBuckets").Action), ["s3:DeleteObject", "s3:DeleteObjectVersion"]);
  });
});

describe("aws lake access logs and schedule dead letters (issue 13)", () => {
  it("raw and artifacts log their access to the access-log bucket, each under its own prefix", () => {
    const logging = byType(s.plan, "aws:s3/bucketLogging:BucketLogging");
    assert.deepEqual(logging.map((l) => `${l.inputs.bucket} -> ${l.inputs.targetBucket}/${l.inputs.targetPrefix}`).sort(), [
      "acmeaws-dev-artifacts -> acmeaws-dev-access-logs/artifacts/",
      "acmeaws-dev-raw -> acmeaws-dev-access-logs/raw/",
    ]);
  });
  it("the access-log bucket admits S3 log delivery from the lake's buckets only, encrypts with SSE-S3 and expires logs", () => {
    const p = policies(s.plan).find((x) => x.resource.name === "access-logs-tls-only")!;
    const delivery = p.statements.find((x) => x.Sid === "S3ServerAccessLogs")!;
    assert.deepEqual(delivery.Principal, { Service: "logging.s3.amazonaws.com" });
    assert.deepEqual(delivery.Condition!.ArnLike["aws:SourceArn"], ["arn:aws:s3:::acmeaws-dev-raw", "arn:aws:s3:::acmeaws-dev-artifacts"]);
    const enc = one(s.plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", (r) => r.name === "access-logs-encryption");
    assert.deepEqual((enc.inputs.rules as any[])[0].applyServerSideEncryptionByDefault, { sseAlgorithm: "AES256" });
    const lc = one(s.plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", (r) => r.name === "access-logs-lifecycle");
    assert.deepEqual((lc.inputs.rules as any[])[0].expiration, { days: 365 });
  });
  it("one dead-letter queue for every schedule, with an alarm that mails the environment's topic", () => {
    const q = one(s.plan, "aws:sqs/queue:Queue", (r) => r.inputs.name === "acmeaws-dev-schedule-dlq");
    assert.equal(q.inputs.sqsManagedSseEnabled, true);
    const alarm = one(s.plan, "aws:cloudwatch/metricAlarm:MetricAlarm", (r) => r.inputs.name === "acmeaws-dev-schedule-dlq-alarm");
    assert.deepEqual(alarm.inputs.dimensions, { QueueName: "acmeaws-dev-schedule-dlq" });
    assert.deepEqual(alarm.inputs.alarmActions, [`arn:aws:sns:${REGION}:${ACCOUNT}:acmeaws-dev-alerts`]);
    const topicPolicy = policies(s.plan).find((x) => x.resource.type === "aws:sns/topicPolicy:TopicPolicy" && x.resource.name === "alerts")!;
    const cw = topicPolicy.statements.find((x) => x.Sid === "CloudWatchPublishesAlarm")!;
    assert.equal(cw.Condition!.ArnLike["aws:SourceArn"], `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:acmeaws-dev-schedule-dlq-alarm`);
  });
  it("each orchestrator may tag the tasks it starts (RunTask with PropagateTags), and only at RunTask", () => {
    for (const p of PIPELINES) {
      const tag = statementsOf(`acmeaws-dev-${p.replace(/_/g, "-")}-orchestrator`).find((x) => x.Sid === "TagOwnTasks")!;
      assert.deepEqual(list(tag.Action), ["ecs:TagResource"]);
      assert.deepEqual(tag.Condition, { StringEquals: { "ecs:CreateAction": "RunTask" } });
    }
  });
});

describe("aws CI access in an account that already has GitHub's OIDC provider", () => {
  it("creates no provider and trusts the account's existing one", async () => {
    const r = await synthAws({ ci: { githubRepository: "acme/data-platform", reuseOidcProvider: true } });
    assert.equal(byType(r.plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
    const deploy = one(r.plan, T.role, (x) => x.inputs.name === "acmeaws-dev-ci-deploy");
    assert.deepEqual(json(deploy.inputs.assumeRolePolicy).Statement[0].Principal, { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` });
  });
});

describe("aws security invariants", () => {
  it("no bucket is public: every bucket blocks public access and no policy allows anyone", () => {
    const blocked = new Set(
      byType(s.plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
        .filter((p) => p.inputs.blockPublicPolicy && p.inputs.restrictPublicBuckets && p.inputs.blockPublicAcls && p.inputs.ignorePublicAcls)
        .map((p) => p.inputs.bucket),
    );
    for (const b of byType(s.plan, T.bucket)) {
      assert.ok(blocked.has(b.inputs.bucket), `${b.inputs.bucket} has no full public access block`);
      assert.equal(b.inputs.acl, undefined);
    }
    for (const p of policies(s.plan)) for (const st of p.statements) if (st.Effect === "Allow") assert.notDeepEqual(st.Principal, "*", p.resource.name);
  });
  it("no Allow has a wildcard action, and Resource '*' only for UNSCOPED_ACTIONS", () => {
    const all = policies(s.plan);
    assert.ok(all.length > 20);
    for (const { resource, statements } of all) {
      for (const st of statements) {
        if (st.Effect !== "Allow") continue;
        for (const a of list(st.Action)) assert.ok(!a.includes("*"), `${resource.name} ${st.Sid}: ${a}`);
        if (list(st.Resource).includes("*")) for (const a of list(st.Action)) assert.ok(a in UNSCOPED_ACTIONS, `${resource.name} ${st.Sid}: ${a} on "*"`);
      }
    }
  });
  it("tags every taggable AWS resource with the platform labels, and the pipeline label below a pipeline", () => {
    const runtimes = byType(s.plan, "data-platform:aws:PipelineRuntime");
    let checked = 0;
    for (const r of s.plan.resources.filter((x) => x.type.startsWith("aws:"))) {
      if (!taggable(r.type)) continue;
      checked++;
      const tags = r.inputs.tags as Record<string, string> | undefined;
      assert.ok(tags, `${r.type} ${r.name} has no tags`);
      for (const k of LABEL_KEYS.filter((k) => k !== "pipeline")) assert.ok(tags[k], `${r.name}: ${k}`);
      assert.equal(tags.platform, "acmeaws");
      assert.equal(tags.environment, "dev");
      const owner = runtimes.find((rt) => isUnder(s.plan, r, rt.urn));
      if (owner) assert.equal(tags.pipeline, owner.name.replace(/-runtime$/, ""), r.name);
    }
    assert.ok(checked > 40, `only ${checked} taggable resources checked`);
  });
  it("parents every AWS resource below an aws component, below the platform", () => {
    const byUrn = new Map(s.plan.resources.map((r) => [r.urn, r]));
    for (const r of s.plan.resources.filter((x) => x.type.startsWith("aws:") || x.type.startsWith("data-platform:aws:"))) {
      assert.ok(r.parent, `${r.name} has no parent`);
      const chain: string[] = [];
      for (let cur = byUrn.get(r.parent!); cur; cur = cur.parent ? byUrn.get(cur.parent) : undefined) chain.push(cur.type);
      if (r.custom)
        assert.ok(
          chain.some((t) => t.startsWith("data-platform:aws:")),
          `${r.type} ${r.name}: ${chain.join(" < ")}`,
        );
      assert.equal(chain[chain.length - 1], "data-platform:index:DataPlatform");
    }
  });
});

/** Whether the provider's Args for `type` (e.g. `aws:s3/bucket:Bucket`) accept `tags`, read from its typings. */
const tagCache = new Map<string, boolean>();
function taggable(type: string): boolean {
  if (!tagCache.has(type)) {
    const [, mod] = type.split(":");
    const [dir, file] = mod.split("/");
    const cls = type.split(":")[2];
    const dts = fs.readFileSync(path.join(require.resolve("@pulumi/aws/package.json"), "..", dir, `${file}.d.ts`), "utf8");
    const args = dts.slice(dts.indexOf(`export interface ${cls}Args {`));
    tagCache.set(type, /\n\s{4}tags\?:/.test(args.slice(0, args.indexOf("\n}"))));
  }
  return tagCache.get(type)!;
}
