import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { STACK_DEFAULTS } from "../../stacks/config";
import { ConfigError, type ConfigIssue } from "../../stacks/errors";
import { load, project, ROOT, VALID_PIPELINE, VALID_STACK } from "./fixture";

/** Load a project that must fail, and return its issues. */
function issuesOf(root: string): ConfigIssue[] {
  try {
    load(root);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    return e.issues;
  }
  assert.fail("expected the config to be rejected");
}

describe("shipped stacks", () => {
  for (const stack of ["dev", "prod", "dev-aws"]) {
    it(`${stack} loads with every shipped pipeline`, () => {
      const { config } = load(ROOT, stack);
      // Every file in pipelines/ (an added pipeline included: adding one turns no test red by itself),
      // and at least the shipped examples the other tests rely on.
      const files = fs
        .readdirSync(path.join(ROOT, "pipelines"))
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => f.replace(/\.yaml$/, ""))
        .sort();
      assert.deepEqual(
        config.pipelines.map((p) => p.name),
        files,
      );
      for (const shipped of ["jsonplaceholder", "orders_files", "shop_postgres"]) assert.ok(files.includes(shipped), `${shipped} is a shipped example`);
      assert.equal(config.stack, stack);
    });
  }

  it("dev pauses schedules and can destroy data; prod runs schedules and protects", () => {
    const dev = load(ROOT, "dev").config;
    const prod = load(ROOT, "prod").config;
    assert.ok(dev.pipelines.every((p) => p.schedule.paused));
    assert.ok(prod.pipelines.every((p) => !p.schedule.paused));
    assert.equal(dev.destroyableData, true);
    assert.equal(prod.destroyableData, false);
    assert.equal(prod.protect, true);
    assert.equal(prod.production, true);
    assert.notEqual(dev.warehouse.transforming.size, prod.warehouse.transforming.size);
  });

  it("applies defaults from STACK_DEFAULTS and overrides per pipeline", () => {
    const { config } = load(ROOT, "dev");
    assert.equal(config.orchestration.stepRetries, STACK_DEFAULTS.orchestration.stepRetries);
    const orders = config.pipelines.find((p) => p.name === "orders_files")!;
    assert.equal(orders.jobs.ingestion.memoryGiB, 4, "pipeline-level jobs override wins over the stack");
    assert.equal(orders.jobs.dbt.memoryGiB, config.jobs.dbt.memoryGiB);
    assert.equal(orders.dbtSelect, "tag:orders_files+");
  });

  it("collects the secrets a source refers to, and keeps secret values out of the plain config", () => {
    const { config, secrets } = load(ROOT, "dev");
    assert.deepEqual(config.pipelines.find((p) => p.name === "shop_postgres")!.secrets, ["db_password"]);
    assert.equal("fivetranApiKey" in config, false);
    assert.equal("pipelineSecrets" in config, false);
    assert.deepEqual(secrets.pipelineSecrets, {});
  });
});

describe("valid variations", () => {
  it("a pipeline disabled for the environment is not deployed there", () => {
    const root = project({ pipelines: { "orders.yaml": `${VALID_PIPELINE}environments:\n  dev: { enabled: false }\n` } });
    assert.deepEqual(load(root).config.pipelines, []);
  });

  it("environment schedule overrides replace only the fields they set", () => {
    const root = project({ pipelines: { "orders.yaml": `${VALID_PIPELINE}environments:\n  dev:\n    schedule: { cron: "0 5 * * *" }\n` } });
    assert.deepEqual(load(root).config.pipelines[0].schedule, { cron: "0 5 * * *", timezone: "UTC", paused: false });
  });
});

