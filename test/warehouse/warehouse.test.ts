/**
 * The Warehouse component synthesized under mocks from the real stack files (dev, prod, dev-aws):
 * the grants declared are exactly GRANT_MATRIX, no user has a password, every warehouse suspends and
 * sits under the monitor, data is protected in prod, dev and prod differ as configured, and the
 * lake integration and outputs have the shape the platform relies on.
 */
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { cloudContext } from "../../components/platform";
import type { LakeIntegrationArgs } from "../../components/cloud/cloud";
import type { PlatformConfig } from "../../components/types";
import { ADMIN_ROLES, GRANT_MATRIX, SERVICE_USERS, snowflakeNames, type LoginKey } from "../../components/warehouse/model";
import { describeObject } from "../../components/warehouse/render-grants";
import { Warehouse, warehouseArgsProblems } from "../../components/warehouse/warehouse";
import { SNOWFLAKE_IDENTIFIER } from "../../components/naming";
import { loadPlatformConfig } from "../../stacks/load";
import { maskSecrets, synthesize, type Plan, type PlannedResource } from "../../tools/synth/synthesize";
import { readStackFile } from "../../tools/synth/stack-file";

const root = path.resolve(__dirname, "../..");
const T = {
  component: "data-platform:warehouse:Warehouse",
  database: "snowflake:index/database:Database",
  warehouse: "snowflake:index/warehouse:Warehouse",
  monitor: "snowflake:index/resourceMonitor:ResourceMonitor",
  role: "snowflake:index/accountRole:AccountRole",
  roleGrant: "snowflake:index/grantAccountRole:GrantAccountRole",
  grant: "snowflake:index/grantPrivilegesToAccountRole:GrantPrivilegesToAccountRole",
  user: "snowflake:index/serviceUser:ServiceUser",
  policy: "snowflake:index/networkPolicy:NetworkPolicy",
  integration: "snowflake:index/storageIntegration:StorageIntegration",
  stage: "snowflake:index/stage:Stage",
  schema: "snowflake:index/schema:Schema",
  key: "tls:index/privateKey:PrivateKey",
};

interface Synth {
  plan: Plan;
  config: PlatformConfig;
  of: (type: string) => PlannedResource[];
  byName: (type: string, name: string) => PlannedResource;
}

const NO_CONNECTION = { settings: {}, credentials: {} };
const mapValues = <V, W>(o: Record<string, V>, f: (v: V) => W): Record<string, W> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/** The component alone, from a real stack file; `edit` varies its config (a stack the repo does not ship), `egressCidrs` stands for the cloud's fixed egress. */
async function synth(
  stack: string,
  lake: { rawBucketUri: string; integration: LakeIntegrationArgs },
  edit: (c: PlatformConfig) => PlatformConfig = (c) => c,
  egressCidrs?: string[],
): Promise<Synth> {
  let config!: PlatformConfig;
  const plan = await synthesize({
    stack,
    program: async () => {
      const loaded = loadPlatformConfig({ root, stack, config: readStackFile(root, stack).config });
      config = edit(loaded.config);
      const connection = { settings: config.snowflakeProvider, credentials: mapValues(loaded.secrets.snowflakeCredentials, (v) => pulumi.secret(v)) };
      // Under a platform component, with the stateful options the program gives the clouds.
      const platform = new pulumi.ComponentResource("data-platform:index:DataPlatform", "platform");
      const lakeArgs = { rawBucketUri: pulumi.output(lake.rawBucketUri), integration: lake.integration };
      const w = new Warehouse(
        "warehouse",
        { config, connection, stateful: cloudContext(config, platform).stateful, lake: lakeArgs, egressCidrs: egressCidrs?.map((c) => pulumi.output(c)) },
        { parent: platform },
      );
      return { warehouse: w.outputs, logins: w.logins, storageIntegration: w.storageIntegration };
    },
  });
  const of = (type: string) => plan.resources.filter((r) => r.type === type);
  const byName = (type: string, name: string) => {
    const found = of(type).filter((r) => r.inputs.name === name);
    assert.equal(found.length, 1, `one ${type} named ${name}, found ${found.length}`);
    return found[0];
  };
  return { plan, config, of, byName };
}

/** What each cloud's LakeReader hands the warehouse (test/gcp and test/aws check the clouds give exactly these). */
const GCS: LakeIntegrationArgs = { storageProvider: "GCS" };

