/**
 * The calls each workload makes, evaluated by an IAM policy simulator (@cloud-copilot/iam-simulate) against
 * the policies of the dev-aws plan: inline policies, the workload permissions boundary, and resource
 * policies (bucket, topic). The simulator also validates each request against iam-data (the action
 * exists, the ARN is one of its resource types, the context keys belong to it), so a call we describe
 * wrongly fails here too.
 *
 * Rank: third-party evaluator. Proves: the grants allow exactly these calls (with the condition context
 * AWS sends) and refuse the neighbouring ones that must stay closed (another pipeline's tasks, the CI roles,
 * a role without the boundary, plain HTTP on the lake).
 * Cannot prove: the call list is complete (it is what the services document: ECS RunTask tagging, Step
 * Functions' `.sync` rule, the provider's create and delete calls), SCPs of a real organisation, or the
 * GitHub OIDC trust (iam-simulate 0.1.173 drops OIDC context keys for AssumeRoleWithWebIdentity; the
 * subjects are asserted exactly in test/aws/environment.test.ts).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import type { Plan, PlannedResource } from "../../../tools/synth/synthesize";
import { byType, devAwsPlan, json, roleNamed, T } from "./tools";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const arn = {
  role: (n: string) => `arn:aws:iam::${ACCOUNT}:role/${n}`,
  task: (cluster: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${cluster}/0123456789abcdef0123456789abcdef`,
};

let plan: Plan;
before(async () => {
  plan = await devAwsPlan();
});

type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

/** What IAM decides for `principal` (a role of the plan, or a service) calling `action` on `resource`. */
async function decide(
  principal: string,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
  opts: { resourcePolicy?: unknown; dropSid?: string } = {},
): Promise<Decision> {
  const isRole = principal.startsWith("arn:aws:iam::");
  const roleName = isRole ? principal.split("/").pop()! : undefined;
  const identityPolicies = roleName
    ? byType(plan, T.rolePolicy)
        .filter((p) => p.inputs.role === roleName)
        .map((p) => {
          const doc = json(p.inputs.policy);
          return { name: String(p.inputs.name), policy: { ...doc, Statement: doc.Statement.filter((s: any) => s.Sid !== opts.dropSid) } };
        })
    : [];
  const boundaryArn = roleName ? roleNamed(plan, roleName).inputs.permissionsBoundary : undefined;
  const boundary = boundaryArn ? byType(plan, T.managedPolicy).find((p) => `arn:aws:iam::${ACCOUNT}:policy/${p.inputs.name}` === boundaryArn) : undefined;
  if (boundaryArn) assert.ok(boundary, `${roleName}: its boundary ${boundaryArn} is in the plan`);
  const sim: Simulation = {
    request: { principal, action, resource: { resource, accountId: ACCOUNT }, contextVariables: { "aws:SecureTransport": "true", ...context } },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(boundary ? { permissionBoundaryPolicies: [{ name: String(boundary.inputs.name), policy: json(boundary.inputs.policy) }] } : {}),
    ...(opts.resourcePolicy ? { resourcePolicy: opts.resourcePolicy } : {}),
  };
  const r: any = await runSimulation(sim, {});
  if (r.resultType === "error") throw new Error(`${principal} ${action} ${resource}: the simulator refused the request: ${JSON.stringify(r.errors)}`);
  return r.overallResult;
}

async function expectAll(calls: [string, string, string, Record<string, string | string[]>?][], want: Decision): Promise<void> {
  const wrong: string[] = [];
  for (const [p, a, r, c] of calls) {
    const d = await decide(p, a, r, c);
    if (d !== want) wrong.push(`${p.split("/").pop()} ${a} ${r} ${JSON.stringify(c ?? {})}: ${d}`);
  }
  assert.deepEqual(wrong, [], `expected ${want}`);
}

