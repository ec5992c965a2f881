/**
 * Invariants over every resource each shipped stack declares. These hold for any pipeline file a team
 * adds, so they run against the real stack files and pipelines, not fixtures.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { readStackFile } from "../../tools/synth/stack-file";
import { isSecretValue, synthesize, type Plan } from "../../tools/synth/synthesize";
import { PROJECT_ROOT } from "../../stacks/program";
import { LABEL_KEYS } from "../../components/labels";
import { labelProperty } from "../../policy/taggable";

/** Distinct secret values set as Pulumi secrets, so the test can look for them anywhere. */
const SECRETS: Record<string, string> = {
  "data-platform:fivetranApiKey": "SENTINEL-fivetran-key",
  "data-platform:fivetranApiSecret": "SENTINEL-fivetran-secret",
  "data-platform:pipelineSecrets": JSON.stringify({ shop_postgres: { db_password: "SENTINEL-db-password" } }),
};
const SENTINELS = ["SENTINEL-", "PRIVATE KEY-----", "mock-access-token", "mock-ecr-password"];

/** Every string in `v` that is not inside a secret-wrapped value, with its path. */
function plainStrings(v: unknown, at: string, out: [string, string][] = []): [string, string][] {
  if (isSecretValue(v)) return out;
  if (typeof v === "string") out.push([at, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => plainStrings(x, `${at}[${i}]`, out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) plainStrings(x, `${at}.${k}`, out);
  return out;
}

for (const stack of ["dev", "prod", "dev-aws"]) {
  describe(`invariants: ${stack}`, () => {
    let plan: Plan;
    before(async () => {
      const file = readStackFile(PROJECT_ROOT, stack);
      plan = await synthesize({ stack, config: { ...file.config, ...SECRETS }, secretKeys: [...file.secretKeys, ...Object.keys(SECRETS)] });
    });

    it("declares resources", () => assert.ok(plan.resources.filter((r) => r.custom).length > 20));

    it("every type+name pair is unique (the engine would reject duplicates; mocks do not)", () => {
      const seen = new Map<string, number>();
      for (const r of plan.resources) seen.set(`${r.type}::${r.name}`, (seen.get(`${r.type}::${r.name}`) ?? 0) + 1);
      assert.deepEqual(
        [...seen].filter(([, n]) => n > 1),
        [],
      );
    });

    it("every taggable resource carries the platform labels", () => {
      const missing: string[] = [];
      for (const r of plan.resources.filter((x) => x.custom)) {
        const prop = labelProperty(r.type);
        if (!prop) continue;
        const tags = (r.inputs[prop] ?? {}) as Record<string, string>;
        const lacking = LABEL_KEYS.filter((k) => k !== "pipeline" && !tags[k]);
        if (lacking.length) missing.push(`${r.type}::${r.name} lacks ${lacking.join(", ")}`);
      }
      assert.deepEqual(missing, []);
    });

    it("no secret appears in a plain (non-secret) input or output", () => {
      const leaks: string[] = [];
      for (const r of plan.resources) {
        const { __provider, ...inputs } = r.inputs as Record<string, unknown>;
        for (const [at, s] of plainStrings(inputs, `${r.type}::${r.name}`)) {
          if (SENTINELS.some((x) => s.includes(x))) leaks.push(at);
        }
        if (typeof __provider === "string") for (const x of SENTINELS) if (__provider.includes(x)) leaks.push(`${r.name}.__provider`);
      }
      for (const [at, s] of plainStrings(plan.outputs, "outputs")) if (SENTINELS.some((x) => s.includes(x))) leaks.push(at);
      assert.deepEqual(leaks, []);
    });

    it("every child resource has a parent component (nothing floats at the stack root but the platform)", () => {
      const roots = plan.resources.filter((r) => !r.parent || r.parent.split("::")[2] === "pulumi:pulumi:Stack");
      assert.deepEqual(
        roots.map((r) => r.type),
        ["data-platform:index:DataPlatform"],
      );
    });

    it("every Fivetran connection gets its schedule (the only thing that unpauses it) after its schema config", () => {
      const ofType = (t: string) => plan.resources.filter((r) => r.type === `pulumi-nodejs:dynamic/fivetran:${t}`);
      const connections = ofType("Connection");
      assert.ok(connections.length > 0, "the shipped pipelines include a Fivetran one");
      for (const c of connections) {
        assert.ok(!("paused" in c.inputs), `${c.name}: the connection itself does not set paused`);
        // Its connectionId input makes each depend on the connection.
        const of = (t: string) => ofType(t).filter((r) => r.options.dependencies.includes(c.urn));
        const [schemaConfig, schedule] = [of("SchemaConfig"), of("ConnectionSchedule")];
        assert.deepEqual([schemaConfig.length, schedule.length], [1, 1], c.name);
        assert.ok(schedule[0].options.dependencies.includes(schemaConfig[0].urn), `${c.name}: the schedule waits for the schema config`);
      }
    });
  });
}