let dev: Synth, prod: Synth, devAws: Synth;
before(async () => {
  dev = await synth("dev", { rawBucketUri: "gs://acme-dev-raw", integration: GCS });
  prod = await synth("prod", { rawBucketUri: "gs://acme-prod-raw", integration: GCS });
  devAws = await synth("dev-aws", {
    rawBucketUri: "s3://acmeaws-dev-raw",
    integration: { storageProvider: "S3", storageAwsRoleArn: "arn:aws:iam::123456789012:role/acmeaws-dev-snowflake-lake" },
  });
});

const all = () => [dev, prod, devAws];

test("one Warehouse component owns every Snowflake and TLS resource; names are unique", () => {
  for (const s of all()) {
    const components = s.of(T.component);
    assert.equal(components.length, 1);
    const children = s.plan.resources.filter((r) => r.custom);
    assert.ok(children.length > 40, `${children.length} resources`);
    for (const r of children) {
      // Snowflake resources, their explicit providers (one per system role) and the TLS keys.
      assert.match(r.type, /^(snowflake|tls|pulumi:providers:snowflake$)/, r.urn);
      assert.equal(r.parent, components[0].urn, `${r.urn} is not a child of the component`);
    }
    const keys = s.plan.resources.map((r) => `${r.type}::${r.name}`);
    assert.equal(new Set(keys).size, keys.length, "duplicate type::name");
  }
});

test("every Snowflake name is explicit, upper case and carries the environment's prefix", () => {
  for (const [s, prefix] of [
    [dev, "DEV_"],
    [prod, "PROD_"],
    [devAws, "DEVAWS_"],
  ] as const) {
    for (const r of s.plan.resources.filter((x) => x.type.startsWith("snowflake:") && !/grant/i.test(x.type))) {
      const name = r.inputs.name;
      assert.equal(typeof name, "string", `${r.urn} has no explicit name`);
      assert.match(name as string, SNOWFLAKE_IDENTIFIER, r.urn);
      if (r.type !== T.schema && r.type !== T.stage) assert.ok((name as string).startsWith(prefix), `${name} lacks ${prefix}`);
    }
  }
});

/** Read a declared grant back into "ROLE on <logical object>" from its physical inputs. */
function describeDeclaredGrant(r: PlannedResource, prefix: string): [string, string] {
  const logical = (physical: string) => {
    assert.ok(physical.startsWith(prefix), physical);
    return physical.slice(prefix.length);
  };
  const i = r.inputs as any;
  const role = logical(i.accountRoleName);
  let object: string;
  if (i.onAccountObject) object = `${i.onAccountObject.objectType.toLowerCase()} ${logical(i.onAccountObject.objectName)}`;
  else if (i.onSchema?.schemaName) object = `schema ${logical(i.onSchema.schemaName.replace(/"/g, ""))}`;
  else if (i.onSchema?.allSchemasInDatabase) object = `all schemas in ${logical(i.onSchema.allSchemasInDatabase)}`;
  else if (i.onSchema?.futureSchemasInDatabase) object = `future schemas in ${logical(i.onSchema.futureSchemasInDatabase)}`;
  else if (i.onSchemaObject?.objectType) object = `${i.onSchemaObject.objectType.toLowerCase()} ${logical(i.onSchemaObject.objectName.replace(/"/g, ""))}`;
  else {
    const scope = i.onSchemaObject.all ? "all" : "future";
    const o = i.onSchemaObject[scope];
    assert.ok((o.inSchema === undefined) !== (o.inDatabase === undefined), "in a schema or in a database, not both");
    object = `${scope} ${o.objectTypePlural.toLowerCase()} in ${o.inSchema ? logical(o.inSchema.replace(/"/g, "")) : logical(o.inDatabase)}`;
  }
  return [`${role} on ${object}`, [...i.privileges].sort().join(", ")];
}

