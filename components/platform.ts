/**
 * DataPlatform: everything one environment has. The composition root: it wires the cloud's lake,
 * registry and identities to the warehouse, Fivetran, the images and one Pipeline per pipeline file.
 * It decides *what* connects to what; each component decides *how* its resources look.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadCloud, type CloudContext, type CloudEnvironment, type SecretRef } from "./cloud/cloud";
import { Deploy } from "./deploy";
import { FIVETRAN_CONFIG_KEYS, FivetranDestination, FivetranGroup } from "./fivetran";
import { labels } from "./labels";
import { reportMissingValue, runsOnSchedule } from "./missing-secret";
import { Namer } from "./naming";
import { Pipeline, type FivetranTarget } from "./pipeline";
import type { PlatformConfig } from "./types";
import { Warehouse } from "./warehouse";

export interface PlatformSecrets {
  fivetranApiKey?: pulumi.Output<string>;
  fivetranApiSecret?: pulumi.Output<string>;
  /** pipeline → secret name → value */
  pipelineSecrets: Record<string, Record<string, pulumi.Output<string>>>;
  /** The deployer's Snowflake credentials (`privateKey`, ...), for the warehouse's providers. */
  snowflakeCredentials: Record<string, pulumi.Output<string>>;
}

export interface DataPlatformArgs {
  config: PlatformConfig;
  secrets: PlatformSecrets;
  /** Project root, where the image build contexts are (`images.*Context` are relative to it). */
  root: string;
}

export class DataPlatform extends pulumi.ComponentResource {
  /** Stack outputs: plain values and secrets only. */
  readonly outputs: Record<string, pulumi.Input<unknown>>;

  constructor(name: string, args: DataPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:index:DataPlatform", name, {}, opts);
    const { config, secrets } = args;

    const context = cloudContext(config, this);
    const env = loadCloud(config.cloud).environment(context);

    const warehouse = new Warehouse(
      "warehouse",
      {
        config,
        connection: { settings: config.snowflakeProvider, credentials: secrets.snowflakeCredentials },
        stateful: context.stateful,
        lake: { rawBucketUri: env.rawBucket.uri, integration: env.lakeReader.integration },
        egressCidrs: env.egressCidrs,
      },
      { parent: this },
    );
    env.lakeReader.grant(warehouse.storageIntegration);
    const keys = {
      loader: env.secret("snowflake-loader-key", warehouse.logins.loader.privateKey, ["ingestion"]),
      transformer: env.secret("snowflake-transformer-key", warehouse.logins.transformer.privateKey, ["dbt"]),
    };
    // The BI tool's key: no workload of ours reads it; whoever sets up the BI tool reads it from the
    // secret manager (the stack outputs say where), so the login is usable and the key stays out of state outputs.
    const reporter = warehouse.logins.reporter;
    const biKey = env.secret("snowflake-reporter-key", reporter.privateKey, []);

    const fivetran = config.pipelines.some((p) => p.source.type === "fivetran") ? this.fivetran(config, secrets, env, warehouse) : undefined;

    const images = new Deploy("images", { registry: env.registry, images: config.images, root: args.root }, { parent: this });

    const pipelines = config.pipelines.map(
      (p) =>
        new Pipeline(
          p.name,
          {
            pipeline: p,
            config,
            cloud: env,
            images: { ingestion: images.ingestion, dbt: images.dbt },
            warehouse: { loader: warehouse.logins.loader, transformer: warehouse.logins.transformer, lakeStage: warehouse.lakeStage, keys },
            lake: { raw: env.rawBucket.uri, artifacts: env.artifactsBucket.uri },
            secrets: secrets.pipelineSecrets[p.name] ?? {},
            fivetran,
          },
          { parent: this },
        ),
    );

    this.outputs = {
      environment: config.environment,
      cloud: config.cloud,
      rawBucket: env.rawBucket.uri,
      artifactsBucket: env.artifactsBucket.uri,
      registry: env.registry.url,
      images: { ingestion: images.ingestion, dbt: images.dbt },
      imageSources: images.sources,
      warehouse: warehouse.outputs,
      biLogin: {
        account: config.warehouse.account,
        user: reporter.user,
        role: reporter.role,
        warehouse: reporter.warehouse,
        database: reporter.database,
        privateKeySecret: biKey.id,
      },
      pipelines: Object.fromEntries(pipelines.map((p) => [p.name, p.outputs])),
      ...env.outputs(),
    };
    this.registerOutputs(this.outputs);
  }

  /** One Fivetran group and Snowflake destination per environment, shared by its Fivetran pipelines. */
  private fivetran(config: PlatformConfig, secrets: PlatformSecrets, env: CloudEnvironment, warehouse: Warehouse): FivetranTarget {
    const login = warehouse.logins.fivetran;
    const group = new FivetranGroup("fivetran-group", { name: config.fivetran.groupName }, { parent: this });
    const destination = new FivetranDestination(
      "fivetran-destination",
      {
        groupId: group.groupId,
        region: config.fivetran.region,
        timeZoneOffset: config.fivetran.timeZoneOffset,
        host: `${config.warehouse.account.toLowerCase()}.snowflakecomputing.com`,
        database: login.database,
        user: login.user,
        role: login.role,
        warehouse: login.warehouse,
        privateKey: login.privateKey,
      },
      { parent: this },
    );
    // The orchestration calls Fivetran's API to sync and poll; it reads the key pair from the secret manager.
    const credential = secrets.fivetranApiKey && secrets.fivetranApiSecret ? pulumi.secret(pulumi.interpolate`${secrets.fivetranApiKey}:${secrets.fivetranApiSecret}`) : undefined;
    if (!credential)
      reportMissingValue(
        `Fivetran API key not set: the Fivetran pipelines' syncs will fail with 401 until it is (pulumi config set --secret ${FIVETRAN_CONFIG_KEYS.apiKey} ... and ${FIVETRAN_CONFIG_KEYS.apiSecret} ...)`,
        config.pipelines.some((p) => p.source.type === "fivetran" && runsOnSchedule(p)),
        this,
      );
    const apiCredential: SecretRef = env.secret("fivetran-api", credential, ["orchestrator"]);
    return { groupId: group.groupId, destination, apiCredential };
  }
}

/** What a cloud implementation gets to build one environment (exported for the cloud tests). */
export function cloudContext(config: PlatformConfig, parent: pulumi.ComponentResource): CloudContext {
  return {
    config,
    names: new Namer(config.cloud, config.prefix, config.environment),
    labels: (pipeline?: string) => labels(config, pipeline),
    // Two keys to destroy data: without both, stateful resources are protected and kept on delete.
    stateful: config.destroyableData ? {} : { protect: config.protect, retainOnDelete: true },
    parent,
  };
}
