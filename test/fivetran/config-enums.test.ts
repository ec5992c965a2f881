/**
 * The provider's copy of Fivetran's config enums (components/fivetran/config-enums.ts) against the
 * definition itself, and every Fivetran connection the stacks declare against both.
 *
 * Stands for: Fivetran accepting only the documented values of enum config fields. Proof: Fivetran's
 * published OpenAPI definition (third-party data, shared/fivetran/open-api-spec.json), read for each
 * connection in the synthesized plan. Cannot prove: that the live API enforces exactly the definition.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "../../stacks/errors";
import { load, project, ROOT } from "../config/fixture";
import { FIVETRAN_CONFIG_ENUMS, configEnumProblems } from "../../components/fivetran/config-enums";
import { isSecretValue, synthesize } from "../../tools/synth/synthesize";
import { specSchema, validate } from "./openapi-validator";

const STACKS = ["dev", "prod", "dev-aws"];

function definitionEnums(service: string): Record<string, unknown[]> {
  const props = specSchema(`${service}_config_V1`)?.properties?.config?.properties ?? {};
  return Object.fromEntries(
    Object.entries<any>(props)
      .filter(([, p]) => Array.isArray(p.enum))
      .map(([k, p]) => [k, p.enum]),
  );
}

describe("Fivetran config enums", () => {
  it("each service's table equals the definition's enums, field for field", () => {
    for (const [service, table] of Object.entries(FIVETRAN_CONFIG_ENUMS)) {
      const fromDefinition = definitionEnums(service);
      assert.ok(Object.keys(fromDefinition).length > 0, `${service}_config_V1 has enums in the definition`);
      assert.deepEqual(
        Object.fromEntries(
          Object.entries(table)
            .map(([k, v]) => [k, [...v].sort()])
            .sort(),
        ),
        Object.fromEntries(
          Object.entries(fromDefinition)
            .map(([k, v]) => [k, [...(v as string[])].sort()])
            .sort(),
        ),
        `${service}: the copy drifted from Fivetran's definition`,
      );
    }
  });

  it("refuses the value that used to ship (update_method: XMIN) and passes the current ones", () => {
    assert.deepEqual(
      configEnumProblems("postgres", { update_method: "XMIN" }).map((p) => p.key),
      ["update_method"],
    );
    assert.deepEqual(configEnumProblems("postgres", { update_method: "QUERY_BASED" }), []);
  });

  it("the pipeline loader refuses XMIN in shop_postgres.yaml with file, line, field, expected and found", () => {
    const shipped = fs.readFileSync(path.join(ROOT, "pipelines", "shop_postgres.yaml"), "utf8");
    const line = shipped.split("\n").findIndex((l) => l.includes("update_method:")) + 1;
    assert.ok(line > 0, "the shipped pipeline sets update_method");
    const root = project({ pipelines: { "shop_postgres.yaml": shipped.replace(/update_method: .*/, "update_method: XMIN") } });
    try {
      load(root);
      assert.fail("expected the config to be rejected");
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      const issue = e.issues.find((i) => i.path === "source.fivetran.config.update_method");
      assert.ok(issue, e.message);
      assert.equal(issue.line, line);
      assert.match(e.message, /pipelines\/shop_postgres\.yaml:\d+:\d+ {2}source\.fivetran\.config\.update_method: expected one of QUERY_BASED, WAL_PGOUTPUT .*, found "XMIN"/);
    }
  });

  for (const stack of STACKS) {
    it(`${stack}: every declared connection's service has a table when its definition has enums, and its config passes the definition`, async () => {
      const plan = await synthesize({ stack });
      const connections = plan.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/fivetran:Connection");
      assert.ok(connections.length > 0, "the stack declares Fivetran connections");
      for (const c of connections) {
        const service = String(c.inputs.service);
        const raw = isSecretValue(c.inputs.config) ? c.inputs.config.value : c.inputs.config;
        const config = Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, isSecretValue(v) ? v.value : v]));
        if (Object.keys(definitionEnums(service)).length) assert.ok(FIVETRAN_CONFIG_ENUMS[service], `${c.name}: add ${service} to FIVETRAN_CONFIG_ENUMS`);
        const definition = specSchema(`${service}_config_V1`)?.properties?.config;
        assert.ok(definition, `${c.name}: ${service} is a service in Fivetran's definition`);
        assert.deepEqual(validate(definition, config, `${c.name}.config`), []);
      }
    });
  }
});