test("the grants declared are exactly GRANT_MATRIX, on the environment's physical objects", () => {
  const expected = Object.fromEntries(GRANT_MATRIX.map((r) => [`${r.role} on ${describeObject(r.object)}`, [...r.privileges].sort().join(", ")]));
  for (const [s, prefix] of [
    [dev, "DEV_"],
    [prod, "PROD_"],
    [devAws, "DEVAWS_"],
  ] as const) {
    // Besides the matrix (grants to the functional roles), exactly one grant to a system role: USAGE
    // on the storage integration for the stage's creator (admin-roles.test.ts).
    const toAdmin = (g: PlannedResource) => (ADMIN_ROLES as readonly string[]).includes(String(g.inputs.accountRoleName));
    assert.deepEqual(
      s
        .of(T.grant)
        .filter(toAdmin)
        .map((g) => [g.inputs.accountRoleName, (g.inputs.onAccountObject as { objectType?: string })?.objectType, g.inputs.privileges]),
      [["SYSADMIN", "INTEGRATION", ["USAGE"]]],
    );
    const grants = s.of(T.grant).filter((g) => !toAdmin(g));
    assert.equal(grants.length, GRANT_MATRIX.length);
    const declared = Object.fromEntries(grants.map((g) => describeDeclaredGrant(g, prefix)));
    assert.deepEqual(declared, expected);
  }
});

test("functional roles roll up to SYSADMIN", () => {
  for (const s of all()) {
    const names = snowflakeNames(s.config.warehouse.objectPrefix);
    assert.deepEqual(
      s
        .of(T.role)
        .map((r) => r.inputs.name)
        .sort(),
      Object.values(names.roles).sort(),
    );
    const parents = s.of(T.roleGrant).filter((g) => g.inputs.parentRoleName !== undefined);
    assert.deepEqual(
      parents.map((g) => `${g.inputs.roleName}->${g.inputs.parentRoleName}`).sort(),
      Object.values(names.roles)
        .map((r) => `${r}->SYSADMIN`)
        .sort(),
    );
  }
});

test("no password anywhere: TYPE=SERVICE users with an RSA key generated by the stack", () => {
  for (const s of all()) {
    const hasPasswordKey = (v: unknown): boolean =>
      Array.isArray(v) ? v.some(hasPasswordKey) : !!v && typeof v === "object" && Object.entries(v).some(([k, x]) => /password/i.test(k) || hasPasswordKey(x));
    for (const r of s.plan.resources) assert.ok(!hasPasswordKey(maskSecrets(r.inputs, true)), `${r.urn} has a password input`);
    assert.equal(s.of("snowflake:index/user:User").length + s.of("snowflake:index/legacyServiceUser:LegacyServiceUser").length, 0);
    const users = s.of(T.user);
    assert.equal(users.length, Object.keys(SERVICE_USERS).length);
    const keys = s.of(T.key);
    assert.equal(keys.length, users.length, "one key pair per user");
    for (const k of keys) assert.deepEqual([k.inputs.algorithm, k.inputs.rsaBits], ["RSA", 2048]);
    for (const u of users) {
      const key = maskSecrets(u.inputs.rsaPublicKey, true) as string;
      assert.match(key, /^[A-Za-z0-9+/=]+$/, `${u.inputs.name}: rsaPublicKey must be the PEM body on one line`);
      assert.ok(key.startsWith("MOCKPUB"), "the public key comes from the stack's tls.PrivateKey");
    }
  }
});

test("each service user: its own role, warehouse and namespace by default, and the role granted", () => {
  for (const s of all()) {
    const names = snowflakeNames(s.config.warehouse.objectPrefix);
    for (const [key, spec] of Object.entries(SERVICE_USERS) as [LoginKey, (typeof SERVICE_USERS)[LoginKey]][]) {
      const u = s.byName(T.user, names.users[key]);
      assert.deepEqual(
        { role: u.inputs.defaultRole, warehouse: u.inputs.defaultWarehouse, namespace: u.inputs.defaultNamespace, secondary: u.inputs.defaultSecondaryRolesOption },
        { role: names.roles[spec.role], warehouse: names.warehouses[spec.warehouse], namespace: names.databases[spec.database], secondary: "NONE" },
        key,
      );
      const granted = s
        .of(T.roleGrant)
        .filter((g) => g.inputs.userName === names.users[key])
        .map((g) => g.inputs.roleName);
      assert.deepEqual(granted, [names.roles[spec.role]], `${key} holds exactly its role`);
    }
  }
});

