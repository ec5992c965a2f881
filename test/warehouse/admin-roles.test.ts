/**
 * Which system role creates (and so owns) each Snowflake object, over the synthesized plans of the
 * shipped stacks.
 *
 * Stands for: `pulumi up` creating databases, schemas and the stage as SYSADMIN, roles as USERADMIN,
 * users, network policies and grants as SECURITYADMIN, and only the resource monitor, the warehouses
 * and the storage integration as ACCOUNTADMIN (OBJECT_ADMIN_ROLE in components/warehouse/model.ts,
 * where each row cites Snowflake's rule); and every provider connecting with the stack's own
 * `snowflake:*` settings, its key as a secret.
 * Proven by: declaration under mocks (the real program for dev, prod and dev-aws; each resource's
 * explicit provider reference, resolved to the provider's `role` input).
 * Cannot prove: that Snowflake accepts each statement from that role; the snowflake-emulated tier
 * checks that against Snowflake's documented role privileges (admin-roles.test.ts there).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ADMIN_ROLES, OBJECT_ADMIN_ROLE } from "../../components/warehouse/model";
import { isSecretValue, maskSecrets, synthesize, type Plan } from "../../tools/synth/synthesize";
import { readStackFile } from "../../tools/synth/stack-file";

const PROVIDER = "pulumi:providers:snowflake";
const root = process.cwd();

for (const stack of ["dev", "prod", "dev-aws"]) {
  describe(`${stack}: every Snowflake resource is created by the role the ownership table names`, () => {
    let plan: Plan;
    before(async () => {
      plan = await synthesize({ stack });
    });

    it("one provider per system role, each with the stack's connection settings and its key as a secret", () => {
      const providers = plan.resources.filter((r) => r.type === PROVIDER);
      assert.deepEqual(providers.map((p) => p.inputs.role).sort(), [...ADMIN_ROLES].sort());
      const file = readStackFile(root, stack);
      for (const p of providers) {
        for (const key of ["organizationName", "accountName", "user", "authenticator"]) {
          assert.equal(p.inputs[key], file.config[`snowflake:${key}`], `${p.name}: ${key}`);
        }
        assert.deepEqual(JSON.parse(String(p.inputs.previewFeaturesEnabled)), JSON.parse(file.config["snowflake:previewFeaturesEnabled"]), `${p.name}: previewFeaturesEnabled`);
        if ("privateKey" in p.inputs) assert.ok(isSecretValue(p.inputs.privateKey), `${p.name}: privateKey must be a secret`);
      }
    });

    it("each Snowflake resource names an explicit provider whose role is its type's row of OBJECT_ADMIN_ROLE", () => {
      const roleOf = new Map(plan.resources.filter((r) => r.type === PROVIDER).map((p) => [p.urn, String(p.inputs.role)]));
      const snowflake = plan.resources.filter((r) => r.type.startsWith("snowflake:"));
      assert.ok(snowflake.length > 30, `the plan has the warehouse (${snowflake.length} Snowflake resources)`);
      const wrong: string[] = [];
      const table = OBJECT_ADMIN_ROLE as Record<string, string>;
      for (const r of snowflake) {
        const expected = table[r.type];
        // The provider reference is `<provider urn>::<provider id>`.
        const ref = r.options.provider;
        const actual = ref ? roleOf.get(ref.slice(0, ref.lastIndexOf("::"))) : undefined;
        if (!expected) wrong.push(`${r.name}: type ${r.type} has no row in OBJECT_ADMIN_ROLE`);
        else if (actual !== expected) wrong.push(`${r.name} (${r.type}): created by ${actual ?? "the default provider"}, expected ${expected}`);
      }
      assert.deepEqual(wrong, []);
      // Every row is used by some stack resource of this plan, so the table holds no stale type.
      const used = new Set(snowflake.map((r) => r.type));
      assert.deepEqual(
        Object.keys(OBJECT_ADMIN_ROLE).filter((t) => !used.has(t) && !(t.endsWith("NetworkPolicy") && stack !== "prod")),
        [],
      );
    });

    it("the stage's role may use the storage integration, granted before the stage is created", () => {
      const grant = plan.resources.find((r) => r.type.endsWith("GrantPrivilegesToAccountRole") && (r.inputs.onAccountObject as any)?.objectType === "INTEGRATION");
      assert.ok(grant, "a grant on the storage integration");
      assert.equal(grant.inputs.accountRoleName, OBJECT_ADMIN_ROLE["snowflake:index/stage:Stage"]);
      assert.deepEqual(grant.inputs.privileges, ["USAGE"]);
      const stage = plan.resources.find((r) => r.type === "snowflake:index/stage:Stage");
      assert.ok(stage?.options.dependencies.includes(grant.urn), "the stage depends on the integration grant");
    });
  });
}

// Stands for: the deployer's key (`pulumi config set --secret snowflake:privateKey`) reaching every
// provider, and only as a secret. Proven by: declaration under mocks with the dev stack file plus a
// secret key. Cannot prove: that Snowflake accepts the key.
describe("the deployer's key reaches every provider as a secret, and nowhere in plain text", () => {
  it("dev with snowflake:privateKey set as a secret", async () => {
    const file = readStackFile(root, "dev");
    const key = "-----BEGIN PRIVATE KEY-----\nZGVwbG95ZXIta2V5LWZvci10ZXN0cw==\n-----END PRIVATE KEY-----\n";
    const plan = await synthesize({ stack: "dev", config: { ...file.config, "snowflake:privateKey": key }, secretKeys: [...file.secretKeys, "snowflake:privateKey"] });
    const providers = plan.resources.filter((r) => r.type === PROVIDER);
    assert.equal(providers.length, ADMIN_ROLES.length);
    for (const p of providers) {
      assert.ok(isSecretValue(p.inputs.privateKey), `${p.name}: privateKey is not a secret`);
      assert.equal((p.inputs.privateKey as { value: unknown }).value, key);
    }
    const masked = JSON.stringify({ resources: plan.resources.map((r) => ({ ...r, inputs: maskSecrets(r.inputs) })), outputs: plan.outputs });
    assert.ok(!masked.includes("ZGVwbG95ZXIta2V5LWZvci10ZXN0cw"), "the key appears outside a secret");
  });
});
