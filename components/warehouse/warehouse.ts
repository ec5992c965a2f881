/**
 * Warehouse: the Snowflake side of one environment. dbt Labs' recommended layout (databases RAW and
 * ANALYTICS; warehouses LOADING, TRANSFORMING, REPORTING; roles LOADER, TRANSFORMER, REPORTER; one
 * user per tool), plus a resource monitor, key-pair service users, a network policy per user and a storage
 * integration + external stage over the raw bucket.
 *
 * Every name comes from `snowflakeNames(objectPrefix)` and every grant from GRANT_MATRIX (model.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as snowflake from "@pulumi/snowflake";
import * as tls from "@pulumi/tls";
import type { CloudContext, LakeIntegrationArgs, StorageIntegrationIdentity } from "../cloud/cloud";
import type { PlatformConfig } from "../types";
import {
  ADMIN_ROLES,
  checkSnowflakeNames,
  DATABASES,
  dltStagingUri,
  GRANT_MATRIX,
  INTEGRATION_USAGE_ROLE,
  OBJECT_ADMIN_ROLE,
  pemBody,
  ROLE_PARENT,
  ROLES,
  SERVICE_USERS,
  snowflakeLocation,
  snowflakeNames,
  snowflakePublicKeyFingerprint,
  WAREHOUSE_CONFIG_KEY,
  WAREHOUSES,
  type AdminRole,
  type DatabaseKey,
  type GrantObject,
  type GrantRow,
  type LoginKey,
  type NetworkAudience,
  type RoleKey,
  type SnowflakeResourceType,
  type WarehouseKey,
} from "./model";

/** How one tool connects: its service user, role, warehouse, default database and private key. */
export interface SnowflakeLogin {
  user: pulumi.Output<string>;
  role: pulumi.Output<string>;
  warehouse: pulumi.Output<string>;
  database: pulumi.Output<string>;
  /** PKCS8 PEM private key of the user's key pair; a Pulumi secret. */
  privateKey: pulumi.Output<string>;
}

/**
 * How the deployer connects: the stack's `snowflake:*` provider settings, without `role`. The
 * component opens one explicit provider per system role it works through (OBJECT_ADMIN_ROLE).
 */
export interface SnowflakeConnection {
  /** Plain provider settings (`organizationName`, `accountName`, `user`, `authenticator`, `previewFeaturesEnabled`, ...). */
  settings: Record<string, unknown>;
  /** Credential settings (`privateKey`, ...), as Pulumi secrets. */
  credentials: Record<string, pulumi.Output<string>>;
}

export interface WarehouseArgs {
  config: PlatformConfig;
  connection: SnowflakeConnection;
  /** Options for the stateful resources (the databases): the stack's protect/retainOnDelete, as the clouds get them (`cloudContext(...).stateful`). */
  stateful: CloudContext["stateful"];
  lake: {
    /** `gs://bucket` or `s3://bucket`. */
    rawBucketUri: pulumi.Input<string>;
    /** The storage integration's arguments for the cloud the bucket is on (`CloudEnvironment.lakeReader`). */
    integration: LakeIntegrationArgs;
  };
  /** Where the jobs connect from when the cloud fixes it: added to the jobs' users' network policies, next to allowedIpRanges. */
  egressCidrs?: pulumi.Input<string>[];
}

/** Percent of the monthly quota at which the monitor suspends the warehouses (running queries finish)… */
const SUSPEND_AT_PERCENT = 100;
/** …and at which it cancels running queries too. */
const SUSPEND_IMMEDIATELY_AT_PERCENT = 110;

export class Warehouse extends pulumi.ComponentResource {
  readonly logins: Record<LoginKey, SnowflakeLogin>;
  /** The storage integration's identity, which the cloud grants read access to the raw bucket (`LakeReader.grant`). */
  readonly storageIntegration: StorageIntegrationIdentity;
  /** Fully qualified external stage over the raw bucket (`DB.SCHEMA.STAGE`): how loads reach Snowflake from the raw bucket (GCS or S3). */
  readonly lakeStage: pulumi.Output<string>;
  /** account, databases, warehouses, roles, users...: plain values only (no secrets). */
  readonly outputs: Record<string, pulumi.Input<unknown>>;

