/**
 * What the platform asks of a cloud, in platform words. `DataPlatform` talks only to this interface;
 * `cloud/gcp/` and `cloud/aws/` implement it, and a stack loads only the one it uses (`loadCloud`).
 *
 * The shape is two calls: `environment()` once per stack (lake, registry, identities, secrets, CI
 * access), then `CloudEnvironment.pipeline()` once per pipeline (jobs, orchestration, schedule,
 * alerts). How identities and grants are laid out inside is each cloud's business: IAM works
 * per-resource on GCP and per-policy on AWS, and the interface does not pretend otherwise.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as snowflake from "@pulumi/snowflake";
import type { Namer } from "../naming";
import type { CloudKind, ImageKind, PipelineConfig, PlatformConfig } from "../types";

/** Everything a cloud implementation needs to know about the environment it builds. */
export interface CloudContext {
  config: PlatformConfig;
  names: Namer;
  /** Labels/tags for a resource, optionally scoped to a pipeline (see labels.ts). */
  labels(pipeline?: string): Record<string, string>;
  /** Options for stateful resources (buckets, registry): protect/retainOnDelete per the stack's keys. */
  stateful: pulumi.CustomResourceOptions;
  /** Parent of every environment-level resource. */
  parent: pulumi.ComponentResource;
}

export interface BucketRef {
  /** Physical bucket name. */
  name: pulumi.Output<string>;
  /** `gs://name` or `s3://name`: what dlt, dbt and Snowflake stages use. */
  uri: pulumi.Output<string>;
}

/** A secret in the cloud's secret manager. */
export interface SecretRef {
  /** Logical key, e.g. `snowflake-loader-key` or `orders/api_token`. */
  key: string;
  /** The cloud's identifier: Secret Manager secret id (full name) or Secrets Manager ARN. */
  id: pulumi.Output<string>;
}

export interface RegistryRef {
  /** Repository URL images are pushed to, e.g. `europe-west1-docker.pkg.dev/p/acme-dev-images` or `<acct>.dkr.ecr.<region>.amazonaws.com/acme-dev-images`. */
  url: pulumi.Output<string>;
  /** Registry host and credentials for `docker.Image.registry`. */
  server: pulumi.Output<string>;
  username: pulumi.Output<string>;
  password: pulumi.Output<string>;
}

/** Inputs a pipeline's runtime gets from the rest of the platform. */
export interface PipelineRuntimeArgs {
  pipeline: PipelineConfig;
  /** Image references pinned by digest (`repo@sha256:...`). */
  images: { ingestion: pulumi.Input<string>; dbt: pulumi.Input<string> };
  /** Plain environment for both jobs (warehouse account, database, bucket URIs...). */
  env: { ingestion: Record<string, pulumi.Input<string>>; dbt: Record<string, pulumi.Input<string>> };
  /** Environment variables filled from secrets, per job: env var name → secret. */
  secretEnv: { ingestion: Record<string, SecretRef>; dbt: Record<string, SecretRef> };
  /** Present when the source is Fivetran: the orchestration syncs this connection before dbt. */
  fivetran?: { connectionId: pulumi.Output<string>; apiCredential: SecretRef };
  parent: pulumi.ComponentResource;
}

export interface PipelineRuntime {
  /**
   * Job (GCP) or task definition (AWS) identifiers. `ingestionJob` may be absent when the pipeline has
   * no ingestion step (a Fivetran source: Fivetran loads the data itself).
   */
  ingestionJob?: pulumi.Output<string>;
  dbtJob: pulumi.Output<string>;
  /** Workflow / state machine that chains the steps. */
  orchestration: pulumi.Output<string>;
  schedule: pulumi.Output<string>;
}

/** The storage integration's arguments that depend on where the raw bucket lives (its storage provider, and what it authenticates as). */
export type LakeIntegrationArgs = Pick<snowflake.StorageIntegrationArgs, "storageProvider" | "storageAwsRoleArn">;

/** What Snowflake reports about a created storage integration: the identity it reads the bucket as (each cloud reads its own outputs). */
export type StorageIntegrationIdentity = Pick<snowflake.StorageIntegration, "storageGcpServiceAccount" | "storageAwsIamUserArn" | "storageAwsExternalId">;

/**
 * How the warehouse reads the raw bucket, the same shape on both clouds: the cloud says how the
 * Snowflake storage integration is declared for its storage, then grants the identity Snowflake
 * gives that integration. The warehouse never asks which cloud it is on.
 */
