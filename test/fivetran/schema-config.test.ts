/** Schema config provider: reload when missing, patch, read back (locked tables), drift. */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { connectionProvider, schemaConfigProvider, type SchemaConfigInputs } from "../../components/fivetran";
import type { ContractServer } from "./contract-server";
import { addGroup, startServerForProviders } from "./helpers";

describe("schema config provider", { timeout: 20_000 }, () => {
  let server: ContractServer;
  let connectionId: string;
  let n = 0;

  before(async () => (server = await startServerForProviders()));
  after(() => server.close());
  beforeEach(async () => {
    server.reset(); // faults and behaviour changes of one test must not leak into the next
    const groupId = addGroup(server);
    const created = await connectionProvider.create({
      groupId,
      service: "postgres",
      destinationSchema: `sc_${++n}`,
      config: { host: "h" },
    });
    connectionId = created.id;
    server.requests.length = 0;
  });

  const desired = (): SchemaConfigInputs => ({
    connectionId,
    schemaChangeHandling: "BLOCK_ALL",
    schemas: { schema_1: { enabled: true, tables: { table_1: { enabled: false } } } },
  });

  it("reloads a missing schema config, patches it and reads it back", async () => {
    const { outs } = await schemaConfigProvider.create(desired());
    assert.deepEqual(
      server.requests.map((r) => `${r.method} ${r.path.replace(connectionId, "{id}")} ${r.accept}`),
      [
        "GET /connections/{id}/schemas application/json",
        "POST /connections/{id}/schemas/reload application/json",
        "PATCH /connections/{id}/schemas application/json",
        "GET /connections/{id}/schemas application/json",
      ],
    );
    assert.equal(outs!.schemaChangeHandling, "BLOCK_ALL");
    assert.deepEqual(outs!.schemas, { schema_1: { enabled: true, tables: { table_1: { enabled: false } } } });
    assert.equal(server.state.schemaConfigs.get(connectionId).schemas.schema_1.tables.table_1.enabled, false);
  });

  it("repeats the PATCH after a 409 (a concurrent schema-config write won the race)", async () => {
    server.faults.push({ times: 1, status: 409, code: "Conflict", message: "schema config was modified", match: (m, p) => m === "PATCH" && p.endsWith("/schemas") });
    const { outs } = await schemaConfigProvider.create(desired());
    assert.equal(server.requests.filter((r) => r.method === "PATCH").length, 2);
    assert.deepEqual(outs!.schemas, desired().schemas);
  });

  it("fails with Fivetran's reason when a locked table keeps its state", async () => {
    const locked = { ...desired(), schemas: { schema_1: { enabled: true, tables: { table_2: { enabled: false } } } } };
    await assert.rejects(
      schemaConfigProvider.create(locked),
      /schemas\.schema_1\.tables\.table_2\.enabled \(Fivetran does not allow changing it: SYSTEM_TABLE\): sent false, Fivetran has true/,
    );
  });

  it("read shows drift on declared tables only; diff reports it; undeclared changes are ignored", async () => {
    const i = desired();
    const { id, outs } = await schemaConfigProvider.create(i);
    const remote = server.state.schemaConfigs.get(connectionId);
    remote.schemas.schema_1.tables.table_2.enabled = false; // not declared: not ours to manage
    assert.equal((await schemaConfigProvider.diff!(id, (await schemaConfigProvider.read!(id, outs!)).props!, i)).changes, false);
    remote.schemas.schema_1.tables.table_1.enabled = true; // declared: drift
    const read = (await schemaConfigProvider.read!(id, outs!)).props!;
    assert.equal(read.schemas.schema_1.tables!.table_1.enabled, true);
    assert.equal((await schemaConfigProvider.diff!(id, read, i)).changes, true);
    const fixed = (await schemaConfigProvider.update!(id, read, i)).outs!;
    assert.equal(fixed.schemas.schema_1.tables!.table_1.enabled, false);
  });

  it("a new connection id replaces; handling changes update in place", async () => {
    const i = desired();
    const { id, outs } = await schemaConfigProvider.create(i);
    assert.deepEqual((await schemaConfigProvider.diff!(id, outs!, { ...i, connectionId: "other" })).replaces, ["connectionId"]);
    const d = await schemaConfigProvider.diff!(id, outs!, { ...i, schemaChangeHandling: "ALLOW_COLUMNS" });
    assert.equal(d.changes, true);
    assert.deepEqual(d.replaces, []);
  });

  it("passes through Fivetran's refusal on a connection that is not connected", async () => {
    server.state.connections.get(connectionId).setupState = "incomplete";
    await assert.rejects(schemaConfigProvider.create(desired()), /400 InvalidInput: Cannot update schema config: connection setup_state is 'incomplete'/);
  });
});
