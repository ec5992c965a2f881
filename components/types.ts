/**
 * The typed, validated, normalized configuration that components receive. `stacks/` builds it from
 * `Pulumi.<stack>.yaml` and `pipelines/*.yaml`; components never see raw YAML or `pulumi.Config`.
 *
 * The arrows point one way: `stacks/` imports `components/`, never the reverse (test/stacks/layering.test.ts).
 * So the shapes components rely on are declared here, and `stacks/load.ts` builds a `PlatformConfig`
 * from the zod schemas' output: a schema that stops producing one of these shapes fails `tsc`.
 */
import type { FivetranRegion, FivetranTimeZoneOffset } from "./fivetran/regions";

export type CloudKind = "gcp" | "aws";

/** The two images every environment runs: the dlt ingestion package and the dbt project. */
export const IMAGE_KINDS = ["ingestion", "dbt"] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

/** A secret by name (`{ secret: name }`); its value never appears in a pipeline file. */
export interface SecretName {
  secret: string;
}

/** A Fivetran source as the connection, its schema config and its schedule are declared from it. */
export interface FivetranSourceSpec {
  service: string;
  destination_schema: string;
  config: Record<string, string | number | boolean | string[] | SecretName>;
  sync_frequency: number;
  daily_sync_time?: string;
  schedule_type: "auto" | "manual";
  schema_change_handling: "ALLOW_ALL" | "ALLOW_COLUMNS" | "BLOCK_ALL";
  schemas?: Record<string, { enabled: boolean; tables?: Record<string, { enabled: boolean }> }>;
}

/**
 * Where a pipeline's data comes from. The dlt sources travel to the ingestion image as JSON (its
 * own schema, ingestion/spec.py, reads them); components look into them only for the landing folder (and tools/local.ts for the base URL).
 */
export type SourceSpec =
  | { type: "fivetran"; fivetran: FivetranSourceSpec }
  | { type: "filesystem"; filesystem: { bucket_path: string; [setting: string]: unknown } }
  | { type: "rest_api"; rest_api: { client: { base_url: string; [setting: string]: unknown }; [setting: string]: unknown } }
  | { type: "sql_database"; sql_database: Record<string, unknown> };

export interface JobSize {
  cpu: number;
  memoryGiB: number;
  timeoutMinutes: number;
  maxRetries: number;
}

/** One pipeline as it runs in one environment: overrides applied, defaults filled in. */
export interface PipelineConfig {
  name: string;
  description: string;
  owner: string;
  /** Pipeline file, relative to the project root (for messages). */
  file: string;
  source: SourceSpec;
  schedule: { cron: string; timezone: string; paused: boolean };
  /** dbt selection run after each load. */
  dbtSelect: string;
  jobs: { ingestion: JobSize; dbt: JobSize };
  /** Who is told about runs (pipeline file's `notify`, environment override applied): failure recipients default to the owner. */
  notify: { onFailure: string[]; onSuccess: string[] };
  /** Names of the secrets this pipeline's source refers to (`{ secret: name }`), sorted. */
  secrets: string[];
  /** The pipeline's previous name, when it was renamed: its resources are aliased to the old names. */
  renamedFrom?: string;
}

export type WarehouseSize = "XSMALL" | "SMALL" | "MEDIUM" | "LARGE" | "XLARGE" | "XXLARGE";
export interface WarehouseSizing {
  size: WarehouseSize;
  autoSuspendSeconds: number;
  statementTimeoutSeconds: number;
}

/** The stack's settings, defaults filled in (stacks/config.ts documents each). */
export interface LakeSettings {
  coldAfterDays: number;
  expireAfterDays: number;
  noncurrentVersionDays: number;
  artifactsExpireAfterDays: number;
  kmsKey?: string;
}
export interface WarehouseSettings {
  account: string;
  objectPrefix: string;
  dataRetentionDays: number;
  loading: WarehouseSizing;
  transforming: WarehouseSizing;
  reporting: WarehouseSizing;
  monthlyCreditQuota: number;
  notifyAtPercent: number[];
  monitorNotifyUsers: string[];
  allowedIpRanges: string[];
  fivetranIpRanges: string[];
  biIpRanges: string[];
}
export interface FivetranSettings {
  groupName: string;
  region: FivetranRegion;
  timeZoneOffset: FivetranTimeZoneOffset;
}
export interface ImageSettings {
  ingestion?: string;
  dbt?: string;
  ingestionContext: string;
  dbtContext: string;
  build: boolean;
}

export interface PlatformConfig {
  project: string;
  stack: string;
  environment: string;
  /** The production environment: data can never be destroyed from it. */
  production: boolean;
  prefix: string;
  cloud: CloudKind;
  region: string;
  gcp?: { project: string; staticEgress: boolean; imageConsumers: { environment: string; project: string; projectNumber: string }[]; iamPropagationSeconds: number };
  aws?: { accountId: string; subnetIds: string[]; vpcId?: string; vpcCidr: string };
  /** protect + retainOnDelete on stateful resources. */
  protect: boolean;
  /** Both keys turned: a non-production stack with protect off and allowDataDestroy on. */
  destroyableData: boolean;
  lake: LakeSettings;
  jobs: { ingestion: JobSize; dbt: JobSize };
  orchestration: { stepRetries: number };
  warehouse: WarehouseSettings;
  fivetran: FivetranSettings;
  images: ImageSettings;
  alerts: { emails: string[] };
  /** Readers of the docs and data-quality site (cloud-specific principals, validated per cloud). */
  site: { readers: string[] };
  logRetentionDays: number;
  ci?: { githubRepository: string; githubRepositoryId?: string; deployBranch: string; reuseOidcProvider?: boolean };
  pipelines: PipelineConfig[];
  /** The stack's plain `snowflake:*` provider settings (no role, no credentials): the warehouse's providers start from them. */
  snowflakeProvider: Record<string, unknown>;
}
