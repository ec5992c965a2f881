/**
 * Renames do not destroy: a pipeline file renamed with `renamedFrom: <old name>` answers to its old
 * resources, on both clouds.
 *
 * Stands for: `pulumi up` after a rename finding every resource of the pipeline's component under its
 * old URN, so the Fivetran connection (a replacement would re-sync everything) is kept as it is, and
 * only resources whose cloud name contains the pipeline name are replaced.
 * Proof: declaration under mocks. The plan before and after the rename is synthesized from the real
 * program; the engine's alias rule (pkg/resource/deploy/step_generator.go, generateAliases and
 * inheritedChildAlias in Pulumi 3.248: a child whose name starts with its parent's name takes the
 * parent's old name in its own) is replayed on the registered aliases to find each new resource's old
 * URN. test/tiers/engine/rename.test.ts runs the real engine on the same component.
 * Cannot prove: what each cloud provider's diff decides for a changed name (the schemas mark the
 * names below as replace-on-change); resources outside the Pipeline component (per-pipeline secrets,
 * service accounts and roles, named by the pipeline) are new under the new name and the old ones deleted.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { synthesize, type Plan, type PlannedResource } from "../../tools/synth/synthesize";
import { examplesRoot, fixtureRoot, EXAMPLE_PIPELINES } from "../examples";

const PIPELINE = "data-platform:pipeline:Pipeline";
const RENAMES = { shop_postgres: "shop_pg", orders_files: "orders" } as const;

/** The examples with each pipeline of RENAMES moved to its new file and name, saying where it came from. */
function renamedRoot(): string {
  const root = fixtureRoot(EXAMPLE_PIPELINES);
  for (const [old, now] of Object.entries(RENAMES)) {
    const text = fs.readFileSync(path.join(root, "pipelines", `${old}.yaml`), "utf8");
    const renamed = text.replace(new RegExp(`^name: ${old}$`, "m"), `name: ${now}\nrenamedFrom: ${old}`);
    assert.notEqual(renamed, text);
    fs.rmSync(path.join(root, "pipelines", `${old}.yaml`));
    fs.writeFileSync(path.join(root, "pipelines", `${now}.yaml`), renamed);
  }
  return root;
}

const nameOf = (urn: string) => urn.split("::").slice(3).join("::");

/**
 * The old URN the engine finds for each resource of `plan` that it matches through an alias, replaying
 * generateAliases: its own URN first, then its alias specs (same parent), then, when its parent was
 * found through an alias, its name and each alias with the parent's old name put in place of the
 * parent's new one at the start. The first candidate `old` holds wins, as in getOldResource.
 */
function oldUrns(plan: Plan, old: Plan): Map<string, string> {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const existing = new Set(old.resources.map((r) => r.urn));
  const found = new Map<string, string | null>();
  const resolve = (r: PlannedResource): string | null => {
    if (found.has(r.urn)) return found.get(r.urn)!;
    // A rename changes names only: the type chain of the URN stays as it is.
    const withName = (name: string) => `${r.urn.slice(0, r.urn.length - r.name.length)}${name}`;
    const own = r.options.aliases.filter((a) => a && !a.startsWith("urn:"));
    const candidates = own.map(withName);
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    const parentOld = parent ? resolve(parent) : null;
    if (parent && parentOld) {
      const inherit = (n: string) => (n.startsWith(parent.name) ? nameOf(parentOld) + n.slice(parent.name.length) : n);
      candidates.push(withName(inherit(r.name)), ...own.map((a) => withName(inherit(a))));
    }
    const hit = existing.has(r.urn) ? null : (candidates.find((c) => existing.has(c)) ?? null);
    found.set(r.urn, hit);
    return hit;
  };
  plan.resources.forEach(resolve);
  return new Map([...found].filter((e): e is [string, string] => e[1] !== null));
}

/** The resources under one Pipeline component, the component included. */
function subtree(plan: Plan, pipeline: string): PlannedResource[] {
  const root = plan.resources.find((r) => r.type === PIPELINE && r.name === pipeline);
  assert.ok(root, `${plan.stack}: a Pipeline component ${pipeline}`);
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const under = (r: PlannedResource): boolean => r.urn === root.urn || (!!r.parent && !!byUrn.get(r.parent) && under(byUrn.get(r.parent)!));
  return plan.resources.filter(under);
}

