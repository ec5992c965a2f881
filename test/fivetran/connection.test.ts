/** The connection provider against the contract server: every behaviour the issue lists. */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { connectionProvider, UNKNOWN, type ConnectionInputs, type ConnectionOutputs } from "../../components/fivetran";
import type { ContractServer } from "./contract-server";
import { addGroup, failingConnectionTests, lastRequest, startServerForProviders } from "./helpers";

const PASSWORD = "pg-password-do-not-leak-81";

describe("connection provider", { timeout: 30_000 }, () => {
  let server: ContractServer;
  let groupId: string;
  let schemaCounter = 0;
  const inputs = (overrides: Partial<ConnectionInputs> = {}): ConnectionInputs => ({
    groupId,
    service: "postgres",
    destinationSchema: `pg_${++schemaCounter}`,
    config: { host: "db.example.com", port: 5432, user: "loader", password: PASSWORD, database: "app", update_method: "QUERY_BASED" },
    ...overrides,
  });
  const create = async (i: ConnectionInputs) => (await connectionProvider.create(i)) as { id: string; outs: ConnectionOutputs };

  before(async () => (server = await startServerForProviders()));
  after(() => server.close());
  beforeEach(() => {
    server.reset();
    groupId = addGroup(server);
  });

  it("creates paused (its schedule comes later), with the destination schema in config and setup tests requested", async () => {
    const i = inputs();
    const { id, outs } = await create(i);
    const post = lastRequest(server, "POST", /^\/connections$/);
    assert.equal(post.body.run_setup_tests, true);
    assert.equal(post.body.config.schema_prefix, i.destinationSchema, "database sources name a schema prefix");
    assert.equal(post.body.paused, true);
    assert.equal(server.state.connections.get(id).fields.paused, true, "nothing syncs before the schema config and schedule");
    assert.equal(outs.connectionId, id);
    assert.equal(outs.setupState, "connected");
    assert.equal(outs.config.port, 5432, 'the string echo "5432" is kept as the number the user wrote');
  });

  it("fails create with Fivetran's own setup-test messages and records the half-made connection", async () => {
    server.behaviour.connectionSetupTests = failingConnectionTests;
    const i = inputs();
    await assert.rejects(connectionProvider.create(i), (e: any) => {
      assert.match(e.message, /Validate Login: FAILED — Invalid login credentials \(Some details about the failure\)/);
      assert.match(e.message, /Connecting to database: FAILED — Failed verifying trust anchor signature/);
      assert.match(e.message, /setup state "incomplete"/);
      assert.ok(e.id && server.state.connections.has(e.id), "the error carries the id, so the engine keeps it in state");
      assert.ok(!JSON.stringify(e.properties).includes(PASSWORD) && !e.message.includes(PASSWORD));
      return true;
    });
  });

  it("fails when a config setting it sent did not take", async () => {
    server.behaviour.droppedConfigKeys.add("folder_path");
    await assert.rejects(connectionProvider.create(inputs({ service: "s3", config: { bucket: "raw", table_group_name: "exports", folder_path: "exports/" } })), (e: any) => {
      assert.match(e.message, /config\.folder_path: sent "exports\/", Fivetran has nothing/);
      return true;
    });
  });

  it("adopts an existing connection with the same destination schema in the group, found on a later page", async () => {
    server.behaviour.maxPageSize = 1;
    server.seedConnection({ group_id: groupId, service: "postgres", schema: "other_schema" });
    const existing = server.seedConnection({ group_id: groupId, service: "postgres", schema: "adopt_me" });
    const countBefore = server.state.connections.size;
    assert.equal(existing.fields.paused, false, "seeded unpaused");
    const { id } = await create(inputs({ destinationSchema: "adopt_me" }));
    assert.equal(id, existing.fields.id);
    assert.equal(server.state.connections.size, countBefore, "no duplicate created");
    assert.ok(!server.requests.some((r) => r.method === "POST" && r.path === "/connections"));
    const patch = lastRequest(server, "PATCH", new RegExp(`^/connections/${id}$`));
    assert.equal(patch.body.run_setup_tests, true);
    assert.equal(patch.body.config.schema_prefix, undefined, "the permanent schema field is not re-sent");
    assert.equal(patch.body.paused, undefined, "an adopted connection keeps its schedule until the schedule resource sets it");
    assert.equal(server.state.connections.get(id).fields.paused, false);
  });

  it("refuses to adopt a connection of another service, naming it", async () => {
    const existing = server.seedConnection({ group_id: groupId, service: "mysql", schema: "taken" });
    await assert.rejects(connectionProvider.create(inputs({ destinationSchema: "taken" })), new RegExp(`${existing.fields.id}.*"mysql", not "postgres"`));
  });

  it("read shows drift made outside Pulumi, and diff then reports a change", async () => {
    const i = inputs();
    const { id, outs } = await create(i);
    const remote = server.state.connections.get(id);
    remote.config.host = "changed.example.com";
    const read = await connectionProvider.read!(id, outs);
    assert.equal(read.props!.config.host, "changed.example.com");
    const diff = await connectionProvider.diff!(id, read.props!, i);
    assert.equal(diff.changes, true);
    assert.deepEqual(diff.replaces, []);
  });

  it("read drops the schedule fields state kept before the schedule became its own resource", async () => {
    const { id, outs } = await create(inputs());
    const legacy = { ...outs, paused: false, syncFrequency: 360, scheduleType: "manual", dailySyncTime: null } as ConnectionOutputs;
    const props = (await connectionProvider.read!(id, legacy)).props!;
    assert.deepEqual(Object.keys(props).sort(), Object.keys(outs).sort());
  });

  it("read returns nothing when the connection is gone, so refresh drops it", async () => {
    const { id, outs } = await create(inputs());
    server.state.connections.delete(id);
    assert.deepEqual(await connectionProvider.read!(id, outs), {});
  });

  it("masked secrets never cause a diff; a rotated secret does; no secret in outs", async () => {
    server.behaviour.maskedConfigKeys.add("integration_key");
    const i = inputs({ config: { ...inputs().config, integration_key: "pendo-style-key-3321" } });
    const { id, outs } = await create(i);
    assert.ok(!JSON.stringify(outs).includes(PASSWORD) && !JSON.stringify(outs).includes("pendo-style-key-3321"));
    assert.ok(outs.configFingerprints.password && outs.configFingerprints.integration_key);
    const refreshed = (await connectionProvider.read!(id, outs)).props!;
    assert.ok(!JSON.stringify(refreshed).includes("******"));
    assert.equal((await connectionProvider.diff!(id, refreshed, i)).changes, false, "same inputs after refresh: no diff");
    const rotated = { ...i, config: { ...i.config, password: "rotated-password-22" } };
    assert.equal((await connectionProvider.diff!(id, refreshed, rotated)).changes, true);
    await connectionProvider.update!(id, refreshed, rotated);
    assert.equal(server.state.connections.get(id).config.password, "rotated-password-22", "the new secret was sent");
  });

  it("diff: group, service and destination schema replace (delete first); config updates in place", async () => {
    const i = inputs();
    const { id, outs } = await create(i);
    assert.equal((await connectionProvider.diff!(id, outs, i)).changes, false);
    for (const [field, value] of [
      ["groupId", "other_group"],
      ["service", "mysql"],
      ["destinationSchema", "elsewhere"],
    ] as const) {
      const d = await connectionProvider.diff!(id, outs, { ...i, [field]: value });
      assert.ok(d.replaces!.includes(field), field);
      assert.equal(d.deleteBeforeReplace, true);
    }
    const d = await connectionProvider.diff!(id, outs, { ...i, config: { ...i.config, host: "new.example.com" } });
    assert.equal(d.changes, true);
    assert.deepEqual(d.replaces, []);
  });

  it("check and diff tolerate the unknown sentinel of a preview", async () => {
    const i = inputs();
    const { id, outs } = await create(i);
    const preview = { ...i, groupId: UNKNOWN, config: UNKNOWN as any };
    assert.deepEqual((await connectionProvider.check!(outs as any, preview)).failures, []);
    const d = await connectionProvider.diff!(id, outs, preview);
    assert.equal(d.changes, true);
    assert.ok(d.replaces!.includes("groupId"));
  });

  it("check explains a schema in config and an empty service", async () => {
    const { failures } = await connectionProvider.check!({} as any, inputs({ service: " ", config: { schema: "x" } }));
    const text = JSON.stringify(failures);
    assert.match(text, /config.schema is set from destinationSchema/);
    assert.match(text, /service must be a non-empty string/);
  });

  it("update patches only mutable fields and runs setup tests only when config changed", async () => {
    const i = inputs();
    const { id, outs } = await create(i);
    const after1 = (await connectionProvider.update!(id, outs, i)).outs!;
    let patch = lastRequest(server, "PATCH", new RegExp(`^/connections/${id}$`));
    assert.equal(patch.body.run_setup_tests, false, "config unchanged and connected: no setup tests");
    for (const field of ["group_id", "service", "paused", "sync_frequency", "schedule_type"]) assert.equal(patch.body[field], undefined, field);
    await connectionProvider.update!(id, after1, { ...i, config: { ...i.config, update_method: "WAL_PGOUTPUT" } });
    patch = lastRequest(server, "PATCH", new RegExp(`^/connections/${id}$`));
    assert.equal(patch.body.run_setup_tests, true);
    assert.equal(server.state.connections.get(id).config.update_method, "WAL_PGOUTPUT");
  });

  it("update fails with the setup-test messages when new config breaks the connection", async () => {
    const i = inputs();
    const { id, outs } = await create(i);
    server.behaviour.connectionSetupTests = failingConnectionTests;
    await assert.rejects(connectionProvider.update!(id, outs, { ...i, config: { ...i.config, password: "wrong" } }), /Invalid login credentials/);
  });

  it("delete removes the connection and treats not found as done", async () => {
    const { id } = await create(inputs());
    await connectionProvider.delete!(id, {} as any);
    assert.equal(server.state.connections.has(id), false);
    await connectionProvider.delete!(id, {} as any);
    assert.equal(server.requests.filter((r) => r.method === "DELETE" && r.path === `/connections/${id}`).length, 2, "the second delete reached Fivetran and got its 404");
  });

  it("rides out a 429 on create by honouring Retry-After", async () => {
    server.faults.push({ times: 1, match: (m, p) => m === "POST" && p === "/connections", status: 429, retryAfter: "0" });
    const { id } = await create(inputs());
    assert.ok(server.state.connections.has(id));
    assert.equal(server.requests.filter((r) => r.method === "POST" && r.path === "/connections").length, 2);
  });
});
