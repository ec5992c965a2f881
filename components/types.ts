/**
 * The typed, validated, normalized configuration that components receive. `stacks/` builds it from
 * `Pulumi.<stack>.yaml` and `pipelines/*.yaml`; components never see raw YAML or `pulumi.Config`.
 */
import type { SourceSpec } from "../stacks/pipeline-spec";
import type { StackConfig } from "../stacks/config";

export type CloudKind = "gcp" | "aws";

/** The two images every environment runs: the dlt ingestion package and the dbt project. */
export const IMAGE_KINDS = ["ingestion", "dbt"] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

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
  gcp?: { project: string; staticEgress: boolean; imageConsumers: { environment: string; project: string; projectNumber: string }[] };
  aws?: { accountId: string; subnetIds: string[]; vpcId?: string; vpcCidr: string };
  /** protect + retainOnDelete on stateful resources. */
  protect: boolean;
  /** Both keys turned: a non-production stack with protect off and allowDataDestroy on. */
  destroyableData: boolean;
  lake: StackConfig["lake"];
  jobs: { ingestion: JobSize; dbt: JobSize };
  orchestration: StackConfig["orchestration"];
  warehouse: StackConfig["warehouse"] & { objectPrefix: string };
  fivetran: StackConfig["fivetran"] & { groupName: string };
  images: StackConfig["images"];
  alerts: StackConfig["alerts"];
  /** Readers of the docs and data-quality site (cloud-specific principals, validated per cloud). */
  site: StackConfig["site"];
  logRetentionDays: number;
  ci?: { githubRepository: string; githubRepositoryId?: string; deployBranch: string; reuseOidcProvider?: boolean };
  pipelines: PipelineConfig[];
}