/** Inputs that name something in the cloud (the provider replaces the resource when they change). */
const NAME_INPUTS = ["name", "family", "roleName", "scheduleName", "groupName"];

for (const stack of ["dev", "dev-aws"]) {
  describe(`rename on ${stack}: renamedFrom keeps the pipeline's resources`, () => {
    let before_: Plan, after: Plan, mapped: Map<string, string>;
    before(async () => {
      before_ = await synthesize({ stack, root: examplesRoot() });
      after = await synthesize({ stack, root: renamedRoot() });
      mapped = oldUrns(after, before_);
    });

    // Aliases by name only: provider SDKs add type-only aliases of their own (renamed type tokens).
    const named = (r: PlannedResource) => r.options.aliases.filter(Boolean);

    it("the renamed Pipeline components carry an alias to their old names; nothing else names an old pipeline", () => {
      for (const r of after.resources.filter((x) => x.type === PIPELINE)) {
        const old = Object.entries(RENAMES).find(([, now]) => now === r.name)?.[0];
        assert.deepEqual(named(r), old ? [old] : [], r.name);
      }
      const olds = Object.keys(RENAMES);
      const others = after.resources.filter((r) => r.type !== PIPELINE && named(r).some((a) => olds.some((o) => a.startsWith(o))));
      assert.deepEqual(
        others.map((r) => r.urn),
        [],
      );
      assert.ok(
        before_.resources.filter((r) => r.type === PIPELINE).every((r) => named(r).length === 0),
        "no aliases without renamedFrom",
      );
    });

    for (const [old, now] of Object.entries(RENAMES)) {
      it(`every resource of ${now} answers to exactly one resource ${old} had`, () => {
        const oldSet = new Set(subtree(before_, old).map((r) => r.urn));
        const answers = subtree(after, now).map((r) => mapped.get(r.urn) ?? (oldSet.has(r.urn) ? r.urn : undefined));
        assert.ok(
          answers.every((u) => u !== undefined),
          "every resource under the renamed component has an old URN",
        );
        assert.deepEqual([...new Set(answers)].sort(), [...oldSet].sort(), "the old URNs are exactly the old pipeline's resources: nothing deleted, nothing created");
      });

      it(`${now}: what keeps its cloud name is unchanged or updated; what is named by the pipeline is replaced`, () => {
        const oldByUrn = new Map(subtree(before_, old).map((r) => [r.urn, r]));
        const renamedNames: string[] = [];
        for (const r of subtree(after, now).filter((x) => x.custom)) {
          const was = oldByUrn.get(mapped.get(r.urn) ?? r.urn)!;
          for (const key of NAME_INPUTS) if (typeof r.inputs[key] === "string" && r.inputs[key] !== was.inputs[key]) renamedNames.push(`${r.type}.${key}`);
          if (r.type.startsWith("pulumi-nodejs:dynamic") && r.name.endsWith("-connection")) {
            // The connection: same group, service, schema and settings, so no diff at all (no re-sync).
            assert.deepEqual(r.inputs, was.inputs, `${r.name}: the Fivetran connection's inputs`);
          }
        }
        if (old === "shop_postgres")
          assert.ok(
            subtree(after, now).some((r) => r.name === `${now}-connection`),
            "the Fivetran pipeline has its connection",
          );
        // The jobs (and what is named after them) carry the pipeline name: those are the replacements.
        assert.ok(renamedNames.length > 0, "the cloud names that carry the pipeline name change");
        if (process.env.DP_RENAME_REPORT) console.log(`${stack} ${now}: replaced because their cloud name changes: ${[...new Set(renamedNames)].join(", ")}`);
        assert.ok(!renamedNames.some((n) => n.startsWith("pulumi-nodejs:dynamic")), `no Fivetran resource changes name: ${renamedNames.join(", ")}`);
      });
    }

    it("without renamedFrom the same rename would delete and create everything of the pipeline", async () => {
      const root = renamedRoot();
      for (const now of Object.values(RENAMES)) {
        const file = path.join(root, "pipelines", `${now}.yaml`);
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/^renamedFrom: .*\n/m, ""));
      }
      const plain = await synthesize({ stack, root });
      const answers = oldUrns(plain, before_);
      for (const now of Object.values(RENAMES))
        assert.ok(
          subtree(plain, now).every((r) => !answers.has(r.urn)),
          `${now}: nothing answers to an old URN`,
        );
    });
  });
}
