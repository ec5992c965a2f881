/**
 * CI access through GitHub OIDC: no stored keys. The preview role (pull requests, drift checks) reads; the deploy
 * role (deploy jobs of the GitHub environment named like the stack, which is where prod's approval sits)
 * manages this environment's resources, only those named `<prefix>-<env>-*`, and only roles that carry
 * the workload boundary (boundary.ts): it can change neither itself nor the preview role, nor make a role
 * that may do more than the workloads do. Both trust exactly `config.ci.githubRepository`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CloudContext } from "../cloud";
import { inlinePolicy, role } from "./roles";
import { trustDocument, type Statement } from "./policy";
import { arns, envPatterns, GITHUB_OIDC, type AwsScope } from "./scope";

/**
 * The `sub` claims each role accepts (GitHub's token subject). A job that declares `environment: <name>`
 * gets `repo:<repo>:environment:<name>` whatever its branch, so the deploy role trusts only the
 * environment named like the stack: its protection rules (prod's required reviewers) cannot be skipped
 * by a job that leaves `environment:` out. Preview: pull requests, and the deploy branch without an
 * environment, where the scheduled drift check runs (`.github/workflows/drift.yml`).
 */
export function ciSubjects(ci: { githubRepository: string; deployBranch: string }, stack: string): { preview: string[]; deploy: string[] } {
  const repo = `repo:${ci.githubRepository}`;
  return { preview: [`${repo}:pull_request`, `${repo}:ref:refs/heads/${ci.deployBranch}`], deploy: [`${repo}:environment:${stack}`] };
}