describe("bad input", () => {
  it("an unknown field names the file, line, column, path and the known fields", () => {
    const root = project({ pipelines: { "orders.yaml": VALID_PIPELINE.replace("    table: orders\n", "    table: orders\n    tabel: x\n") } });
    const [issue, ...rest] = issuesOf(root);
    assert.equal(rest.length, 0);
    assert.equal(issue.file, "pipelines/orders.yaml");
    assert.equal(issue.line, 10);
    assert.equal(issue.column, 5);
    assert.equal(issue.path, "source.filesystem.tabel");
    assert.match(issue.found, /unknown field "tabel"/);
    assert.match(issue.expected, /bucket_path, file_glob, format, table/);
  });

  it("an invalid cron says what is wrong with it", () => {
    const root = project({ pipelines: { "orders.yaml": VALID_PIPELINE.replace('"0 3 * * *"', '"0 25 * * *"') } });
    const [issue] = issuesOf(root);
    assert.equal(issue.path, "schedule.cron");
    assert.equal(issue.line, 11);
    assert.match(issue.expected, /hour values between 0 and 23/);
    assert.equal(issue.found, '"0 25 * * *"');
  });

  it("a cron restricting both day-of-month and day-of-week is rejected for portability", () => {
    const root = project({ pipelines: { "orders.yaml": VALID_PIPELINE.replace('"0 3 * * *"', '"0 3 1 * MON"') } });
    assert.match(issuesOf(root)[0].expected, /EventBridge/);
  });

  it("duplicate pipeline names are rejected", () => {
    const root = project({ pipelines: { "orders.yaml": VALID_PIPELINE, "orders.yml": VALID_PIPELINE } });
    const issues = issuesOf(root);
    assert.ok(
      issues.some((i) => i.file === "pipelines/orders.yml" && /not used by another file/.test(i.expected)),
      JSON.stringify(issues),
    );
  });

  // renamedFrom (test/stacks/rename.test.ts and the engine tier prove what it keeps): only a real old name.
  it("renamedFrom is carried to the pipeline's config", () => {
    const renamed = VALID_PIPELINE.replace("name: orders", "name: orders\nrenamedFrom: orders_v1");
    assert.equal(load(project({ pipelines: { "orders.yaml": renamed } })).config.pipelines[0].renamedFrom, "orders_v1");
    assert.equal(load(project({})).config.pipelines[0].renamedFrom, undefined);
  });

  it("renamedFrom naming itself, an existing pipeline, or claimed twice is rejected at its line", () => {
    const self = issuesOf(project({ pipelines: { "orders.yaml": VALID_PIPELINE.replace("name: orders", "name: orders\nrenamedFrom: orders") } }));
    assert.deepEqual([self[0].path, self[0].line, self[0].found], ["renamedFrom", 2, '"orders"']);
    assert.match(self[0].expected, /previous name, not its current one/);
    const other = VALID_PIPELINE.replace("name: orders", "name: refunds").replace("table: orders", "table: refunds");
    const existing = issuesOf(project({ pipelines: { "orders.yaml": VALID_PIPELINE, "refunds.yaml": other.replace("name: refunds", "name: refunds\nrenamedFrom: orders") } }));
    assert.deepEqual([existing[0].file, existing[0].path], ["pipelines/refunds.yaml", "renamedFrom"]);
    assert.match(existing[0].expected, /pipelines\/orders\.yaml still has it/);
    const twice = issuesOf(
      project({
        pipelines: {
          "orders.yaml": VALID_PIPELINE.replace("name: orders", "name: orders\nrenamedFrom: old_orders"),
          "refunds.yaml": other.replace("name: refunds", "name: refunds\nrenamedFrom: old_orders"),
        },
      }),
    );
    assert.equal(twice.length, 1);
    assert.match(twice[0].expected, /no other pipeline claims \(pipelines\/orders\.yaml renames from it too\)/);
    const badName = issuesOf(project({ pipelines: { "orders.yaml": VALID_PIPELINE.replace("name: orders", "name: orders\nrenamedFrom: Orders-Old") } }));
    assert.equal(badName[0].path, "renamedFrom");
  });

  it("a file name that differs from the pipeline name is rejected", () => {
    const root = project({ pipelines: { "other.yaml": VALID_PIPELINE } });
    const [issue] = issuesOf(root);
    assert.equal(issue.path, "name");
    assert.equal(issue.line, 1);
    assert.match(issue.expected, /"other"/);
  });

  it("a pipeline name that would break the 30-character service account rule is caught at validation", () => {
    const long = "orders_from_partner_feed_v2";
    const root = project({ pipelines: { [`${long}.yaml`]: VALID_PIPELINE.replace("name: orders", `name: ${long}`) } });
    const issues = issuesOf(root);
    const sa = issues.find((i) => /GCP service account id/.test(i.expected));
    assert.ok(sa, JSON.stringify(issues));
    assert.equal(sa.file, `pipelines/${long}.yaml`);
    // The budget in this stack's terms: 30 - "acme-dev-" - "-ing" = 17, once per pipeline.
    assert.equal(sa.expected, "a pipeline name of at most 17 characters on GCP with prefix acme-dev (the GCP service account id acme-dev-<pipeline>-ing allows 30)");
    assert.match(sa.found, /"orders_from_partner_feed_v2" \(27 characters, making "acme-dev-orders-from-partner-feed-v2-ing" \(40 characters\)\)/);
    assert.equal(issues.filter((i) => i.file === sa.file && i.path === "name").length, 1, JSON.stringify(issues));
  });

  it("the name budget is each cloud's own: a name that fits exactly passes, one more character fails", () => {
    const at = (name: string, stack = VALID_STACK) => project({ stack, pipelines: { [`${name}.yaml`]: VALID_PIPELINE.replace("name: orders", `name: ${name}`) } });
    assert.doesNotThrow(() => load(at("a".repeat(17))));
    assert.match(issuesOf(at("a".repeat(18)))[0].expected, /at most 17 characters on GCP with prefix acme-dev/);
    const aws = VALID_STACK.replace("data-platform:cloud: gcp", "data-platform:cloud: aws").replace(
      / {2}data-platform:gcp:\n {4}project: acme-data-dev\n/,
      '  data-platform:aws:\n    accountId: "123456789012"\n',
    );
    assert.doesNotThrow(() => load(at("a".repeat(25), aws)), "AWS leaves more room than GCP for acme-dev");
  });

  it("reports every error in every file at once, stack file included", () => {
    const root = project({
      stack: VALID_STACK.replace("data-platform:cloud: gcp", "data-platform:cloud: azure"),
      pipelines: {
        "orders.yaml": VALID_PIPELINE.replace("owner: team@example.com", "owner: nobody"),
        "users.yaml": VALID_PIPELINE.replace("name: orders", "name: users").replace("format: csv", "format: xml"),
      },
    });
    const issues = issuesOf(root);
    const where = issues.map((i) => `${i.file}:${i.path}`).sort();
    assert.deepEqual(where, ["Pulumi.dev.yaml:data-platform:cloud", "pipelines/orders.yaml:owner", "pipelines/users.yaml:source.filesystem.format"]);
    const cloud = issues.find((i) => i.path === "data-platform:cloud")!;
    assert.equal(cloud.line, 2);
    assert.equal(cloud.found, '"azure"');
  });

  it("a missing required field points at its parent and says it is missing", () => {
    const root = project({ pipelines: { "orders.yaml": VALID_PIPELINE.replace("    format: csv\n", "") } });
    const [issue] = issuesOf(root);
    assert.equal(issue.path, "source.filesystem.format");
    assert.equal(issue.found, "nothing (the field is missing)");
    assert.equal(issue.line, 6, "the line that says filesystem:, where the field belongs");
  });

  it("a YAML syntax error is reported with its line", () => {
    const root = project({ pipelines: { "orders.yaml": `${VALID_PIPELINE}extra: [unclosed\n` } });
    const [issue] = issuesOf(root);
    assert.equal(issue.expected, "valid YAML");
    assert.ok(issue.line && issue.line >= 13);
  });

  it("an override for an environment no stack file has is a typo, not a no-op", () => {
    const root = project({ pipelines: { "orders.yaml": `${VALID_PIPELINE}environments:\n  prdo: { enabled: false }\n` } });
    const [issue] = issuesOf(root);
    assert.equal(issue.path, "environments.prdo");
    assert.equal(issue.line, 13);
    assert.match(issue.expected, /an environment of a stack file \(dev\)/);
  });

  it("the cloud's own section is required", () => {
    const root = project({ stack: VALID_STACK.replace("data-platform:cloud: gcp", "data-platform:cloud: aws") });
    const [issue] = issuesOf(root);
    assert.equal(issue.path, "data-platform:aws");
  });

  it("prod can never allow data destruction", () => {
    const root = project({ stack: `${VALID_STACK.replace("environment: dev", "environment: prod")}  data-platform:allowDataDestroy: true\n` });
    const [issue] = issuesOf(root);
    assert.equal(issue.path, "data-platform:allowDataDestroy");
    assert.equal(issue.line, 10);
  });

  it("a network policy needs jobs with a fixed outbound address: gcp.staticEgress, or AWS subnets behind a NAT", () => {
    const withPolicy = VALID_STACK.replace("    account: ACME-DATA\n", "    account: ACME-DATA\n    allowedIpRanges: [203.0.113.0/24]\n");
    const [gcpIssue, ...more] = issuesOf(project({ stack: withPolicy }));
    assert.equal(more.length, 0);
    assert.equal(gcpIssue.path, "data-platform:gcp.staticEgress");
    assert.match(gcpIssue.expected, /gcp\.staticEgress: true with warehouse\.allowedIpRanges/);
    const { config } = load(project({ stack: withPolicy.replace("    project: acme-data-dev\n", "    project: acme-data-dev\n    staticEgress: true\n") }));
    assert.equal(config.gcp?.staticEgress, true);
    const aws = withPolicy
      .replace("data-platform:cloud: gcp", "data-platform:cloud: aws")
      .replace("  data-platform:gcp:\n    project: acme-data-dev\n", '  data-platform:aws:\n    accountId: "123456789012"\n');
    const [awsIssue] = issuesOf(project({ stack: aws }));
    assert.equal(awsIssue.path, "data-platform:aws.subnetIds");
    assert.match(awsIssue.expected, /subnets behind a NAT whose public addresses are in warehouse\.allowedIpRanges/);
  });

  // Our own validation (no Snowflake): a stack that fences its service users in but gives Fivetran's
  // user no ranges would lock Fivetran out of its destination at the first sync. Cannot prove the
  // ranges are Fivetran's real ones (they come from Fivetran's docs page, which the message names).
  it("network policies with a Fivetran pipeline need fivetranIpRanges, pointing at Fivetran's IP list for the region", () => {
    const fivetranPipeline = fs.readFileSync(path.join(ROOT, "pipelines", "shop_postgres.yaml"), "utf8");
    const fenced = VALID_STACK.replace("    project: acme-data-dev\n", "    project: acme-data-dev\n    staticEgress: true\n").replace(
      "    account: ACME-DATA\n",
      "    account: ACME-DATA\n    allowedIpRanges: [203.0.113.0/24]\n",
    );
    const pipelines = { "orders.yaml": VALID_PIPELINE, "shop_postgres.yaml": fivetranPipeline };
    const [issue, ...more] = issuesOf(project({ stack: fenced, pipelines }));
    assert.equal(more.length, 0, JSON.stringify(more));
    assert.equal(issue.file, "Pulumi.dev.yaml");
    assert.equal(issue.path, "data-platform:warehouse.fivetranIpRanges");
    assert.equal(issue.line, 9, "points at the warehouse section the field belongs in");
    assert.match(issue.expected, /Fivetran's IP ranges for region GCP_EUROPE_WEST3 \(https:\/\/fivetran\.com\/docs\/using-fivetran\/ips\)/);
    assert.match(issue.expected, /shop_postgres loads through Fivetran/);
    assert.equal(issue.found, "no fivetranIpRanges");
    // With the ranges it loads; without policies, or with the Fivetran pipeline off in this environment, nothing is asked.
    const withRanges = fenced.replace("    allowedIpRanges: [203.0.113.0/24]\n", "    allowedIpRanges: [203.0.113.0/24]\n    fivetranIpRanges: [192.0.2.0/25]\n");
    assert.deepEqual(load(project({ stack: withRanges, pipelines })).config.warehouse.fivetranIpRanges, ["192.0.2.0/25"]);
    assert.equal(load(project({ stack: VALID_STACK, pipelines })).config.warehouse.allowedIpRanges.length, 0);
    const off = { ...pipelines, "shop_postgres.yaml": fivetranPipeline.replace("  dev:\n    schedule: { paused: true }", "  dev:\n    enabled: false") };
    assert.ok(load(project({ stack: fenced, pipelines: off })).config.pipelines.every((p) => p.source.type !== "fivetran"));
  });

  it("Fivetran's or the BI tool's ranges without allowedIpRanges would be ignored, so they are rejected", () => {
    const stack = VALID_STACK.replace("    account: ACME-DATA\n", "    account: ACME-DATA\n    fivetranIpRanges: [192.0.2.0/25]\n    biIpRanges: [192.0.2.128/25]\n");
    const issues = issuesOf(project({ stack }));
    assert.deepEqual(
      issues.map((i) => [i.path, i.line]),
      [
        ["data-platform:warehouse.allowedIpRanges", 8],
        ["data-platform:warehouse.allowedIpRanges", 8],
      ],
    );
    assert.match(issues[0].expected, /warehouse\.allowedIpRanges \(the jobs' ranges\) with warehouse\.fivetranIpRanges/);
    assert.match(issues[1].expected, /with warehouse\.biIpRanges/);
  });

  it("IP ranges are IPv4 CIDRs and monitor recipients Snowflake user names, each error at its line", () => {
    const stack = VALID_STACK.replace(
      "    account: ACME-DATA\n",
      "    account: ACME-DATA\n    allowedIpRanges: [203.0.113.0/33]\n    biIpRanges: [300.1.1.0/24]\n    monitorNotifyUsers: [ok_user, 1bad]\n",
    );
    const issues = issuesOf(project({ stack: stack.replace("    project: acme-data-dev\n", "    project: acme-data-dev\n    staticEgress: true\n") }));
    assert.deepEqual(
      issues.map((i) => [i.path, i.line, i.found]),
      [
        ["data-platform:warehouse.monitorNotifyUsers.1", 13, '"1bad"'],
        ["data-platform:warehouse.allowedIpRanges.0", 11, '"203.0.113.0/33"'],
        ["data-platform:warehouse.biIpRanges.0", 12, '"300.1.1.0/24"'],
      ],
    );
    assert.match(issues[0].expected, /Snowflake user name/);
    assert.match(issues[1].expected, /IPv4 CIDR/);
  });

  it("a secret value for a secret the source does not use is rejected", () => {
    const root = project({ stack: `${VALID_STACK}  data-platform:pipelineSecrets:\n    orders:\n      api_token:\n        secure: v1:abc\n` });
    const [issue] = issuesOf(root);
    assert.equal(issue.path, "data-platform:pipelineSecrets.orders.api_token");
    assert.equal(issue.line, 12);
  });

  // Stands for: a database Fivetran connector without its source schemas is refused when the config
  // is loaded (file, line, field, expected, found), before any resource is declared, instead of
  // failing later inside the Pipeline component. Proven by: the real loader on a temporary project.
  // Cannot prove: which schemas the real source database holds.
  it("a database Fivetran pipeline without enabled fivetran.schemas is a config error naming file, line and field", () => {
    const shop = fs.readFileSync(path.join(ROOT, "pipelines", "shop_postgres.yaml"), "utf8");
    const schemasBlock = / {4}schemas:\n(?: {6}.*\n)+/;
    assert.match(shop, schemasBlock);
    const without = shop.replace(schemasBlock, "");
    const [missing, ...rest] = issuesOf(project({ pipelines: { "shop_postgres.yaml": without } }));
    assert.deepEqual(rest, []);
    assert.equal(missing.file, "pipelines/shop_postgres.yaml");
    assert.equal(missing.path, "source.fivetran.schemas");
    // The field is missing, so the issue points at its parent mapping (the line of `fivetran:`).
    assert.equal(missing.line, without.split("\n").indexOf("  fivetran:") + 1);
    assert.match(missing.expected, /at least one enabled source schema: postgres is a database connector, so each schema lands in shop_postgres_<schema>/);
    assert.equal(missing.found, "nothing (the field is missing)");

    // Listed, but none enabled: the same error, at the field's value (its first line).
    const disabled = shop.replace("      public:\n        enabled: true\n", "      public:\n        enabled: false\n");
    assert.notEqual(disabled, shop);
    const [off] = issuesOf(project({ pipelines: { "shop_postgres.yaml": disabled } }));
    assert.equal(off.path, "source.fivetran.schemas");
    assert.equal(off.line, disabled.split("\n").indexOf("      public:") + 1);
    assert.equal(off.found, "a mapping");

    // A SaaS connector writes one schema: no list needed.
    const saas = without.replace("service: postgres", "service: google_ads").replace(/ {4}config:\n(?: {6}.*\n)+/, "");
    assert.equal(load(project({ pipelines: { "shop_postgres.yaml": saas } })).config.pipelines[0].name, "shop_postgres");
  });

  // Stands for: a stack file that still sets snowflake:role (which no provider of the platform uses:
  // each object type has its own role) being refused at load, with file, line and field.
  // Proven by: the real loader on a temporary project. Cannot prove: the roles Snowflake grants.
  it("snowflake:role is refused: the warehouse picks the role per object type", () => {
    const stack = VALID_STACK.replace("config:\n", "config:\n  snowflake:role: ACCOUNTADMIN\n");
    const [issue, ...rest] = issuesOf(project({ stack }));
    assert.deepEqual(rest, []);
    assert.equal(issue.file, "Pulumi.dev.yaml");
    assert.equal(issue.line, 2);
    assert.equal(issue.path, "snowflake:role");
    assert.match(issue.expected, /no snowflake:role: the warehouse creates each object with the system role/);
    assert.equal(issue.found, '"ACCOUNTADMIN"');
    // The other snowflake:* settings pass through, credentials apart.
    const ok = VALID_STACK.replace("config:\n", "config:\n  snowflake:user: PULUMI_DEPLOYER\n  snowflake:privateKey: not-a-real-key\n");
    const loaded = load(project({ stack: ok }));
    assert.deepEqual(loaded.config.snowflakeProvider, { user: "PULUMI_DEPLOYER" });
    assert.deepEqual(loaded.secrets.snowflakeCredentials, { privateKey: "not-a-real-key" });
  });

  it('an unknown source type says which type was found, not "a mapping"', () => {
    const root = project({ pipelines: { "orders.yaml": VALID_PIPELINE.replace("type: filesystem", "type: filesytem") } });
    const [issue] = issuesOf(root);
    assert.equal(issue.path, "source.type");
    assert.equal(issue.found, '"filesytem"');
    assert.match(issue.expected, /"rest_api", "filesystem", "sql_database" or "fivetran"/);
  });

  it("the formatted message lists file:line:col, path, expected and found", () => {
    const root = project({ pipelines: { "orders.yaml": VALID_PIPELINE.replace('"0 3 * * *"', '"every day"') } });
    try {
      load(root);
      assert.fail("expected an error");
    } catch (e) {
      assert.match(
        (e as Error).message,
        /^1 configuration error; nothing was declared:\n {2}pipelines\/orders\.yaml:11:9 {2}schedule\.cron: expected a cron expression with 5 fields .*, found "every day"$/,
      );
    }
  });
});
