import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labels, LABEL_KEYS } from "../../components/labels";
import { NAME_RULES, Namer, snowflakeName } from "../../components/naming";

describe("Namer", () => {
  const gcp = new Namer("gcp", "acme", "dev");
  it("builds <prefix>-<env>[-<pipeline>]-<kind> with hyphens for underscores", () => {
    assert.equal(gcp.env("raw"), "acme-dev-raw");
    assert.equal(gcp.pipeline("orders_files", "flow"), "acme-dev-orders-files-flow");
    assert.equal(gcp.pipeline("orders_files", "secret", "api_token"), "acme-dev-orders-files-secret-api-token");
  });
  it("refuses a kind the plan does not list, so validation and code cannot drift apart", () => {
    assert.throws(() => gcp.env("warehouse-bucket"), /not a planned environment name on gcp/);
  });
  it("refuses a name that breaks its rule at synthesis time too", () => {
    const long = new Namer("gcp", "acme", "dev");
    assert.throws(() => long.pipeline("a".repeat(60), "flow"), /not a valid Workflows workflow name/);
  });
  it("reports every planned name that breaks a rule, per pipeline", () => {
    const problems = new Namer("gcp", "acmeacme", "staging").problems([
      { name: "short", secrets: [] },
      { name: "x".repeat(30), secrets: [] },
    ]);
    assert.ok(problems.length > 0);
    assert.ok(problems.every((p) => p.pipeline === "x".repeat(30)));
    assert.ok(problems.some((p) => p.rule === NAME_RULES.gcpServiceAccountId));
  });
  it("Snowflake names are UPPER_SNAKE", () => {
    assert.equal(snowflakeName("DEV_", "raw"), "DEV_RAW");
    assert.equal(snowflakeName("", "orders-files"), "ORDERS_FILES");
  });
});

describe("labels", () => {
  it("carry platform, environment, pipeline and managed-by", () => {
    assert.deepEqual(labels({ prefix: "acme", environment: "dev" }, "orders"), { platform: "acme", environment: "dev", pipeline: "orders", "managed-by": "pulumi" });
    assert.deepEqual(Object.keys(labels({ prefix: "acme", environment: "dev" })).sort(), LABEL_KEYS.filter((k) => k !== "pipeline").sort());
  });
});