test("every warehouse auto-suspends, auto-resumes, starts suspended and is under the monitor", () => {
  for (const s of all()) {
    const wc = s.config.warehouse;
    const names = snowflakeNames(wc.objectPrefix);
    const monitor = s.byName(T.monitor, names.resourceMonitor);
    assert.equal(monitor.inputs.creditQuota, wc.monthlyCreditQuota);
    assert.deepEqual(
      monitor.inputs.notifyTriggers,
      [...wc.notifyAtPercent].sort((a, b) => a - b),
    );
    assert.equal(monitor.inputs.suspendTrigger, 100);
    assert.equal(monitor.inputs.suspendImmediateTrigger, 110);
    assert.equal(monitor.inputs.frequency, undefined, "Snowflake's default frequency (MONTHLY) applies");
    const whs = s.of(T.warehouse);
    assert.equal(whs.length, 3);
    for (const [key, cfg] of [
      ["LOADING", wc.loading],
      ["TRANSFORMING", wc.transforming],
      ["REPORTING", wc.reporting],
    ] as const) {
      const w = s.byName(T.warehouse, names.warehouses[key]);
      assert.ok((w.inputs.autoSuspend as number) >= 60, `${key} must suspend when idle`);
      assert.deepEqual(
        [w.inputs.warehouseSize, w.inputs.autoSuspend, w.inputs.statementTimeoutInSeconds, w.inputs.autoResume, w.inputs.initiallySuspended, w.inputs.resourceMonitor],
        [cfg.size, cfg.autoSuspendSeconds, cfg.statementTimeoutSeconds, "true", true, names.resourceMonitor],
        key,
      );
    }
  }
});

test("databases: named per environment, retention from config, protected and retained in prod only", () => {
  for (const [s, protectedData] of [
    [dev, false],
    [prod, true],
    [devAws, false],
  ] as const) {
    const names = snowflakeNames(s.config.warehouse.objectPrefix);
    for (const d of ["RAW", "ANALYTICS"] as const) {
      const db = s.byName(T.database, names.databases[d]);
      assert.equal(db.inputs.dataRetentionTimeInDays, s.config.warehouse.dataRetentionDays);
      assert.deepEqual([db.options.protect, db.options.retainOnDelete], [protectedData, protectedData], `${s.plan.stack} ${d}`);
    }
  }
  // Nothing else is protected: warehouses, roles and users hold no data.
  for (const s of all()) for (const r of s.plan.resources.filter((x) => x.type !== T.database)) assert.equal(r.options.protect, false, r.urn);
});

test("dev and prod differ as their stack files say", () => {
  const w = (s: Synth, key: string) => s.byName(T.warehouse, snowflakeNames(s.config.warehouse.objectPrefix).warehouses[key as "LOADING"]).inputs;
  assert.deepEqual([w(dev, "TRANSFORMING").warehouseSize, w(prod, "TRANSFORMING").warehouseSize], ["XSMALL", "MEDIUM"]);
  assert.deepEqual([w(dev, "TRANSFORMING").statementTimeoutInSeconds, w(prod, "TRANSFORMING").statementTimeoutInSeconds], [3600, 7200]);
  assert.deepEqual([w(dev, "REPORTING").autoSuspend, w(prod, "REPORTING").autoSuspend], [60, 300]);
  assert.deepEqual([dev.of(T.monitor)[0].inputs.creditQuota, prod.of(T.monitor)[0].inputs.creditQuota], [10, 200]);
  assert.deepEqual(prod.of(T.monitor)[0].inputs.notifyTriggers, [50, 75, 90]);
  assert.deepEqual([dev.of(T.database)[0].inputs.dataRetentionTimeInDays, prod.of(T.database)[0].inputs.dataRetentionTimeInDays], [1, 7]);
});

