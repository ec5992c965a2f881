/**
 * The lake: a raw bucket (landing zone for ingestion and partner file drops, versioned, moving to
 * colder storage and expiring per `lake` config) and an artifacts bucket (dbt artifacts, logs, run
 * records), both versioned (cloud/rules.ts says why). Both: uniform bucket-level access, public access prevention enforced, labels, optional
 * customer-managed key, and the stack's stateful options (protect / retainOnDelete). `forceDestroy`
 * only when both data-destroy keys are turned.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { BucketRef } from "../cloud";
import { lakeRetention, lakeVersioned, type LakeBucket, type LakeRetention } from "../rules";
import type { PlatformConfig } from "../../types";
import { grantName, saMember, shortHash, type Grantee } from "./iam";
import type { GcpScope } from "./scope";

type LakeConfig = PlatformConfig["lake"];
type LifecycleRule = gcp.types.input.storage.BucketLifecycleRule;

/** GCS lifecycle rules for one lake bucket's retention (cloud/rules.ts decides the days). */
export function lifecycleRules(r: LakeRetention): LifecycleRule[] {
  const rules: LifecycleRule[] = [];
  if (r.coldAfterDays !== undefined) {
    rules.push({ action: { type: "SetStorageClass", storageClass: "NEARLINE" }, condition: { age: r.coldAfterDays, matchesStorageClasses: ["STANDARD"], withState: "LIVE" } });
  }
  if (r.expireAfterDays !== undefined) rules.push({ action: { type: "Delete" }, condition: { age: r.expireAfterDays, withState: "ANY" } });
  if (r.noncurrentVersionDays !== undefined) rules.push({ action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: r.noncurrentVersionDays, withState: "ARCHIVED" } });
  rules.push({ action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: r.abortIncompleteUploadDays } });
  return rules;
}

/** Lifecycle of the raw bucket: colder storage, expiry, noncurrent versions (0 days keeps forever). */
export function rawLifecycle(lake: LakeConfig): LifecycleRule[] {
  return lifecycleRules(lakeRetention(lake, "raw"));
}

/** Lifecycle of the artifacts bucket: artifacts expire after `artifactsExpireAfterDays` (0 keeps them). */
export function artifactsLifecycle(lake: LakeConfig): LifecycleRule[] {
  return lifecycleRules(lakeRetention(lake, "artifacts"));
}

/**
 * Bucket names are global across all of Cloud Storage: `<prefix>-<env>-<kind>` alone may be taken by
 * anyone. The suffix is a hash of the project id (globally unique), so each project gets names of its
 * own, stable across deploys, and the `<prefix>-<env>-` stem that scopes policies stays in front.
 */
export function bucketName(stem: string, project: string): string {
  return `${stem}-${shortHash(project).slice(0, 6)}`;
}

export class Lake extends pulumi.ComponentResource {
  readonly raw: gcp.storage.Bucket;
  readonly artifacts: gcp.storage.Bucket;
  /** Physical names, known before the buckets exist (for IAM conditions). */
  readonly rawName: string;
  readonly artifactsName: string;
  private readerGranted = false;

  constructor(
    name: string,
    private readonly scope: GcpScope,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("data-platform:gcp:Lake", name, {}, opts);
    const { ctx } = scope;
    const lake = ctx.config.lake;
    const keyGrant = lake.kmsKey ? this.storageAgentKeyGrant(lake.kmsKey) : undefined;
    this.rawName = bucketName(ctx.names.env("raw"), scope.project);
    this.artifactsName = bucketName(ctx.names.env("artifacts"), scope.project);
    this.raw = this.bucket("raw", this.rawName, rawLifecycle(lake), keyGrant);
    this.artifacts = this.bucket("artifacts", this.artifactsName, artifactsLifecycle(lake), keyGrant);
    this.registerOutputs({ raw: this.raw.url, artifacts: this.artifacts.url });
  }

  ref(bucket: gcp.storage.Bucket): BucketRef {
    return { name: bucket.name, uri: pulumi.interpolate`gs://${bucket.name}` };
  }

  /** Additive grant of `role` on a lake bucket. */
  grant(which: "raw" | "artifacts", role: string, to: Grantee, condition?: { title: string; description?: string; expression: string }): gcp.storage.BucketIAMMember {
    const bucket = which === "raw" ? this.raw : this.artifacts;
    return new gcp.storage.BucketIAMMember(grantName(which, role, to), { bucket: bucket.name, role, member: to.member, condition }, { parent: this });
  }

  /** The warehouse's storage integration reads the raw bucket: objects, and the bucket's metadata. */
  grantReader(serviceAccount: pulumi.Input<string>): void {
    if (this.readerGranted) throw new pulumi.ResourceError("gcp: the lake reader is already granted (one storage integration per environment)", this);
    this.readerGranted = true;
    const reader = { key: "warehouse", member: saMember(serviceAccount) };
    this.grant("raw", "roles/storage.objectViewer", reader);
    this.grant("raw", "roles/storage.legacyBucketReader", reader);
  }

  private bucket(key: LakeBucket, name: string, lifecycleRules: LifecycleRule[], keyGrant?: pulumi.Resource): gcp.storage.Bucket {
    const { ctx, project, region, apis } = this.scope;
    const versioned = lakeVersioned(key);
    return new gcp.storage.Bucket(
      key,
      {
        project,
        name,
        location: region.toUpperCase(),
        storageClass: "STANDARD",
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        versioning: { enabled: versioned },
        // A versioned bucket already keeps replaced and deleted objects as noncurrent versions
        // (lake.noncurrentVersionDays); soft delete would bill the same bytes again for 7 more days.
        ...(versioned ? { softDeletePolicy: { retentionDurationSeconds: 0 } } : {}),
        lifecycleRules,
        labels: ctx.labels(),
        forceDestroy: ctx.config.destroyableData,
        ...(ctx.config.lake.kmsKey ? { encryption: { defaultKmsKeyName: ctx.config.lake.kmsKey } } : {}),
      },
      { parent: this, ...ctx.stateful, dependsOn: [...apis.on("storage"), ...(keyGrant ? [keyGrant] : [])] },
    );
  }

  /** With a customer-managed key, the project's Cloud Storage service agent must use the key (granted on the key). */
  private storageAgentKeyGrant(kmsKey: string): gcp.kms.CryptoKeyIAMMember {
    const agent = gcp.storage.getProjectServiceAccountOutput({ project: this.scope.project }, { parent: this });
    return new gcp.kms.CryptoKeyIAMMember(
      "lake-key-storage-agent",
      { cryptoKeyId: kmsKey, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter", member: saMember(agent.emailAddress) },
      { parent: this },
    );
  }
}