/** The plan's pipelines with what their flows run (read from the state machine definitions and task definitions). */
function pipelines() {
  return byType(plan, T.stateMachine).map((sm) => {
    const base = String(sm.inputs.name).replace(/-flow$/, "");
    const def = json(sm.inputs.definition);
    const ecs = Object.values(def.States as Record<string, any>).filter((s) => String(s.Resource).includes(":ecs:"));
    const families = ecs.map((s) => String(s.Arguments.TaskDefinition));
    const cluster = String(ecs[0].Arguments.Cluster);
    const tasks = byType(plan, T.task).filter((t) => families.some((f) => f.endsWith(`/${t.inputs.family}`)));
    const http = Object.values(def.States as Record<string, any>).filter((s) => s.Resource === "arn:aws:states:::http:invoke");
    return { base, sm, def, families, cluster, tasks, http };
  });
}

describe("each orchestrator (Step Functions) may run its own flow: RunTask .sync, tagging, the ECS rule, PassRole", () => {
  it("runs, tags, watches and passes the roles of exactly its own tasks", async () => {
    for (const p of pipelines()) {
      const me = arn.role(`${p.base}-orchestrator`);
      const clusterName = p.cluster.split("/").pop()!;
      const calls: [string, string, string, Record<string, string>?][] = [];
      // ECS authorizes RunTask on the revision it resolves from the family the flow names.
      for (const f of p.families) calls.push([me, "ecs:RunTask", `${f}:7`, { "ecs:cluster": p.cluster }]);
      // PropagateTags: ECS authorizes tagging at creation as ecs:TagResource with ecs:CreateAction=RunTask.
      calls.push([me, "ecs:TagResource", arn.task(clusterName), { "ecs:CreateAction": "RunTask" }]);
      calls.push([me, "ecs:DescribeTasks", arn.task(clusterName)], [me, "ecs:StopTask", arn.task(clusterName)]);
      // Step Functions' `.sync` for ECS manages this rule in the account (AWS: "IAM policies for Amazon ECS").
      for (const a of ["events:PutTargets", "events:PutRule", "events:DescribeRule"])
        calls.push([me, a, `arn:aws:events:${REGION}:${ACCOUNT}:rule/StepFunctionsGetEventsForECSTaskRule`]);
      for (const t of p.tasks)
        for (const r of [t.inputs.taskRoleArn, t.inputs.executionRoleArn]) calls.push([me, "iam:PassRole", String(r), { "iam:PassedToService": "ecs-tasks.amazonaws.com" }]);
      await expectAll(calls, "Allowed");
    }
  });

  it("without the TagOwnTasks grant, the tagged RunTask is refused (the defect of issue 13 #1)", async () => {
    const p = pipelines()[0];
    const d = await decide(
      arn.role(`${p.base}-orchestrator`),
      "ecs:TagResource",
      arn.task(p.cluster.split("/").pop()!),
      { "ecs:CreateAction": "RunTask" },
      { dropSid: "TagOwnTasks" },
    );
    assert.equal(d, "ImplicitlyDenied");
  });

  it("refuses another pipeline's tasks, another cluster, passing its roles to another service, and tagging outside RunTask", async () => {
    const [a, b] = pipelines();
    const me = arn.role(`${a.base}-orchestrator`);
    const denied: [string, string, string, Record<string, string>?][] = [
      [me, "ecs:RunTask", `${b.families[0]}:1`, { "ecs:cluster": a.cluster }],
      [me, "ecs:RunTask", `${a.families[0]}:1`, { "ecs:cluster": `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other` }],
      [me, "iam:PassRole", String(a.tasks[0].inputs.taskRoleArn), { "iam:PassedToService": "lambda.amazonaws.com" }],
      [me, "ecs:TagResource", arn.task(a.cluster.split("/").pop()!), { "ecs:CreateAction": "CreateService" }],
    ];
    await expectAll(denied, "ImplicitlyDenied");
  });

  it("a Fivetran flow reads its connection's credential through EventBridge, and nothing else's", async () => {
    const p = pipelines().find((x) => x.http.length)!;
    const me = arn.role(`${p.base}-orchestrator`);
    const conn = String(p.http[0].Arguments.Authentication.ConnectionArn);
    const secret = byType(plan, "aws:cloudwatch/eventConnection:EventConnection")[0];
    assert.ok(secret, "the plan has the Fivetran connection");
    await expectAll([[me, "events:RetrieveConnectionCredentials", conn]], "Allowed");
    await expectAll([[me, "secretsmanager:GetSecretValue", `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:acmeaws-dev-snowflake-loader-key-abcdef`]], "ImplicitlyDenied");
  });
});

