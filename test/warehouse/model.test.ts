/** Names, config-time name validation, and the small pure helpers the component relies on. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import { checkSnowflakeNames, dltStagingUri, pemBody, snowflakeLocation, snowflakeNames, snowflakePublicKeyFingerprint } from "../../components/warehouse/model";

test("names: every object of an environment carries the object prefix, upper case", () => {
  assert.deepEqual(snowflakeNames("DEV_"), {
    databases: { RAW: "DEV_RAW", ANALYTICS: "DEV_ANALYTICS" },
    warehouses: { LOADING: "DEV_LOADING", TRANSFORMING: "DEV_TRANSFORMING", REPORTING: "DEV_REPORTING" },
    roles: { LOADER: "DEV_LOADER", FIVETRAN: "DEV_FIVETRAN", TRANSFORMER: "DEV_TRANSFORMER", REPORTER: "DEV_REPORTER" },
    users: { loader: "DEV_INGESTION_USER", fivetran: "DEV_FIVETRAN_USER", transformer: "DEV_DBT_USER", reporter: "DEV_BI_USER" },
    resourceMonitor: "DEV_MONITOR",
    networkPolicies: { loader: "DEV_INGESTION_POLICY", fivetran: "DEV_FIVETRAN_POLICY", transformer: "DEV_DBT_POLICY", reporter: "DEV_BI_POLICY" },
    storageIntegration: "DEV_LAKE_INTEGRATION",
    lakeSchema: "LAKE",
    lakeStage: "RAW_BUCKET",
    platformSchema: "PLATFORM",
  });
});

test("names: an empty prefix (one account per environment) gives plain names", () => {
  const n = snowflakeNames("");
  assert.equal(n.databases.RAW, "RAW");
  assert.equal(n.roles.REPORTER, "REPORTER");
  assert.equal(n.users.transformer, "DBT_USER");
  assert.deepEqual(checkSnowflakeNames(""), []);
});

test("names: validation accepts the real prefixes and reports every invalid name", () => {
  for (const p of ["DEV_", "PROD_", "DEVAWS_", ""]) assert.deepEqual(checkSnowflakeNames(p), [], p);
  const long = checkSnowflakeNames("X".repeat(250));
  assert.ok(long.length > 0);
  assert.ok(
    long.some((p) => p.what === "database ANALYTICS"),
    JSON.stringify(long.map((p) => p.what)),
  );
  assert.ok(!long.some((p) => p.what === "database RAW"), "X*250 + RAW fits in 255 characters");
  const digit = checkSnowflakeNames("1_");
  // 2 databases, 3 warehouses, 4 roles, 4 users, the monitor, 4 network policies, the integration.
  assert.equal(digit.length, 2 + 3 + 4 + 4 + 1 + 4 + 1, "every account-level name starting with a digit is reported");
  assert.match(digit[0].problem, /identifier/);
});

test("lake location: bucket URIs become Snowflake locations with a trailing slash", () => {
  assert.equal(snowflakeLocation("gs://acme-dev-raw"), "gcs://acme-dev-raw/");
  assert.equal(snowflakeLocation("gs://acme-dev-raw/"), "gcs://acme-dev-raw/");
  assert.equal(snowflakeLocation("s3://acmeaws-dev-raw"), "s3://acmeaws-dev-raw/");
  assert.equal(snowflakeLocation("gs://acme-dev-raw/dlt"), "gcs://acme-dev-raw/dlt/");
  assert.equal(snowflakeLocation("s3://acmeaws-dev-raw/dlt/"), "s3://acmeaws-dev-raw/dlt/");
  assert.throws(() => snowflakeLocation("https://storage.googleapis.com/x"), /not gs:\/\/<bucket>\[\/folder\] or s3:\/\/<bucket>\[\/folder\]/);
  assert.throws(() => snowflakeLocation("gs://bucket/a b"));
  assert.throws(() => snowflakeLocation("gs://bucket//x"));
});

test("RSA public key: PEM body only, one line", () => {
  const pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\nMIIBCgKCAQEAx+y/7Q==\n-----END PUBLIC KEY-----\n";
  assert.equal(pemBody(pem), "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAx+y/7Q==");
});

test("staging layout: dlt's folder in the raw bucket, one rule for the stage and the job", () => {
  assert.equal(dltStagingUri("gs://acme-dev-raw"), "gs://acme-dev-raw/dlt");
  assert.equal(dltStagingUri("s3://acmeaws-dev-raw/"), "s3://acmeaws-dev-raw/dlt");
});

test("public key fingerprint: Snowflake's RSA_PUBLIC_KEY_FP (SHA-256 of the DER key), not OpenSSH's", () => {
  // Stands for Snowflake's documented check: openssl rsa -pubin -in key.pub -outform DER | openssl dgst -sha256 -binary | openssl enc -base64
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const der = publicKey.export({ type: "spki", format: "der" });
  assert.equal(snowflakePublicKeyFingerprint(pem), `SHA256:${createHash("sha256").update(der).digest("base64")}`);
  const ssh = publicKey.export({ type: "pkcs1", format: "der" });
  assert.notEqual(snowflakePublicKeyFingerprint(pem), `SHA256:${createHash("sha256").update(ssh).digest("base64")}`);
});
