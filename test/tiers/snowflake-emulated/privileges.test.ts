/**
 * Grants the emulator cannot check.
 *
 * Stands for: Snowflake accepting every GrantPrivilegesToAccountRole the plan declares (a privilege that
 * does not exist for the object type fails the whole `pulumi up`), and Fivetran's setup test passing on
 * the privileges of the role its destination uses.
 * What proves it: the plans of dev, prod and dev-aws, checked against a table transcribed from
 * Snowflake's and Fivetran's documentation (snowflake-privileges.ts) — a third-party rule set in our
 * transcription, below an emulator in rank.
 * What it cannot prove: that Snowflake's docs and the table still agree, or how Snowflake resolves
 * future grants against ownership at run time.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Plan, PlannedResource } from "../../../tools/synth/synthesize";
import { ofType, synthStack } from "./harness";
import { FIVETRAN_REQUIRED, SNOWFLAKE_PRIVILEGES } from "./snowflake-privileges";

const GRANT = "snowflake:index/grantPrivilegesToAccountRole:GrantPrivilegesToAccountRole";
const SINGULAR: Record<string, string> = { TABLES: "TABLE", VIEWS: "VIEW", SCHEMAS: "SCHEMA" };

/** The object type a grant is on, in the table's words, from the grant's own inputs. */
function objectType(g: PlannedResource, plan: Plan): string {
  const i = g.inputs as Record<string, any>;
  if (i.onAccountObject) return String(i.onAccountObject.objectType);
  if (i.onSchema) return "SCHEMA";
  if (i.onSchemaObject) {
    const o = i.onSchemaObject;
    if (o.objectType === "STAGE") {
      // External when the planned stage has a URL.
      const stage = ofType(plan, "snowflake:index/stage:Stage").find(
        (s) => String(o.objectName).endsWith(`"${s.inputs.name}"`) || String(o.objectName).endsWith(`.${s.inputs.name}`),
      );
      return stage?.inputs.url ? "EXTERNAL STAGE" : "INTERNAL STAGE";
    }
    if (o.objectType) return String(o.objectType);
    const plural = (o.all ?? o.future)?.objectTypePlural;
    return SINGULAR[plural] ?? String(plural);
  }
  throw new Error(`grant ${g.name}: no on… input`);
}

for (const stack of ["dev", "prod", "dev-aws"]) {
  describe(`${stack}: grants against Snowflake's documented privileges`, () => {
    let plan: Plan;
    before(async () => {
      plan = await synthStack(stack);
    });

    it("every granted privilege exists for its object type", () => {
      const grants = ofType(plan, GRANT);
      assert.ok(grants.length > 10, `the plan has the warehouse's grants (${grants.length})`);
      const bad: string[] = [];
      for (const g of grants) {
        const type = objectType(g, plan);
        const allowed = SNOWFLAKE_PRIVILEGES[type];
        for (const p of g.inputs.privileges as string[]) if (!allowed?.includes(p)) bad.push(`${g.name}: ${p} on ${type}`);
      }
      assert.deepEqual(bad, []);
    });

    it("Fivetran's role holds what Fivetran's setup guide grants", () => {
      const destination = plan.resources.find((r) => r.type.endsWith("fivetran:Destination") || (/Destination$/.test(r.type) && r.name === "fivetran-destination"));
      assert.ok(destination, "the plan has a Fivetran destination");
      const role = String((destination.inputs as any).role ?? (destination.inputs as any).config?.role);
      const held: Record<string, Set<string>> = {};
      for (const g of ofType(plan, GRANT).filter((g) => g.inputs.accountRoleName === role)) {
        const type = objectType(g, plan);
        for (const p of g.inputs.privileges as string[]) (held[type] ??= new Set()).add(p);
      }
      for (const [type, privileges] of Object.entries(FIVETRAN_REQUIRED)) {
        for (const p of privileges)
          assert.ok(held[type]?.has(p), `role ${role} lacks ${p} on ${type} (holds ${JSON.stringify(Object.fromEntries(Object.entries(held).map(([k, v]) => [k, [...v]])))})`);
      }
    });
  });
}