// Mocks: the policies and users declared, not Snowflake admitting or refusing a connection.
test("network policies: none without allowedIpRanges (dev); in prod one per service user, each admitting only its tool's ranges", () => {
  assert.equal(dev.of(T.policy).length, 0);
  for (const u of dev.of(T.user)) assert.deepEqual([u.inputs.networkPolicy, u.inputs.disabled], [undefined, undefined], String(u.inputs.name));
  const w = prod.config.warehouse;
  assert.ok(w.fivetranIpRanges.length && w.biIpRanges.length, "prod sets Fivetran's and the BI tool's ranges");
  const expected: Record<LoginKey, [string, string[]]> = {
    loader: ["PROD_INGESTION_POLICY", w.allowedIpRanges],
    fivetran: ["PROD_FIVETRAN_POLICY", w.fivetranIpRanges],
    transformer: ["PROD_DBT_POLICY", w.allowedIpRanges],
    reporter: ["PROD_BI_POLICY", w.biIpRanges],
  };
  assert.equal(prod.of(T.policy).length, 4);
  for (const [key, [policyName, ranges]] of Object.entries(expected)) {
    const user = prod.byName(T.user, snowflakeNames("PROD_").users[key as LoginKey]);
    assert.equal(user.inputs.networkPolicy, policyName, key);
    assert.equal(user.inputs.disabled, undefined, key);
    assert.deepEqual(prod.byName(T.policy, policyName).inputs.allowedIpLists, ranges, key);
  }
  // Fivetran and the BI tool are not admitted from the jobs' ranges, nor the jobs from theirs.
  const fivetranRanges = prod.byName(T.policy, "PROD_FIVETRAN_POLICY").inputs.allowedIpLists as string[];
  for (const r of w.allowedIpRanges) assert.ok(!fivetranRanges.includes(r), r);
  assert.deepEqual((prod.plan.outputs.warehouse as Record<string, unknown>).networkPolicies, {
    loader: "PROD_INGESTION_POLICY",
    fivetran: "PROD_FIVETRAN_POLICY",
    transformer: "PROD_DBT_POLICY",
    reporter: "PROD_BI_POLICY",
  });
});

test("network policies: the jobs' egress joins only the jobs' policies; a user with no ranges of its own is disabled, not left open", async () => {
  const noOthers = await synth(
    "prod",
    { rawBucketUri: "gs://acme-prod-raw", integration: GCS },
    (c) => ({ ...c, warehouse: { ...c.warehouse, fivetranIpRanges: [], biIpRanges: [] } }),
    ["198.51.100.7/32"],
  );
  const names = snowflakeNames("PROD_");
  assert.deepEqual(
    noOthers.of(T.policy).map((p) => [p.inputs.name, p.inputs.allowedIpLists]),
    [
      ["PROD_INGESTION_POLICY", [...noOthers.config.warehouse.allowedIpRanges, "198.51.100.7/32"]],
      ["PROD_DBT_POLICY", [...noOthers.config.warehouse.allowedIpRanges, "198.51.100.7/32"]],
    ],
  );
  for (const key of ["fivetran", "reporter"] as const) {
    const user = noOthers.byName(T.user, names.users[key]);
    assert.deepEqual([user.inputs.disabled, user.inputs.networkPolicy], ["true", undefined], key);
  }
  for (const key of ["loader", "transformer"] as const) assert.equal(noOthers.byName(T.user, names.users[key]).inputs.disabled, undefined, key);
  assert.deepEqual(Object.keys((noOthers.plan.outputs.warehouse as Record<string, Record<string, unknown>>).networkPolicies).sort(), ["loader", "transformer"]);
});

// Mocks: the monitor's input; whether Snowflake e-mails the users depends on their verified addresses.
test("resource monitor notifies the configured users (none unless the stack names them)", () => {
  assert.deepEqual(dev.of(T.monitor)[0].inputs.notifyUsers, []);
  assert.deepEqual(prod.of(T.monitor)[0].inputs.notifyUsers, prod.config.warehouse.monitorNotifyUsers);
  assert.deepEqual(prod.config.warehouse.monitorNotifyUsers, ["DATA_PLATFORM_ADMIN"]);
});

test("lake on GCP: GCS integration and stage over gcs://<bucket>/, service account handed to the cloud", () => {
  const [integration] = dev.of(T.integration);
  assert.deepEqual(
    [
      integration.inputs.name,
      integration.inputs.type,
      integration.inputs.storageProvider,
      integration.inputs.storageAllowedLocations,
      integration.inputs.enabled,
      integration.inputs.storageAwsRoleArn,
    ],
    ["DEV_LAKE_INTEGRATION", "EXTERNAL_STAGE", "GCS", ["gcs://acme-dev-raw/"], true, undefined],
  );
  const [stage] = dev.of(T.stage);
  assert.deepEqual(
    [stage.inputs.database, stage.inputs.schema, stage.inputs.name, stage.inputs.url, stage.inputs.storageIntegration],
    ["DEV_RAW", "LAKE", "RAW_BUCKET", "gcs://acme-dev-raw/dlt/", "DEV_LAKE_INTEGRATION"],
  );
  // The integration itself goes back to the cloud, which reads the identity Snowflake gave it.
  const identity = dev.plan.outputs.storageIntegration as Record<string, unknown>;
  assert.match(String(identity.storageGcpServiceAccount), /^mock-[0-9a-f]{8}@gcpuseast4-1234\.iam\.gserviceaccount\.com$/);
});

