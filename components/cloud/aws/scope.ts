/**
 * Where the environment lives (account, region) and the ARNs built from planned names. ARNs are
 * computed, not read from resources, wherever a policy would otherwise depend on the resource it
 * protects (role ↔ state machine, integration ↔ trust policy): no cycles, and previews show them.
 */
import type { CloudContext } from "../cloud";

export interface AwsScope {
  account: string;
  region: string;
  partition: string;
}

export function awsScope(ctx: CloudContext): AwsScope {
  if (!ctx.config.aws) throw new Error(`stack ${ctx.config.stack}: cloud is aws but the aws: { accountId } section is missing`);
  return { account: ctx.config.aws.accountId, region: ctx.config.region, partition: "aws" };
}

export const arns = {
  role: (s: AwsScope, name: string) => `arn:${s.partition}:iam::${s.account}:role/${name}`,
  bucket: (s: AwsScope, name: string) => `arn:${s.partition}:s3:::${name}`,
  stateMachine: (s: AwsScope, name: string) => `arn:${s.partition}:states:${s.region}:${s.account}:stateMachine:${name}`,
  execution: (s: AwsScope, name: string) => `arn:${s.partition}:states:${s.region}:${s.account}:execution:${name}:*`,
  taskFamily: (s: AwsScope, family: string) => `arn:${s.partition}:ecs:${s.region}:${s.account}:task-definition/${family}`,
  cluster: (s: AwsScope, name: string) => `arn:${s.partition}:ecs:${s.region}:${s.account}:cluster/${name}`,
  tasks: (s: AwsScope, cluster: string) => `arn:${s.partition}:ecs:${s.region}:${s.account}:task/${cluster}/*`,
  logGroup: (s: AwsScope, name: string) => `arn:${s.partition}:logs:${s.region}:${s.account}:log-group:${name}`,
  rule: (s: AwsScope, name: string) => `arn:${s.partition}:events:${s.region}:${s.account}:rule/${name}`,
  topic: (s: AwsScope, name: string) => `arn:${s.partition}:sns:${s.region}:${s.account}:${name}`,
  /** Secrets Manager appends 6 random characters to a secret's ARN. */
  secret: (s: AwsScope, name: string) => `arn:${s.partition}:secretsmanager:${s.region}:${s.account}:secret:${name}-??????`,
  repository: (s: AwsScope, name: string) => `arn:${s.partition}:ecr:${s.region}:${s.account}:repository/${name}`,
  schedule: (s: AwsScope, name: string) => `arn:${s.partition}:scheduler:${s.region}:${s.account}:schedule/default/${name}`,
  connection: (s: AwsScope, name: string) => `arn:${s.partition}:events:${s.region}:${s.account}:connection/${name}/*`,
  queue: (s: AwsScope, name: string) => `arn:${s.partition}:sqs:${s.region}:${s.account}:${name}`,
  alarm: (s: AwsScope, name: string) => `arn:${s.partition}:cloudwatch:${s.region}:${s.account}:alarm:${name}`,
  policy: (s: AwsScope, name: string) => `arn:${s.partition}:iam::${s.account}:policy/${name}`,
};

/** The GitHub Actions OIDC issuer: one IAM provider per account, named by its host. */
export const GITHUB_OIDC = { url: "https://token.actions.githubusercontent.com", host: "token.actions.githubusercontent.com", audience: "sts.amazonaws.com" };

/** ARN patterns of everything this environment names `<base>-*` (`<prefix>-<env>-*`), per service. */
export function envPatterns(scope: AwsScope, base: string) {
  const { partition: pt, region: r, account: a } = scope;
  const all = `${base}-*`;
  return {
    buckets: [arns.bucket(scope, all)],
    objects: [`${arns.bucket(scope, all)}/*`],
    roles: [arns.role(scope, all)],
    policies: [arns.policy(scope, all)],
    oidc: [`arn:${pt}:iam::${a}:oidc-provider/${GITHUB_OIDC.host}`],
    repositories: [arns.repository(scope, all)],
    // Not arns.secret / arns.connection: their suffixes (`-??????`, `/*`) are already inside the `*`.
    secrets: [`arn:${pt}:secretsmanager:${r}:${a}:secret:${all}`],
    clusters: [arns.cluster(scope, all)],
    taskDefinitions: [arns.taskFamily(scope, all)],
    tasks: [arns.tasks(scope, all)],
    logGroups: [arns.logGroup(scope, all)],
    stateMachines: [arns.stateMachine(scope, all)],
    executions: [arns.execution(scope, all)],
    schedules: [arns.schedule(scope, all)],
    rules: [arns.rule(scope, all)],
    connections: [`arn:${pt}:events:${r}:${a}:connection/${all}`],
    topics: [arns.topic(scope, all)],
    queues: [arns.queue(scope, all)],
    alarms: [arns.alarm(scope, all)],
    ec2: [`arn:${pt}:ec2:${r}:${a}:*`],
  };
}