describe("each scheduler starts its own flow and dead-letters a failed start", () => {
  it("StartExecution on its state machine and SendMessage to the schedule's dead-letter queue", async () => {
    for (const s of byType(plan, T.schedule)) {
      const t = s.inputs.target as any;
      assert.ok(t.deadLetterConfig?.arn, `${s.inputs.name} has a dead-letter queue`);
      await expectAll(
        [
          [t.roleArn, "states:StartExecution", t.arn],
          [t.roleArn, "sqs:SendMessage", t.deadLetterConfig.arn],
        ],
        "Allowed",
      );
      const other = byType(plan, T.stateMachine).find((m) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${m.inputs.name}` !== t.arn)!;
      await expectAll([[t.roleArn, "states:StartExecution", `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${other.inputs.name}`]], "ImplicitlyDenied");
    }
  });
});

describe("each task's execution role pulls its image, writes its logs and injects exactly its secrets", () => {
  it("allows what the ECS agent does for each task definition of the plan", async () => {
    for (const td of byType(plan, T.task)) {
      const exec = String(td.inputs.executionRoleArn);
      const [c] = json(td.inputs.containerDefinitions);
      const [, repo] = /^\d+\.dkr\.ecr\.[^/]+\.amazonaws\.com\/([^@:]+)/.exec(c.image)!;
      const log = c.logConfiguration.options;
      const calls: [string, string, string, Record<string, string>?][] = [
        [exec, "ecr:GetAuthorizationToken", "*"],
        [exec, "ecr:BatchGetImage", `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${repo}`],
        [exec, "ecr:GetDownloadUrlForLayer", `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${repo}`],
        [exec, "logs:CreateLogStream", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${log["awslogs-group"]}:log-stream:${log["awslogs-stream-prefix"]}/${c.name}/0123`],
        [exec, "logs:PutLogEvents", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${log["awslogs-group"]}:log-stream:${log["awslogs-stream-prefix"]}/${c.name}/0123`],
        ...(c.secrets ?? []).map((s: any) => [exec, "secretsmanager:GetSecretValue", s.valueFrom] as [string, string, string]),
      ];
      await expectAll(calls, "Allowed");
    }
  });
});

describe("ingestion and dbt task roles: their own prefixes and buckets, over TLS only", () => {
  const raw = "arn:aws:s3:::acmeaws-dev-raw";
  const tls = () => json(byType(plan, T.bucketPolicy).find((b) => b.name === "raw-tls-only")!.inputs.policy);
  it("ingestion writes dlt/raw_<pipeline>/ and its run records (artifacts runs/<pipeline>/), not another pipeline's; dbt writes artifacts and run records", async () => {
    const ing = arn.role("acmeaws-dev-jsonplaceholder-ingest");
    const dbt = arn.role("acmeaws-dev-dbt");
    await expectAll(
      [
        [ing, "s3:PutObject", `${raw}/dlt/raw_jsonplaceholder/posts/1.parquet`],
        [ing, "s3:PutObject", "arn:aws:s3:::acmeaws-dev-artifacts/runs/jsonplaceholder/run-1/ingestion.json"],
        [ing, "s3:GetObject", "arn:aws:s3:::acmeaws-dev-artifacts/runs/jsonplaceholder/run-1/dbt.json"],
        [dbt, "s3:PutObject", "arn:aws:s3:::acmeaws-dev-artifacts/jsonplaceholder/run-1/manifest.json"],
        [dbt, "s3:PutObject", "arn:aws:s3:::acmeaws-dev-artifacts/runs/jsonplaceholder/run-1.json"],
        [dbt, "s3:GetObject", "arn:aws:s3:::acmeaws-dev-artifacts/runs/jsonplaceholder/run-1/ingestion.json"],
      ],
      "Allowed",
    );
    await expectAll(
      [
        [ing, "s3:PutObject", `${raw}/dlt/raw_orders_files/x.parquet`],
        [ing, "s3:PutObject", `${raw}/_runs/jsonplaceholder/run-1.json`],
        [ing, "s3:GetObject", "arn:aws:s3:::acmeaws-dev-artifacts/x"],
        [ing, "s3:PutObject", "arn:aws:s3:::acmeaws-dev-artifacts/runs/orders_files/run-1/ingestion.json"],
      ],
      "ImplicitlyDenied",
    );
  });
  it("the bucket policy refuses plain HTTP even to a role that may write", async () => {
    const ing = arn.role("acmeaws-dev-jsonplaceholder-ingest");
    assert.equal(await decide(ing, "s3:PutObject", `${raw}/dlt/raw_jsonplaceholder/x`, { "aws:SecureTransport": "false" }, { resourcePolicy: tls() }), "ExplicitlyDenied");
    assert.equal(await decide(ing, "s3:PutObject", `${raw}/dlt/raw_jsonplaceholder/x`, {}, { resourcePolicy: tls() }), "Allowed");
  });
});

describe("resource policies admit the services that deliver to them, from this platform only", () => {
  it("S3 log delivery writes the lake's access logs; from another bucket it may not", async () => {
    const policy = json(byType(plan, T.bucketPolicy).find((b) => b.name === "access-logs-tls-only")!.inputs.policy);
    const put = (source: string) =>
      decide(
        "logging.s3.amazonaws.com",
        "s3:PutObject",
        "arn:aws:s3:::acmeaws-dev-access-logs/raw/2026-01-01-00-00-00-ABCDEF",
        { "aws:SourceArn": source, "aws:SourceAccount": ACCOUNT },
        { resourcePolicy: policy },
      );
    assert.equal(await put("arn:aws:s3:::acmeaws-dev-raw"), "Allowed");
    assert.equal(await put("arn:aws:s3:::acmeaws-dev-artifacts"), "Allowed");
    assert.equal(await put("arn:aws:s3:::someone-else"), "ImplicitlyDenied");
  });
  it("the environment topic takes failure rules' and the dead-letter alarm's messages", async () => {
    const topic = byType(plan, T.topicPolicy).find((t) => t.name === "alerts")!;
    const policy = json(topic.inputs.policy);
    const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:acmeaws-dev-alerts`;
    const pub = (svc: string, source: string) => decide(svc, "sns:Publish", topicArn, { "aws:SourceArn": source, "aws:SourceAccount": ACCOUNT }, { resourcePolicy: policy });
    assert.equal(await pub("events.amazonaws.com", `arn:aws:events:${REGION}:${ACCOUNT}:rule/acmeaws-dev-jsonplaceholder-failed`), "Allowed");
    assert.equal(await pub("cloudwatch.amazonaws.com", `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:acmeaws-dev-schedule-dlq-alarm`), "Allowed");
    assert.equal(await pub("cloudwatch.amazonaws.com", `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:other`), "ImplicitlyDenied");
  });
});

/** ARNs of the plan's resources the deploy role creates, changes and deletes, with the provider's calls for each. */
function providerCalls(): [string, string, Record<string, string>?][] {
  const boundary = `arn:aws:iam::${ACCOUNT}:policy/acmeaws-dev-workload-boundary`;
  const out: [string, string, Record<string, string>?][] = [];
  const add = (actions: string[], resource: string, ctx?: Record<string, string>) => actions.forEach((a) => out.push([a, resource, ctx]));
  const name = (r: PlannedResource) => String(r.inputs.name ?? r.inputs.bucket ?? r.inputs.family);
  for (const r of byType(plan, T.role).filter((x) => x.inputs.permissionsBoundary)) {
    const a = arn.role(name(r));
    // Create, then delete: the provider lists inline/attached policies and instance profiles before DeleteRole.
    add(["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy"], a, { "iam:PermissionsBoundary": boundary });
    add(
      ["iam:GetRole", "iam:TagRole", "iam:UpdateAssumeRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:DeleteRole"],
      a,
    );
  }
  for (const b of byType(plan, "aws:s3/bucket:Bucket")) {
    const a = `arn:aws:s3:::${name(b)}`;
    add(
      [
        "s3:CreateBucket",
        "s3:PutBucketTagging",
        "s3:PutBucketVersioning",
        "s3:PutBucketPolicy",
        "s3:PutBucketLogging",
        "s3:PutLifecycleConfiguration",
        "s3:PutEncryptionConfiguration",
        "s3:DeleteBucket",
      ],
      a,
    );
    // dev-aws is destroyable: forceDestroy empties the versioned bucket first.
    add(["s3:ListBucketVersions"], a);
    add(["s3:DeleteObjectVersion", "s3:DeleteObject"], `${a}/dlt/x.parquet`);
  }
  for (const t of byType(plan, T.task)) add(["ecs:RegisterTaskDefinition", "ecs:TagResource"], `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${name(t)}:2`);
  for (const s of byType(plan, T.stateMachine))
    add(
      ["states:CreateStateMachine", "states:UpdateStateMachine", "states:DeleteStateMachine", "states:TagResource"],
      `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name(s)}`,
    );
  for (const s of byType(plan, T.schedule))
    add(["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"], `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/${name(s)}`);
  for (const q of byType(plan, "aws:sqs/queue:Queue"))
    add(["sqs:CreateQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:DeleteQueue"], `arn:aws:sqs:${REGION}:${ACCOUNT}:${name(q)}`);
  for (const m of byType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm"))
    add(["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource"], `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name(m)}`);
  for (const c of byType(plan, "aws:ecs/cluster:Cluster"))
    add(["ecs:CreateCluster", "ecs:DeleteCluster", "ecs:TagResource"], `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${name(c)}`);
  return out;
}

describe("the CI deploy role: every create and delete the provider makes, and no way to escalate", () => {
  const deploy = arn.role("acmeaws-dev-ci-deploy");
  it("allows the provider's calls for the plan's roles, buckets (emptied on destroy), tasks, flows, schedules, queues, alarms and cluster", async () => {
    const calls = providerCalls();
    assert.ok(calls.length > 100, String(calls.length));
    await expectAll(
      calls.map(([a, r, c]) => [deploy, a, r, c]),
      "Allowed",
    );
  });

  it("may not create or grant a role without the workload boundary", async () => {
    const r = arn.role("acmeaws-dev-sneaky");
    await expectAll(
      [
        [deploy, "iam:CreateRole", r],
        [deploy, "iam:PutRolePolicy", r, { "iam:PermissionsBoundary": `arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess` }],
      ],
      "ImplicitlyDenied",
    );
  });

  it("may not touch the CI roles (itself included): policy, trust, deletion, passing", async () => {
    for (const ci of ["acmeaws-dev-ci-deploy", "acmeaws-dev-ci-preview"]) {
      const r = arn.role(ci);
      await expectAll(
        [
          [deploy, "iam:PutRolePolicy", r, { "iam:PermissionsBoundary": `arn:aws:iam::${ACCOUNT}:policy/acmeaws-dev-workload-boundary` }],
          [deploy, "iam:UpdateAssumeRolePolicy", r],
          [deploy, "iam:DeleteRole", r],
          [deploy, "iam:PassRole", r],
        ],
        "ExplicitlyDenied",
      );
    }
  });

  it("may not rewrite the boundary itself", async () => {
    await expectAll([[deploy, "iam:CreatePolicyVersion", `arn:aws:iam::${ACCOUNT}:policy/acmeaws-dev-workload-boundary`]], "ImplicitlyDenied");
  });

  it("the preview role reads the same resources' configuration, but no object and no secret value", async () => {
    const preview = arn.role("acmeaws-dev-ci-preview");
    await expectAll(
      [
        [preview, "iam:GetRole", arn.role("acmeaws-dev-dbt")],
        [preview, "s3:GetBucketPolicy", "arn:aws:s3:::acmeaws-dev-raw"],
        [preview, "sqs:GetQueueAttributes", `arn:aws:sqs:${REGION}:${ACCOUNT}:acmeaws-dev-schedule-dlq`],
      ],
      "Allowed",
    );
    await expectAll(
      [
        [preview, "s3:GetObject", "arn:aws:s3:::acmeaws-dev-raw/dlt/x"],
        [preview, "secretsmanager:GetSecretValue", `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:acmeaws-dev-fivetran-api-abcdef`],
      ],
      "ImplicitlyDenied",
    );
  });
});