test("lake on AWS: S3 integration assuming the lake role, IAM user and external id handed to the cloud", () => {
  const [integration] = devAws.of(T.integration);
  assert.deepEqual(
    [integration.inputs.storageProvider, integration.inputs.storageAllowedLocations, integration.inputs.storageAwsRoleArn],
    ["S3", ["s3://acmeaws-dev-raw/"], "arn:aws:iam::123456789012:role/acmeaws-dev-snowflake-lake"],
  );
  // The stage over dlt's staging folder, inside what the integration allows (the whole bucket).
  assert.equal(devAws.of(T.stage)[0].inputs.url, "s3://acmeaws-dev-raw/dlt/");
  const identity = devAws.plan.outputs.storageIntegration as Record<string, unknown>;
  assert.match(String(identity.storageAwsIamUserArn), /^arn:aws:iam::\d{12}:user\//);
  assert.ok(String(identity.storageAwsExternalId).length > 0);
});

test("outputs: logins resolve to the environment's objects with the key as a secret; plain outputs hold no secret", () => {
  const logins = dev.plan.outputs.logins as Record<string, Record<string, unknown>>;
  assert.deepEqual(logins.loader, { user: "DEV_INGESTION_USER", role: "DEV_LOADER", warehouse: "DEV_LOADING", database: "DEV_RAW", privateKey: "[secret]" });
  assert.deepEqual(logins.fivetran, { user: "DEV_FIVETRAN_USER", role: "DEV_FIVETRAN", warehouse: "DEV_LOADING", database: "DEV_RAW", privateKey: "[secret]" });
  assert.deepEqual(logins.transformer, { user: "DEV_DBT_USER", role: "DEV_TRANSFORMER", warehouse: "DEV_TRANSFORMING", database: "DEV_ANALYTICS", privateKey: "[secret]" });
  assert.deepEqual(logins.reporter, { user: "DEV_BI_USER", role: "DEV_REPORTER", warehouse: "DEV_REPORTING", database: "DEV_ANALYTICS", privateKey: "[secret]" });
  const plain = dev.plan.outputs.warehouse as Record<string, unknown>;
  assert.ok(!JSON.stringify(plain).includes("[secret]"), JSON.stringify(plain));
  assert.ok(!JSON.stringify(plain).includes("PRIVATE KEY"));
  assert.deepEqual(
    { account: plain.account, databases: plain.databases, roles: plain.roles, users: plain.users, lakeStage: plain.lakeStage, networkPolicies: plain.networkPolicies },
    {
      account: "ACME-DATA",
      databases: { RAW: "DEV_RAW", ANALYTICS: "DEV_ANALYTICS" },
      roles: { LOADER: "DEV_LOADER", FIVETRAN: "DEV_FIVETRAN", TRANSFORMER: "DEV_TRANSFORMER", REPORTER: "DEV_REPORTER" },
      users: { loader: "DEV_INGESTION_USER", fivetran: "DEV_FIVETRAN_USER", transformer: "DEV_DBT_USER", reporter: "DEV_BI_USER" },
      lakeStage: "DEV_RAW.LAKE.RAW_BUCKET",
      networkPolicies: null,
    },
  );
});

test("bad args stop the component before anything is declared", () => {
  // Thrown synchronously, before the component registers: nothing is declared.
  const long = { ...dev.config, warehouse: { ...dev.config.warehouse, objectPrefix: "X".repeat(250) } };
  assert.throws(
    () => new Warehouse("bad", { config: long, connection: NO_CONNECTION, stateful: {}, lake: { rawBucketUri: "gs://b", integration: GCS } }),
    /database ANALYTICS name "X+ANALYTICS" not a valid/,
  );
  assert.deepEqual(warehouseArgsProblems({ config: dev.config, connection: NO_CONNECTION, stateful: {}, lake: { rawBucketUri: "gs://b", integration: GCS } }), []);
});
