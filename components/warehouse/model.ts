/**
 * The Snowflake side of one environment as data: object names, the grant matrix and the service
 * users. Pure (no Pulumi calls), so the component, the README generator, config validation and the
 * tests all read the same values.
 */
import { createHash } from "crypto";
import { SNOWFLAKE_IDENTIFIER, snowflakeName } from "../naming";

export const DATABASES = ["RAW", "ANALYTICS"] as const;
export type DatabaseKey = (typeof DATABASES)[number];

export const WAREHOUSES = ["LOADING", "TRANSFORMING", "REPORTING"] as const;
export type WarehouseKey = (typeof WAREHOUSES)[number];

/** LOADER is the ingestion jobs' (dlt) role, FIVETRAN Fivetran's: separate, so each owns only what it writes and either can be revoked alone. */
export const ROLES = ["LOADER", "FIVETRAN", "TRANSFORMER", "REPORTER"] as const;
export type RoleKey = (typeof ROLES)[number];

/** The config section (`config.warehouse.<key>`) that sizes each warehouse. */
export const WAREHOUSE_CONFIG_KEY: Record<WarehouseKey, "loading" | "transforming" | "reporting"> = {
  LOADING: "loading",
  TRANSFORMING: "transforming",
  REPORTING: "reporting",
};

/** The functional roles are granted to this system role, so SYSADMIN (and ACCOUNTADMIN above it) sees everything they create. */
export const ROLE_PARENT = "SYSADMIN";

/**
 * Snowflake's system roles the deployer works through, one explicit provider each (warehouse.ts).
 * Default hierarchy: ACCOUNTADMIN ⊃ SECURITYADMIN ⊃ USERADMIN, and ACCOUNTADMIN ⊃ SYSADMIN.
 */
export const ADMIN_ROLES = ["ACCOUNTADMIN", "SECURITYADMIN", "USERADMIN", "SYSADMIN"] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/**
 * THE ownership table: which system role creates (and so owns) each kind of Snowflake object the
 * platform declares, keyed by the resource's type token. Snowflake's access-control best practice
 * (https://docs.snowflake.com/en/user-guide/security-access-control-considerations): SYSADMIN owns
 * databases and what is in them, USERADMIN creates roles, SECURITYADMIN (global MANAGE GRANTS)
 * grants, and ACCOUNTADMIN does only what Snowflake reserves to it.
 */
export const OBJECT_ADMIN_ROLE = {
  // SYSADMIN: databases, their schemas and the stage (the stage's role also needs USAGE on the
  // integration: INTEGRATION_USAGE_ROLE below).
  "snowflake:index/database:Database": "SYSADMIN",
  "snowflake:index/schema:Schema": "SYSADMIN",
  "snowflake:index/stage:Stage": "SYSADMIN",
  // USERADMIN: roles (CREATE ROLE is USERADMIN's by default).
  "snowflake:index/accountRole:AccountRole": "USERADMIN",
  // SECURITYADMIN: network policies ("Only security administrators (SECURITYADMIN) or higher, or a role
  // with the global CREATE NETWORK POLICY privilege", CREATE NETWORK POLICY); users, because a user is
  // created with its NETWORK_POLICY and that needs OWNERSHIP of the policy (Snowflake's behaviour
  // change "CREATE USER command: NETWORK_POLICY parameter must specify a valid network policy"), which
  // USERADMIN does not inherit from SECURITYADMIN; and every grant (MANAGE GRANTS: privileges on
  // objects owned by other roles, future grants, role grants).
  "snowflake:index/networkPolicy:NetworkPolicy": "SECURITYADMIN",
  "snowflake:index/serviceUser:ServiceUser": "SECURITYADMIN",
  "snowflake:index/grantPrivilegesToAccountRole:GrantPrivilegesToAccountRole": "SECURITYADMIN",
  "snowflake:index/grantAccountRole:GrantAccountRole": "SECURITYADMIN",
  // ACCOUNTADMIN, where Snowflake requires it: "Only users with the ACCOUNTADMIN role can create a
  // resource monitor" (https://docs.snowflake.com/en/user-guide/resource-monitors); assigning one to a
  // warehouse likewise needs ACCOUNTADMIN (snowflakedb/terraform-provider-snowflake#3019), and each
  // warehouse is created assigned to the monitor; CREATE INTEGRATION is granted to ACCOUNTADMIN only
  // by default (https://docs.snowflake.com/en/sql-reference/sql/create-storage-integration).
  "snowflake:index/resourceMonitor:ResourceMonitor": "ACCOUNTADMIN",
  "snowflake:index/warehouse:Warehouse": "ACCOUNTADMIN",
  "snowflake:index/storageIntegration:StorageIntegration": "ACCOUNTADMIN",
} as const satisfies Record<string, AdminRole>;
export type SnowflakeResourceType = keyof typeof OBJECT_ADMIN_ROLE;

