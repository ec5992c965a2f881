/**
 * CI access through GitHub OIDC: no stored keys. The preview role (pull requests, drift checks) reads; the deploy
 * role (the deploy branch) manages this environment's resources, and only those named
 * `<prefix>-<env>-*`. Both trust exactly `config.ci.githubRepository`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CloudContext } from "../cloud";
import { inlinePolicy, role } from "./roles";
import { trustDocument, type Statement } from "./policy";
import { arns, type AwsScope } from "./scope";

const GITHUB_OIDC = { url: "https://token.actions.githubusercontent.com", host: "token.actions.githubusercontent.com", audience: "sts.amazonaws.com" };

/**
 * The `sub` claims each role accepts. Preview: pull requests, and the deploy branch, where the
 * scheduled drift check runs (`.github/workflows/drift.yml`: a read-only preview of every stack).
 */
export function ciSubjects(ci: { githubRepository: string; deployBranch: string }): { preview: string[]; deploy: string[] } {
  const branch = `repo:${ci.githubRepository}:ref:refs/heads/${ci.deployBranch}`;
  return { preview: [`repo:${ci.githubRepository}:pull_request`, branch], deploy: [branch] };
}

function githubTrust(providerArn: pulumi.Input<string>, subjects: string[]): pulumi.Output<string> {
  return trustDocument([
    {
      Effect: "Allow",
      Principal: { Federated: providerArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      // Several values of one condition key match if any matches; a single one stays a plain string.
      Condition: { StringEquals: { [`${GITHUB_OIDC.host}:aud`]: GITHUB_OIDC.audience, [`${GITHUB_OIDC.host}:sub`]: subjects.length === 1 ? subjects[0] : subjects } },
    },
  ]);
}

/** ARN patterns of everything this environment names `<prefix>-<env>-*`, per service. */
function envResourcePatterns(scope: AwsScope, base: string) {
  const { partition: pt, region: r, account: a } = scope;
  const all = `${base}-*`;
  return {
    buckets: [arns.bucket(scope, all)],
    roles: [arns.role(scope, all)],
    oidc: [`arn:${pt}:iam::${a}:oidc-provider/${GITHUB_OIDC.host}`],
    repositories: [arns.repository(scope, all)],
    // Not arns.secret / arns.connection: their suffixes (`-??????`, `/*`) are already inside the `*`.
    secrets: [`arn:${pt}:secretsmanager:${r}:${a}:secret:${all}`],
    clusters: [arns.cluster(scope, all)],
    logGroups: [arns.logGroup(scope, all)],
    stateMachines: [arns.stateMachine(scope, all)],
    schedules: [arns.schedule(scope, all)],
    rules: [arns.rule(scope, all)],
    connections: [`arn:${pt}:events:${r}:${a}:connection/${all}`],
    topics: [arns.topic(scope, all)],
    ec2: [`arn:${pt}:ec2:${r}:${a}:*`],
  };
}

const EC2_DESCRIBE = [
  "ec2:DescribeVpcs",
  "ec2:DescribeVpcAttribute",
  "ec2:DescribeSubnets",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSecurityGroupRules",
  "ec2:DescribeRouteTables",
  "ec2:DescribeInternetGateways",
  "ec2:DescribeAvailabilityZones",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeAccountAttributes",
];

const S3_BUCKET_READ = [
  "s3:ListBucket",
  "s3:GetBucketLocation",
  "s3:GetBucketTagging",
  "s3:GetBucketPolicy",
  "s3:GetBucketAcl",
  "s3:GetBucketCORS",
  "s3:GetBucketWebsite",
  "s3:GetBucketVersioning",
  "s3:GetBucketLogging",
  "s3:GetBucketRequestPayment",
  "s3:GetBucketObjectLockConfiguration",
  "s3:GetBucketPublicAccessBlock",
  "s3:GetBucketOwnershipControls",
  "s3:GetAccelerateConfiguration",
  "s3:GetLifecycleConfiguration",
  "s3:GetReplicationConfiguration",
  "s3:GetEncryptionConfiguration",
];

/** What `pulumi preview --refresh` reads. No data: no s3:GetObject, no secret values. */
export function previewStatements(scope: AwsScope, base: string): Statement[] {
  const r = envResourcePatterns(scope, base);
  return [
    { Sid: "DescribeNetwork", Action: EC2_DESCRIBE, Resource: "*" },
    { Sid: "DescribeUnscoped", Action: ["ecs:DescribeTaskDefinition", "logs:DescribeLogGroups"], Resource: "*" },
    { Sid: "ReadBuckets", Action: S3_BUCKET_READ, Resource: r.buckets },
    { Sid: "ReadRoles", Action: ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"], Resource: r.roles },
    { Sid: "ReadOidc", Action: ["iam:GetOpenIDConnectProvider"], Resource: r.oidc },
    { Sid: "ReadRepositories", Action: ["ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:ListTagsForResource"], Resource: r.repositories },
    { Sid: "ReadSecretMetadata", Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"], Resource: r.secrets },
    { Sid: "ReadClusters", Action: ["ecs:DescribeClusters", "ecs:ListTagsForResource"], Resource: r.clusters },
    { Sid: "ReadLogGroups", Action: ["logs:ListTagsForResource", "logs:ListTagsLogGroup"], Resource: r.logGroups },
    { Sid: "ReadStateMachines", Action: ["states:DescribeStateMachine", "states:ListTagsForResource"], Resource: r.stateMachines },
    { Sid: "ReadSchedules", Action: ["scheduler:GetSchedule"], Resource: r.schedules },
    { Sid: "ReadRules", Action: ["events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"], Resource: r.rules },
    { Sid: "ReadConnections", Action: ["events:DescribeConnection"], Resource: r.connections },
    { Sid: "ReadTopics", Action: ["sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:ListSubscriptionsByTopic", "sns:GetSubscriptionAttributes"], Resource: r.topics },
  ];
}

/** What `pulumi up` changes: create, update, delete and tag this environment's resources. */
export function deployStatements(scope: AwsScope, base: string, repositoryNamespace: string): Statement[] {
  const r = envResourcePatterns(scope, base);
  return [
    ...previewStatements(scope, base).map((s) => ({ ...s, Sid: `Preview${s.Sid}` })),
    { Sid: "RegisterTasks", Action: ["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:CreateCluster", "ecr:GetAuthorizationToken"], Resource: "*" },
    {
      Sid: "ManageBuckets",
      Action: [
        "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketTagging", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketVersioning",
        "s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls", "s3:PutLifecycleConfiguration", "s3:PutEncryptionConfiguration",
      ],
      Resource: r.buckets,
    },
    {
      Sid: "ManageRoles",
      Action: [
        "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole",
        "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PassRole",
      ],
      Resource: r.roles,
    },
    {
      Sid: "ManageOidc",
      Action: ["iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint"],
      Resource: r.oidc,
    },
    {
      Sid: "ManageRepositories",
      Action: [
        "ecr:CreateRepository", "ecr:DeleteRepository", "ecr:TagResource", "ecr:PutLifecyclePolicy", "ecr:DeleteLifecyclePolicy",
        "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability", "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages",
      ],
      Resource: [arns.repository(scope, `${repositoryNamespace}/*`)],
    },
    {
      Sid: "ManageSecrets",
      Action: [
        "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:UpdateSecret", "secretsmanager:TagResource",
        "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue",
      ],
      Resource: r.secrets,
    },
    { Sid: "ManageClusters", Action: ["ecs:DeleteCluster", "ecs:UpdateCluster", "ecs:TagResource"], Resource: r.clusters },
    { Sid: "TagTaskDefinitions", Action: ["ecs:TagResource"], Resource: [arns.taskFamily(scope, `${base}-*`)] },
    { Sid: "ManageLogGroups", Action: ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:TagLogGroup"], Resource: r.logGroups },
    { Sid: "ManageStateMachines", Action: ["states:CreateStateMachine", "states:UpdateStateMachine", "states:DeleteStateMachine", "states:TagResource"], Resource: r.stateMachines },
    { Sid: "ManageSchedules", Action: ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"], Resource: r.schedules },
    { Sid: "ManageRules", Action: ["events:PutRule", "events:DeleteRule", "events:PutTargets", "events:RemoveTargets", "events:TagResource"], Resource: r.rules },
    { Sid: "ManageConnections", Action: ["events:CreateConnection", "events:UpdateConnection", "events:DeleteConnection"], Resource: r.connections },
    {
      Sid: "ManageTopics",
      Action: ["sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:TagResource", "sns:Subscribe", "sns:Unsubscribe"],
      Resource: r.topics,
    },
    {
      Sid: "ManageNetwork",
      Action: [
        "ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", "ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:CreateInternetGateway",
        "ec2:DeleteInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway", "ec2:CreateRouteTable", "ec2:DeleteRouteTable",
        "ec2:CreateRoute", "ec2:DeleteRoute", "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:CreateSecurityGroup",
        "ec2:DeleteSecurityGroup", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
        "ec2:CreateTags",
      ],
      Resource: r.ec2,
      Condition: { StringEquals: { "aws:RequestedRegion": scope.region } },
    },
  ];
}

export class CiAccess extends pulumi.ComponentResource {
  readonly previewRole: aws.iam.Role;
  readonly deployRole: aws.iam.Role;

  constructor(name: string, args: { ctx: CloudContext; scope: AwsScope; repositoryNamespace: string }, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:aws:CiAccess", name, {}, opts);
    const { ctx, scope } = args;
    const ci = ctx.config.ci!;
    const tags = ctx.labels();
    const base = ctx.names.base;
    // One GitHub provider per account: a second stack in the same account must import this one instead.
    const provider = new aws.iam.OpenIdConnectProvider("github", { url: GITHUB_OIDC.url, clientIdLists: [GITHUB_OIDC.audience], tags }, { parent: this });
    const subjects = ciSubjects(ci);
    this.previewRole = role("ci-preview", {
      roleName: ctx.names.env("ci-preview"),
      description: `pulumi preview from pull requests and drift checks of ${ci.githubRepository} (read-only)`,
      trust: githubTrust(provider.arn, subjects.preview),
      tags,
      parent: this,
    });
    inlinePolicy("ci-preview-read", this.previewRole, "read-only", previewStatements(scope, base));
    this.deployRole = role("ci-deploy", {
      roleName: ctx.names.env("ci-deploy"),
      description: `pulumi up from ${ci.githubRepository}@${ci.deployBranch}`,
      trust: githubTrust(provider.arn, subjects.deploy),
      tags,
      parent: this,
    });
    inlinePolicy("ci-deploy-manage", this.deployRole, "deploy", deployStatements(scope, base, args.repositoryNamespace));
    this.registerOutputs({ previewRole: this.previewRole.arn, deployRole: this.deployRole.arn });
  }
}
