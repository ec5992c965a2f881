/**
 * The providers as Pulumi's provider host runs them: serialized with serializeFunction, loaded with
 * require-from-string, configured from stack config (no env credentials), then create against the
 * contract server.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { connectionProvider, destinationProvider, groupProvider, scheduleProvider, schemaConfigProvider } from "../../components/fivetran";
import requireFromString from "require-from-string";
import { API_KEY, API_SECRET, startContractServer, type ContractServer } from "./contract-server";

async function loadAsHost(provider: object) {
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true } as pulumi.runtime.SerializeFunctionArgs);
  const loaded = requireFromString(serialized.text).handler();
  const stackConfig: Record<string, string> = { "data-platform:fivetranApiKey": API_KEY, "data-platform:fivetranApiSecret": API_SECRET };
  await loaded.configure({ config: { get: (k: string) => stackConfig[k], require: (k: string) => stackConfig[k] } });
  return { loaded, text: serialized.text };
}

describe("serialized providers (provider host round trip)", { timeout: 30_000 }, () => {
  let server: ContractServer;
  before(async () => {
    server = await startContractServer();
    process.env.FIVETRAN_API_URL = server.url;
    delete process.env.FIVETRAN_API_KEY;
    delete process.env.FIVETRAN_API_SECRET;
  });
  after(() => server.close());

  it("every provider serializes without capturing @pulumi/pulumi or credentials", async () => {
    for (const provider of [groupProvider, destinationProvider, connectionProvider, schemaConfigProvider, scheduleProvider]) {
      const { loaded, text } = await loadAsHost(provider);
      for (const method of ["configure", "check", "diff", "create", "read", "update", "delete"]) assert.equal(typeof loaded[method], "function", method);
      assert.ok(!text.includes("@pulumi/pulumi"), "the provider must not drag the SDK along");
      assert.ok(!text.includes(API_KEY) && !text.includes(API_SECRET));
    }
  });

  it("the loaded providers create a group and a connection, credentials from configure", async () => {
    const group = (await loadAsHost(groupProvider)).loaded;
    const { id: groupId } = await group.create({ name: "roundtrip" });
    assert.ok(server.state.groups.has(groupId));
    const connection = (await loadAsHost(connectionProvider)).loaded;
    const inputs = { groupId, service: "google_ads", destinationSchema: "ads", config: { customer_id: "123" } };
    assert.deepEqual((await connection.check({}, inputs)).failures, []);
    const { id, outs } = await connection.create(inputs);
    assert.equal(outs.connectionId, id);
    assert.equal(server.state.connections.get(id).config.schema, "ads");
    assert.equal((await connection.diff(id, outs, inputs)).changes, false);

    const destination = (await loadAsHost(destinationProvider)).loaded;
    const dest = await destination.create({
      groupId,
      region: "AWS_EU_WEST_1",
      timeZoneOffset: "0",
      host: "acme.snowflakecomputing.com",
      database: "RAW",
      user: "LOADER",
      role: "LOADER",
      warehouse: "LOAD_WH",
      privateKey: "roundtrip-key",
    });
    assert.equal(dest.outs.setupStatus, "connected");

    const schemas = (await loadAsHost(schemaConfigProvider)).loaded;
    const sc = await schemas.create({ connectionId: id, schemaChangeHandling: "ALLOW_COLUMNS", schemas: { schema_1: { enabled: true } } });
    assert.equal(sc.outs.schemaChangeHandling, "ALLOW_COLUMNS");

    const schedule = (await loadAsHost(scheduleProvider)).loaded;
    const sched = await schedule.create({ connectionId: id, paused: false, syncFrequency: 60, scheduleType: "manual" });
    assert.deepEqual([sched.outs.paused, server.state.connections.get(id).fields.paused], [false, false]);
  });

  it("the loaded connection provider fails with Fivetran's setup-test messages", async () => {
    server.behaviour.connectionSetupTests = () => [{ title: "Validate Login", status: "FAILED", message: "Invalid login credentials" }];
    const group = (await loadAsHost(groupProvider)).loaded;
    const { id: groupId } = await group.create({ name: "roundtrip_failing" });
    const connection = (await loadAsHost(connectionProvider)).loaded;
    const inputs = { groupId, service: "google_ads", destinationSchema: "ads_failing", config: { customer_id: "1" } };
    await assert.rejects(connection.create(inputs), (e: any) => {
      assert.match(e.message, /Validate Login: FAILED — Invalid login credentials/);
      assert.ok(server.state.connections.has(e.id));
      return true;
    });
  });
});