/** The role that creates the stage over the lake, and so is granted USAGE on the storage integration (CREATE STAGE ... STORAGE_INTEGRATION needs it). */
export const INTEGRATION_USAGE_ROLE: AdminRole = OBJECT_ADMIN_ROLE["snowflake:index/stage:Stage"];

/** Schema in RAW that holds the external stage over the raw bucket's dlt folder, and the stage's name. */
export const LAKE_SCHEMA = "LAKE";
export const LAKE_STAGE = "RAW_BUCKET";

/**
 * Schema in RAW that holds PIPELINE_RUNS, one row per pipeline run, written by both steps of a run
 * (ingestion as LOADER, dbt as TRANSFORMER: ingestion/pipeline_run.py creates the table if missing) and
 * read by analysts (REPORTER). Created by the stack so its future-table grants exist before any run.
 */
export const PLATFORM_SCHEMA = "PLATFORM";

/**
 * THE staging layout rule. dlt stages its load files under `<raw bucket>/<DLT_STAGING_FOLDER>` and,
 * when loading through a named stage, names each file relative to that folder (`FILES = ('/<dataset>/
 * <table>/<file>')`, dlt's snowflake `gen_copy_sql`). So the ingestion job is told this exact URI
 * (DP_DLT_STAGING_URI) and the external stage points at this exact folder: one function, both sides.
 */
export const DLT_STAGING_FOLDER = "dlt";
export function dltStagingUri(rawBucketUri: string): string {
  return `${rawBucketUri.replace(/\/+$/, "")}/${DLT_STAGING_FOLDER}`;
}

/**
 * What a grant is on. Database, warehouse, schema and stage names are logical here (RAW, LOADING);
 * the component resolves them to the environment's physical names.
 */
export type GrantObject =
  | { on: "warehouse"; warehouse: WarehouseKey }
  | { on: "database"; database: DatabaseKey }
  /** The one schema the stack creates itself (RAW.LAKE). */
  | { on: "lakeSchema" }
  /** The external stage over the raw bucket (RAW.LAKE.RAW_BUCKET). */
  | { on: "lakeStage" }
  /** The schema of the pipeline-run records (RAW.PLATFORM), and the tables created in it later. */
  | { on: "platformSchema" }
  | { on: "platformTables" }
  /** Schemas in a database: those existing when the grant is made (`all`) and those created later (`future`). */
  | { on: "schemas"; database: DatabaseKey; scope: "all" | "future" }
  /** Tables or views in every schema of a database, existing (`all`) or created later (`future`). */
  | { on: "objects"; objectTypePlural: "TABLES" | "VIEWS"; database: DatabaseKey; scope: "all" | "future" };

export interface GrantRow {
  role: RoleKey;
  object: GrantObject;
  privileges: readonly string[];
}

const readAll = (role: RoleKey, database: DatabaseKey): GrantRow[] =>
  (["all", "future"] as const).flatMap((scope) => [
    { role, object: { on: "schemas", database, scope }, privileges: ["USAGE"] },
    { role, object: { on: "objects", objectTypePlural: "TABLES", database, scope }, privileges: ["SELECT"] },
    { role, object: { on: "objects", objectTypePlural: "VIEWS", database, scope }, privileges: ["SELECT"] },
  ]);

/**
 * THE grant matrix: role × object → privileges. The component declares exactly one
 * GrantPrivilegesToAccountRole per row, and README.md renders this table (render-grants.ts).
 *
 * Writing works through ownership: LOADER (the ingestion jobs) and FIVETRAN each create the schemas
 * they load into RAW, and TRANSFORMER the schemas dbt builds in ANALYTICS, so each owns what it writes. Readers get USAGE + SELECT on what exists now and on everything created later.
 */
