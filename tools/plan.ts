/**
 * Offline plan: `npm run plan -- --stack <name> [--pipeline <name>] [--json]`.
 * Runs the real program under Pulumi's mocks with the real stack file and pipelines, and prints the
 * resources it would declare; `--pipeline` narrows it to one pipeline's resources (its Pipeline
 * component's children, and what the platform declares for it elsewhere: its identities, its grants
 * on shared buckets and secrets), each with its inputs. Needs no credentials and no Pulumi CLI;
 * exits 1 on bad input, 2 on a usage error (with the usage, no stack trace).
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { ConfigError } from "../stacks/errors";
import { groupOf, PIPELINE_COMPONENT, pipelinesOf } from "./plan-diff";
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
  return [`${plan.project} / ${plan.stack}: ${custom} resources in ${plan.resources.length - custom} components`, "", ...lines, "", "Resources by type:", ...counts].join("\n");
}

/** The resources of one pipeline (grouped as the plan diff groups them), or an error naming the known ones. */
export function pipelineResources(plan: Plan, pipeline: string): PlannedResource[] {
  const json = planJson(plan);
  const known = pipelinesOf(json);
  if (!known.has(pipeline)) throw new PlanUsageError(`stack ${plan.stack} has no pipeline '${pipeline}' (its pipelines: ${[...known].sort().join(", ") || "none"})`, false);
  const byUrn = new Map(json.resources.map((r) => [r.urn, r]));
  const keep = new Set(json.resources.filter((r) => groupOf(r, byUrn, known) === pipeline).map((r) => r.urn));
  return plan.resources.filter((r) => keep.has(r.urn));
}

/** One pipeline as text: each resource (components first), then its inputs as indented YAML. */
export function pipelineText(plan: Plan, pipeline: string): string {
  const rs = pipelineResources(plan, pipeline).sort(
    (a, b) =>
      Number(b.type === PIPELINE_COMPONENT) - Number(a.type === PIPELINE_COMPONENT) ||
      Number(a.custom) - Number(b.custom) ||
      a.type.localeCompare(b.type) ||
      a.name.localeCompare(b.name),
  );
  const lines = [`${plan.project} / ${plan.stack}, pipeline ${pipeline}: ${rs.filter((r) => r.custom).length} resources`, ""];
  for (const r of rs) {
    lines.push(`${r.custom ? r.type : r.type.replace(/^data-platform:/, "")}  ${r.name}${r.options.protect ? "  [protected]" : ""}`);
    const inputs = displayInputs(r) as Record<string, unknown>;
    if (r.custom && Object.keys(inputs).length) lines.push(stringify(inputs, { lineWidth: 0 }).trimEnd().replace(/^/gm, "    "));
    lines.push("");
  }
  return lines.join("\n").trimEnd();
}

export const USAGE = `usage: npm run plan -- --stack <name> [--pipeline <name>] [--json] [--root <project dir>]

  --stack <name>      the stack to plan (Pulumi.<name>.yaml)
  --pipeline <name>   only this pipeline's resources, with their inputs
  --json              { project, stack, resources: [{ urn, type, name, parent, inputs }], outputs }
  --root <dir>        the project root (default: this checkout)`;

/** Bad arguments: printed with the usage (`usage: true`) or alone, never with a stack trace. */
export class PlanUsageError extends Error {
  constructor(
    message: string,
    readonly usage = true,
  ) {
    super(message);
  }
}

export function parseArgs(argv: string[]): { stack: string; json: boolean; root?: string; pipeline?: string } | "help" {
  let stack: string | undefined;
  let root: string | undefined;
  let pipeline: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const [k, inline] = argv[i].split(/=(.*)/s, 2);
    const val = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith("--")) throw new PlanUsageError(`${k} needs a value`);
      return v;
    };
    if (k === "--help" || k === "-h") return "help";
    else if (k === "--json") json = true;
    else if (k === "--root") root = val();
    else if (k === "--stack") stack = val();
    else if (k === "--pipeline") pipeline = val();
    else throw new PlanUsageError(`unknown argument ${argv[i]}`);
  }
  if (!stack) throw new PlanUsageError("--stack is required");
  return { stack, json, root, pipeline };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // Without an engine, pulumi.log.info goes to console.log; keep stdout for the plan (it may be JSON).
  console.log = (...line: unknown[]) => console.error(...line);
  const plan = await synthesize({ stack: args.stack, root: args.root && path.resolve(args.root) });
  if (args.pipeline) {
    const only = pipelineResources(plan, args.pipeline);
    process.stdout.write(args.json ? `${JSON.stringify(planJson({ ...plan, resources: only }), null, 2)}\n` : `${pipelineText(plan, args.pipeline)}\n`);
    return;
  }
  process.stdout.write(args.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : `${planTree(plan)}\n`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    if (e instanceof PlanUsageError) {
      process.stderr.write(`plan: ${e.message}\n${e.usage ? `\n${USAGE}\n` : ""}`);
      process.exit(2);
    }
    // Configuration errors are the user's to fix: print them alone, without a stack trace.
    const configError = e instanceof ConfigError || pulumi.RunError.isInstance(e);
    process.stderr.write(`${configError ? (e as Error).message : e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
