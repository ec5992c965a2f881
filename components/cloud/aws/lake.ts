/**
 * The lake: the raw bucket (landing files, dlt load files, run records; read by Snowflake) and the
 * artifacts bucket (dbt manifests, run results, logs). Both secure by default: private, owner-enforced,
 * versioned (cloud/rules.ts), encrypted, TLS-only, with lifecycle rules from the stack config, and server access logs
 * (who read or wrote what) delivered to the environment's access-log bucket.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BucketRef, CloudContext } from "../cloud";
import type { Statement } from "./policy";
import { policyDocument } from "./policy";
import { arns, type AwsScope } from "./scope";
import { ABORT_INCOMPLETE_UPLOAD_DAYS, lakeRetention, lakeVersioned, type LakeRetention } from "../rules";

export interface DataBucketArgs {
  ctx: CloudContext;
  bucketName: string;
  /** Lifecycle rules for this bucket (each with id and status). */
  lifecycle: aws.types.input.s3.BucketLifecycleConfigurationRule[];
  /** Where this bucket's server access logs go (`<bucket>/<logPrefix>`); absent for the log bucket itself. */
  accessLogs?: { bucket: pulumi.Input<string>; prefix: string };
  /** Versioning: per cloud/rules.ts `lakeVersioned` for the lake; off for the access-log bucket (log objects are written once, never overwritten). */
  versioned: boolean;
  /** Extra statements of the bucket policy (the log bucket admits S3's log delivery). */
  policy?: Statement[];
  /** S3 log delivery writes only with SSE-S3: the log bucket ignores lake.kmsKey. */
  encryption?: "lake" | "s3";
}

export class DataBucket extends pulumi.ComponentResource implements BucketRef {
  readonly bucket: aws.s3.Bucket;
  readonly name: pulumi.Output<string>;
  readonly uri: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: DataBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:aws:DataBucket", name, {}, opts);
    const { ctx } = args;
    const kmsKey = args.encryption === "s3" ? undefined : ctx.config.lake.kmsKey;
    this.bucket = new aws.s3.Bucket(name, { bucket: args.bucketName, forceDestroy: ctx.config.destroyableData, tags: ctx.labels() }, { parent: this, ...ctx.stateful });
    const bucket = this.bucket.bucket;
    const child = { parent: this.bucket };
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      child,
    );
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
    const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket, versioningConfiguration: { status: args.versioned ? "Enabled" : "Suspended" } }, child);
    if (args.accessLogs) {
      new aws.s3.BucketLogging(`${name}-access-logs`, { bucket, targetBucket: args.accessLogs.bucket, targetPrefix: args.accessLogs.prefix }, child);
    }
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
          ...(args.policy ?? []),
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

/** S3 lifecycle fields for one lake bucket's retention (cloud/rules.ts decides the days; absent means never). */
function retentionRule(id: string, r: LakeRetention, cold: number | undefined): aws.types.input.s3.BucketLifecycleConfigurationRule {
  return {
    id,
    status: "Enabled",
    filter: {},
    ...(cold !== undefined ? { transitions: [{ days: cold, storageClass: "STANDARD_IA" }] } : {}),
    ...(r.expireAfterDays !== undefined ? { expiration: { days: r.expireAfterDays } } : {}),
    ...(r.noncurrentVersionDays !== undefined ? { noncurrentVersionExpiration: { noncurrentDays: r.noncurrentVersionDays } } : {}),
    abortIncompleteMultipartUpload: { daysAfterInitiation: r.abortIncompleteUploadDays },
  };
}

/** Lifecycle of the raw bucket: colder storage, optional expiry, noncurrent versions (0 days keeps them forever). */
export function rawLifecycle(lake: CloudContext["config"]["lake"]): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  const retention = lakeRetention(lake, "raw");
  return [retentionRule("raw-retention", retention, coldTransitionDays(retention))];
}

/** S3 needs 30+ days before STANDARD_IA; a transition at or after expiry would never happen. */
const MIN_STANDARD_IA_DAYS = 30;

function coldTransitionDays(r: LakeRetention): number | undefined {
  if (r.coldAfterDays === undefined) return undefined;
  const days = Math.max(MIN_STANDARD_IA_DAYS, r.coldAfterDays);
  // Expiry first: a move that would come at or after it never happens, so there is nothing to warn about.
  if (r.expireAfterDays !== undefined && r.expireAfterDays <= days) return undefined;
  if (days !== r.coldAfterDays) pulumi.log.warn(`lake.coldAfterDays ${r.coldAfterDays} is below S3's minimum for STANDARD_IA; raw objects move after ${days} days`);
  return days;
}

/** Lifecycle of the artifacts bucket: artifacts expire after `artifactsExpireAfterDays` (0 keeps them). */
export function artifactsLifecycle(lake: CloudContext["config"]["lake"]): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  return [retentionRule("artifacts-retention", lakeRetention(lake, "artifacts"), undefined)];
}

/** Access logs are kept a year (an audit trail outlives the data it describes in dev, too). */
export const ACCESS_LOG_DAYS = 365;

/** Lifecycle of the access-log bucket: logs expire after ACCESS_LOG_DAYS. */
export function accessLogLifecycle(): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  return [
    {
      id: "access-log-retention",
      status: "Enabled",
      filter: {},
      expiration: { days: ACCESS_LOG_DAYS },
      abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
    },
  ];
}

/** S3's log delivery may write into the log bucket, only for the lake's buckets of this account (S3 docs: "Enabling Amazon S3 server access logging"). */
export function logDeliveryStatement(scope: AwsScope, logBucket: string, sources: string[]): Statement {
  return {
    Sid: "S3ServerAccessLogs",
    Principal: { Service: "logging.s3.amazonaws.com" },
    Action: ["s3:PutObject"],
    Resource: [`${arns.bucket(scope, logBucket)}/*`],
    Condition: { ArnLike: { "aws:SourceArn": sources.map((b) => arns.bucket(scope, b)) }, StringEquals: { "aws:SourceAccount": scope.account } },
  };
}

export class Lake extends pulumi.ComponentResource {
  readonly raw: DataBucket;
  readonly artifacts: DataBucket;
  readonly accessLogs: DataBucket;

  constructor(name: string, args: { ctx: CloudContext; scope: AwsScope }, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:aws:Lake", name, {}, opts);
    const { ctx, scope } = args;
    const lake = ctx.config.lake;
    const names = { raw: ctx.names.env("raw"), artifacts: ctx.names.env("artifacts"), logs: ctx.names.env("access-logs") };
    this.accessLogs = new DataBucket(
      "access-logs",
      {
        ctx,
        bucketName: names.logs,
        lifecycle: accessLogLifecycle(),
        versioned: false,
        encryption: "s3",
        policy: [logDeliveryStatement(scope, names.logs, [names.raw, names.artifacts])],
      },
      { parent: this },
    );
    const logsTo = (prefix: string) => ({ bucket: this.accessLogs.name, prefix: `${prefix}/` });
    this.raw = new DataBucket("raw", { ctx, bucketName: names.raw, lifecycle: rawLifecycle(lake), versioned: lakeVersioned("raw"), accessLogs: logsTo("raw") }, { parent: this });
    this.artifacts = new DataBucket(
      "artifacts",
      { ctx, bucketName: names.artifacts, lifecycle: artifactsLifecycle(lake), versioned: lakeVersioned("artifacts"), accessLogs: logsTo("artifacts") },
      { parent: this },
    );
    this.registerOutputs({ raw: this.raw.uri, artifacts: this.artifacts.uri, accessLogs: this.accessLogs.uri });
  }
}
