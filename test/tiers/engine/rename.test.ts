/**
 * A pipeline renamed with `renamedFrom`, through the real Pulumi engine: the CLI built from its Go
 * module (install-pulumi.sh), the Automation API's inline program, the SDK's dynamic-provider host, a
 * local file backend, against the Fivetran contract server.
 *
 * Stands for: `pulumi preview` / `pulumi up` of a pull request that renames pipelines/<old>.yaml to
 * <new>.yaml with `renamedFrom: <old>`: the engine finds the old resources through the Pipeline
 * component's alias and the names its children derive from it, so the Fivetran connection, its schema
 * config and its schedule stay the same resources (no delete, no replace, no new connection: no full
 * re-sync); a resource whose cloud name carries the pipeline name is replaced, as its provider says.
 * Without `renamedFrom` the same rename deletes the connection and creates another.
 * Proof: the real engine (ranked "ran for real") on the real Pipeline component; Fivetran is our
 * stand-in (the contract server), and so is the cloud: a stand-in runtime whose job, like a Cloud Run
 * job, is replaced when its name changes (its provider says so; the real providers' schemas mark the
 * job name replace-on-change). test/stacks/rename.test.ts checks every real cloud resource's name.
 * Cannot prove: the live Fivetran API, or the cloud providers' own diffs.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import type { CloudEnvironment, PipelineRuntime, PipelineRuntimeArgs, SecretRef } from "../../../components/cloud/cloud";
import { FivetranDestination, FivetranGroup } from "../../../components/fivetran";
import { Pipeline } from "../../../components/pipeline";
import type { PipelineConfig, PlatformConfig } from "../../../components/types";
import { API_KEY, API_SECRET, startContractServer, type ContractServer } from "../../fivetran/contract-server";
import { engineStack } from "./workspace";

const PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCrename1\n-----END PRIVATE KEY-----";

/** A job whose cloud name is an input the provider replaces it for, as Cloud Run and ECS do. */
const standInJob: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return { id: `job-${inputs.name}`, outs: inputs };
  },
  async diff(_id, olds, news) {
    const replaces = olds.name !== news.name ? ["name"] : [];
    return { changes: replaces.length > 0 || olds.image !== news.image, replaces, deleteBeforeReplace: true };
  },
  async update(_id, _olds, news) {
    return { outs: news };
  },
  async delete() {},
};

class StandInJob extends pulumi.dynamic.Resource {
  constructor(name: string, args: { name: pulumi.Input<string>; image: pulumi.Input<string> }, opts: pulumi.CustomResourceOptions) {
    super(standInJob, name, args, opts, "standin", "Job");
  }
}

/** The cloud as Pipeline uses it: secrets by reference, and a runtime shaped like GCP's (a component named as the pipeline, its job below). */
const secretRef = (key: string): SecretRef => ({ key, id: pulumi.output(`projects/p/secrets/${key}`) });
const cloud = {
  secret: secretRef,
  pipeline(args: PipelineRuntimeArgs): PipelineRuntime {
    const p = args.pipeline;
    const runtime = new pulumi.ComponentResource("data-platform:standin:PipelineRuntime", p.name, {}, { parent: args.parent });
    const job = new StandInJob(`${p.name}-dbt-job`, { name: `acme-dev-${p.name.replace(/_/g, "-")}-dbt`, image: args.images.dbt }, { parent: runtime });
    return { dbtJob: job.id, orchestration: pulumi.output(`${p.name}-flow`), schedule: pulumi.output(`${p.name}-schedule`) };
  },
} as unknown as CloudEnvironment;

/** What the program declares: the pipeline's name, and the name it was renamed from. */
const desired: { name: string; renamedFrom?: string } = { name: "shop_postgres" };

function pipelineConfig(): PipelineConfig {
  return {
    name: desired.name,
    ...(desired.renamedFrom ? { renamedFrom: desired.renamedFrom } : {}),
    description: "Shop database via Fivetran",
    owner: "team@example.com",
    notify: { onFailure: ["team@example.com"], onSuccess: [] },
    file: `pipelines/${desired.name}.yaml`,
    source: {
      type: "fivetran",
      fivetran: {
        service: "postgres",
        destination_schema: "shop_postgres",
        config: { host: "shop-db.internal", port: 5432, user: "fivetran", database: "shop", password: { secret: "db_password" }, update_method: "QUERY_BASED" },
        sync_frequency: 1440,
        schedule_type: "manual",
        schema_change_handling: "ALLOW_COLUMNS",
        schemas: { schema_1: { enabled: true, tables: { table_1: { enabled: true } } } },
      },
    },
    schedule: { cron: "0 4 * * *", timezone: "UTC", paused: true },
    dbtSelect: "tag:shop_postgres+",
    jobs: { ingestion: { cpu: 1, memoryGiB: 2, timeoutMinutes: 60, maxRetries: 1 }, dbt: { cpu: 1, memoryGiB: 2, timeoutMinutes: 60, maxRetries: 0 } },
    secrets: ["db_password"],
  };
}

