/**
 * The six ways a hostile (but documented) Fivetran broke the providers (issue 15), each against the
 * contract server, which also checks every request against Fivetran's OpenAPI definition.
 *
 * Stands for: the providers' create/update/check under a server that stalls, loses responses, echoes
 * secrets in setup-test messages, masks keys with innocent names, and names file connections
 * `<schema>.<table_group_name>`. Proof: our own stand-in (contract server built from Fivetran's payloads
 * and definition), driven by direct provider calls; the engine tier (test/tiers/engine) runs the same
 * providers through the real Pulumi engine. Cannot prove: the live API's timing or wording.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  connectionProvider,
  createConnectionProvider,
  createFivetranClient,
  destinationProvider,
  groupProvider,
  type ConnectionInputs,
  type DestinationInputs,
} from "../../components/fivetran";
import { API_KEY, API_SECRET, type ContractServer } from "./contract-server";
import { addGroup, startServerForProviders } from "./helpers";

const PASSWORD = "pg-password-hostile-5521";
const INTEGRATION_KEY = "pendo-integration-key-77c1e9";
const PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7hostile\n-----END PRIVATE KEY-----";
const PROVIDER = "exports.handler = function () { /* the serialized provider */ }";

describe("Fivetran providers against a hostile server", { timeout: 60_000 }, () => {
  let server: ContractServer;
  let groupId: string;
  let n = 0;
  const postgres = (overrides: Partial<ConnectionInputs> = {}): ConnectionInputs => ({
    groupId,
    service: "postgres",
    destinationSchema: `hostile_${++n}`,
    config: { host: "db.example.com", port: 5432, user: "loader", password: PASSWORD, database: "app", update_method: "QUERY_BASED" },
    ...overrides,
  });
  const destination = (): DestinationInputs => ({
    groupId,
    region: "GCP_EUROPE_WEST3",
    timeZoneOffset: "0",
    host: "acme.snowflakecomputing.com",
    database: "RAW",
    user: "LOADER",
    role: "LOADER_ROLE",
    warehouse: "LOAD_WH",
    privateKey: PRIVATE_KEY,
  });
  const withProvider = <T extends object>(inputs: T) => ({ ...inputs, __provider: PROVIDER }) as T;

  before(async () => (server = await startServerForProviders()));
  after(() => server.close());
  beforeEach(() => {
    server.reset();
    groupId = addGroup(server);
  });

  describe("1. a create whose setup tests failed stays manageable", () => {
    // Stands for: refresh/destroy after a failed create. The host loads the provider from the recorded
    // __provider, so the partial-create properties must carry it (engine tier: the real host does this).
    it("connection: the recorded properties carry __provider; the reason (shown, and kept in state) is scrubbed", async () => {
      server.behaviour.connectionSetupTests = (c) => [{ title: "Validate Login", status: "FAILED", message: `Invalid login credentials for loader/${c.config.password}` }];
      await assert.rejects(connectionProvider.create(withProvider(postgres())), (e: any) => {
        assert.equal(e.properties.__provider, PROVIDER);
        assert.ok(server.state.connections.has(e.id));
        assert.deepEqual(e.reasons, [e.message], "the engine shows the reasons, so they carry Fivetran's messages");
        assert.match(e.reasons[0], /Validate Login: FAILED — Invalid login credentials for loader\/\[redacted\]/);
        assert.ok(!JSON.stringify(e).includes(PASSWORD) && !e.message.includes(PASSWORD));
        return true;
      });
    });

    it("destination: the same", async () => {
      server.behaviour.destinationSetupTests = () => [{ title: "Connecting to Snowflake", status: "FAILED", message: "JWT token is invalid" }];
      await assert.rejects(destinationProvider.create(withProvider(destination())), (e: any) => {
        assert.equal(e.properties.__provider, PROVIDER);
        assert.equal(e.id, groupId);
        assert.match(e.reasons[0], /Connecting to Snowflake: FAILED — JWT token is invalid/);
        return true;
      });
    });
  });

  describe("2. every request and every call is bounded in time", () => {
    // Stands for: a Fivetran that accepts the connection and never answers. Proof: a real socket that
    // stays silent; the client's abort ends it. Cannot prove the right numbers for the live API.
    const client = (options: Record<string, unknown>) =>
      createFivetranClient({ baseUrl: server.url, apiKey: API_KEY, apiSecret: API_SECRET, sleep: async () => {}, random: () => 0, ...options });

    it("an attempt with no answer is aborted after requestTimeoutMs, retried, and the error says so", async () => {
      server.faults.push({ times: 99, hang: true });
      const started = Date.now();
      await assert.rejects(client({ requestTimeoutMs: 150, maxAttempts: 3 }).request("GET", "/groups"), (e: any) => {
        assert.equal(e.code, "Timeout");
        assert.match(e.message, /no complete response within 0\.15 s \(per-request timeout\)/);
        assert.match(e.message, /gave up after 3 attempts/);
        return true;
      });
      assert.equal(server.requests.length, 3);
      assert.ok(Date.now() - started < 5_000, "three bounded attempts, not Node's 300 s socket default");
    });

    it("the whole call stops at callTimeoutMs, retries and waits included", async () => {
      server.faults.push({ times: 99, hang: true });
      let clock = 0;
      await assert.rejects(
        client({
          requestTimeoutMs: 100,
          callTimeoutMs: 1_000,
          maxAttempts: 50,
          now: () => clock,
          sleep: async (ms: number) => void (clock += ms),
          backoffBaseMs: 400,
          backoffMaxMs: 400,
        }).request("GET", "/groups"),
        (e: any) => {
          assert.match(e.message, /the next try would pass the 1 s limit for one call/);
          return true;
        },
      );
      assert.ok(server.requests.length < 50, `stopped by the deadline after ${server.requests.length} attempts, not by maxAttempts`);
    });

    it("a provider call inherits the bound (session options)", async () => {
      server.faults.push({ times: 99, hang: true, match: (m, p) => m === "GET" && p === "/connections" });
      const provider = createConnectionProvider({ requestTimeoutMs: 100, maxAttempts: 2, sleep: async () => {} });
      await assert.rejects(provider.create(postgres()), /per-request timeout/);
    });
  });

  describe("3. file connections are named <schema>.<table_group_name>", () => {
    // Stands for: creating an s3/gcs connection. The definition requires table_group_name for them
    // (schema_format_schema_table_group); Fivetran reports the name joined with a dot.
    it("creates an s3 connection, and a second create adopts it instead of a twin", async () => {
      const i: ConnectionInputs = {
        groupId,
        service: "s3",
        destinationSchema: "landing",
        config: { bucket: "raw-bucket", prefix: "exports/", table_group_name: "orders", file_type: "csv" },
      };
      const { id, outs } = (await connectionProvider.create(i)) as any;
      assert.equal(server.state.connections.get(id).fields.schema, "landing.orders");
      assert.equal(outs.destinationSchema, "landing");
      const again = (await connectionProvider.create(i)) as any;
      assert.equal(again.id, id);
      assert.equal([...server.state.connections.values()].filter((c) => c.fields.group_id === groupId).length, 1);
      const read = (await connectionProvider.read!(id, outs)) as any;
      assert.equal(read.props.destinationSchema, "landing");
      assert.deepEqual(server.specViolations, []);
    });

    it("a changed table_group_name replaces the connection (it is permanent)", async () => {
      const i: ConnectionInputs = { groupId, service: "gcs", destinationSchema: "landing_gcs", config: { bucket: "raw-bucket", table_group_name: "orders" } };
      const { outs } = (await connectionProvider.create(i)) as any;
      const d = await connectionProvider.diff!("x", outs, { ...i, config: { ...i.config, table_group_name: "customers" } });
      assert.deepEqual(d.replaces, ["config"]);
    });
  });

  describe("4. secrets stay out of errors and state, by what Fivetran masks", () => {
    // Stands for: pendo's integration_key, masked by Fivetran although its name looks harmless, quoted
    // back in setup-test messages and API errors.
    const pendo = (): ConnectionInputs => ({ groupId, service: "pendo", destinationSchema: `pendo_${++n}`, config: { integration_key: INTEGRATION_KEY, region: "US" } });

    it("setup-test messages quoting a masked value are scrubbed; state keeps a fingerprint only", async () => {
      server.behaviour.maskedConfigKeys.add("integration_key");
      server.behaviour.connectionSetupTests = (c) => [{ title: "Validate key", status: "FAILED", message: `Key ${c.config.integration_key} was rejected` }];
      await assert.rejects(connectionProvider.create(withProvider(pendo())), (e: any) => {
        assert.ok(!e.message.includes(INTEGRATION_KEY), e.message);
        assert.match(e.message, /Key \[redacted\] was rejected/);
        const recorded = JSON.stringify({ properties: e.properties, reasons: e.reasons });
        assert.ok(!recorded.includes(INTEGRATION_KEY), recorded);
        assert.match(e.properties.configFingerprints.integration_key, /^sha256:/);
        return true;
      });
    });

    it("an API error quoting a masked value on update is scrubbed (the key is known masked from state)", async () => {
      server.behaviour.maskedConfigKeys.add("integration_key");
      const i = pendo();
      const { id, outs } = (await connectionProvider.create(i)) as any;
      const rotated = "pendo-integration-key-rotated-9f0a";
      server.faults.push({ times: 1, status: 400, code: "InvalidInput", message: `integration_key '${rotated}' is not valid`, match: (m) => m === "PATCH" });
      await assert.rejects(connectionProvider.update!(id, outs, { ...i, config: { ...i.config, integration_key: rotated } }), (e: any) => {
        assert.ok(!e.message.includes(rotated), e.message);
        assert.match(e.message, /\[redacted\]/);
        return true;
      });
    });

    it("the destination's setup-test messages never show the private key", async () => {
      server.behaviour.destinationSetupTests = () => [{ title: "Key", status: "FAILED", message: `could not parse ${PRIVATE_KEY.split("\n")[1]}` }];
      await assert.rejects(destinationProvider.create(destination()), (e: any) => {
        assert.ok(!e.message.includes(PRIVATE_KEY.split("\n")[1]), e.message);
        return true;
      });
    });
  });

  describe("5. config enums from the definition are checked before anything is sent", () => {
    it("check refuses update_method XMIN, naming field, expected and found", async () => {
      const { failures } = await connectionProvider.check!({} as any, { ...postgres(), config: { ...postgres().config, update_method: "XMIN" } });
      assert.deepEqual(
        failures?.map((f) => f.property),
        ["config.update_method"],
      );
      assert.match(failures![0].reason, /one of QUERY_BASED, WAL_PGOUTPUT .* found "XMIN"/);
      assert.equal(server.requests.length, 0);
    });

    it("and the contract server (the definition itself) refuses it on update too", async () => {
      const i = postgres();
      const { id, outs } = (await connectionProvider.create(i)) as any;
      await assert.rejects(
        connectionProvider.update!(id, outs, { ...i, config: { ...i.config, update_method: "XMIN" } }),
        /update_method: "XMIN" is not one of QUERY_BASED, WAL_PGOUTPUT/,
      );
    });
  });

  describe("6. a create that meets 'already exists' adopts what is provably ours, in the same run", () => {
    // Stands for: a POST that reached Fivetran but whose response was lost; the retry gets 409.
    const lostOnce = (path: string) => server.faults.push({ times: 1, dropAfterHandling: true, match: (m, p) => m === "POST" && p === path });
    const fast = { sleep: async () => {}, random: () => 0 };

    it("connection: adopted, one connection, setup tests run", async () => {
      lostOnce("/connections");
      const { id } = (await createConnectionProvider(fast).create(postgres({ destinationSchema: "lost_response" }))) as any;
      const ours = [...server.state.connections.values()].filter((c) => c.fields.group_id === groupId);
      assert.equal(ours.length, 1);
      assert.equal(ours[0].fields.id, id);
      assert.equal(server.requests.filter((r) => r.method === "POST" && r.path === "/connections").length, 2);
      assert.ok(server.requests.some((r) => r.method === "PATCH" && r.path === `/connections/${id}` && r.body.run_setup_tests === true));
    });

    it("connection: another service on that schema is not ours, and the error names it", async () => {
      server.seedConnection({ group_id: groupId, service: "mysql", schema: "taken" });
      // The listing before the POST misses it (a race); the POST's 409 finds it.
      server.faults.push({ times: 1, respond: { code: "Success", data: { items: [] } }, match: (m, p) => m === "GET" && p === "/connections" });
      const provider = createConnectionProvider(fast);
      await assert.rejects(provider.create(postgres({ destinationSchema: "taken" })), /already writes to destination schema "taken" with service "mysql"/);
      assert.equal(server.requests.filter((r) => r.method === "POST" && r.path === "/connections").length, 1, "the 409 was met, then the lookup named the owner");
      assert.equal([...server.state.connections.values()].filter((c) => c.fields.schema === "taken").length, 1);
    });

    it("group: adopted by its exact name", async () => {
      server.faults.push({ times: 1, dropAfterHandling: true, match: (m, p) => m === "POST" && p === "/groups" });
      const { id } = (await groupProvider.create({ name: "lost_group_response" })) as any;
      assert.equal([...server.state.groups.values()].filter((g) => g.name === "lost_group_response").length, 1);
      assert.equal(server.state.groups.get(id).name, "lost_group_response");
      assert.equal(server.requests.filter((r) => r.method === "POST" && r.path === "/groups").length, 2, "the retried POST met 409 and adopted");
    });

    it("destination: adopted when the group holds a Snowflake destination", async () => {
      lostOnce("/destinations");
      const { id } = (await destinationProvider.create(destination())) as any;
      assert.equal(id, groupId);
      assert.equal(server.requests.filter((r) => r.method === "POST" && r.path === "/destinations").length, 2);
      assert.ok(server.requests.some((r) => r.method === "PATCH" && r.path === `/destinations/${groupId}`));
    });
  });
});
