/**
 * The Fivetran resources through the real Pulumi engine: the CLI built from its Go module
 * (install-pulumi.sh, pinned to @pulumi/pulumi's version), the Automation API's inline program, the
 * SDK's own dynamic-provider host as the `pulumi-nodejs` plugin, a local file backend and the passphrase
 * secrets provider, against the Fivetran contract server (which checks every request against Fivetran's
 * OpenAPI definition).
 *
 * Stands for: what `pulumi up/refresh/destroy` do with our dynamic providers — provider serialization
 * and loading from `__provider`, a partial create recorded as an init error, refresh reading drift
 * made in Fivetran, `up --refresh` (the deploy) repairing it, destroy removing what create made, and
 * the checkpoint's contents (secrets encrypted; a failed create's reason, kept in plain text, scrubbed).
 * Proof: the real engine, ranked "ran for real"; Fivetran itself is our stand-in (contract server).
 * Cannot prove: the live Fivetran API's behaviour, or the Pulumi Cloud backend.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import { FivetranConnection, FivetranConnectionSchedule, FivetranDestination, FivetranGroup } from "../../../components/fivetran";
import { API_KEY, API_SECRET, startContractServer, type ContractServer } from "../../fivetran/contract-server";
import { engineStack } from "./workspace";

const PASSWORD = "engine-pg-password-3f9b1c";
const KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCengine7d2";
const PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----\n${KEY_BODY}\n-----END PRIVATE KEY-----`;
const SETUP_MESSAGE = "role LOADER may not read schema broken_source";
const PLAIN_NEVER = [PASSWORD, KEY_BODY, API_KEY, API_SECRET];

/** What the scenario's program declares; the test changes it between runs. */
const desired = { database: "app", withBrokenConnection: false };

function program() {
  const group = new FivetranGroup("ft-group", { name: "engine_tier" });
  const destination = new FivetranDestination("ft-dest", {
    groupId: group.groupId,
    region: "GCP_EUROPE_WEST3",
    timeZoneOffset: "0",
    host: "acme.snowflakecomputing.com",
    database: "RAW",
    user: "LOADER",
    role: "LOADER_ROLE",
    warehouse: "LOAD_WH",
    privateKey: pulumi.secret(PRIVATE_KEY),
  });
  const connection = new FivetranConnection(
    "ft-shop",
    {
      groupId: group.groupId,
      service: "postgres",
      destinationSchema: "shop",
      config: { host: "shop-db.internal", port: 5432, user: "fivetran", password: pulumi.secret(PASSWORD), database: desired.database, update_method: "QUERY_BASED" },
    },
    { dependsOn: [destination] },
  );
  new FivetranConnectionSchedule("ft-shop-schedule", { connectionId: connection.connectionId, paused: true, syncFrequency: 1440, scheduleType: "manual" });
  if (desired.withBrokenConnection) {
    new FivetranConnection(
      "ft-broken",
      {
        groupId: group.groupId,
        service: "postgres",
        destinationSchema: "broken_source",
        config: { host: "other-db.internal", port: 5432, user: "fivetran", password: pulumi.secret(PASSWORD), database: "other" },
      },
      { dependsOn: [destination] },
    );
  }
  return Promise.resolve({ connectionId: connection.connectionId });
}