export const GRANT_MATRIX: readonly GrantRow[] = [
  // LOADER: the ingestion jobs load RAW from the lake's dlt folder, through the stage.
  { role: "LOADER", object: { on: "warehouse", warehouse: "LOADING" }, privileges: ["USAGE"] },
  { role: "LOADER", object: { on: "database", database: "RAW" }, privileges: ["USAGE", "CREATE SCHEMA"] },
  { role: "LOADER", object: { on: "lakeSchema" }, privileges: ["USAGE"] },
  { role: "LOADER", object: { on: "lakeStage" }, privileges: ["USAGE"] },
  // FIVETRAN: Fivetran's setup guide for Snowflake grants USAGE on the warehouse and USAGE, MONITOR and
  // CREATE SCHEMA on the database; its troubleshooting names a missing MONITOR as the cause of
  // "Insufficient privileges" (https://fivetran.com/docs/destinations/snowflake/setup-guide).
  { role: "FIVETRAN", object: { on: "warehouse", warehouse: "LOADING" }, privileges: ["USAGE"] },
  { role: "FIVETRAN", object: { on: "database", database: "RAW" }, privileges: ["USAGE", "MONITOR", "CREATE SCHEMA"] },
  // Both steps of a run upsert its row into RAW.PLATFORM.PIPELINE_RUNS (delete + insert); whichever runs
  // first creates the table. Schema-level future grants take precedence over RAW's database-level ones,
  // so TRANSFORMER's SELECT is repeated here.
  { role: "LOADER", object: { on: "platformSchema" }, privileges: ["USAGE", "CREATE TABLE"] },
  { role: "LOADER", object: { on: "platformTables" }, privileges: ["SELECT", "INSERT", "DELETE"] },
  { role: "TRANSFORMER", object: { on: "platformSchema" }, privileges: ["USAGE", "CREATE TABLE"] },
  { role: "TRANSFORMER", object: { on: "platformTables" }, privileges: ["SELECT", "INSERT", "DELETE"] },
  // REPORTER (analysts, the BI tool) reads the pipeline-run records, and nothing else of RAW.
  { role: "REPORTER", object: { on: "database", database: "RAW" }, privileges: ["USAGE"] },
  { role: "REPORTER", object: { on: "platformSchema" }, privileges: ["USAGE"] },
  { role: "REPORTER", object: { on: "platformTables" }, privileges: ["SELECT"] },
  // TRANSFORMER: reads RAW (tables, views and the lake), builds ANALYTICS.
  { role: "TRANSFORMER", object: { on: "warehouse", warehouse: "TRANSFORMING" }, privileges: ["USAGE"] },
  { role: "TRANSFORMER", object: { on: "database", database: "RAW" }, privileges: ["USAGE"] },
  ...readAll("TRANSFORMER", "RAW"),
  { role: "TRANSFORMER", object: { on: "lakeSchema" }, privileges: ["USAGE"] },
  { role: "TRANSFORMER", object: { on: "lakeStage" }, privileges: ["USAGE"] },
  { role: "TRANSFORMER", object: { on: "database", database: "ANALYTICS" }, privileges: ["USAGE", "CREATE SCHEMA"] },
  // REPORTER: reads ANALYTICS (and RAW.PLATFORM, above).
  { role: "REPORTER", object: { on: "warehouse", warehouse: "REPORTING" }, privileges: ["USAGE"] },
  { role: "REPORTER", object: { on: "database", database: "ANALYTICS" }, privileges: ["USAGE"] },
  ...readAll("REPORTER", "ANALYTICS"),
];

/** One service user (TYPE=SERVICE, key-pair auth) per tool; the keys are the `logins` of the Warehouse component. */
interface ServiceUserSpec {
  /** Name part after the object prefix: `<PREFIX><user>_USER`. */
  user: string;
  role: RoleKey;
  warehouse: WarehouseKey;
  /** Default namespace. */
  database: DatabaseKey;
  comment: string;
  /**
   * Which ranges the user's own network policy admits, once the stack switches policies on
   * (`allowedIpRanges`): the jobs' (allowedIpRanges + the cloud's egress), Fivetran's
   * (`fivetranIpRanges`, its published IPs for the destination's region) or the BI tool's (`biIpRanges`).
   */
  network: NetworkAudience;
}

/** Who connects as a service user, and so which configured ranges its network policy admits. */
export type NetworkAudience = "jobs" | "fivetran" | "bi";

export const SERVICE_USERS = {
  loader: { user: "INGESTION", role: "LOADER", warehouse: "LOADING", database: "RAW", comment: "Ingestion jobs (dlt): load RAW", network: "jobs" },
  fivetran: { user: "FIVETRAN", role: "FIVETRAN", warehouse: "LOADING", database: "RAW", comment: "Fivetran destination: load RAW", network: "fivetran" },
  transformer: { user: "DBT", role: "TRANSFORMER", warehouse: "TRANSFORMING", database: "ANALYTICS", comment: "dbt: read RAW, build ANALYTICS", network: "jobs" },
  reporter: { user: "BI", role: "REPORTER", warehouse: "REPORTING", database: "ANALYTICS", comment: "BI tool: read ANALYTICS", network: "bi" },
} as const satisfies Record<string, ServiceUserSpec>;

export type LoginKey = keyof typeof SERVICE_USERS;

/** Every physical Snowflake name of one environment. */
export interface SnowflakeNames {
  databases: Record<DatabaseKey, string>;
  warehouses: Record<WarehouseKey, string>;
  roles: Record<RoleKey, string>;
  users: Record<LoginKey, string>;
  resourceMonitor: string;
  /** One network policy per service user, so each admits only the addresses its tool connects from. */
  networkPolicies: Record<LoginKey, string>;
  storageIntegration: string;
  lakeSchema: string;
  lakeStage: string;
  platformSchema: string;
}

