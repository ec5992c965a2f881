/**
 * The client's retry rule over every status family, not only the 503 the first test used: any 5xx
 * but 501 (Not Implemented is permanent) and 429 are retried, every other 4xx and 501 fail at once
 * (409 only when the call opts in). A mutation to `=== 503`, `> 500` or `< 504` fails here.
 *
 * Stands for: what a provider call does when Fivetran (or a proxy in front of it) answers with an
 * error. Proof: our own stand-in (the contract server) answering real HTTP. Cannot prove: which
 * statuses the live API sends.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { createFivetranClient, isFivetranApiError } from "../../components/fivetran";
import { API_KEY, API_SECRET, startContractServer, type ContractServer } from "./contract-server";

describe("Fivetran HTTP client: which statuses are retried", { timeout: 20_000 }, () => {
  let server: ContractServer;
  let sleeps: number[];
  const client = () =>
    createFivetranClient({
      baseUrl: server.url,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 1,
      maxAttempts: 3,
      backoffBaseMs: 1,
    });

  before(async () => (server = await startContractServer()));
  after(() => server.close());
  beforeEach(() => {
    sleeps = [];
    server.reset();
  });

  for (const status of [500, 502, 503, 504, 507, 599]) {
    it(`${status} once, then success: retried, and the call succeeds`, async () => {
      server.faults.push({ times: 1, status, code: `E${status}`, message: "transient" });
      const res = await client().request("GET", "/groups");
      assert.equal(res.status, 200);
      assert.equal(server.requests.length, 2);
    });

    it(`${status} every time: gives up after maxAttempts with Fivetran's status and code`, async () => {
      server.faults.push({ times: 99, status, code: `E${status}`, message: "down" });
      await assert.rejects(client().request("GET", "/groups"), (e: unknown) => isFivetranApiError(e) && e.status === status && e.code === `E${status}`);
      assert.equal(server.requests.length, 3);
    });
  }

  it("429 is retried (after Retry-After)", async () => {
    server.faults.push({ times: 1, status: 429, retryAfter: "0" });
    assert.equal((await client().request("GET", "/groups")).status, 200);
    assert.equal(server.requests.length, 2);
  });

  for (const status of [400, 401, 403, 404, 405, 409, 410, 422, 499, 501]) {
    it(`${status} fails at once, no retry`, async () => {
      server.faults.push({ times: 1, status, code: `E${status}`, message: "final" });
      await assert.rejects(client().request("GET", "/groups"), (e: unknown) => isFivetranApiError(e) && e.status === status);
      assert.equal(server.requests.length, 1);
      assert.deepEqual(sleeps, []);
    });
  }
});
