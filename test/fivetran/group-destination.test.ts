/** Group and Snowflake destination providers against the contract server. */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { destinationProvider, groupProvider, UNKNOWN, type DestinationInputs, type DestinationOutputs } from "../../components/fivetran";
import { fixture, type ContractServer } from "./contract-server";
import { addGroup, lastRequest, startServerForProviders } from "./helpers";

const PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-test-only\n-----END PRIVATE KEY-----";

describe("group provider", { timeout: 20_000 }, () => {
  let server: ContractServer;
  before(async () => (server = await startServerForProviders()));
  after(() => server.close());
  beforeEach(() => server.reset());

  it("creates, renames in place, reads and deletes (not found = done)", async () => {
    const { id, outs } = await groupProvider.create({ name: "acme_dev" });
    assert.equal(outs!.groupId, id);
    assert.equal(server.state.groups.get(id).name, "acme_dev");
    assert.equal((await groupProvider.diff!(id, outs!, { name: "acme_dev" })).changes, false);
    const d = await groupProvider.diff!(id, outs!, { name: "acme_dev2" });
    assert.equal(d.changes, true);
    assert.equal(d.replaces, undefined);
    const renamed = (await groupProvider.update!(id, outs!, { name: "acme_dev2" })).outs!;
    assert.equal(renamed.name, "acme_dev2");
    server.state.groups.get(id).name = "renamed_in_ui";
    assert.equal((await groupProvider.read!(id, renamed)).props!.name, "renamed_in_ui");
    await groupProvider.delete!(id, renamed);
    assert.equal(server.state.groups.has(id), false);
    await groupProvider.delete!(id, renamed);
    assert.deepEqual(await groupProvider.read!(id, renamed), {});
  });

  it("adopts a group with the same name instead of failing on the duplicate", async () => {
    const first = await groupProvider.create({ name: "adopted_group" });
    const second = await groupProvider.create({ name: "adopted_group" });
    assert.equal(second.id, first.id);
    assert.equal([...server.state.groups.values()].filter((g) => g.name === "adopted_group").length, 1);
  });
});

describe("Snowflake destination provider", { timeout: 20_000 }, () => {
  let server: ContractServer;
  let groupId: string;
  const inputs = (overrides: Partial<DestinationInputs> = {}): DestinationInputs => ({
    groupId,
    region: "GCP_EUROPE_WEST3",
    timeZoneOffset: "+1",
    host: "acme-xy123.snowflakecomputing.com",
    database: "RAW",
    user: "LOADER",
    role: "LOADER_ROLE",
    warehouse: "LOADING_WH",
    privateKey: PRIVATE_KEY,
    ...overrides,
  });
  const create = async (i: DestinationInputs) => (await destinationProvider.create(i)) as { id: string; outs: DestinationOutputs };

  before(async () => (server = await startServerForProviders()));
  after(() => server.close());
  beforeEach(() => {
    server.reset();
    groupId = addGroup(server);
  });

  it("creates with key-pair auth and setup tests, keeping only a fingerprint of the key", async () => {
    const { id, outs } = await create(inputs());
    const post = lastRequest(server, "POST", /^\/destinations$/);
    assert.equal(post.accept, "application/json;version=2");
    assert.equal(post.body.service, "snowflake");
    assert.equal(post.body.run_setup_tests, true);
    assert.deepEqual([post.body.config.auth, post.body.config.private_key, post.body.config.default_virtual_warehouse], ["KEY_PAIR", PRIVATE_KEY, "LOADING_WH"]);
    assert.equal(id, groupId, "destination id is the group id");
    assert.equal(outs.destinationId, groupId);
    assert.equal(outs.setupStatus, "connected");
    assert.equal(outs.port, 443);
    assert.ok(!JSON.stringify(outs).includes("BEGIN PRIVATE KEY"));
    assert.match(outs.privateKeyFingerprint, /^sha256:[0-9a-f]{64}$/);
  });

  it("fails create with Fivetran's setup-test messages, never the key", async () => {
    server.behaviour.destinationSetupTests = () => fixture("tf.destinations.data.snowflake-setup-tests-failed.json").setup_tests;
    await assert.rejects(destinationProvider.create(inputs()), (e: any) => {
      assert.match(e.message, /Host Connection: FAILED — Host Connection error/);
      assert.match(e.message, /Permission Test: FAILED — Permission Test error/);
      assert.equal(e.id, groupId);
      assert.ok(!e.message.includes("PRIVATE KEY") && !JSON.stringify(e.properties).includes("PRIVATE KEY"));
      return true;
    });
  });

  it("fails when a setting did not take", async () => {
    server.behaviour.droppedConfigKeys.add("role");
    await assert.rejects(destinationProvider.create(inputs()), /config\.role: sent "LOADER_ROLE", Fivetran has nothing/);
  });

  it("masked key gives no diff after refresh; rotation and new group are detected", async () => {
    const i = inputs();
    const { id, outs } = await create(i);
    const refreshed = (await destinationProvider.read!(id, outs)).props!;
    assert.equal((await destinationProvider.diff!(id, refreshed, i)).changes, false);
    assert.equal((await destinationProvider.diff!(id, refreshed, { ...i, privateKey: "another key" })).changes, true);
    const moved = await destinationProvider.diff!(id, refreshed, { ...i, groupId: "other" });
    assert.deepEqual(moved.replaces, ["groupId"]);
    assert.equal(moved.deleteBeforeReplace, true);
    const preview = await destinationProvider.diff!(id, refreshed, { ...i, privateKey: UNKNOWN });
    assert.equal(preview.changes, true);
  });

  it("update patches region/time zone (always sending time_zone_offset) and rotates the key", async () => {
    const i = inputs();
    const { id, outs } = await create(i);
    const updated = (await destinationProvider.update!(id, outs, { ...i, region: "AWS_EU_WEST_1", privateKey: "rotated-key" })).outs!;
    const patch = lastRequest(server, "PATCH", new RegExp(`^/destinations/${id}$`));
    assert.equal(patch.body.time_zone_offset, "+1");
    assert.equal(updated.region, "AWS_EU_WEST_1");
    assert.equal(server.state.destinations.get(id).config.private_key, "rotated-key");
    assert.notEqual(updated.privateKeyFingerprint, outs.privateKeyFingerprint);
  });

  it("adopts the destination already in the group instead of failing with a conflict", async () => {
    const first = await create(inputs());
    const second = await create(inputs({ warehouse: "OTHER_WH" }));
    assert.equal(second.id, first.id);
    assert.equal(server.state.destinations.get(first.id).config.default_virtual_warehouse, "OTHER_WH");
  });

  it("check rejects unknown regions and offsets with the accepted values", async () => {
    const { failures } = await destinationProvider.check!({} as any, inputs({ region: "EU", timeZoneOffset: "+1:30" }));
    assert.match(JSON.stringify(failures), /GCP_EUROPE_WEST3/);
    assert.match(JSON.stringify(failures), /timeZoneOffset/);
  });

  it("delete treats not found as done", async () => {
    const { id, outs } = await create(inputs());
    await destinationProvider.delete!(id, outs);
    await destinationProvider.delete!(id, outs);
    assert.equal(server.state.destinations.has(id), false);
    assert.deepEqual(await destinationProvider.read!(id, outs), {});
  });
});
