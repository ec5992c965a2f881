/**
 * Golden inventories, after cloud-foundation-fabric's inventory tests: a reviewed YAML file per stack
 * with the resource counts per type and the inputs that matter, matched as a subset of what the
 * program declares. `npm run test:update` rewrites them; review the diff like code.
 *
 * Subset semantics: a value listed must match exactly, a key not listed is not checked, and the
 * sentinel `__missing__` asserts that a key is absent.
 *
 * Fixed fixtures: each file records the pipelines it was taken from (`pipelines:`), and the check
 * synthesizes the stack with exactly those pipeline files. A pipeline added to pipelines/ is
 * reported as added, not as a change to every inventory, so adding a pipeline turns no test red by
 * itself; the invariants (test/stacks/invariants.test.ts) check it with the rest.
 */
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { maskSecrets, type Plan } from "../../tools/synth/synthesize";
export { fixtureRoot } from "../examples";

export const GOLDEN_DIR = path.resolve(__dirname, "..", "golden");
export const MISSING = "__missing__";

export interface Inventory {
  /** The pipeline files (names) the inventory was synthesized from. */
  pipelines: string[];
  counts: Record<string, number>;
  values: Record<string, unknown>;
}

export function inventoryOf(plan: Plan, pipelines: string[]): Inventory {
  const counts: Record<string, number> = {};
  const values: Record<string, unknown> = {};
  for (const r of [...plan.resources].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name))) {
    counts[r.type] = (counts[r.type] ?? 0) + 1;
    if (!r.custom) continue;
    const { __provider, ...inputs } = r.inputs as Record<string, unknown>;
    values[`${r.type}::${r.name}`] = stabilize(maskSecrets({ ...inputs, ...(r.options.protect ? { "(protect)": true } : {}) }));
  }
  return { pipelines: [...pipelines].sort(), counts: Object.fromEntries(Object.entries(counts).sort()), values };
}

/**
 * Replace what legitimately differs between commits: image tags and digests follow every edit under
 * ingestion/ and dbt/ (test/deploy checks them), and should not churn the inventories.
 */
function stabilize(v: unknown): unknown {
  if (typeof v === "string") {
    return v.replace(/@sha256:[0-9a-f]{64}/g, "@sha256:<digest>").replace(/(\/(?:ingestion|dbt)):[0-9a-f]{16}\b/g, "$1:<context-hash>");
  }
  if (Array.isArray(v)) return v.map(stabilize);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stabilize(x)]));
  return v;
}

/** Differences between the expected subset and the actual values, as "path: expected … found …" lines. */
export function subsetDiff(expected: unknown, actual: unknown, at = ""): string[] {
  if (expected === MISSING) return actual === undefined ? [] : [`${at}: expected absent, found ${JSON.stringify(actual)}`];
  if (expected && typeof expected === "object" && !Array.isArray(expected)) {
    if (!actual || typeof actual !== "object") return [`${at}: expected a mapping, found ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([k, v]) => subsetDiff(v, (actual as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${at}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`];
    return expected.flatMap((v, i) => subsetDiff(v, actual[i], `${at}[${i}]`));
  }
  return JSON.stringify(expected) === JSON.stringify(actual) ? [] : [`${at}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`];
}

export function goldenPath(stack: string): string {
  return path.join(GOLDEN_DIR, `${stack}.yaml`);
}

export function readGolden(stack: string): Inventory | undefined {
  const file = goldenPath(stack);
  return fs.existsSync(file) ? (parse(fs.readFileSync(file, "utf8")) as Inventory) : undefined;
}

export function writeGolden(stack: string, inv: Inventory): void {
  fs.mkdirSync(GOLDEN_DIR, { recursive: true });
  const header = `# Golden inventory of stack "${stack}": regenerate with npm run test:update, then review the diff.\n# pipelines: the pipeline files it was synthesized from (a pipeline added later is reported, not compared).\n# counts: resources per type. values: inputs matched as a subset (${MISSING} = must be absent).\n`;
  fs.writeFileSync(goldenPath(stack), header + stringify(inv, { lineWidth: 0, sortMapEntries: false }));
}

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** The pipeline names in the project's pipelines/ folder. */
export function shippedPipelines(root = PROJECT_ROOT): string[] {
  return fs
    .readdirSync(path.join(root, "pipelines"))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ""))
    .sort();
}
