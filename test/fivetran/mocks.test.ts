/** Under Pulumi mocks the resources construct (serialization runs), with stable tokens and secrets kept secret. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";

const SIG = "4dabf18193072939515e22adb298388d";

describe("resources under pulumi mocks", { timeout: 30_000 }, () => {
  it("registers Group, Destination, Connection, SchemaConfig and ConnectionSchedule with secrets wrapped", async () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource(a) {
          registered.push(a);
          return { id: `${a.name}-id`, state: { ...a.inputs, groupId: "g-1", connectionId: "c-1" } };
        },
        call: () => ({}),
      },
      "data-platform",
      "dev",
    );
    const ft = await import("../../components/fivetran");
    const group = new ft.FivetranGroup("group", { name: "acme_dev" });
    const destination = new ft.FivetranDestination("dest", {
      groupId: group.groupId,
      region: "GCP_EUROPE_WEST3",
      timeZoneOffset: "0",
      host: "acme.snowflakecomputing.com",
      database: "RAW",
      user: "LOADER",
      role: "LOADER",
      warehouse: "LOAD_WH",
      privateKey: "plain-private-key-in-test",
    });
    const connection = new ft.FivetranConnection(
      "conn",
      {
        groupId: group.groupId,
        service: "postgres",
        destinationSchema: "app",
        config: { host: "db", password: pulumi.secret("db-password-in-test") },
      },
      { dependsOn: [destination] },
    );
    const schemas = new ft.FivetranSchemaConfig("schemas", {
      connectionId: connection.connectionId,
      schemaChangeHandling: "ALLOW_COLUMNS",
      schemas: { public: { enabled: true } },
    });
    new ft.FivetranConnectionSchedule(
      "schedule",
      { connectionId: connection.connectionId, paused: false, syncFrequency: 1440, dailySyncTime: "02:00", scheduleType: "manual" },
      { dependsOn: [schemas] },
    );
    await new Promise<void>((resolve) => connection.connectionId.apply(() => resolve()));
    await (pulumi.runtime as any).waitForRPCs?.();

    const byType = Object.fromEntries(registered.map((r) => [r.type, r]));
    for (const type of ["Group", "Destination", "Connection", "SchemaConfig", "ConnectionSchedule"]) {
      const r = byType[`pulumi-nodejs:dynamic/fivetran:${type}`];
      assert.ok(r, `${type} registered`);
      assert.equal(r.custom, true);
      assert.equal(typeof r.inputs.__provider, "string");
      assert.ok(!r.inputs.__provider.includes("plain-private-key-in-test") && !r.inputs.__provider.includes("db-password-in-test"));
    }
    assert.equal(byType["pulumi-nodejs:dynamic/fivetran:Destination"].inputs.privateKey[SIG] !== undefined, true, "privateKey is always a secret");
    assert.equal(byType["pulumi-nodejs:dynamic/fivetran:Connection"].inputs.config[SIG] !== undefined, true, "config with a secret stays secret");
    // Dependents get the resource id (known in a preview of an update), not the output property (unknown there).
    assert.equal(byType["pulumi-nodejs:dynamic/fivetran:SchemaConfig"].inputs.connectionId, "conn-id");
    assert.equal(byType["pulumi-nodejs:dynamic/fivetran:Connection"].inputs.groupId, "group-id");
    assert.equal(byType["pulumi-nodejs:dynamic/fivetran:Destination"].inputs.groupId, "group-id");
  });
});
