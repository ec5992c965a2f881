/** Where credentials and the base URL come from, and what happens without them. */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it, mock } from "node:test";
import { createGroupProvider, DEFAULT_FIVETRAN_API_URL } from "../../components/fivetran";
import { API_KEY, API_SECRET, startContractServer, type ContractServer } from "./contract-server";

const configOf = (values: Record<string, string>) => ({ config: { get: (k: string) => values[k], require: (k: string) => values[k] } });
const basic = (key: string, secret: string) => "Basic " + Buffer.from(`${key}:${secret}`).toString("base64");

describe("credentials and base URL", { timeout: 20_000 }, () => {
  let server: ContractServer;
  before(async () => (server = await startContractServer()));
  after(() => server.close());
  beforeEach(() => {
    process.env.FIVETRAN_API_URL = server.url;
    delete process.env.FIVETRAN_API_KEY;
    delete process.env.FIVETRAN_API_SECRET;
    server.requests.length = 0;
  });

  it("reads data-platform:fivetranApiKey/Secret in configure", async () => {
    const provider = createGroupProvider();
    await provider.configure!(configOf({ "data-platform:fivetranApiKey": API_KEY, "data-platform:fivetranApiSecret": API_SECRET }) as any);
    const { outs } = await provider.create({ name: "from_config" });
    assert.equal(server.requests.at(-1)!.authorization, basic(API_KEY, API_SECRET));
    assert.ok(!JSON.stringify(outs).includes(API_SECRET));
  });

  it("falls back to FIVETRAN_API_KEY / FIVETRAN_API_SECRET", async () => {
    process.env.FIVETRAN_API_KEY = API_KEY;
    process.env.FIVETRAN_API_SECRET = API_SECRET;
    const provider = createGroupProvider();
    await provider.configure!(configOf({}) as any);
    await provider.create({ name: "from_env" });
    assert.equal(server.requests.at(-1)!.authorization, basic(API_KEY, API_SECRET));
  });

  it("stack config wins over the environment", async () => {
    process.env.FIVETRAN_API_KEY = "env-key";
    process.env.FIVETRAN_API_SECRET = "env-secret";
    const provider = createGroupProvider();
    await provider.configure!(configOf({ "data-platform:fivetranApiKey": API_KEY, "data-platform:fivetranApiSecret": API_SECRET }) as any);
    await provider.create({ name: "config_wins" });
    assert.equal(server.requests.at(-1)!.authorization, basic(API_KEY, API_SECRET));
  });

  it("without credentials, says how to set them and sends nothing", async () => {
    const provider = createGroupProvider();
    await provider.configure!(configOf({}) as any);
    await assert.rejects(provider.create({ name: "no_creds" }), /pulumi config set --secret data-platform:fivetranApiKey.*FIVETRAN_API_KEY/s);
    assert.equal(server.requests.length, 0);
  });

  it("wrong credentials fail with the API's 401, without the secret in the message", async () => {
    const provider = createGroupProvider();
    await provider.configure!(configOf({ "data-platform:fivetranApiKey": "bad-key-1234", "data-platform:fivetranApiSecret": "bad-secret-5678" }) as any);
    await assert.rejects(provider.create({ name: "bad" }), (e: Error) => {
      assert.match(e.message, /401 AuthFailed/);
      assert.ok(!e.message.includes("bad-secret-5678"));
      return true;
    });
  });

  it("defaults the base URL to https://api.fivetran.com/v1", async () => {
    delete process.env.FIVETRAN_API_URL;
    const seen: string[] = [];
    const fetchMock = mock.method(globalThis, "fetch", async (url: string) => {
      seen.push(String(url));
      return new Response(JSON.stringify({ code: "NotFound_Group", message: "no" }), { status: 404 });
    });
    try {
      const provider = createGroupProvider();
      await provider.configure!(configOf({ "data-platform:fivetranApiKey": "k-123", "data-platform:fivetranApiSecret": "s-456" }) as any);
      assert.deepEqual(await provider.read!("g1", {} as any), {});
    } finally {
      fetchMock.mock.restore();
    }
    assert.equal(DEFAULT_FIVETRAN_API_URL, "https://api.fivetran.com/v1");
    assert.deepEqual(seen, ["https://api.fivetran.com/v1/groups/g1"]);
  });
});

describe("the provider's config keys", () => {
  it("are the project's secret stack keys for the Fivetran API key and secret", async () => {
    const { PROJECT, SECRET_STACK_KEYS } = await import("../../stacks/config");
    const { FIVETRAN_CONFIG_KEYS } = await import("../../components/fivetran");
    const keys = Object.values(FIVETRAN_CONFIG_KEYS);
    assert.deepEqual(keys, [`${PROJECT}:fivetranApiKey`, `${PROJECT}:fivetranApiSecret`]);
    for (const key of keys) assert.ok((SECRET_STACK_KEYS as readonly string[]).includes(key.slice(PROJECT.length + 1)), `${key} is a secret stack key`);
  });
});
