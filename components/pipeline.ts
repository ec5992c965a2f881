/**
 * Pipeline: one pipeline file, deployed. Its source secrets, its Fivetran connection (for Fivetran
 * sources), and the cloud runtime that runs it: ingestion job → dbt job, chained by an orchestration
 * that a schedule starts and an alert watches.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CloudEnvironment, PipelineRuntime, SecretRef } from "./cloud/cloud";
import { FivetranConnection, FivetranConnectionSchedule, FivetranSchemaConfig } from "./fivetran";
import { reportMissingValue, runsOnSchedule } from "./missing-secret";
import type { PipelineConfig, PlatformConfig } from "./types";
import { dltStagingUri, fivetranSchemaEnv, type SnowflakeLogin } from "./warehouse";

/** The environment's Fivetran group and destination, and the API credential in the secret manager. */
export interface FivetranTarget {
  groupId: pulumi.Output<string>;
  /** Connections are created after it: Fivetran refuses a connection in a group without a destination. */
  destination: pulumi.Resource;
  apiCredential: SecretRef;
}

export interface PipelineArgs {
  pipeline: PipelineConfig;
  config: PlatformConfig;
  cloud: CloudEnvironment;
  images: { ingestion: pulumi.Input<string>; dbt: pulumi.Input<string> };
  warehouse: { loader: SnowflakeLogin; transformer: SnowflakeLogin; lakeStage: pulumi.Output<string>; keys: { loader: SecretRef; transformer: SecretRef } };
  lake: { raw: pulumi.Output<string>; artifacts: pulumi.Output<string> };
  /** Values of this pipeline's source secrets, by name; missing ones are created empty. */
  secrets: Record<string, pulumi.Output<string>>;
  fivetran?: FivetranTarget;
}

/**
 * A renamed pipeline's component answers to its old name. Its children need no aliases of their own:
 * every child is named `<pipeline>-<what>` under the component, and the engine aliases a child whose name
 * starts with its parent's name to the parent's old name with the same suffix (step_generator.go,
 * inheritedChildAlias), all the way down (test/stacks/rename.test.ts checks every descendant's name).
 */
export function renameAliases(p: Pick<PipelineConfig, "renamedFrom">): pulumi.Alias[] {
  return p.renamedFrom ? [{ name: p.renamedFrom }] : [];
}

/**
 * Environment variable a job reads a source secret from (the ingestion package's contract). Not
 * qualified by pipeline: a job runs one pipeline, and the secret it points at is already the
 * pipeline's own (`<prefix>-<env>-<pipeline>-secret-<name>`). A laptop, where one shell serves every
 * pipeline, uses `DP_SECRET_<PIPELINE>__<NAME>` first (ingestion/secrets.py).
 */
export const secretEnvName = (secret: string) => `DP_SECRET_${secret.toUpperCase()}`;

export class Pipeline extends pulumi.ComponentResource {
  readonly name: string;
  readonly runtime: PipelineRuntime;
  readonly outputs: Record<string, pulumi.Input<unknown>>;