const mapKeys = <K extends string>(keys: readonly K[], f: (k: K) => string): Record<K, string> => Object.fromEntries(keys.map((k) => [k, f(k)])) as Record<K, string>;

/**
 * Account-level objects carry the environment's object prefix (`DEV_RAW`, `DEV_LOADER`), so several
 * environments can share one account; with an empty prefix (one account per environment) they are
 * plain (`RAW`, `LOADER`). Objects inside a database (schema, stage) need no prefix.
 */
export function snowflakeNames(objectPrefix: string): SnowflakeNames {
  const n = (...parts: string[]) => snowflakeName(objectPrefix, ...parts);
  return {
    databases: mapKeys(DATABASES, (d) => n(d)),
    warehouses: mapKeys(WAREHOUSES, (w) => n(w)),
    roles: mapKeys(ROLES, (r) => n(r)),
    users: mapKeys(Object.keys(SERVICE_USERS) as LoginKey[], (k) => n(SERVICE_USERS[k].user, "USER")),
    resourceMonitor: n("MONITOR"),
    networkPolicies: mapKeys(Object.keys(SERVICE_USERS) as LoginKey[], (k) => n(SERVICE_USERS[k].user, "POLICY")),
    storageIntegration: n("LAKE_INTEGRATION"),
    lakeSchema: LAKE_SCHEMA,
    lakeStage: LAKE_STAGE,
    platformSchema: PLATFORM_SCHEMA,
  };
}

export interface SnowflakeNameProblem {
  /** Which object ("database RAW", "user fivetran"). */
  what: string;
  name: string;
  problem: string;
}

/**
 * Config-time validation of every account-level Snowflake name an object prefix produces: each must
 * be a valid unquoted, upper-case identifier (SNOWFLAKE_IDENTIFIER, at most 255 characters). Names
 * within one kind cannot collide (fixed, distinct suffixes). Returns every problem (empty when all is well).
 */
export function checkSnowflakeNames(objectPrefix: string): SnowflakeNameProblem[] {
  const out: SnowflakeNameProblem[] = [];
  const names = snowflakeNames(objectPrefix);
  const groups: [string, Record<string, string>][] = [
    ["database", names.databases],
    ["warehouse", names.warehouses],
    ["role", names.roles],
    ["user", names.users],
    ["resource monitor", { MONITOR: names.resourceMonitor }],
    ["network policy", names.networkPolicies],
    ["storage integration", { LAKE: names.storageIntegration }],
  ];
  for (const [kind, group] of groups) {
    for (const [key, name] of Object.entries(group)) {
      if (!SNOWFLAKE_IDENTIFIER.test(name)) {
        out.push({ what: `${kind} ${key}`, name, problem: "not a valid upper-case Snowflake identifier (A-Z, 0-9, _, starting with a letter, at most 255 characters)" });
      }
    }
  }
  return out;
}

/**
 * A bucket URI (optionally with a folder) as Snowflake writes locations: `gs://b` → `gcs://b/`,
 * `s3://b/dlt` → `s3://b/dlt/`. Snowflake matches allowed locations by prefix, so the trailing slash
 * keeps `b` from matching `b-other`.
 */
export function snowflakeLocation(bucketUri: string): string {
  const m = /^(gs|gcs|s3):\/\/([a-z0-9][a-z0-9._-]*[a-z0-9])((?:\/[A-Za-z0-9._-]+)*)\/?$/.exec(bucketUri);
  if (!m) throw new Error(`warehouse: raw bucket URI "${bucketUri}" is not gs://<bucket>[/folder] or s3://<bucket>[/folder]`);
  return `${m[1] === "s3" ? "s3" : "gcs"}://${m[2]}${m[3]}/`;
}

/** Snowflake wants the RSA public key as the base64 body only: no BEGIN/END lines, no newlines. */
export function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, "");
}

/**
 * The fingerprint Snowflake shows as the user's RSA_PUBLIC_KEY_FP (`DESC USER`): `SHA256:` + base64 of
 * the SHA-256 of the public key's DER (SubjectPublicKeyInfo), which is the PEM body decoded
 * (https://docs.snowflake.com/en/user-guide/key-pair-auth, "Verify the user's public key fingerprint").
 * Not OpenSSH's fingerprint, which hashes the key in SSH wire format.
 */
export function snowflakePublicKeyFingerprint(publicKeyPem: string): string {
  return `SHA256:${createHash("sha256")
    .update(Buffer.from(pemBody(publicKeyPem), "base64"))
    .digest("base64")}`;
}
