/**
 * The lake: the raw bucket (landing files, dlt load files, run records; read by Snowflake) and the
 * artifacts bucket (dbt manifests, run results, logs). Both secure by default: private, owner-enforced,
 * versioned, encrypted, TLS-only, with lifecycle rules from the stack config.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BucketRef, CloudContext } from "../cloud";
import { policyDocument } from "./policy";

export interface DataBucketArgs {
  ctx: CloudContext;
  bucketName: string;
  /** Lifecycle rules for this bucket (each with id and status). */
  lifecycle: aws.types.input.s3.BucketLifecycleConfigurationRule[];
}

export class DataBucket extends pulumi.ComponentResource implements BucketRef {
  readonly bucket: aws.s3.Bucket;
  readonly name: pulumi.Output<string>;
  readonly uri: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: DataBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:aws:DataBucket", name, {}, opts);
    const { ctx } = args;
    const kmsKey = ctx.config.lake.kmsKey;
    this.bucket = new aws.s3.Bucket(
      name,
      { bucket: args.bucketName, forceDestroy: ctx.config.destroyableData, tags: ctx.labels() },
      { parent: this, ...ctx.stateful },
    );
    const bucket = this.bucket.bucket;
    const child = { parent: this.bucket };
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      child,
    );
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
    const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket, versioningConfiguration: { status: "Enabled" } }, child);
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket,
        rules: [
          kmsKey
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKey }, bucketKeyEnabled: true }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ],
      },
      child,
    );
    new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, { bucket, rules: args.lifecycle }, { parent: this.bucket, dependsOn: [versioning] });
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      {
        bucket,
        policy: policyDocument([
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:*"],
            Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ]),
      },
      // S3 rejects concurrent configuration changes to one bucket ("conflicting conditional operation").
      { parent: this.bucket, dependsOn: [publicAccess] },
    );
    this.name = bucket;
    this.arn = this.bucket.arn;
    this.uri = pulumi.interpolate`s3://${bucket}`;
    this.registerOutputs({ name: this.name, uri: this.uri, arn: this.arn });
  }
}

/** Lifecycle of the raw bucket: colder storage, optional expiry, bounded noncurrent versions. */
export function rawLifecycle(lake: CloudContext["config"]["lake"]): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  const cold = coldTransitionDays(lake);
  return [
    {
      id: "raw-retention",
      status: "Enabled",
      filter: {},
      ...(cold !== undefined ? { transitions: [{ days: cold, storageClass: "STANDARD_IA" }] } : {}),
      ...(lake.expireAfterDays > 0 ? { expiration: { days: lake.expireAfterDays } } : {}),
      noncurrentVersionExpiration: { noncurrentDays: Math.max(1, lake.noncurrentVersionDays) },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    },
  ];
}

/** S3 needs 30+ days before STANDARD_IA; a transition at or after expiry would never happen. */
const MIN_STANDARD_IA_DAYS = 30;

function coldTransitionDays(lake: CloudContext["config"]["lake"]): number | undefined {
  if (lake.coldAfterDays <= 0) return undefined;
  const days = Math.max(MIN_STANDARD_IA_DAYS, lake.coldAfterDays);
  // Expiry first: a move that would come at or after it never happens, so there is nothing to warn about.
  if (lake.expireAfterDays > 0 && lake.expireAfterDays <= days) return undefined;
  if (days !== lake.coldAfterDays) pulumi.log.warn(`lake.coldAfterDays ${lake.coldAfterDays} is below S3's minimum for STANDARD_IA; raw objects move after ${days} days`);
  return days;
}

/** Lifecycle of the artifacts bucket: artifacts expire after `artifactsExpireAfterDays` (0 keeps them). */
export function artifactsLifecycle(lake: CloudContext["config"]["lake"]): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  return [
    {
      id: "artifacts-retention",
      status: "Enabled",
      filter: {},
      ...(lake.artifactsExpireAfterDays > 0 ? { expiration: { days: lake.artifactsExpireAfterDays } } : {}),
      noncurrentVersionExpiration: { noncurrentDays: Math.max(1, lake.noncurrentVersionDays) },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    },
  ];
}

export class Lake extends pulumi.ComponentResource {
  readonly raw: DataBucket;
  readonly artifacts: DataBucket;

  constructor(name: string, ctx: CloudContext, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:aws:Lake", name, {}, opts);
    const lake = ctx.config.lake;
    this.raw = new DataBucket("raw", { ctx, bucketName: ctx.names.env("raw"), lifecycle: rawLifecycle(lake) }, { parent: this });
    this.artifacts = new DataBucket("artifacts", { ctx, bucketName: ctx.names.env("artifacts"), lifecycle: artifactsLifecycle(lake) }, { parent: this });
    this.registerOutputs({ raw: this.raw.uri, artifacts: this.artifacts.uri });
  }
}