  constructor(name: string, args: PipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:pipeline:Pipeline", name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), ...renameAliases(args.pipeline)] });
    const { pipeline: p, cloud } = args;
    if (p.source.type === "fivetran" && !args.fivetran) {
      throw new pulumi.ResourceError(`pipeline ${p.name}: a Fivetran source needs the environment's Fivetran destination`, this);
    }
    this.name = p.name;

    const sourceSecrets = Object.fromEntries(p.secrets.map((s) => [secretEnvName(s), cloud.secret(s, args.secrets[s], ["ingestion"], p.name)]));
    const connectionId = p.source.type === "fivetran" ? this.fivetranConnection(p, args) : undefined;

    const loader = args.warehouse.loader;
    const transformer = args.warehouse.transformer;
    this.runtime = cloud.pipeline({
      pipeline: p,
      images: args.images,
      env: {
        // Only what the images read (test/contract/job-env.test.ts checks both ways); the pipeline
        // name travels as the `--pipeline` argument.
        ingestion: {
          // The image holds code only; the job gets the pipeline as deployed, so the two cannot drift.
          DP_PIPELINE_SPEC: JSON.stringify({ name: p.name, source: p.source }),
          SNOWFLAKE_STAGE: args.warehouse.lakeStage,
          // Where dlt stages load files: the folder the stage above points at (one rule, model.ts).
          DP_DLT_STAGING_URI: args.lake.raw.apply(dltStagingUri),
          DP_RAW_BUCKET_URI: args.lake.raw,
          // The pipeline-run record (runs/<pipeline>/, ingestion/pipeline_run.py), beside dbt's artifacts.
          DP_ARTIFACTS_URI: args.lake.artifacts,
          SNOWFLAKE_ACCOUNT: args.config.warehouse.account,
          SNOWFLAKE_USER: loader.user,
          SNOWFLAKE_ROLE: loader.role,
          SNOWFLAKE_WAREHOUSE: loader.warehouse,
          SNOWFLAKE_DATABASE: loader.database,
        },
        dbt: {
          DP_PIPELINE: p.name,
          DP_DBT_SELECT: p.dbtSelect,
          DP_ARTIFACTS_URI: args.lake.artifacts,
          // Every cloud build publishes its docs and data-quality site to site/<pipeline>/<run id>/ (dbt_runner/site.py).
          DP_PUBLISH_SITE: "1",
          SNOWFLAKE_ACCOUNT: args.config.warehouse.account,
          SNOWFLAKE_USER: transformer.user,
          SNOWFLAKE_ROLE: transformer.role,
          SNOWFLAKE_WAREHOUSE: transformer.warehouse,
          SNOWFLAKE_DATABASE: transformer.database,
          SNOWFLAKE_RAW_DATABASE: loader.database,
          // Where the Fivetran connection lands, from the same destination_schema and service it is created with.
          ...(p.source.type === "fivetran" ? fivetranSchemaEnv(p.source.fivetran) : {}),
        },
      },
      secretEnv: {
        ingestion: { ...sourceSecrets, SNOWFLAKE_PRIVATE_KEY: args.warehouse.keys.loader },
        dbt: { SNOWFLAKE_PRIVATE_KEY: args.warehouse.keys.transformer },
      },
      fivetran: connectionId && args.fivetran ? { connectionId, apiCredential: args.fivetran.apiCredential } : undefined,
      parent: this,
    });

    this.outputs = {
      orchestration: this.runtime.orchestration,
      schedule: this.runtime.schedule,
      paused: p.schedule.paused,
      ...(connectionId ? { fivetranConnection: connectionId } : {}),
    };
    this.registerOutputs(this.outputs);
  }

  /**
   * The Fivetran connection, its schema config, then its schedule: the connection is created paused,
   * and only the schedule (applied after the schema config) may unpause it, so no sync ever runs
   * before Fivetran knows which schemas and tables to leave out.
   */
  private fivetranConnection(p: PipelineConfig, args: PipelineArgs): pulumi.Output<string> {
    if (p.source.type !== "fivetran" || !args.fivetran) throw new Error("unreachable: not a Fivetran pipeline");
    const src = p.source.fivetran;
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(src.config)) {
      if (typeof v !== "object" || Array.isArray(v)) config[k] = v;
      else if (args.secrets[v.secret]) config[k] = args.secrets[v.secret];
      else {
        // Declared without it, Fivetran's setup tests fail at create and say which field is wrong.
        reportMissingValue(
          `pipeline ${p.name}: secret "${v.secret}" has no value, so source field "${k}" is left out; set it with: pulumi config set --secret --path 'data-platform:pipelineSecrets.${p.name}.${v.secret}' <value>`,
          runsOnSchedule(p),
          this,
        );
      }
    }
    const connection = new FivetranConnection(
      `${p.name}-connection`,
      {
        groupId: args.fivetran.groupId,
        service: src.service,
        destinationSchema: src.destination_schema,
        config,
      },
      { parent: this, dependsOn: [args.fivetran.destination] },
    );
    const schemaConfig = new FivetranSchemaConfig(
      `${p.name}-schema`,
      { connectionId: connection.connectionId, schemaChangeHandling: src.schema_change_handling, schemas: src.schemas },
      { parent: this },
    );
    new FivetranConnectionSchedule(
      `${p.name}-sync-schedule`,
      {
        connectionId: connection.connectionId,
        paused: p.schedule.paused,
        syncFrequency: src.sync_frequency,
        dailySyncTime: src.daily_sync_time,
        scheduleType: src.schedule_type,
      },
      { parent: this, dependsOn: [schemaConfig] },
    );
    return connection.connectionId;
  }
}
