/**
 * The role each planned Snowflake statement runs as, against what Snowflake documents that statement
 * needs. fakesnow ignores roles and ownership, so this is checked on the plan.
 *
 * Stands for: `pulumi up` succeeding statement by statement as the system role its provider uses
 * (CREATE DATABASE as SYSADMIN, CREATE USER ... NETWORK_POLICY as the policy's owner, CREATE WAREHOUSE
 * ... RESOURCE_MONITOR as ACCOUNTADMIN, grants with MANAGE GRANTS, ...), and Snowflake not
 * refusing one with "Insufficient privileges".
 * What proves it: the plans of dev, prod and dev-aws (each resource's explicit provider and its role),
 * checked against Snowflake's documented system-role privileges and hierarchy and each statement's
 * documented requirement (snowflake-privileges.ts, with the doc of each) — a third-party rule set in
 * our transcription. It does not read the ownership table (OBJECT_ADMIN_ROLE), so a row that moves an
 * object to a role Snowflake would refuse fails here.
 * What it cannot prove: that the account keeps Snowflake's default grants to the system roles, or
 * that the docs and the table still agree.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Plan, PlannedResource } from "../../../tools/synth/synthesize";
import { synthStack } from "./harness";
import { SYSTEM_ROLE_CHILDREN, SYSTEM_ROLE_PRIVILEGES, type SystemRole } from "./snowflake-privileges";

const PROVIDER = "pulumi:providers:snowflake";
const T = (name: string) => `snowflake:index/${name[0].toLowerCase()}${name.slice(1)}:${name}`;

/** The role and everything it inherits, by the default hierarchy. */
function inherited(role: SystemRole): Set<SystemRole> {
  const out = new Set<SystemRole>([role]);
  for (const child of SYSTEM_ROLE_CHILDREN[role] ?? []) for (const r of inherited(child)) out.add(r);
  return out;
}