describe("engine tier: Fivetran resources through the real Pulumi engine", { timeout: 20 * 60_000 }, () => {
  let server: ContractServer;
  let stack: Stack;
  let tmp: string;
  const log: string[] = [];
  const onOutput = (s: string) => void log.push(s);

  const connectionNamed = (schema: string) => [...server.state.connections.values()].find((c) => c.fields.schema === schema);
  function checkpoint(): string {
    const dir = path.join(tmp, "backend", ".pulumi", "stacks");
    const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".json"));
    assert.ok(files.length > 0, "the file backend wrote a checkpoint");
    return files.map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n");
  }
  function assertCheckpointHoldsNoPlainSecret(step: string) {
    const text = checkpoint();
    for (const secret of PLAIN_NEVER) assert.ok(!text.includes(secret), `${step}: the checkpoint holds ${JSON.stringify(secret)} in plain text`);
  }

  before(async () => {
    server = await startContractServer();
    ({ stack, tmp } = await engineStack({
      stackName: "engine",
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

  it("up creates the group, destination, connection (paused) and schedule", async () => {
    const r = await stack.up({ onOutput });
    assert.equal(r.summary.result, "succeeded");
    assert.equal(r.summary.resourceChanges?.create, 5, "stack + 4 Fivetran resources");
    const c = connectionNamed("shop");
    assert.ok(c, "the connection exists in Fivetran");
    assert.equal(r.outputs.connectionId.value, c.fields.id);
    assert.equal(c.config.database, "app");
    assert.equal(c.fields.paused, true);
    assert.equal(c.fields.schedule_type, "manual");
    assert.equal(server.state.destinations.size, 1);
    assert.deepEqual(server.specViolations, []);
    assertCheckpointHoldsNoPlainSecret("after up");
  });

  it("an update patches the connection in place", async () => {
    desired.database = "app_v2";
    const r = await stack.up({ onOutput });
    assert.equal(r.summary.resourceChanges?.update, 1);
    assert.equal(connectionNamed("shop").config.database, "app_v2");
    assert.ok(server.requests.some((q) => q.method === "PATCH" && q.path === `/connections/${connectionNamed("shop").fields.id}` && q.body.config?.database === "app_v2"));
    assertCheckpointHoldsNoPlainSecret("after update");
  });

  it("a change made in Fivetran shows in refresh, and the next up repairs it", async () => {
    const c = connectionNamed("shop");
    c.config.database = "changed_in_the_ui";
    c.fields.paused = false;
    const refreshed = await stack.refresh({ onOutput });
    assert.equal(refreshed.summary.result, "succeeded");
    assert.equal(refreshed.summary.resourceChanges?.update, 2, "connection and schedule drifted");
    const preview = await stack.preview({ onOutput, diff: true });
    assert.equal(preview.changeSummary.update, 2, `the preview after refresh plans the repair:\n${preview.stdout}`);
    await stack.up({ onOutput });
    assert.equal(c.config.database, "app_v2");
    assert.equal(c.fields.paused, true);
  });

  it("the deploy's `up --refresh` sees and repairs drift in one run (a plain up would not)", async () => {
    const c = connectionNamed("shop");
    c.fields.paused = false;
    const plain = await stack.preview({ onOutput, diff: true });
    assert.equal(plain.changeSummary.update ?? 0, 0, `without refresh the engine trusts its state and sees nothing:\n${plain.stdout}`);
    const r = await stack.up({ onOutput, refresh: true });
    assert.equal(r.summary.result, "succeeded");
    assert.equal(c.fields.paused, true, "repaired");
  });

  it("a connection whose setup tests fail is recorded, and refresh and destroy still work", async () => {
    server.behaviour.connectionSetupTests = (conn) =>
      conn.fields.schema === "broken_source"
        ? [{ title: "Connecting to database", status: "FAILED", message: `${SETUP_MESSAGE} (password ${conn.config.password})` }]
        : [{ title: "Validate Login", status: "PASSED", message: "" }];
    desired.withBrokenConnection = true;
    const failed = await stack.up({ onOutput }).then(
      () => assert.fail("up should fail on the failed setup test"),
      (e: Error) => e,
    );
    assert.match(
      String(failed.message),
      new RegExp(`Connecting to database: FAILED — ${SETUP_MESSAGE} \\(password \\[redacted\\]\\)`),
      "the engine shows Fivetran's message, scrubbed",
    );
    assert.ok(!String(failed.message).includes(PASSWORD), "the password Fivetran quoted is scrubbed from the error");
    const broken = connectionNamed("broken_source");
    assert.ok(broken, "the connection exists in Fivetran");
    const state = JSON.parse(JSON.stringify((await stack.exportStack()).deployment));
    const recorded = state.resources.find((r: any) => r.urn.endsWith("::ft-broken"));
    assert.ok(recorded, "the half-made connection is in state, so nothing is stranded");
    assert.equal(recorded.id, broken.fields.id);
    assert.equal(typeof recorded.outputs.__provider, "string", "the provider host can load its provider again");
    assertCheckpointHoldsNoPlainSecret("after the failed create");

    const refreshed = await stack.refresh({ onOutput });
    assert.equal(refreshed.summary.result, "succeeded");

    const destroyed = await stack.destroy({ onOutput });
    assert.equal(destroyed.summary.result, "succeeded");
    assert.equal(server.state.connections.size, 0, "destroy removed both connections from Fivetran");
    assert.equal(server.state.destinations.size, 0);
    assert.equal(server.state.groups.size, 0);
    assert.deepEqual(server.specViolations, []);
    assertCheckpointHoldsNoPlainSecret("after destroy");
  });
});
