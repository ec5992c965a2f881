/** Small helpers for IAM roles and their inline policies. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, serviceTrust, trustDocument, type Statement } from "./policy";
import type { AwsScope } from "./scope";

export interface RoleArgs {
  /** Physical role name (from NAME_PLAN). */
  roleName: string;
  description: string;
  /** A service principal (`ecs-tasks.amazonaws.com`), or a full trust document. */
  trust: string | pulumi.Output<string>;
  tags: Record<string, string>;
  scope: AwsScope;
  parent: pulumi.Resource;
}

export function role(name: string, args: RoleArgs): aws.iam.Role {
  const assumeRolePolicy = typeof args.trust === "string" ? serviceTrust(args.trust, args.scope.account) : args.trust;
  return new aws.iam.Role(
    name,
    { name: args.roleName, description: args.description, assumeRolePolicy, maxSessionDuration: 3600, tags: args.tags },
    { parent: args.parent },
  );
}

/** Trust for ECS tasks (task and execution roles): this account's ECS only. */
export function ecsTaskTrust(scope: AwsScope): pulumi.Output<string> {
  return trustDocument([
    {
      Effect: "Allow",
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: {
        StringEquals: { "aws:SourceAccount": scope.account },
        ArnLike: { "aws:SourceArn": `arn:${scope.partition}:ecs:${scope.region}:${scope.account}:*` },
      },
    },
  ]);
}

/** An inline policy on `target`, named `policyName`, parented to the role it grants. */
export function inlinePolicy(name: string, target: aws.iam.Role, policyName: string, statements: Statement[], opts?: pulumi.CustomResourceOptions): aws.iam.RolePolicy {
  return new aws.iam.RolePolicy(name, { role: target.name, name: policyName, policy: policyDocument(statements) }, { parent: target, ...opts });
}

/** ECR pull for one image's repository (nothing extra for images outside ECR). */
export function ecrPull(repositoryArns: pulumi.Input<string>[]): Statement[] {
  return [
    { Sid: "RegistryLogin", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    { Sid: "PullImage", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], Resource: repositoryArns },
  ];
}

/** KMS use of the lake's key, when the stack names one. */
export function lakeKms(kmsKey: string | undefined, actions: string[]): Statement[] {
  return kmsKey ? [{ Sid: "LakeKey", Action: actions, Resource: [kmsKey] }] : [];
}