/** Planned object names come as names or as fully qualified `"DB"."SCHEMA"`; compare on the last part. */
const lastPart = (v: unknown) => String(v).split(".").pop()!.replace(/"/g, "");

for (const stack of ["dev", "prod", "dev-aws"]) {
  describe(`${stack}: each Snowflake statement runs as a role Snowflake lets run it`, () => {
    let plan: Plan;
    let roleOf: (r: PlannedResource) => SystemRole;
    before(async () => {
      plan = await synthStack(stack);
      const providers = new Map(plan.resources.filter((r) => r.type === PROVIDER).map((p) => [p.urn, p.inputs.role as SystemRole]));
      roleOf = (r) => {
        const ref = r.options.provider;
        const role = ref ? providers.get(ref.slice(0, ref.lastIndexOf("::"))) : undefined;
        assert.ok(role, `${r.name}: no explicit provider with a role (the default provider's role is whatever the deployer's session has)`);
        return role;
      };
    });

    it("every statement's documented requirement is met by its role (privileges, ownership, grants made in the plan)", () => {
      const of = (type: string) => plan.resources.filter((r) => r.type === T(type));
      const holds = (role: SystemRole, privilege: string) => [...inherited(role)].some((r) => SYSTEM_ROLE_PRIVILEGES[r].includes(privilege));
      /** Whether `role` owns (itself or through a role it inherits) the planned object of `type` named `name`. */
      const owns = (role: SystemRole, type: string, name: unknown) => {
        const object = of(type).find((o) => o.inputs.name === lastPart(name));
        assert.ok(object, `no planned ${type} named ${String(name)}`);
        return inherited(role).has(roleOf(object));
      };
      const problems: string[] = [];
      const need = (r: PlannedResource, ok: boolean, what: string) => {
        if (!ok) problems.push(`${r.name} as ${roleOf(r)}: needs ${what}`);
      };
      const snowflake = plan.resources.filter((r) => r.type.startsWith("snowflake:"));
      assert.ok(snowflake.length > 30, `the plan has the warehouse (${snowflake.length} Snowflake resources)`);
      for (const r of snowflake) {
        const role = roleOf(r);
        const i = r.inputs as Record<string, any>;
        switch (r.type) {
          case T("Database"):
            need(r, holds(role, "CREATE DATABASE"), "CREATE DATABASE (create-database)");
            break;
          case T("Schema"):
            // CREATE SCHEMA: OWNERSHIP or CREATE SCHEMA on the database (create-schema); no CREATE SCHEMA grant goes to a system role.
            need(r, owns(role, "Database", i.database), `ownership of database ${i.database}`);
            break;
          case T("Stage"): {
            // CREATE STAGE: OWNERSHIP or CREATE STAGE on the schema; USAGE on the storage integration (create-stage).
            need(r, owns(role, "Schema", i.schema), `ownership of schema ${i.schema}`);
            const usage = of("GrantPrivilegesToAccountRole").some(
              (g) =>
                inherited(role).has(g.inputs.accountRoleName as SystemRole) &&
                (g.inputs.onAccountObject as any)?.objectType === "INTEGRATION" &&
                lastPart((g.inputs.onAccountObject as any).objectName) === lastPart(i.storageIntegration) &&
                (g.inputs.privileges as string[]).includes("USAGE"),
            );
            need(r, usage || owns(role, "StorageIntegration", i.storageIntegration), `USAGE on integration ${i.storageIntegration}`);
            break;
          }
          case T("Warehouse"):
            need(r, holds(role, "CREATE WAREHOUSE"), "CREATE WAREHOUSE (create-warehouse)");
            if (i.resourceMonitor) need(r, holds(role, "ASSIGN RESOURCE MONITOR"), "ACCOUNTADMIN to assign resource monitor (resource-monitors)");
            break;
          case T("ResourceMonitor"):
            need(r, holds(role, "CREATE RESOURCE MONITOR"), "ACCOUNTADMIN (create-resource-monitor)");
            break;
          case T("StorageIntegration"):
            need(r, holds(role, "CREATE INTEGRATION"), "CREATE INTEGRATION (create-storage-integration)");
            break;
          case T("AccountRole"):
            need(r, holds(role, "CREATE ROLE"), "CREATE ROLE (create-role)");
            break;
          case T("NetworkPolicy"):
            need(r, holds(role, "CREATE NETWORK POLICY"), "CREATE NETWORK POLICY (create-network-policy)");
            break;
          case T("ServiceUser"):
            need(r, holds(role, "CREATE USER"), "CREATE USER (create-user)");
            // CREATE USER ... NETWORK_POLICY needs OWNERSHIP of the policy (BCR "CREATE USER command:
            // NETWORK_POLICY parameter must specify a valid network policy").
            if (i.networkPolicy) need(r, owns(role, "NetworkPolicy", i.networkPolicy), `ownership of network policy ${i.networkPolicy}`);
            break;
          case T("GrantPrivilegesToAccountRole"):
            // Privileges on objects other roles own, and future grants, need MANAGE GRANTS (grant-privilege).
            need(r, holds(role, "MANAGE GRANTS"), "MANAGE GRANTS (grant-privilege)");
            break;
          case T("GrantAccountRole"):
            // GRANT ROLE: the role's owner, or MANAGE GRANTS (grant-role).
            need(r, holds(role, "MANAGE GRANTS") || owns(role, "AccountRole", i.roleName), `MANAGE GRANTS or ownership of role ${i.roleName}`);
            break;
          default:
            problems.push(`${r.name}: ${r.type} has no documented requirement in this test; add the statement's rule`);
        }
      }
      assert.deepEqual(problems, []);
    });

    it("ACCOUNTADMIN runs only what Snowflake reserves to it", () => {
      const asAccountAdmin = plan.resources
        .filter((r) => r.type.startsWith("snowflake:") && roleOf(r) === "ACCOUNTADMIN")
        .map((r) => r.type)
        .filter((t, i, all) => all.indexOf(t) === i)
        .sort();
      // Each of these needs a privilege only ACCOUNTADMIN holds by default (SYSTEM_ROLE_PRIVILEGES).
      assert.deepEqual(asAccountAdmin, [T("ResourceMonitor"), T("StorageIntegration"), T("Warehouse")].sort());
    });
  });
}