  constructor(name: string, args: WarehouseArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before declaring anything (not even the component itself).
    const problems = warehouseArgsProblems(args);
    if (problems.length) throw new Error(`warehouse "${name}":\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    super("data-platform:warehouse:Warehouse", name, {}, opts);
    const { config } = args;
    const wc = config.warehouse;

    const names = snowflakeNames(wc.objectPrefix);
    // One explicit provider per system role; every Snowflake resource is created by the role the
    // ownership table names for its type, and so owned by it.
    const providers = {} as Record<AdminRole, snowflake.Provider>;
    for (const role of ADMIN_ROLES) {
      providers[role] = new snowflake.Provider(
        `${name}-${role.toLowerCase()}`,
        { ...(args.connection.settings as snowflake.ProviderArgs), ...args.connection.credentials, role },
        { parent: this },
      );
    }
    const child = (type: SnowflakeResourceType, extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions => ({
      parent: this,
      provider: providers[OBJECT_ADMIN_ROLE[type]],
      ...extra,
    });
    const comment = `Managed by Pulumi (${config.project}, stack ${config.stack})`;

    // Databases.
    const databases = {} as Record<DatabaseKey, snowflake.Database>;
    for (const d of DATABASES) {
      databases[d] = new snowflake.Database(
        `${name}-db-${d.toLowerCase()}`,
        { name: names.databases[d], dataRetentionTimeInDays: wc.dataRetentionDays, dropPublicSchemaOnCreation: true, comment },
        child("snowflake:index/database:Database", args.stateful),
      );
    }

    // Cost control: one monitor over the environment's warehouses; notify at the configured
    // percentages, suspend at the quota, cancel running queries a little past it. Frequency and start
    // are left to Snowflake's defaults (MONTHLY, starting immediately): setting a frequency requires a
    // fixed start timestamp, and both would be kept in Snowflake if later removed.
    const monitor = new snowflake.ResourceMonitor(
      `${name}-monitor`,
      {
        name: names.resourceMonitor,
        creditQuota: wc.monthlyCreditQuota,
        notifyTriggers: [...wc.notifyAtPercent].sort((a, b) => a - b),
        suspendTrigger: SUSPEND_AT_PERCENT,
        suspendImmediateTrigger: SUSPEND_IMMEDIATELY_AT_PERCENT,
        // Snowflake e-mails only these users, and only once their e-mail addresses are verified.
        notifyUsers: [...wc.monitorNotifyUsers],
      },
      child("snowflake:index/resourceMonitor:ResourceMonitor"),
    );

    const warehouses = {} as Record<WarehouseKey, snowflake.Warehouse>;
    for (const w of WAREHOUSES) {
      const size = wc[WAREHOUSE_CONFIG_KEY[w]];
      warehouses[w] = new snowflake.Warehouse(
        `${name}-wh-${w.toLowerCase()}`,
        {
          name: names.warehouses[w],
          warehouseType: "STANDARD",
          warehouseSize: size.size,
          autoSuspend: size.autoSuspendSeconds,
          autoResume: "true",
          initiallySuspended: true,
          statementTimeoutInSeconds: size.statementTimeoutSeconds,
          resourceMonitor: monitor.name,
          comment,
        },
        child("snowflake:index/warehouse:Warehouse"),
      );
    }

    // Functional roles, rolled up to SYSADMIN.
    const roles = {} as Record<RoleKey, snowflake.AccountRole>;
    for (const r of ROLES) {
      roles[r] = new snowflake.AccountRole(`${name}-role-${r.toLowerCase()}`, { name: names.roles[r], comment }, child("snowflake:index/accountRole:AccountRole"));
      new snowflake.GrantAccountRole(
        `${name}-role-${r.toLowerCase()}-to-${ROLE_PARENT.toLowerCase()}`,
        { roleName: roles[r].name, parentRoleName: ROLE_PARENT },
        child("snowflake:index/grantAccountRole:GrantAccountRole"),
      );
    }

    // Reading from the lake: storage integration (the whole bucket) + external stage in RAW.LAKE over
    // the folder dlt stages its load files in (dltStagingUri: the same rule the ingestion job gets).
    const location = pulumi.output(args.lake.rawBucketUri).apply(snowflakeLocation);
    const stagingLocation = pulumi.output(args.lake.rawBucketUri).apply((uri) => snowflakeLocation(dltStagingUri(uri)));
    const integration = new snowflake.StorageIntegration(
      `${name}-lake-integration`,
      {
        name: names.storageIntegration,
        type: "EXTERNAL_STAGE",
        enabled: true,
        ...args.lake.integration,
        storageAllowedLocations: [location],
        comment,
      },
      child("snowflake:index/storageIntegration:StorageIntegration"),
    );
    // The integration belongs to ACCOUNTADMIN; the stage's creator needs USAGE on it
    // (CREATE STAGE ... STORAGE_INTEGRATION: https://docs.snowflake.com/en/sql-reference/sql/create-stage).
    const integrationUsage = new snowflake.GrantPrivilegesToAccountRole(
      `${name}-grant-${INTEGRATION_USAGE_ROLE.toLowerCase()}-lake-integration`,
      { accountRoleName: INTEGRATION_USAGE_ROLE, privileges: ["USAGE"], onAccountObject: { objectType: "INTEGRATION", objectName: integration.name } },
      child("snowflake:index/grantPrivilegesToAccountRole:GrantPrivilegesToAccountRole"),
    );
    const lakeSchema = new snowflake.Schema(
      `${name}-lake-schema`,
      { database: databases.RAW.name, name: names.lakeSchema, withManagedAccess: "true", comment: `External stage over the raw bucket. ${comment}` },
      child("snowflake:index/schema:Schema"),
    );
    const stage = new snowflake.Stage(
      `${name}-lake-stage`,
      { database: databases.RAW.name, schema: lakeSchema.name, name: names.lakeStage, url: stagingLocation, storageIntegration: integration.name, comment },
      child("snowflake:index/stage:Stage", { dependsOn: [integrationUsage] }),
    );
    const platformSchema = new snowflake.Schema(
      `${name}-platform-schema`,
      { database: databases.RAW.name, name: names.platformSchema, withManagedAccess: "true", comment: `Pipeline-run records (PIPELINE_RUNS). ${comment}` },
      child("snowflake:index/schema:Schema"),
    );
    this.storageIntegration = {
      storageGcpServiceAccount: integration.storageGcpServiceAccount,
      storageAwsIamUserArn: integration.storageAwsIamUserArn,
      storageAwsExternalId: integration.storageAwsExternalId,
    };

    // Grants: exactly the rows of GRANT_MATRIX.
    const targets: GrantTargets = { databases, warehouses, lakeSchema, stage, platformSchema };
    const grantsByRole = new Map<RoleKey, pulumi.Output<string>[]>(ROLES.map((r) => [r, []]));
    for (const row of GRANT_MATRIX) {
      const grant = new snowflake.GrantPrivilegesToAccountRole(
        `${name}-${grantLogicalName(row)}`,
        { accountRoleName: roles[row.role].name, privileges: [...row.privileges], ...grantTarget(row.object, targets) },
        child("snowflake:index/grantPrivilegesToAccountRole:GrantPrivilegesToAccountRole"),
      );
      grantsByRole.get(row.role)!.push(grant.id);
    }

    // Network policies: switched on by allowedIpRanges; then one per service user, admitting only the
    // addresses its tool connects from (networkRanges). A user left with no range at all is disabled
    // rather than given an empty policy: it is locked out in so many words, not by Snowflake's
    // reading of an empty allow list.
    const ranges = networkRanges(wc, args.egressCidrs ?? []);
    // Service users: TYPE=SERVICE (no password possible), key-pair auth with a key generated here.
    const logins = {} as Record<LoginKey, SnowflakeLogin>;
    const users: Record<string, pulumi.Output<string>> = {};
    const fingerprints: Record<string, pulumi.Output<string>> = {};
    const policies: Partial<Record<LoginKey, pulumi.Output<string>>> = {};
    for (const key of Object.keys(SERVICE_USERS) as LoginKey[]) {
      const spec = SERVICE_USERS[key];
      const allowed = ranges?.[spec.network];
      const policy = allowed?.length
        ? new snowflake.NetworkPolicy(
            `${name}-network-policy-${key}`,
            { name: names.networkPolicies[key], allowedIpLists: allowed, comment: `${spec.comment}. ${comment}` },
            child("snowflake:index/networkPolicy:NetworkPolicy"),
          )
        : undefined;
      if (policy) policies[key] = policy.name;
      const keyPair = new tls.PrivateKey(`${name}-key-${key}`, { algorithm: "RSA", rsaBits: 2048 }, { parent: this });
      const user = new snowflake.ServiceUser(
        `${name}-user-${key}`,
        {
          name: names.users[key],
          loginName: names.users[key],
          comment: `${spec.comment}. ${comment}`,
          rsaPublicKey: keyPair.publicKeyPem.apply(pemBody),
          defaultRole: roles[spec.role].name,
          defaultWarehouse: warehouses[spec.warehouse].name,
          defaultNamespace: databases[spec.database].name,
          // Only the default role's privileges, never those of other roles granted later.
          defaultSecondaryRolesOption: "NONE",
          ...(policy ? { networkPolicy: policy.name } : {}),
          ...(ranges && !policy ? { disabled: "true" } : {}),
        },
        child("snowflake:index/serviceUser:ServiceUser"),
      );
      const roleGrant = new snowflake.GrantAccountRole(
        `${name}-user-${key}-role`,
        { roleName: roles[spec.role].name, userName: user.name },
        child("snowflake:index/grantAccountRole:GrantAccountRole"),
      );
      // Consumers (Fivetran's setup test, the jobs) may connect as soon as they see the login, so the
      // login resolves only once the user holds its role and the role holds its privileges.
      const ready = [roleGrant.id, ...grantsByRole.get(spec.role)!];
      const after = (o: pulumi.Output<string>): pulumi.Output<string> => pulumi.all([o, pulumi.all(ready)]).apply(([v]) => v);
      logins[key] = {
        user: after(user.name),
        role: after(roles[spec.role].name),
        warehouse: after(warehouses[spec.warehouse].name),
        database: after(databases[spec.database].name),
        privateKey: pulumi.secret(keyPair.privateKeyPemPkcs8),
      };
      users[key] = user.name;
      // As Snowflake shows it (RSA_PUBLIC_KEY_FP), so an operator can compare the two.
      fingerprints[key] = keyPair.publicKeyPem.apply(snowflakePublicKeyFingerprint);
    }
    this.logins = logins;

    this.lakeStage = pulumi.interpolate`${databases.RAW.name}.${lakeSchema.name}.${stage.name}`;
    this.outputs = {
      account: wc.account,
      databases: mapOutputs(databases, (d) => d.name),
      warehouses: mapOutputs(warehouses, (w) => w.name),
      roles: mapOutputs(roles, (r) => r.name),
      users,
      publicKeyFingerprints: fingerprints,
      resourceMonitor: monitor.name,
      networkPolicies: ranges ? policies : null,
      storageIntegration: integration.name,
      lakeStage: this.lakeStage,
    };
    this.registerOutputs(this.outputs);
  }
}

/**
 * The ranges each audience's network policy admits, or undefined when the stack has no network
 * policies (allowedIpRanges empty). The jobs connect from allowedIpRanges and the cloud's egress;
 * Fivetran from its published IPs for its region; the BI tool from its own ranges. Config validation
 * (stacks/load.ts) refuses Fivetran pipelines on a stack with policies and no fivetranIpRanges.
 */
export function networkRanges(
  wc: Pick<PlatformConfig["warehouse"], "allowedIpRanges" | "fivetranIpRanges" | "biIpRanges">,
  egressCidrs: pulumi.Input<string>[],
): Record<NetworkAudience, pulumi.Input<string>[]> | undefined {
  if (!wc.allowedIpRanges.length) return undefined;
  return { jobs: [...wc.allowedIpRanges, ...egressCidrs], fivetran: [...wc.fivetranIpRanges], bi: [...wc.biIpRanges] };
}

/** Everything wrong with the args, in words (empty when they are fine). */
export function warehouseArgsProblems(args: WarehouseArgs): string[] {
  const out = checkSnowflakeNames(args.config.warehouse.objectPrefix).map(
    (p) => `objectPrefix "${args.config.warehouse.objectPrefix}" makes the ${p.what} name "${p.name}" ${p.problem}`,
  );
  return out;
}

interface GrantTargets {
  databases: Record<DatabaseKey, snowflake.Database>;
  warehouses: Record<WarehouseKey, snowflake.Warehouse>;
  lakeSchema: snowflake.Schema;
  stage: snowflake.Stage;
  platformSchema: snowflake.Schema;
}

/** The grant's `on…` argument for an object of the matrix. Referencing outputs orders grants after their objects. */
function grantTarget(o: GrantObject, t: GrantTargets): Partial<snowflake.GrantPrivilegesToAccountRoleArgs> {
  switch (o.on) {
    case "warehouse":
      return { onAccountObject: { objectType: "WAREHOUSE", objectName: t.warehouses[o.warehouse].name } };
    case "database":
      return { onAccountObject: { objectType: "DATABASE", objectName: t.databases[o.database].name } };
    case "lakeSchema":
      return { onSchema: { schemaName: t.lakeSchema.fullyQualifiedName } };
    case "lakeStage":
      return { onSchemaObject: { objectType: "STAGE", objectName: t.stage.fullyQualifiedName } };
    case "platformSchema":
      return { onSchema: { schemaName: t.platformSchema.fullyQualifiedName } };
    case "platformTables":
      return { onSchemaObject: { future: { objectTypePlural: "TABLES", inSchema: t.platformSchema.fullyQualifiedName } } };
    case "schemas":
      return { onSchema: o.scope === "all" ? { allSchemasInDatabase: t.databases[o.database].name } : { futureSchemasInDatabase: t.databases[o.database].name } };
    case "objects": {
      const objects = { objectTypePlural: o.objectTypePlural, inDatabase: t.databases[o.database].name };
      return { onSchemaObject: o.scope === "all" ? { all: objects } : { future: objects } };
    }
  }
}

/** Stable logical name of a matrix row, from its role and object (never its position): `grant-transformer-raw-future-tables`. */
export function grantLogicalName(row: GrantRow): string {
  const o = row.object;
  const what = (() => {
    switch (o.on) {
      case "warehouse":
        return `wh-${o.warehouse}`;
      case "database":
        return `db-${o.database}`;
      case "lakeSchema":
        return "lake-schema";
      case "lakeStage":
        return "lake-stage";
      case "platformSchema":
        return "platform-schema";
      case "platformTables":
        return "platform-future-tables";
      case "schemas":
        return `${o.database}-${o.scope}-schemas`;
      case "objects":
        return `${o.database}-${o.scope}-${o.objectTypePlural}`;
    }
  })();
  return `grant-${row.role}-${what}`.toLowerCase();
}

function mapOutputs<K extends string, R>(m: Record<K, R>, f: (r: R) => pulumi.Output<string>): Record<K, pulumi.Output<string>> {
  return Object.fromEntries((Object.entries(m) as [K, R][]).map(([k, v]) => [k, f(v)])) as Record<K, pulumi.Output<string>>;
}
