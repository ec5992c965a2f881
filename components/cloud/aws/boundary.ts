/**
 * The permissions boundary of every workload role (tasks, execution roles, orchestrators, schedulers,
 * the Snowflake lake reader). CI's deploy role may create and change roles only when they carry this
 * boundary (ci.ts), so whatever inline policy a deploy writes, a role it manages can never do more than
 * this: use this environment's resources the way the workloads do. The CI roles carry no boundary, so
 * the deploy role cannot touch them (nor itself), and it has no grant to edit this policy: changing it
 * or the CI roles is an administrator's `pulumi up`, as the first one is.
 *
 * One home per rule: the actions below are the union of what the workload policies grant (runtime.ts,
 * workloads.ts, lake-reader.ts, roles.ts); test/aws/ checks every workload statement fits inside.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CloudContext } from "../cloud";
import { policyDocument, type Statement } from "./policy";
import { arns, envPatterns, type AwsScope } from "./scope";

/** The EventBridge rule Step Functions manages for ECS `.sync` integrations (account-wide, one name). */
export const SFN_ECS_SYNC_RULE = "StepFunctionsGetEventsForECSTaskRule";

export function boundaryStatements(scope: AwsScope, base: string, kmsKey: string | undefined): Statement[] {
  const r = envPatterns(scope, base);
  const { partition: pt } = scope;
  return [
    { Sid: "LakeObjects", Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"], Resource: r.objects },
    { Sid: "LakeBuckets", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: r.buckets },
    ...(kmsKey ? [{ Sid: "LakeKey", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [kmsKey] }] : []),
    { Sid: "RegistryLogin", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    // Prebuilt digests may live in another ECR repository (README, "Registry"): pulls are not scoped to the namespace.
    { Sid: "PullImages", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], Resource: [`arn:${pt}:ecr:*:*:repository/*`] },
    { Sid: "WriteLogs", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: r.logGroups.map((g) => `${g}:log-stream:*`) },
    {
      Sid: "ReadSecrets",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      Resource: [...r.secrets, `arn:${pt}:secretsmanager:${scope.region}:${scope.account}:secret:events!connection/${base}-*`],
    },
    { Sid: "RunTasks", Action: ["ecs:RunTask"], Resource: r.taskDefinitions },
    { Sid: "WatchTasks", Action: ["ecs:StopTask", "ecs:DescribeTasks", "ecs:TagResource"], Resource: r.tasks },
    { Sid: "EcsSyncRule", Action: ["events:PutTargets", "events:PutRule", "events:DescribeRule"], Resource: [arns.rule(scope, SFN_ECS_SYNC_RULE)] },
    { Sid: "PassRoles", Action: ["iam:PassRole"], Resource: r.roles },
    { Sid: "Flows", Action: ["states:StartExecution", "states:InvokeHTTPEndpoint"], Resource: r.stateMachines },
    { Sid: "Connections", Action: ["events:RetrieveConnectionCredentials"], Resource: r.connections },
    { Sid: "DeadLetters", Action: ["sqs:SendMessage"], Resource: r.queues },
  ];
}

export class WorkloadBoundary extends pulumi.ComponentResource {
  readonly policy: aws.iam.Policy;

  constructor(name: string, args: { ctx: CloudContext; scope: AwsScope }, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:aws:WorkloadBoundary", name, {}, opts);
    const { ctx, scope } = args;
    this.policy = new aws.iam.Policy(
      "workload-boundary",
      {
        name: ctx.names.env("workload-boundary"),
        description: `permissions boundary of ${ctx.names.base}'s workload roles: the most any of them may do`,
        policy: policyDocument(boundaryStatements(scope, ctx.names.base, ctx.config.lake.kmsKey)),
        tags: ctx.labels(),
      },
      { parent: this },
    );
    this.registerOutputs({ policy: this.policy.arn });
  }
}