/** The account's GitHub OIDC provider ARN: IAM names it by the issuer host, one per account. */
export function githubProviderArn(scope: AwsScope): string {
  return `arn:${scope.partition}:iam::${scope.account}:oidc-provider/${GITHUB_OIDC.host}`;
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

const EC2_DESCRIBE = [
  "ec2:DescribeVpcs",
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
  const r = envPatterns(scope, base);
  return [
    { Sid: "DescribeNetwork", Action: EC2_DESCRIBE, Resource: "*" },
    // DescribeVpcAttribute has a resource type (vpc): scoped, unlike the other Describe calls.
    { Sid: "DescribeVpcAttributes", Action: ["ec2:DescribeVpcAttribute"], Resource: r.ec2 },
    { Sid: "DescribeUnscoped", Action: ["ecs:DescribeTaskDefinition", "logs:DescribeLogGroups"], Resource: "*" },
    { Sid: "ReadBuckets", Action: S3_BUCKET_READ, Resource: r.buckets },
    { Sid: "ReadRoles", Action: ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"], Resource: r.roles },
    { Sid: "ReadBoundary", Action: ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"], Resource: r.policies },
    { Sid: "ReadOidc", Action: ["iam:GetOpenIDConnectProvider"], Resource: r.oidc },
    { Sid: "ReadRepositories", Action: ["ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:ListTagsForResource"], Resource: r.repositories },
    { Sid: "ReadSecretMetadata", Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"], Resource: r.secrets },
    { Sid: "ReadClusters", Action: ["ecs:DescribeClusters", "ecs:ListTagsForResource"], Resource: r.clusters },
    { Sid: "ReadLogGroups", Action: ["logs:ListTagsForResource", "logs:ListTagsLogGroup"], Resource: r.logGroups },
    { Sid: "ReadStateMachines", Action: ["states:DescribeStateMachine", "states:ListTagsForResource"], Resource: r.stateMachines },
    { Sid: "ReadSchedules", Action: ["scheduler:GetSchedule"], Resource: r.schedules },
    { Sid: "ReadRules", Action: ["events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"], Resource: r.rules },
    { Sid: "ReadConnections", Action: ["events:DescribeConnection"], Resource: r.connections },
    { Sid: "ReadQueues", Action: ["sqs:GetQueueAttributes", "sqs:ListQueueTags"], Resource: r.queues },
    { Sid: "ReadAlarms", Action: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"], Resource: r.alarms },
    { Sid: "ReadTopics", Action: ["sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:ListSubscriptionsByTopic", "sns:GetSubscriptionAttributes"], Resource: r.topics },
  ];
}

/** IAM writes on a role that the deploy role must never make on the CI roles (itself included). */
const ROLE_WRITES = [
  "iam:DeleteRole",
  "iam:UpdateRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePermissionsBoundary",
  "iam:DeleteRolePermissionsBoundary",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:PassRole",
];

export interface DeployScope {
  scope: AwsScope;
  base: string;
  repositoryNamespace: string;
  /** The workload boundary: the deploy role may create and grant only roles carrying it. */
  boundaryArn: pulumi.Input<string>;
  /** The CI roles' ARNs: untouchable by the deploy role (no self-escalation). */
  ciRoleArns: string[];
  /** Non-production with both keys turned: a destroy empties the versioned buckets. */
  destroyableData: boolean;
}

/** What `pulumi up` changes: create, update, delete and tag this environment's resources. */
export function deployStatements(d: DeployScope): Statement[] {
  const { scope, base, repositoryNamespace } = d;
  const r = envPatterns(scope, base);
  return [
    ...previewStatements(scope, base).map((s) => ({ ...s, Sid: `Preview${s.Sid}` })),
    { Sid: "Unscoped", Action: ["ecs:DeregisterTaskDefinition", "ecr:GetAuthorizationToken"], Resource: "*" },
    { Sid: "RegisterTasks", Action: ["ecs:RegisterTaskDefinition"], Resource: r.taskDefinitions },
    { Sid: "CreateClusters", Action: ["ecs:CreateCluster"], Resource: r.clusters },
    {
      Sid: "ManageBuckets",
      Action: [
        "s3:CreateBucket",
        "s3:DeleteBucket",
        "s3:PutBucketTagging",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketVersioning",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketOwnershipControls",
        "s3:PutLifecycleConfiguration",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketLogging",
      ],
      Resource: r.buckets,
    },
    // forceDestroy empties a versioned bucket before deleting it: every version and delete marker.
    ...(d.destroyableData
      ? ([
          { Sid: "ListVersionsToEmpty", Action: ["s3:ListBucketVersions"], Resource: r.buckets },
          { Sid: "EmptyBuckets", Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"], Resource: r.objects },
        ] satisfies Statement[])
      : []),
    {
      // Roles are made and granted only with the workload boundary: whatever policy a deploy writes, the role can do no more.
      Sid: "GrantBoundedRoles",
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"],
      Resource: r.roles,
      Condition: { ArnEquals: { "iam:PermissionsBoundary": d.boundaryArn } },
    },
    {
      // ListInstanceProfilesForRole: the provider checks a role has none before deleting it.
      Sid: "ManageRoles",
      Action: ["iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:ListInstanceProfilesForRole", "iam:PassRole"],
      Resource: r.roles,
    },
    { Sid: "ProtectCiRoles", Effect: "Deny", Action: ROLE_WRITES, Resource: d.ciRoleArns },
    {
      Sid: "ManageOidc",
      Action: ["iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint"],
      Resource: r.oidc,
    },
    {
      Sid: "ManageRepositories",
      Action: [
        "ecr:CreateRepository",
        "ecr:DeleteRepository",
        "ecr:TagResource",
        "ecr:PutLifecyclePolicy",
        "ecr:DeleteLifecyclePolicy",
        "ecr:PutImageScanningConfiguration",
        "ecr:PutImageTagMutability",
        "ecr:BatchCheckLayerAvailability",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
        "ecr:BatchGetImage",
        "ecr:DescribeImages",
      ],
      Resource: [arns.repository(scope, `${repositoryNamespace}/*`)],
    },
    {
      Sid: "ManageSecrets",
      Action: [
        "secretsmanager:CreateSecret",
        "secretsmanager:DeleteSecret",
        "secretsmanager:UpdateSecret",
        "secretsmanager:TagResource",
        "secretsmanager:PutSecretValue",
        "secretsmanager:GetSecretValue",
      ],
      Resource: r.secrets,
    },
    { Sid: "ManageClusters", Action: ["ecs:DeleteCluster", "ecs:UpdateCluster", "ecs:TagResource"], Resource: r.clusters },
    { Sid: "TagTaskDefinitions", Action: ["ecs:TagResource"], Resource: [arns.taskFamily(scope, `${base}-*`)] },
    { Sid: "ManageLogGroups", Action: ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:TagLogGroup"], Resource: r.logGroups },
    {
      Sid: "ManageStateMachines",
      Action: ["states:CreateStateMachine", "states:UpdateStateMachine", "states:DeleteStateMachine", "states:TagResource"],
      Resource: r.stateMachines,
    },
    { Sid: "ManageSchedules", Action: ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"], Resource: r.schedules },
    { Sid: "ManageRules", Action: ["events:PutRule", "events:DeleteRule", "events:PutTargets", "events:RemoveTargets", "events:TagResource"], Resource: r.rules },
    { Sid: "ManageConnections", Action: ["events:CreateConnection", "events:UpdateConnection", "events:DeleteConnection"], Resource: r.connections },
    { Sid: "ManageQueues", Action: ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"], Resource: r.queues },
    { Sid: "ManageAlarms", Action: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"], Resource: r.alarms },
    {
      Sid: "ManageTopics",
      Action: ["sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:TagResource", "sns:Subscribe", "sns:Unsubscribe"],
      Resource: r.topics,
    },
    {
      Sid: "ManageNetwork",
      Action: [
        "ec2:CreateVpc",
        "ec2:DeleteVpc",
        "ec2:ModifyVpcAttribute",
        "ec2:CreateSubnet",
        "ec2:DeleteSubnet",
        "ec2:CreateInternetGateway",
        "ec2:DeleteInternetGateway",
        "ec2:AttachInternetGateway",
        "ec2:DetachInternetGateway",
        "ec2:CreateRouteTable",
        "ec2:DeleteRouteTable",
        "ec2:CreateRoute",
        "ec2:DeleteRoute",
        "ec2:AssociateRouteTable",
        "ec2:DisassociateRouteTable",
        "ec2:CreateSecurityGroup",
        "ec2:DeleteSecurityGroup",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
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

  constructor(name: string, args: { ctx: CloudContext; scope: AwsScope; repositoryNamespace: string; boundaryArn: pulumi.Input<string> }, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:aws:CiAccess", name, {}, opts);
    const { ctx, scope } = args;
    const ci = ctx.config.ci!;
    const tags = ctx.labels();
    const base = ctx.names.base;
    // IAM allows one provider per issuer per account: a stack in an account that has one (another
    // environment's, or the organisation's) names it with ci.reuseOidcProvider instead of creating it.
    const providerArn: pulumi.Input<string> = ci.reuseOidcProvider
      ? githubProviderArn(scope)
      : new aws.iam.OpenIdConnectProvider("github", { url: GITHUB_OIDC.url, clientIdLists: [GITHUB_OIDC.audience], tags }, { parent: this }).arn;
    const subjects = ciSubjects(ci, ctx.config.stack);
    this.previewRole = role("ci-preview", {
      roleName: ctx.names.env("ci-preview"),
      description: `pulumi preview from pull requests and drift checks of ${ci.githubRepository} (read-only)`,
      trust: githubTrust(providerArn, subjects.preview),
      tags,
      parent: this,
      permissionsBoundary: null,
    });
    inlinePolicy("ci-preview-read", this.previewRole, "read-only", previewStatements(scope, base));
    this.deployRole = role("ci-deploy", {
      roleName: ctx.names.env("ci-deploy"),
      description: `pulumi up from ${ci.githubRepository}, GitHub environment ${ctx.config.stack}`,
      trust: githubTrust(providerArn, subjects.deploy),
      tags,
      parent: this,
      permissionsBoundary: null,
    });
    const ciRoleArns = [arns.role(scope, ctx.names.env("ci-preview")), arns.role(scope, ctx.names.env("ci-deploy"))];
    inlinePolicy(
      "ci-deploy-manage",
      this.deployRole,
      "deploy",
      deployStatements({ scope, base, repositoryNamespace: args.repositoryNamespace, boundaryArn: args.boundaryArn, ciRoleArns, destroyableData: ctx.config.destroyableData }),
    );
    this.registerOutputs({ previewRole: this.previewRole.arn, deployRole: this.deployRole.arn });
  }
}
