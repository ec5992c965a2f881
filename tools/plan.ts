/**
 * Offline plan: `npm run plan -- --stack <name> [--json]`.
 * Runs the real program under Pulumi's mocks with the real stack file and pipelines, and prints the
 * resources it would declare. Needs no credentials and no Pulumi CLI; exits 1 on bad input.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../stacks/errors";
import { maskSecrets, synthesize, type Plan, type PlannedResource } from "./synth/synthesize";

export interface PlanJson {
  project: string;
  stack: string;
  resources: { urn: string; type: string; name: string; parent?: string; inputs: unknown }[];
  outputs: Record<string, unknown>;
}

/** The `--json` shape of shared/DESIGN.md: secrets shown as "[secret]", provider code elided. */
export function planJson(plan: Plan): PlanJson {
  return {
    project: plan.project,
    stack: plan.stack,
    resources: plan.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, inputs: displayInputs(r) })),
    outputs: plan.outputs,
  };
}

function displayInputs(r: PlannedResource): unknown {
  // Dynamic resources carry their provider's serialized source (~KBs of JS) as an input.
  const { __provider, ...rest } = r.inputs as Record<string, unknown>;
  return maskSecrets(__provider === undefined ? rest : { ...rest, __provider: "[provider code]" });
}

/** A readable tree: components with their children, then counts by type. */
export function planTree(plan: Plan): string {
  const children = new Map<string | undefined, PlannedResource[]>();
  for (const r of plan.resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const known = new Set(plan.resources.map((r) => r.urn));
  const roots = plan.resources.filter((r) => !r.parent || !known.has(r.parent));
  const lines: string[] = [];
  const count = (urn: string): number => (children.get(urn) ?? []).reduce((n, c) => n + (c.custom ? 1 : 0) + count(c.urn), 0);
  const walk = (r: PlannedResource, indent: string, last: boolean): void => {
    const flag = r.options.protect ? "  [protected]" : "";
    const label = r.custom ? `${r.type}  ${r.name}${flag}` : `${r.type.replace(/^data-platform:/, "")}  ${r.name}  (${count(r.urn)} resources)`;
    lines.push(`${indent}${last ? "└─ " : "├─ "}${label}`);
    const kids = children.get(r.urn) ?? [];
    // Components first, then resources, each alphabetically: stable output for reviewers and diffs.
    kids.sort((a, b) => Number(a.custom) - Number(b.custom) || a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
    kids.forEach((k, i) => walk(k, indent + (last ? "   " : "│  "), i === kids.length - 1));
  };
  roots.forEach((r, i) => walk(r, "", i === roots.length - 1));

  const byType = new Map<string, number>();
  for (const r of plan.resources) if (r.custom) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  const custom = plan.resources.filter((r) => r.custom).length;
  const counts = [...byType.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t, n]) => `  ${String(n).padStart(4)}  ${t}`);
  return [
    `${plan.project} / ${plan.stack}: ${custom} resources in ${plan.resources.length - custom} components`,
    "",
    ...lines,
    "",
    "Resources by type:",
    ...counts,
  ].join("\n");
}

function parseArgs(argv: string[]): { stack: string; json: boolean; root?: string } {
  let stack: string | undefined;
  let root: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--json") json = true;
    else if (argv[i] === "--root") root = argv[++i];
    else if (argv[i] === "--stack") stack = argv[++i];
    else if (argv[i].startsWith("--stack=")) stack = argv[i].slice(8);
    else throw new Error(`unknown argument ${argv[i]}; usage: npm run plan -- --stack <name> [--json]`);
  }
  if (!stack) throw new Error("usage: npm run plan -- --stack <name> [--json] [--root <project dir>]");
  return { stack, json, root };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Without an engine, pulumi.log.info goes to console.log; keep stdout for the plan (it may be JSON).
  console.log = (...line: unknown[]) => console.error(...line);
  const plan = await synthesize({ stack: args.stack, root: args.root && path.resolve(args.root) });
  process.stdout.write(args.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : `${planTree(plan)}\n`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    // Configuration errors are the user's to fix: print them alone, without a stack trace.
    const configError = e instanceof ConfigError || pulumi.RunError.isInstance(e);
    process.stderr.write(`${configError ? (e as Error).message : e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
