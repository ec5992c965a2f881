/** Points 3-5: service accounts, the registry, and Secret Manager with per-identity, per-secret access. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { gcpCloud } from "../../components/cloud/gcp";
import { KEEP_RECENT_VERSIONS } from "../../components/cloud/gcp/registry";
import { cloudContext } from "../../components/platform";
import { Namer, NAME_PLAN } from "../../components/naming";
import { ConfigError } from "../../stacks/errors";
import { isSecretValue, maskSecrets, synthesize } from "../../tools/synth/synthesize";
import { assertFields, inputs, loadConfig, member, ofType, one, synthGcp, T, TestRoot, type GcpSynth } from "./harness";

let dev: GcpSynth;
before(async () => {
  dev = await synthGcp("dev");
});

describe("gcp identities", () => {
  it("declares one account per workload: ingestion per pipeline that runs it, dbt, orchestrator, CI preview and deploy", () => {
    const ids = ofType(dev.plan, T.account)
      .map((r) => inputs(r).accountId)
      .sort();
    assert.deepEqual(ids, ["acme-dev-ci-deploy", "acme-dev-ci-preview", "acme-dev-dbt", "acme-dev-jsonplaceholder-ing", "acme-dev-orchestrator", "acme-dev-orders-files-ing"]);
  });

  it("plans every GCP service account id under the 30-character rule", () => {
    const accountKinds = Object.entries(NAME_PLAN.gcp.pipeline).filter(([, rule]) => rule === "gcpServiceAccountId");
    assert.deepEqual(
      accountKinds.map(([k]) => k),
      ["ing"],
    );
    for (const kind of ["dbt", "orchestrator", "ci-preview", "ci-deploy"]) assert.equal(NAME_PLAN.gcp.environment[kind], "gcpServiceAccountId");
  });

  it("rejects, at validation time, a pipeline whose ingestion account id would pass 30 characters", () => {
    const problems = new Namer("gcp", "acme", "prod").problems([{ name: "jsonplaceholder_long", secrets: [] }]);
    assert.deepEqual(
      problems.map((p) => `${p.kind}:${p.name}`),
      ["ing:acme-prod-jsonplaceholder-long-ing"],
    );
    assert.throws(
      () =>
        loadConfig("dev", (m) => {
          m["data-platform:prefix"] = "acmecorpxy";
        }),
      (e: unknown) => e instanceof ConfigError && /GCP service account id/.test(e.message),
    );
  });

  // Stands for: the deploy identity managing the stack's accounts and no other (issue 12, point 11).
  // Proven under mocks (declarations); the gcp-emulated tier checks the roles' permissions.
  it("lets the deploy identity manage each of the stack's accounts on the account, and holds no account role on the project", () => {
    const admins = ofType(dev.plan, T.accountIam).filter((g) => inputs(g).role === "roles/iam.serviceAccountAdmin");
    const accounts = ofType(dev.plan, T.account);
    assert.equal(admins.length, accounts.length, "one per account");
    for (const account of accounts) {
      const grant = admins.find((g) => inputs(g).serviceAccountId.split("/").pop() === `${inputs(account).accountId}@acme-data-dev.iam.gserviceaccount.com`);
      assert.ok(grant, `admin on ${inputs(account).accountId}`);
      assert.equal(inputs(grant).member, member(dev.config, "acme-dev-ci-deploy"));
      assert.equal(grant.options.deletedWith, account.urn, "kept until the account is deleted, so the deploy can delete it");
    }
    const projectRoles = ofType(dev.plan, T.projectIam).map((g) => inputs(g).role as string);
    assert.ok(projectRoles.includes("roles/iam.serviceAccountCreator"));
    assert.deepEqual(
      projectRoles.filter((r) => /^roles\/iam\.serviceAccount(Admin|User|TokenCreator|KeyAdmin)$/.test(r)),
      [],
      "no project-wide role over accounts",
    );
  });

  it("lets the deploy identity act as each runtime account, granted on the account", () => {
    const grants = ofType(dev.plan, T.accountIam)
      .map(inputs)
      .filter((g) => g.role === "roles/iam.serviceAccountUser");
    assert.deepEqual(
      grants.map((g) => g.serviceAccountId.split("/").pop()).sort(),
      ["acme-dev-dbt", "acme-dev-jsonplaceholder-ing", "acme-dev-orchestrator", "acme-dev-orders-files-ing"].map((id) => `${id}@acme-data-dev.iam.gserviceaccount.com`),
    );
    for (const g of grants) assert.equal(g.member, member(dev.config, "acme-dev-ci-deploy"));
  });
});

describe("gcp registry", () => {
  it("is a Docker repository with immutable tags and a cleanup policy that keeps recent versions", () => {
    const repo = inputs(one(dev.plan, T.repo, "images"));
    assertFields(repo, {
      repositoryId: "acme-dev-images",
      format: "DOCKER",
      location: "europe-west1",
      dockerConfig: { immutableTags: true },
      cleanupPolicyDryRun: false,
    });
    const keep = repo.cleanupPolicies.find((p: any) => p.action === "KEEP");
    assert.equal(keep.mostRecentVersions.keepCount, KEEP_RECENT_VERSIONS);
    assert.ok(repo.cleanupPolicies.some((p: any) => p.action === "DELETE" && p.condition.olderThan));
  });

  // Stands for: prod's jobs pulling the digests dev built from dev's registry (cross-project pull) and
  // Artifact Registry's cleanup never deleting one of them. Proven under mocks (the declared grants and
  // policy); what the cleanup really deletes, and the pull, need the real services.
  it("lets each consumer environment's Cloud Run agent and deployer read it, and then deletes only untagged versions", async () => {
    const readers = ofType(dev.plan, T.repoIam)
      .map(inputs)
      .filter((g) => g.role === "roles/artifactregistry.reader")
      .map((g) => g.member)
      .sort();
    assert.deepEqual(
      readers,
      [
        "serviceAccount:acme-prod-ci-deploy@acme-data-prod.iam.gserviceaccount.com",
        member(dev.config, "acme-dev-ci-preview"),
        "serviceAccount:service-210987654321@serverless-robot-prod.iam.gserviceaccount.com",
      ].sort(),
    );
    const deletes = inputs(one(dev.plan, T.repo, "images")).cleanupPolicies.filter((p: any) => p.action === "DELETE");
    assert.deepEqual(
      deletes.map((p: any) => p.condition.tagState),
      ["UNTAGGED"],
      "a consumed registry never deletes a tagged (deployed) image",
    );
    const alone = await synthGcp("dev", (m) => {
      const g = JSON.parse(m["data-platform:gcp"]);
      delete g.imageConsumers;
      m["data-platform:gcp"] = JSON.stringify(g);
    });
    const aloneDeletes = inputs(one(alone.plan, T.repo, "images")).cleanupPolicies.filter((p: any) => p.action === "DELETE");
    assert.deepEqual(
      aloneDeletes.map((p: any) => p.condition.tagState),
      ["ANY"],
      "a registry nobody else runs from keeps only recent versions",
    );
    assert.equal(
      ofType(alone.plan, T.repoIam)
        .map(inputs)
        .filter((g) => g.member.includes("serverless-robot")).length,
      0,
    );
  });

  it("returns registry credentials: oauth2accesstoken and the access token as a secret", async () => {
    const result: Record<string, unknown> = {};
    const { config, map } = loadConfig("dev");
    await synthesize({
      stack: "dev",
      config: map,
      program: async () => {
        const env = gcpCloud.environment(cloudContext(config, new TestRoot("acme-dev")));
        result.url = await (env.registry.url as any).promise();
        result.server = await (env.registry.server as any).promise();
        result.username = await (env.registry.username as any).promise();
        result.password = await (env.registry.password as any).promise();
        result.passwordSecret = await pulumi.isSecret(env.registry.password);
        return {};
      },
    });
    assert.equal(result.url, "europe-west1-docker.pkg.dev/acme-data-dev/acme-dev-images");
    assert.equal(result.server, "europe-west1-docker.pkg.dev");
    assert.equal(result.username, "oauth2accesstoken");
    assert.equal(result.password, "mock-access-token");
    assert.equal(result.passwordSecret, true);
  });
});

describe("gcp secrets", () => {
  it("creates the Snowflake keys, the Fivetran credential and each pipeline's source secrets, in the region", () => {
    const ids = ofType(dev.plan, T.secret)
      .map((r) => inputs(r).secretId)
      .sort();
    assert.deepEqual(ids, ["acme-dev-fivetran-api", "acme-dev-shop-postgres-secret-db-password", "acme-dev-snowflake-loader-key", "acme-dev-snowflake-transformer-key"]);
    for (const s of ofType(dev.plan, T.secret).map(inputs)) assert.deepEqual(s.replication, { userManaged: { replicas: [{ location: "europe-west1" }] } });
    assert.equal(inputs(one(dev.plan, T.secret, "shop_postgres-db_password")).labels.pipeline, "shop_postgres");
  });

  it("adds a version only when a value is given, write-only and as a secret (a refresh never reads the value back)", () => {
    const versions = ofType(dev.plan, T.secretVersion);
    assert.deepEqual(versions.map((v) => v.name).sort(), ["snowflake-loader-key", "snowflake-transformer-key"]);
    for (const v of versions) {
      assert.ok(isSecretValue(v.inputs.secretDataWo), `${v.name} secretDataWo is a secret`);
      assert.equal(v.inputs.secretData, undefined, `${v.name} keeps no readable payload in state`);
      // Derived from the value, so it is itself kept secret.
      assert.ok(isSecretValue(v.inputs.secretDataWoVersion), `${v.name} secretDataWoVersion is a secret`);
      assert.equal(typeof maskSecrets(v.inputs.secretDataWoVersion, true), "number", `${v.name} has a write-only version number`);
    }
    const [a, b] = versions.map((v) => maskSecrets(v.inputs.secretDataWoVersion, true));
    assert.notEqual(a, b, "different values get different write-only versions");
  });

  it("grants secretAccessor per secret, to exactly the identities named as readers", () => {
    const accessors = ofType(dev.plan, T.secretIam)
      .map(inputs)
      .filter((g) => g.role === "roles/secretmanager.secretAccessor")
      .map((g) => `${g.secretId} <- ${g.member.replace(/^serviceAccount:|@.*$/g, "")}`)
      .sort();
    assert.deepEqual(accessors, [
      "acme-dev-fivetran-api <- acme-dev-orchestrator",
      "acme-dev-snowflake-loader-key <- acme-dev-jsonplaceholder-ing",
      "acme-dev-snowflake-loader-key <- acme-dev-orders-files-ing",
      "acme-dev-snowflake-transformer-key <- acme-dev-dbt",
    ]);
  });

  it("lets CI preview see secret metadata but never read a value", () => {
    const preview = member(dev.config, "acme-dev-ci-preview");
    const roles = new Set(
      ofType(dev.plan, T.secretIam)
        .map(inputs)
        .filter((g) => g.member === preview)
        .map((g) => g.role),
    );
    assert.deepEqual([...roles], ["roles/secretmanager.viewer"]);
  });

  it("refuses a job whose identity may not read one of its secret env vars", async () => {
    const { config, map } = loadConfig("dev");
    const p = config.pipelines.find((x) => x.name === "jsonplaceholder")!;
    let caught: unknown;
    await synthesize({
      stack: "dev",
      config: map,
      program: async () => {
        const root = new TestRoot("acme-dev");
        const env = gcpCloud.environment(cloudContext(config, root));
        const dbtOnly = env.secret("snowflake-transformer-key", undefined, ["dbt"]);
        try {
          env.pipeline({
            pipeline: p,
            images: { ingestion: "i@sha256:0", dbt: "d@sha256:0" },
            env: { ingestion: {}, dbt: {} },
            secretEnv: { ingestion: { SNOWFLAKE_PRIVATE_KEY: dbtOnly }, dbt: { SNOWFLAKE_PRIVATE_KEY: dbtOnly } },
            parent: root,
          });
        } catch (e) {
          caught = e;
        }
        return {};
      },
    });
    assert.ok(caught instanceof Error);
    assert.match(caught.message, /ingestion SNOWFLAKE_PRIVATE_KEY: ing-jsonplaceholder may not read secret "snowflake-transformer-key"/);
    assert.doesNotMatch(caught.message, /dbt SNOWFLAKE_PRIVATE_KEY/, "dbt may read the transformer key");
  });
});
