/** Points 1-2: APIs enabled by the stack; the lake buckets, their lifecycle, protection and access. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { artifactsLifecycle, rawLifecycle } from "../../components/cloud/gcp/lake";
import { STACK_DEFAULTS } from "../../stacks/config";
import { inputs, member, ofType, one, STORAGE_INTEGRATION_SA, synthGcp, T, type GcpSynth } from "./harness";

let dev: GcpSynth;
before(async () => {
  dev = await synthGcp("dev");
});

describe("gcp APIs", () => {
  it("enables every API the platform uses, never disabling them on destroy", () => {
    const services = ofType(dev.plan, T.service).map(inputs);
    // compute.googleapis.com only with gcp.staticEgress, which dev does not set (test/gcp/egress.test.ts).
    assert.deepEqual(services.map((s) => s.service).sort(), [
      "artifactregistry.googleapis.com",
      "cloudresourcemanager.googleapis.com",
      "cloudscheduler.googleapis.com",
      "iam.googleapis.com",
      "iamcredentials.googleapis.com",
      "logging.googleapis.com",
      "monitoring.googleapis.com",
      "run.googleapis.com",
      "secretmanager.googleapis.com",
      "storage.googleapis.com",
      "sts.googleapis.com",
      "workflowexecutions.googleapis.com",
      "workflows.googleapis.com",
    ]);
    for (const s of services) {
      assert.equal(s.disableOnDestroy, false, s.service);
      assert.equal(s.project, "acme-data-dev");
    }
  });

  it("makes resources depend on the APIs they use", () => {
    const raw = one(dev.plan, T.bucket, "raw");
    const storageApi = one(dev.plan, T.service, "api-storage");
    assert.ok(raw.options.dependencies.includes(storageApi.urn), "raw bucket waits for storage.googleapis.com");
    const job = one(dev.plan, T.job, "jsonplaceholder-ingest-job");
    assert.ok(job.options.dependencies.includes(one(dev.plan, T.service, "api-run").urn));
  });
});

describe("gcp lake", () => {
  it("declares a raw and an artifacts bucket named by the Namer plus a project-unique part, in the stack's region", async () => {
    // 65ce4e: the first 6 hex digits of sha256("acme-data-dev"), the dev project id (bucket names are global).
    assert.equal(inputs(one(dev.plan, T.bucket, "raw")).name, "acme-dev-raw-65ce4e");
    assert.equal(inputs(one(dev.plan, T.bucket, "artifacts")).name, "acme-dev-artifacts-65ce4e");
    const other = await synthGcp("dev", (m) => {
      m["data-platform:gcp"] = JSON.stringify({ ...JSON.parse(m["data-platform:gcp"]), project: "another-project" });
    });
    assert.notEqual(inputs(one(other.plan, T.bucket, "raw")).name, "acme-dev-raw-65ce4e", "another project picks other names");
    assert.match(inputs(one(other.plan, T.bucket, "raw")).name, /^acme-dev-raw-[0-9a-f]{6}$/);
    for (const b of ofType(dev.plan, T.bucket).map(inputs)) assert.equal(b.location, "EUROPE-WEST1");
  });

  it("locks the buckets down: uniform access, public access prevention, labels", () => {
    for (const b of ofType(dev.plan, T.bucket).map(inputs)) {
      assert.equal(b.uniformBucketLevelAccess, true, b.name);
      assert.equal(b.publicAccessPrevention, "enforced", b.name);
      assert.deepEqual(b.labels, { platform: "acme", environment: "dev", "managed-by": "pulumi" });
      assert.equal(b.encryption, undefined, "no CMEK unless lake.kmsKey is set");
    }
  });

  it("versions the lake's buckets and applies the dev lake lifecycle from config", () => {
    const raw = inputs(one(dev.plan, T.bucket, "raw"));
    assert.equal(raw.versioning.enabled, true);
    // Noncurrent versions are the raw bucket's undo; soft delete on top would bill the bytes twice.
    assert.deepEqual(raw.softDeletePolicy, { retentionDurationSeconds: 0 });
    const artifacts = inputs(one(dev.plan, T.bucket, "artifacts"));
    assert.equal(artifacts.versioning.enabled, true, "artifacts are versioned too, as on AWS (cloud/rules.ts)");
    assert.deepEqual(artifacts.softDeletePolicy, { retentionDurationSeconds: 0 });
    const rules = raw.lifecycleRules as any[];
    const cold = rules.find((r) => r.action.type === "SetStorageClass");
    assert.equal(cold.action.storageClass, "NEARLINE");
    assert.equal(cold.condition.age, 30);
    assert.equal(rules.find((r) => r.action.type === "Delete" && r.condition.age !== undefined).condition.age, 90, "Pulumi.dev.yaml expireAfterDays");
    assert.equal(rules.find((r) => r.condition.daysSinceNoncurrentTime !== undefined).condition.daysSinceNoncurrentTime, 7);
  });

  it("expires artifacts after artifactsExpireAfterDays (default when the stack does not say)", () => {
    const rules = inputs(one(dev.plan, T.bucket, "artifacts")).lifecycleRules as any[];
    assert.equal(rules.find((r) => r.action.type === "Delete").condition.age, STACK_DEFAULTS.lake.artifactsExpireAfterDays);
  });

  it("turns a rule off with 0 days (keep forever)", () => {
    const lake = { coldAfterDays: 0, expireAfterDays: 0, noncurrentVersionDays: 0, artifactsExpireAfterDays: 0 };
    assert.deepEqual(
      rawLifecycle(lake).map((r: any) => r.action.type),
      ["AbortIncompleteMultipartUpload"],
    );
    assert.deepEqual(
      artifactsLifecycle(lake).map((r: any) => r.action.type),
      ["AbortIncompleteMultipartUpload"],
    );
  });

  it("lets forceDestroy follow the two data-destroy keys (dev turns both)", () => {
    assert.equal(dev.config.destroyableData, true);
    for (const b of ofType(dev.plan, T.bucket)) assert.equal(inputs(b).forceDestroy, true);
  });

  it("grants the warehouse integration read access on the raw bucket only", () => {
    const grants = ofType(dev.plan, T.bucketIam)
      .map(inputs)
      .filter((g) => g.member === `serviceAccount:${STORAGE_INTEGRATION_SA}`);
    assert.deepEqual(grants.map((g) => `${g.bucket}:${g.role}`).sort(), ["acme-dev-raw-65ce4e:roles/storage.legacyBucketReader", "acme-dev-raw-65ce4e:roles/storage.objectViewer"]);
    // ...and has the warehouse declare that integration over GCS, with no role to assume (LakeReader.integration).
    assert.deepEqual(dev.plan.outputs.lakeIntegration, { storageProvider: "GCS" });
  });

  it("limits each ingestion account to its own prefixes of the raw bucket", () => {
    const jp = inputs(one(dev.plan, T.bucketIam, "raw-storage-objectuser-ing-jsonplaceholder"));
    assert.equal(jp.member, member(dev.config, "acme-dev-jsonplaceholder-ing"));
    assert.match(jp.condition.expression, /objects\/dlt\/raw_jsonplaceholder\/'\)/);
    assert.doesNotMatch(jp.condition.expression, /orders_files|_runs/);
    // Its pipeline-run records live in the artifacts bucket, under its own runs/<pipeline>/ only.
    const records = inputs(one(dev.plan, T.bucketIam, "artifacts-storage-objectuser-ing-jsonplaceholder"));
    assert.equal(records.member, member(dev.config, "acme-dev-jsonplaceholder-ing"));
    assert.equal(
      records.condition.expression,
      "resource.type == 'storage.googleapis.com/Bucket' || resource.name.startsWith('projects/_/buckets/acme-dev-artifacts-65ce4e/objects/runs/jsonplaceholder/')",
    );
    const landing = inputs(one(dev.plan, T.bucketIam, "raw-storage-objectviewer-ing-orders_files"));
    assert.equal(landing.condition.expression, "resource.name.startsWith('projects/_/buckets/acme-dev-raw-65ce4e/objects/landing/orders/')");
    assert.equal(ofType(dev.plan, T.bucketIam).filter((r) => r.name.includes("shop_postgres")).length, 0, "Fivetran pipelines have no ingestion account");
  });

  it("lets dbt create artifacts and rewrite the run records, and nothing on the raw bucket", () => {
    const dbt = member(dev.config, "acme-dev-dbt");
    const grants = ofType(dev.plan, T.bucketIam)
      .map(inputs)
      .filter((g) => g.member === dbt);
    assert.deepEqual(
      grants.map((g) => `${g.bucket}:${g.role}:${g.condition?.expression ?? "-"}`),
      [
        "acme-dev-artifacts-65ce4e:roles/storage.objectCreator:-",
        "acme-dev-artifacts-65ce4e:roles/storage.objectUser:resource.type == 'storage.googleapis.com/Bucket' || resource.name.startsWith('projects/_/buckets/acme-dev-artifacts-65ce4e/objects/runs/')",
      ],
    );
  });
});

describe("gcp lake with a customer-managed key", () => {
  it("encrypts both buckets with lake.kmsKey and lets the storage agent use the key", async () => {
    const key = "projects/acme-kms/locations/europe-west1/keyRings/data/cryptoKeys/lake";
    const { plan } = await synthGcp("dev", (m) => {
      m["data-platform:lake"] = JSON.stringify({ ...JSON.parse(m["data-platform:lake"]), kmsKey: key });
    });
    for (const b of ofType(plan, T.bucket).map(inputs)) assert.equal(b.encryption.defaultKmsKeyName, key);
    const grant = inputs(one(plan, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "lake-key-storage-agent"));
    assert.equal(grant.cryptoKeyId, key);
    assert.equal(grant.role, "roles/cloudkms.cryptoKeyEncrypterDecrypter");
    assert.equal(grant.member, "serviceAccount:service-123456789@gs-project-accounts.iam.gserviceaccount.com");
  });
});
