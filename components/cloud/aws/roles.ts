/** Small helpers for IAM roles and their inline policies. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, serviceTrust, type Statement } from "./policy";
import type { AwsScope } from "./scope";

export interface RoleArgs {
  /** Physical role name (from NAME_PLAN). */
  roleName: string;
  description: string;
  /** The trust (assume-role) policy document. */
  trust: pulumi.Output<string>;
  tags: Record<string, string>;
  parent: pulumi.Resource;
  /**
   * The workload boundary's ARN (boundary.ts). Required, so no workload role is made without one;
   * `null` only for the CI roles, which the deploy role must not be able to change.
   */
  permissionsBoundary: pulumi.Input<string> | null;
}

export function role(name: string, args: RoleArgs): aws.iam.Role {
  return new aws.iam.Role(
    name,
    {
      name: args.roleName,
      description: args.description,
      assumeRolePolicy: args.trust,
      maxSessionDuration: 3600,
      ...(args.permissionsBoundary !== null ? { permissionsBoundary: args.permissionsBoundary } : {}),
      tags: args.tags,
    },
    { parent: args.parent },
  );
}

/** Trust for ECS tasks (task and execution roles): this account's ECS only. */
export function ecsTaskTrust(scope: AwsScope): pulumi.Output<string> {
  return serviceTrust("ecs-tasks.amazonaws.com", scope.account, `arn:${scope.partition}:ecs:${scope.region}:${scope.account}:*`);
}

/**
 * An inline policy on `target`, named `policyName`, parented to the role it grants. Statements known
 * only at deploy time (an Output) are checked against the IAM rules when they resolve.
 */
export function inlinePolicy(name: string, target: aws.iam.Role, policyName: string, statements: Statement[] | pulumi.Output<Statement[]>): aws.iam.RolePolicy {
  const policy = Array.isArray(statements) ? policyDocument(statements) : statements.apply(policyDocument);
  return new aws.iam.RolePolicy(name, { role: target.name, name: policyName, policy }, { parent: target });
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