function program() {
  const platform = new pulumi.ComponentResource("data-platform:index:DataPlatform", "platform");
  const group = new FivetranGroup("ft-group", { name: "engine_rename" }, { parent: platform });
  const destination = new FivetranDestination(
    "ft-dest",
    {
      groupId: group.groupId,
      region: "GCP_EUROPE_WEST3",
      timeZoneOffset: "0",
      host: "acme.snowflakecomputing.com",
      database: "RAW",
      user: "FIVETRAN",
      role: "FIVETRAN_ROLE",
      warehouse: "LOAD_WH",
      privateKey: pulumi.secret(PRIVATE_KEY),
    },
    { parent: platform },
  );
  const login = (user: string) => ({
    user: pulumi.output(user),
    role: pulumi.output(`${user}_ROLE`),
    warehouse: pulumi.output("WH"),
    database: pulumi.output("RAW"),
    privateKey: pulumi.secret(PRIVATE_KEY),
  });
  const pipeline = new Pipeline(
    desired.name,
    {
      pipeline: pipelineConfig(),
      config: { warehouse: { account: "ACME-DATA" } } as PlatformConfig,
      cloud,
      images: { ingestion: "registry/ingestion@sha256:" + "1".repeat(64), dbt: "registry/dbt@sha256:" + "2".repeat(64) },
      warehouse: {
        loader: login("LOADER"),
        transformer: login("DBT"),
        lakeStage: pulumi.output("RAW.LAKE.RAW_BUCKET"),
        keys: { loader: secretRef("loader"), transformer: secretRef("transformer") },
      },
      lake: { raw: pulumi.output("gs://acme-dev-raw"), artifacts: pulumi.output("gs://acme-dev-artifacts") },
      secrets: { db_password: pulumi.secret("engine-rename-db-password") },
      fivetran: { groupId: group.groupId, destination, apiCredential: secretRef("fivetran-api") },
    },
    { parent: platform },
  );
  return Promise.resolve({ connectionId: pipeline.outputs.fivetranConnection });
}

describe("engine tier: a renamed pipeline keeps its Fivetran connection", { timeout: 20 * 60_000 }, () => {
  let server: ContractServer;
  let stack: Stack;
  let tmp: string;
  const onOutput = () => {};

  /** Each resource's planned step in a preview, by the resource's name (the last URN segment). */
  async function previewSteps(): Promise<Map<string, string[]>> {
    const steps = new Map<string, string[]>();
    const onEvent = (e: EngineEvent) => {
      const m = e.resourcePreEvent?.metadata;
      if (!m || m.type === "pulumi:pulumi:Stack") return;
      const name = m.urn.split("::").pop()!;
      steps.set(name, [...(steps.get(name) ?? []), m.op]);
    };
    const r = await stack.preview({ onOutput, onEvent });
    assert.ok(r.stdout !== undefined);
    return steps;
  }
  const connectionPosts = () => server.requests.filter((q) => q.method === "POST" && q.path === "/connections").length;

  before(async () => {
    server = await startContractServer();
    ({ stack, tmp } = await engineStack({
      stackName: "rename",
      program,
      // Only the URL goes through the environment: the credentials are stack config secrets, as in a deploy.
      env: { FIVETRAN_API_URL: server.url, FIVETRAN_API_KEY: "", FIVETRAN_API_SECRET: "" },
      config: { "data-platform:fivetranApiKey": { value: API_KEY, secret: true }, "data-platform:fivetranApiSecret": { value: API_SECRET, secret: true } },
    }));
  });

  after(async () => {
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  let connectionId: string;

  it("up with the old name creates the connection", async () => {
    const r = await stack.up({ onOutput });
    assert.equal(r.summary.result, "succeeded");
    connectionId = r.outputs.connectionId.value;
    assert.equal(server.state.connections.size, 1);
    assert.ok(server.state.connections.has(connectionId));
    assert.equal(connectionPosts(), 1);
  });

  it("the preview of the rename with renamedFrom plans no delete and no replace of the Fivetran resources", async () => {
    Object.assign(desired, { name: "shop_pg", renamedFrom: "shop_postgres" });
    const steps = await previewSteps();
    // "shop_pg" is both the Pipeline component and the runtime component under it.
    for (const name of ["shop_pg", "shop_pg-connection", "shop_pg-schema", "shop_pg-sync-schedule"]) {
      const ops = steps.get(name) ?? [];
      assert.ok(ops.length > 0 && ops.every((op) => op === "same"), `${name}: ${JSON.stringify(ops)}`);
    }
    // The job's cloud name carries the pipeline name: its provider replaces it (the old one is deleted
    // as the replacement's second half); nothing else is planned under an old name.
    assert.deepEqual(steps.get("shop_pg-dbt-job"), ["replace", "create-replacement"]);
    const underOldNames = [...steps].filter(([n]) => n.startsWith("shop_postgres"));
    assert.deepEqual(underOldNames, [["shop_postgres-dbt-job", ["delete-replaced"]]]);
  });

  it("up applies the rename on the same connection: no new connection, no sync from scratch", async () => {
    const r = await stack.up({ onOutput });
    assert.equal(r.summary.result, "succeeded");
    assert.equal(r.outputs.connectionId.value, connectionId, "the same Fivetran connection");
    assert.equal(server.state.connections.size, 1);
    assert.equal(connectionPosts(), 1, "no connection was created");
    assert.ok(!server.requests.some((q) => q.method === "DELETE" && q.path.startsWith("/connections")), "no connection was deleted");
    const state = JSON.parse(JSON.stringify((await stack.exportStack()).deployment));
    const urns: string[] = state.resources.map((x: { urn: string }) => x.urn);
    assert.ok(urns.some((u) => u.endsWith("::shop_pg-connection")) && !urns.some((u) => u.includes("::shop_postgres")), "state holds the new names only");
  });

  it("the same rename without renamedFrom would delete the connection and create another", async () => {
    Object.assign(desired, { name: "shop_x", renamedFrom: undefined });
    const steps = await previewSteps();
    assert.deepEqual(steps.get("shop_x-connection"), ["create"]);
    assert.deepEqual(steps.get("shop_pg-connection"), ["delete"]);
  });

  it("destroy removes what up made", async () => {
    Object.assign(desired, { name: "shop_pg", renamedFrom: undefined });
    const r = await stack.destroy({ onOutput });
    assert.equal(r.summary.result, "succeeded");
    assert.equal(server.state.connections.size, 0);
    assert.deepEqual(server.specViolations, []);
  });
});
