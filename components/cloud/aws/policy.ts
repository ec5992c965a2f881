/**
 * IAM policy documents, built through one function that enforces the platform's IAM rules at
 * declaration time: no wildcard in any action, and `Resource: "*"` only for actions AWS cannot scope
 * to a resource (UNSCOPED_ACTIONS says which and why). Tests check the same rules on the plan.
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * The only actions allowed on `Resource: "*"`, each with the reason. AWS defines no resource type for
 * them (Service Authorization Reference, "Resource types" column empty), so a narrower ARN would
 * simply deny the call.
 */
export const UNSCOPED_ACTIONS: Readonly<Record<string, string>> = {
  "ecr:GetAuthorizationToken": "registry login token: account-wide, no resource type",
  "ecs:DeregisterTaskDefinition": "no resource type",
  "ecs:DescribeTaskDefinition": "no resource type",
  "ec2:DescribeVpcs": "EC2 Describe* actions have no resource type",
  "ec2:DescribeSubnets": "EC2 Describe* actions have no resource type",
  "ec2:DescribeSecurityGroups": "EC2 Describe* actions have no resource type",
  "ec2:DescribeSecurityGroupRules": "EC2 Describe* actions have no resource type",
  "ec2:DescribeRouteTables": "EC2 Describe* actions have no resource type",
  "ec2:DescribeInternetGateways": "EC2 Describe* actions have no resource type",
  "ec2:DescribeAvailabilityZones": "EC2 Describe* actions have no resource type",
  "ec2:DescribeNetworkInterfaces": "EC2 Describe* actions have no resource type",
  "ec2:DescribeAccountAttributes": "EC2 Describe* actions have no resource type",
  "logs:DescribeLogGroups": "lists log groups account-wide (the provider's read of one group uses it)",
};

export type PolicyResource = pulumi.Input<string>;

export interface Statement {
  Sid: string;
  Effect?: "Allow" | "Deny";
  Action: string[];
  /** ARNs, or "*" for UNSCOPED_ACTIONS only. */
  Resource: PolicyResource[] | "*";
  /** Resource policies only (bucket, topic, secret). */
  Principal?: "*" | Record<string, pulumi.Input<string | string[]>>;
  Condition?: Record<string, Record<string, pulumi.Input<string | string[]>>>;
}

export interface TrustStatement {
  Effect: "Allow";
  Principal: Record<string, pulumi.Input<string | string[]>>;
  Action: string | string[];
  Condition?: Record<string, Record<string, pulumi.Input<string | string[]>>>;
}

/**
 * Problems with a statement under the platform's rules (empty when it is fine). The rules bound what
 * is *allowed*; a Deny may be as wide as it likes (the TLS-only bucket policy denies `s3:*`).
 */
export function statementProblems(s: { Action: string | string[]; Resource: unknown; Sid?: string; Effect?: string }): string[] {
  if (s.Effect === "Deny") return [];
  const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
  const out: string[] = [];
  for (const a of actions) if (a.includes("*")) out.push(`action "${a}" has a wildcard`);
  const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
  if (resources.includes("*")) {
    for (const a of actions) if (!(a in UNSCOPED_ACTIONS)) out.push(`action "${a}" on Resource "*" (it can be scoped; only UNSCOPED_ACTIONS may use "*")`);
  }
  if (resources.length === 0) out.push("no resource");
  return out.map((p) => `${s.Sid ?? "statement"}: ${p}`);
}

/** A permissions policy document (JSON), checked against the rules above. */
export function policyDocument(statements: Statement[]): pulumi.Output<string> {
  if (statements.length === 0) throw new Error("iam: a policy needs at least one statement");
  const problems = statements.flatMap((s) => statementProblems(s));
  if (problems.length) throw new Error(`iam: policy breaks the platform's IAM rules:\n  ${problems.join("\n  ")}`);
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: statements.map((s) => ({ ...s, Effect: s.Effect ?? "Allow" })),
  });
}

/** A trust (assume-role) policy document. */
export function trustDocument(statements: TrustStatement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/** Trust for an AWS service, limited to this account and optionally one source (confused-deputy protection). */
export function serviceTrust(service: string, account: string, sourceArn?: string): pulumi.Output<string> {
  return trustDocument([
    {
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": account }, ...(sourceArn ? { ArnLike: { "aws:SourceArn": sourceArn } } : {}) },
    },
  ]);
}
