/**
 * The Pulumi resources over the providers. Type tokens are `pulumi-nodejs:dynamic/fivetran:<Type>`.
 * Those whose outputs other resources read seed them with `undefined`, so they exist as properties
 * before the provider fills them.
 *
 * The Fivetran id others refer to (`groupId`, `destinationId`, `connectionId`) is the resource's own
 * `id`, not an output property: in a preview of an update every output property is unknown, and an
 * unknown group or connection id makes each dependent plan a replacement (the engine tier caught a
 * connection config change previewing its schedule as replaced). The id stays known across updates.
 */
import * as pulumi from "@pulumi/pulumi";
import { connectionProvider, type DestinationSchemaField } from "./connection-provider";
import { destinationProvider } from "./destination-provider";
import { groupProvider } from "./group-provider";
import type { FivetranRegion, FivetranTimeZoneOffset } from "./regions";
import { scheduleProvider } from "./schedule-provider";
import { schemaConfigProvider, type SchemaChangeHandling, type SchemaSelection } from "./schema-config-provider";

const MODULE = "fivetran";

export interface FivetranGroupArgs {
  /** Group name, unique in the Fivetran account, e.g. `acme_dev`. */
  name: pulumi.Input<string>;
}

/** A Fivetran group (one destination's slot). Rename updates in place. */
export class FivetranGroup extends pulumi.dynamic.Resource {
  declare readonly groupId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;

  constructor(name: string, args: FivetranGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(groupProvider, name, { groupId: undefined, createdAt: undefined, ...args }, opts, MODULE, "Group");
    this.groupId = this.id;
  }
}

export interface FivetranDestinationArgs {
  groupId: pulumi.Input<string>;
  region: pulumi.Input<FivetranRegion>;
  timeZoneOffset: pulumi.Input<FivetranTimeZoneOffset | string>;
  /** `<account>.snowflakecomputing.com` */
  host: pulumi.Input<string>;
  database: pulumi.Input<string>;
  /** The loader service user (key-pair auth). */
  user: pulumi.Input<string>;
  role: pulumi.Input<string>;
  warehouse: pulumi.Input<string>;
  /** PEM private key of `user`; always treated as a secret, only its fingerprint is kept in outputs. */
  privateKey: pulumi.Input<string>;
  port?: pulumi.Input<number>;
}

/** A Snowflake destination in a group, key-pair auth; setup tests must pass. A new group replaces it. */
export class FivetranDestination extends pulumi.dynamic.Resource {
  declare readonly destinationId: pulumi.Output<string>;
  declare readonly setupStatus: pulumi.Output<string>;

  constructor(name: string, args: FivetranDestinationArgs, opts?: pulumi.CustomResourceOptions) {
    const props = { destinationId: undefined, setupStatus: undefined, privateKeyFingerprint: undefined, ...args, privateKey: pulumi.secret(args.privateKey) };
    super(destinationProvider, name, props, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["privateKeyFingerprint"] }), MODULE, "Destination");
    this.destinationId = this.id;
  }
}

export interface FivetranConnectionArgs {
  groupId: pulumi.Input<string>;
  /** Fivetran service id, e.g. `postgres`, `google_ads`, `gcs`. */
  service: pulumi.Input<string>;
  /** Schema (prefix for database sources) in the destination; changing it replaces the connection. */
  destinationSchema: pulumi.Input<string>;
  /** Service settings; secret values as Pulumi secrets. Never put the destination schema here. */
  config: pulumi.Input<Record<string, unknown>>;
  /** Config field for the destination schema; defaults by service (`schema_prefix` for databases). */
  destinationSchemaField?: pulumi.Input<DestinationSchemaField>;
}

/**
 * The config keys whose values are Pulumi secrets, so the provider scrubs them from errors whatever
 * their names (it receives every input unwrapped). When the whole config is one secret Output, each
 * key counts as secret: we cannot tell which value made it so.
 */
function secretConfigKeysOf(config: pulumi.Input<Record<string, unknown>>): pulumi.Output<string[]> {
  if (pulumi.Output.isInstance(config) || config instanceof Promise) {
    const whole = pulumi.output(config);
    return pulumi.unsecret(pulumi.all([whole, pulumi.output(pulumi.isSecret(whole))]).apply(([c, secret]) => (secret ? Object.keys(c ?? {}) : [])));
  }
  const flagged = Object.entries(config).map(async ([key, value]) => ((await pulumi.isSecret(pulumi.output(value))) ? key : undefined));
  return pulumi.output(Promise.all(flagged)).apply((keys) => keys.filter((k): k is string => k !== undefined));
}

/**
 * A Fivetran connection, created paused; setup tests must pass and every setting must take. Give it a
 * {@link FivetranConnectionSchedule} that depends on its {@link FivetranSchemaConfig}.
 */
export class FivetranConnection extends pulumi.dynamic.Resource {
  declare readonly connectionId: pulumi.Output<string>;
  declare readonly setupState: pulumi.Output<string>;

  constructor(name: string, args: FivetranConnectionArgs, opts?: pulumi.CustomResourceOptions) {
    const props = { connectionId: undefined, setupState: undefined, configFingerprints: undefined, ...args, secretConfigKeys: secretConfigKeysOf(args.config) };
    // config may hold secrets Fivetran does not mask and we cannot name; keep the whole output encrypted.
    super(connectionProvider, name, props, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["config", "configFingerprints"] }), MODULE, "Connection");
    this.connectionId = this.id;
  }
}

export interface FivetranSchemaConfigArgs {
  connectionId: pulumi.Input<string>;
  schemaChangeHandling: pulumi.Input<SchemaChangeHandling>;
  /** Only the schemas/tables listed are managed; the rest follow schemaChangeHandling. */
  schemas?: pulumi.Input<SchemaSelection>;
}

/** Schema change handling and enabled schemas/tables of one connection. */
export class FivetranSchemaConfig extends pulumi.dynamic.Resource {
  declare readonly schemaChangeHandling: pulumi.Output<string>;

  constructor(name: string, args: FivetranSchemaConfigArgs, opts?: pulumi.CustomResourceOptions) {
    super(schemaConfigProvider, name, { ...args }, opts, MODULE, "SchemaConfig");
  }
}

export interface FivetranConnectionScheduleArgs {
  connectionId: pulumi.Input<string>;
  paused: pulumi.Input<boolean>;
  /** Minutes: 1, 5, 15, 30, 60, 120, 180, 360, 480, 720 or 1440. */
  syncFrequency: pulumi.Input<number>;
  /** "HH:00", only with syncFrequency 1440. */
  dailySyncTime?: pulumi.Input<string>;
  scheduleType: pulumi.Input<"auto" | "manual">;
}

/**
 * A connection's schedule, paused included. Declare it with `dependsOn` its schema config: the
 * connection may start syncing the moment this is applied.
 */
export class FivetranConnectionSchedule extends pulumi.dynamic.Resource {
  declare readonly paused: pulumi.Output<boolean>;

  constructor(name: string, args: FivetranConnectionScheduleArgs, opts?: pulumi.CustomResourceOptions) {
    super(scheduleProvider, name, { ...args }, opts, MODULE, "ConnectionSchedule");
  }
}
