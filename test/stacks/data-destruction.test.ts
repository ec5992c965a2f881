/**
 * The two-key rule for destroying data (DESIGN.md "Data safety"; stacks/load.ts, components/platform.ts):
 * data is destroyable only on a non-production stack with `protect: false` AND `allowDataDestroy: true`.
 * Either key alone must leave every stateful resource retained on delete, with every cloud-side
 * "delete the contents too" switch off.
 *
 * Stands for: what `pulumi destroy` / a replacement would do to buckets, registries, databases, job and
 * secret deletion guards. Proof: declaration under mocks, the real program synthesized from the real
 * stack files of both clouds with only the two keys changed. Cannot prove: that the engine and the
 * providers honour protect/retainOnDelete/forceDestroy (the engine tier and the clouds do that).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { readStackFile } from "../../tools/synth/stack-file";
import { synthesize, type Plan, type PlannedResource } from "../../tools/synth/synthesize";
import { PROJECT_ROOT } from "../../stacks/program";

/** The resources that hold data or images, by cloud: what a destroy must not take without both keys. */
const STATEFUL: Record<string, string[]> = {
  dev: ["gcp:storage/bucket:Bucket", "gcp:artifactregistry/repository:Repository", "snowflake:index/database:Database"],
  "dev-aws": ["aws:s3/bucket:Bucket", "aws:ecr/repository:Repository", "snowflake:index/database:Database"],
};

/** Each cloud's own "destroy the contents with it" inputs, and the value that keeps data safe. */
const GUARDS: { type: string; input: string; safe: unknown; destroyable: unknown }[] = [
  { type: "gcp:storage/bucket:Bucket", input: "forceDestroy", safe: false, destroyable: true },
  { type: "aws:s3/bucket:Bucket", input: "forceDestroy", safe: false, destroyable: true },
  { type: "aws:ecr/repository:Repository", input: "forceDelete", safe: false, destroyable: true },
  { type: "aws:secretsmanager/secret:Secret", input: "recoveryWindowInDays", safe: 30, destroyable: 0 },
];

const KEYS = [
  { protect: false, allowDataDestroy: true, destroyable: true },
  { protect: true, allowDataDestroy: true, destroyable: false },
  { protect: false, allowDataDestroy: false, destroyable: false },
] as const;

async function planWith(stack: string, protect: boolean, allowDataDestroy: boolean): Promise<Plan> {
  const file = readStackFile(PROJECT_ROOT, stack);
  const config = { ...file.config, "data-platform:protect": String(protect), "data-platform:allowDataDestroy": String(allowDataDestroy) };
  return synthesize({ stack, config, secretKeys: file.secretKeys });
}

const label = (r: PlannedResource) => `${r.type}::${r.name}`;

for (const stack of Object.keys(STATEFUL)) {
  for (const keys of KEYS) {
    describe(`${stack}: protect ${keys.protect}, allowDataDestroy ${keys.allowDataDestroy} → data ${keys.destroyable ? "destroyable" : "protected"}`, () => {
      let plan: Plan;
      before(async () => (plan = await planWith(stack, keys.protect, keys.allowDataDestroy)));

      it("every stateful resource is retained on delete (and protected when protect is on) unless both keys are turned", () => {
        const stateful = plan.resources.filter((r) => STATEFUL[stack].includes(r.type));
        for (const type of STATEFUL[stack])
          assert.ok(
            stateful.some((r) => r.type === type),
            `${stack} declares a ${type}`,
          );
        for (const r of stateful) {
          assert.equal(r.options.retainOnDelete, !keys.destroyable, `${label(r)} retainOnDelete`);
          assert.equal(r.options.protect, keys.destroyable ? false : keys.protect, `${label(r)} protect`);
        }
      });

      it("every cloud-side delete-the-contents switch is off unless both keys are turned", () => {
        const guarded = plan.resources.filter((r) => GUARDS.some((g) => g.type === r.type));
        assert.ok(guarded.length > 0, "the plan declares guarded resources");
        for (const r of guarded) {
          const g = GUARDS.find((x) => x.type === r.type)!;
          assert.equal(r.inputs[g.input], keys.destroyable ? g.destroyable : g.safe, `${label(r)} ${g.input}`);
        }
      });
    });
  }
}