export interface LakeReader {
  /** Arguments the warehouse's storage integration is declared with. */
  readonly integration: LakeIntegrationArgs;
  /** Let the created integration read the raw bucket; once per environment. */
  grant(integration: StorageIntegrationIdentity): void;
}

export interface CloudEnvironment {
  rawBucket: BucketRef;
  artifactsBucket: BucketRef;
  registry: RegistryRef;
  /** How the warehouse's storage integration reads the raw bucket. */
  lakeReader: LakeReader;
  /**
   * Addresses (CIDR) the jobs connect to Snowflake from, when this environment fixes them (GCP with
   * `gcp.staticEgress`); the warehouse's network policy admits them. Empty otherwise.
   */
  egressCidrs: pulumi.Output<string>[];
  /**
   * Store a secret readable by the named workloads only. `value` may be undefined: the secret is then
   * created empty and an operator adds a version (the README says how).
   * `pipeline` scopes the secret (name and labels) to one pipeline.
   */
  secret(key: string, value: pulumi.Input<string> | undefined, readers: Workload[], pipeline?: string): SecretRef;
  /** Declare one pipeline's jobs, orchestration, schedule and alerts. */
  pipeline(args: PipelineRuntimeArgs): PipelineRuntime;
  /** Stack outputs this cloud contributes (plain values or secrets only). */
  outputs(): Record<string, pulumi.Input<unknown>>;
}

/**
 * The artifacts bucket's folder for the docs and data-quality site (dbt_runner/site.py publishes
 * `site/<pipeline>/<run id>/`): the only part of the bucket the stack's `site.readers` may read.
 */
export const SITE_PREFIX = "site/";

/** Pipelines that run the ingestion image; Fivetran loads its sources itself. */
export function runsIngestion(p: PipelineConfig): boolean {
  return p.source.type !== "fivetran";
}

/**
 * Artifacts-bucket folder of the pipeline-run records (`ingestion/pipeline_run.py`: `runs/<pipeline>/<run_id>.json`
 * and each step's part beside it). Both steps of a pipeline read and write there, and only there.
 */
export const RUN_RECORDS_FOLDER = "runs";
export const runRecordsPrefix = (pipeline: string): string => `${RUN_RECORDS_FOLDER}/${pipeline}/`;

/**
 * Raw-bucket folders one pipeline's ingestion writes (its dlt dataset) and reads (its landing folder,
 * for file drops), and the artifacts-bucket folder of its run records: the ingestion package's layout,
 * which both clouds grant exactly.
 */
export function ingestionPrefixes(p: PipelineConfig): { write: string[]; read: string[]; runRecords: string } {
  return {
    write: [`dlt/raw_${p.name}/`],
    read: p.source.type === "filesystem" ? [`${p.source.filesystem.bucket_path}/`] : [],
    runRecords: runRecordsPrefix(p.name),
  };
}

/**
 * What one pipeline's cloud job passes to its image's ENTRYPOINT (`python -m ingestion`, `python -m
 * dbt_runner`: see the Dockerfiles). Cloud Run takes them as `args`, ECS as `command`: both replace
 * the image's CMD and keep its ENTRYPOINT, so the two clouds run the very same command line.
 */
export function containerArgs(kind: ImageKind, p: PipelineConfig): string[] {
  return kind === "ingestion" ? ["run", "--pipeline", p.name, "--target", "cloud"] : ["build", "--select", p.dbtSelect, "--target", "snowflake", "--pipeline", p.name];
}

/** The workloads that get an identity of their own. `ingestion` may be per pipeline; see the cloud's README section. */
export type Workload = "ingestion" | "dbt" | "orchestrator" | "ciPreview" | "ciDeploy";

export interface Cloud {
  readonly kind: CloudKind;
  environment(ctx: CloudContext): CloudEnvironment;
}

/**
 * Load the implementation for `kind`. `require` (not a static import) so that a GCP stack never loads
 * `@pulumi/aws` and vice versa: each provider SDK costs ~0.6-0.8 s to load.
 */
export function loadCloud(kind: CloudKind): Cloud {
  switch (kind) {
    // Synchronous on purpose (see above): a static or dynamic import would load both SDKs or make this async.
    case "gcp":
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require("./gcp") as { gcpCloud: Cloud }).gcpCloud;
    case "aws":
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require("./aws") as { awsCloud: Cloud }).awsCloud;
  }
}
