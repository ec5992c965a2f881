/**
 * The role a Snowflake storage integration assumes to read the raw bucket. Its ARN is computed from
 * the account and the planned name, so the integration can name it before the role exists; the role
 * then trusts the integration's IAM user with its external id.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CloudContext } from "../cloud";
import type { DataBucket } from "./lake";
import { inlinePolicy, lakeKms, role } from "./roles";
import { trustDocument } from "./policy";
import { arns, type AwsScope } from "./scope";

export function lakeReaderRoleArn(ctx: CloudContext, scope: AwsScope): string {
  return arns.role(scope, ctx.names.env("snowflake-lake"));
}

/** Who the role trusts: the storage integration's IAM user and external id (STORAGE_AWS_IAM_USER_ARN, STORAGE_AWS_EXTERNAL_ID). */
export interface LakeReaderTrust {
  iamUserArn: pulumi.Input<string>;
  externalId: pulumi.Input<string>;
}

export function createLakeReader(
  ctx: CloudContext,
  scope: AwsScope,
  raw: DataBucket,
  grant: LakeReaderTrust,
  parent: pulumi.Resource,
  boundary: pulumi.Input<string>,
): aws.iam.Role {
  const reader = role("snowflake-lake", {
    roleName: ctx.names.env("snowflake-lake"),
    description: "Snowflake storage integration: read the raw bucket",
    trust: trustDocument([
      {
        Effect: "Allow",
        Principal: { AWS: grant.iamUserArn },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": grant.externalId } },
      },
    ]),
    tags: ctx.labels(),
    parent,
    permissionsBoundary: boundary,
  });
  inlinePolicy("snowflake-lake-read", reader, "read-raw", [
    { Sid: "ListRaw", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [raw.arn] },
    { Sid: "ReadRaw", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: [pulumi.interpolate`${raw.arn}/*`] },
    ...lakeKms(ctx.config.lake.kmsKey, ["kms:Decrypt"]),
  ]);
  return reader;
}
