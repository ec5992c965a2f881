/** The HTTP client against the contract server: versioning, envelope, pagination, retries, errors, secrets. */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { acceptHeaderFor, backoffMs, createFivetranClient, isFivetranApiError, parseRetryAfterMs } from "../../components/fivetran";
import { API_KEY, API_SECRET, startContractServer, type ContractServer } from "./contract-server";

describe("Fivetran HTTP client", { timeout: 20_000 }, () => {
  let server: ContractServer;
  let sleeps: number[];
  const client = (overrides: Record<string, unknown> = {}) =>
    createFivetranClient({ baseUrl: server.url, apiKey: API_KEY, apiSecret: API_SECRET, sleep: async (ms) => void sleeps.push(ms), random: () => 1, ...overrides });

  before(async () => (server = await startContractServer()));
  after(() => server.close());
  beforeEach(() => {
    sleeps = [];
    server.reset();
  });

  it("sends version=2 to destinations and connections, plain JSON to groups and schema config", async () => {
    assert.equal(acceptHeaderFor("/connections/abc"), "application/json;version=2");
    assert.equal(acceptHeaderFor("/destinations"), "application/json;version=2");
    assert.equal(acceptHeaderFor("/connections/abc/schemas/reload"), "application/json");
    assert.equal(acceptHeaderFor("/groups"), "application/json");
    await client().request("POST", "/groups", { body: { name: "accept_check" } });
    await client().request("GET", "/connections", { query: { group_id: "x" } });
    assert.deepEqual(
      server.requests.map((r) => [r.method, r.path, r.accept]),
      [
        ["POST", "/groups", "application/json"],
        ["GET", "/connections", "application/json;version=2"],
      ],
    );
  });

  it("uses Basic auth and unwraps the envelope, keying success on the HTTP status", async () => {
    const created = await client().request<{ id: string; name: string }>("POST", "/groups", { body: { name: "envelope" } });
    assert.equal(created.status, 201);
    assert.equal(created.code, "Success");
    assert.equal(created.data.name, "envelope");
    assert.equal(server.requests[0].authorization, "Basic " + Buffer.from(`${API_KEY}:${API_SECRET}`).toString("base64"));
  });

  it("follows next_cursor across pages", async () => {
    server.behaviour.maxPageSize = 2;
    for (const name of ["p1", "p2", "p3", "p4", "p5"]) await client().request("POST", "/groups", { body: { name } });
    server.requests.length = 0;
    const all = await client().listAll<{ name: string }>("/groups");
    assert.ok(["p1", "p2", "p3", "p4", "p5"].every((n) => all.some((g) => g.name === n)));
    assert.ok(server.requests.length >= 3, "five groups at two per page need at least three requests");
    assert.ok(
      server.requests.slice(1).every((r) => r.query.cursor),
      "later pages pass the cursor back",
    );
  });

  it("waits for Retry-After on 429, then succeeds", async () => {
    server.faults.push({ times: 2, status: 429, retryAfter: "7" });
    const res = await client().request("GET", "/groups");
    assert.equal(res.status, 200);
    assert.deepEqual(sleeps, [7_000, 7_000]);
    assert.equal(server.requests.length, 3);
  });

  it("caps a huge Retry-After", async () => {
    server.faults.push({ times: 1, status: 429, retryAfter: "86400" });
    await client({ retryAfterMaxMs: 30_000 }).request("GET", "/groups");
    assert.deepEqual(sleeps, [30_000]);
  });

  it("retries 5xx with exponential backoff up to the cap, then gives up with the API's code", async () => {
    server.faults.push({ times: 10, status: 503, code: "ServiceUnavailable", message: "try later" });
    await assert.rejects(client({ maxAttempts: 5, backoffBaseMs: 100, backoffMaxMs: 400 }).request("GET", "/groups"), (e: unknown) => {
      assert.ok(isFivetranApiError(e));
      assert.equal(e.status, 503);
      assert.equal(e.code, "ServiceUnavailable");
      assert.match(e.message, /try later.*gave up after 5 attempts/);
      return true;
    });
    assert.deepEqual(sleeps, [100, 200, 400, 400], "doubling from the base, never above the cap");
    assert.equal(server.requests.length, 5);
  });

  it("retries network errors", async () => {
    server.faults.push({ times: 1, dropConnection: true });
    const res = await client({ backoffBaseMs: 10 }).request("GET", "/groups");
    assert.equal(res.status, 200);
    assert.equal(sleeps.length, 1);
  });

  it("fails at once on other errors with Fivetran's code and message", async () => {
    await assert.rejects(client().request("POST", "/destinations", { body: { service: "snowflake" } }), (e: unknown) => {
      assert.ok(isFivetranApiError(e));
      assert.equal(e.status, 400);
      assert.equal(e.code, "InvalidInput");
      assert.match(e.message, /body\.group_id: required, missing/, "the contract server's OpenAPI check names the field");
      return true;
    });
    assert.equal(server.specViolations.length, 2, "group_id and time_zone_offset are both required by the definition");
    assert.equal(server.requests.length, 1, "no retry on 400");
    assert.deepEqual(sleeps, []);
  });

  it("retries 409 Conflict only on requests that opt in", async () => {
    server.faults.push({ times: 1, status: 409, code: "Conflict", message: "busy" });
    await assert.rejects(client().request("PATCH", "/groups/g1", { body: { name: "x" } }), /Conflict/);
    assert.deepEqual(sleeps, [], "no retry by default: most conflicts are permanent (a name already taken)");
    server.faults.push({ times: 1, status: 409, code: "Conflict", message: "busy" });
    const res = await client({ backoffBaseMs: 10 }).request("GET", "/groups", { retryConflict: true });
    assert.equal(res.status, 200);
    assert.equal(sleeps.length, 1);
  });

  it("never puts credentials in errors, even when the server echoes them", async () => {
    server.faults.push({ times: 1, status: 400, code: "InvalidInput", message: `bad key ${API_KEY} and secret ${API_SECRET}` });
    await assert.rejects(client().request("GET", "/groups"), (e: unknown) => {
      const text = String((e as Error).message) + JSON.stringify(e);
      assert.ok(!text.includes(API_KEY) && !text.includes(API_SECRET), text);
      assert.match(text, /\[redacted\]/);
      return true;
    });
  });

  it("reports wrong credentials as 401 without retrying", async () => {
    await assert.rejects(createFivetranClient({ baseUrl: server.url, apiKey: "wrong", apiSecret: "wrong" }).request("GET", "/groups"), /401 AuthFailed/);
  });

  it("parses Retry-After seconds and dates, and jitters backoff within [step/2, step]", () => {
    assert.equal(parseRetryAfterMs("3"), 3_000);
    assert.equal(parseRetryAfterMs(new Date(10_000).toUTCString(), 5_000), 5_000);
    assert.equal(
      backoffMs(1, 100, 1_000, () => 0),
      50,
    );
    assert.equal(
      backoffMs(5, 100, 1_000, () => 1),
      1_000,
    );
  });
});
