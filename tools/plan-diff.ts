/**
 * Offline plan diff: `npm run plan:diff -- --stack <name> --base <git-ref> [--head <git-ref>] [--json]`.
 * Compares the offline plan (tools/plan.ts) of the base with the head and prints markdown: resources
 * added, changed (which inputs) and removed, grouped by pipeline, with a Mermaid diagram. Needs no
 * credentials and no Pulumi CLI, so pull requests from forks (which get no secrets) get it instead
 * of a `pulumi preview`.
 *
 * How the base is planned (a deliberate choice): the base ref's *data* — its stack files (`Pulumi.*.yaml`),
 * `pipelines/` and the image build contexts named by its stack config (default `ingestion/`, `dbt/`)
 * — is exported with `git archive <ref> -- <paths> | tar -x` into a temp dir, and the *head's*
 * program runs on it (`synthesize({ stack, root: tmp })`). The head is this working tree (or
 * `--head <ref>`, exported the same way). So the diff shows what the change to stack files, pipeline
 * files and image sources does, computed by one program; changes to the program itself (components/,
 * stacks/) do not show as differences here, since both sides run the same code. That keeps the diff
 * free of noise from unrelated refactors and needs no second `node_modules`; a change to components
 * is reviewed in its code diff and in the tests' golden inventories. If the head program rejects the
 * base's files (a schema change), the command says so and exits 1.
 *
 * `diffPlans` and `renderMarkdown` are pure, for tests.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT, STACK_DEFAULTS } from "../stacks/config";
import type { PlanJson } from "./plan";

export type PlanResource = PlanJson["resources"][number];

export interface InputChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface ResourceChange {
  urn: string;
  type: string;
  name: string;
  group: string;
  /** For changed resources: the inputs that differ (leaf paths). */
  inputs?: InputChange[];
}

export interface PlanDiff {
  stack: string;
  added: ResourceChange[];
  changed: ResourceChange[];
  removed: ResourceChange[];
  /** Parent URN of every resource in the diff, from the plan it comes from (for the diagram). */
  parents: Record<string, string | undefined>;
}

export const PIPELINE_COMPONENT = "data-platform:pipeline:Pipeline";
export const PLATFORM_GROUP = "platform";

const LABEL_INPUTS = ["labels", "tags", "userLabels"];

/**
 * The pipeline a resource belongs to:
 *   1. its `pipeline` label/tag;
 *   2. else the name of its Pipeline component ancestor (`data-platform:pipeline:Pipeline`);
 *   3. else, for resources the cloud layer parents elsewhere but names after the pipeline (its
 *      service account, its grants on shared buckets and secrets, which carry no labels), the last
 *      `-`-separated token of the logical name that is a known pipeline (`pipelines`);
 *   4. else "platform".
 * Pipeline names are lower_snake and logical names join parts with `-`, so (3) matches whole names only.
 */
export function groupOf(r: PlanResource, byUrn: Map<string, PlanResource>, pipelines: ReadonlySet<string> = new Set()): string {
  const inputs = (r.inputs ?? {}) as Record<string, unknown>;
  for (const k of LABEL_INPUTS) {
    const v = inputs[k] as Record<string, unknown> | undefined;
    if (v && typeof v === "object" && typeof v.pipeline === "string" && v.pipeline) return v.pipeline;
  }
  const seen = new Set<string>();
  for (let cur: PlanResource | undefined = r; cur && !seen.has(cur.urn); cur = cur.parent ? byUrn.get(cur.parent) : undefined) {
    seen.add(cur.urn);
    if (cur.type === PIPELINE_COMPONENT) return cur.name;
  }
  const tokens = r.name.split("-");
  if (tokens.length > 1) {
    const hit = [...tokens].reverse().find((t) => pipelines.has(t));
    if (hit) return hit;
  }
  return PLATFORM_GROUP;
}

/** Pipelines a plan declares (Pipeline components). */
export function pipelinesOf(...plans: PlanJson[]): Set<string> {
  return new Set(plans.flatMap((p) => p.resources.filter((r) => r.type === PIPELINE_COMPONENT).map((r) => r.name)));
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** Leaf paths where `a` and `b` differ. Arrays of different length differ as a whole. */
export function diffInputs(a: unknown, b: unknown, at = ""): InputChange[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffInputs(a[k], b[k], at ? `${at}.${k}` : k));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((x, i) => diffInputs(x, b[i], `${at}[${i}]`));
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  return [{ path: at || "(inputs)", before: a, after: b }];
}

const byGroupThenUrn = (a: ResourceChange, b: ResourceChange) => a.group.localeCompare(b.group) || a.type.localeCompare(b.type) || a.name.localeCompare(b.name);

/** What changes from `base` to `head`, keyed by URN. */
export function diffPlans(base: PlanJson, head: PlanJson): PlanDiff {
  const baseBy = new Map(base.resources.map((r) => [r.urn, r]));
  const headBy = new Map(head.resources.map((r) => [r.urn, r]));
  const pipelines = pipelinesOf(base, head);
  const change = (r: PlanResource, by: Map<string, PlanResource>): ResourceChange => ({ urn: r.urn, type: r.type, name: r.name, group: groupOf(r, by, pipelines) });
  const parents: Record<string, string | undefined> = {};
  const added: ResourceChange[] = [];
  const changed: ResourceChange[] = [];
  const removed: ResourceChange[] = [];
  for (const r of head.resources) {
    const before = baseBy.get(r.urn);
    if (!before) {
      added.push(change(r, headBy));
      parents[r.urn] = r.parent;
      continue;
    }
    const inputs = diffInputs(before.inputs, r.inputs);
    if (inputs.length) {
      changed.push({ ...change(r, headBy), inputs });
      parents[r.urn] = r.parent;
    }
  }
  for (const r of base.resources) {
    if (!headBy.has(r.urn)) {
      removed.push(change(r, baseBy));
      parents[r.urn] = r.parent;
    }
  }
  return { stack: head.stack, added: added.sort(byGroupThenUrn), changed: changed.sort(byGroupThenUrn), removed: removed.sort(byGroupThenUrn), parents };
}

export function isEmpty(d: PlanDiff): boolean {
  return !d.added.length && !d.changed.length && !d.removed.length;
}

// ---------------------------------------------------------------------------------------------
// Markdown

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/\n/g, " ");

function show(v: unknown): string {
  if (v === undefined) return "(none)";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  // Long values (image references, ARNs) differ at the end: keep the tail.
  return s.length > 60 ? `…${s.slice(-57)}` : s;
}

function inputSummary(c: ResourceChange, max = 6): string {
  const items = (c.inputs ?? []).slice(0, max).map((i) => {
    const scalar = (v: unknown) => v === undefined || v === null || typeof v !== "object";
    return scalar(i.before) && scalar(i.after) ? `\`${cell(i.path)}\`: \`${cell(show(i.before))}\` → \`${cell(show(i.after))}\`` : `\`${cell(i.path)}\``;
  });
  const more = (c.inputs?.length ?? 0) - max;
  return items.join("<br>") + (more > 0 ? `<br>…and ${more} more` : "");
}

const SYMBOL = { added: "+", changed: "~", removed: "-" } as const;
type Kind = keyof typeof SYMBOL;

function mermaidId(i: number): string {
  return `n${i}`;
}

/** A Mermaid flowchart: one subgraph per pipeline group, one node per changed resource, parent edges. */
export function renderMermaid(d: PlanDiff, maxNodes = 60): string {
  const all: [Kind, ResourceChange][] = [
    ...d.added.map((c) => ["added", c] as [Kind, ResourceChange]),
    ...d.changed.map((c) => ["changed", c] as [Kind, ResourceChange]),
    ...d.removed.map((c) => ["removed", c] as [Kind, ResourceChange]),
  ];
  const shown = all.slice(0, maxNodes);
  const ids = new Map(shown.map(([, c], i) => [c.urn, mermaidId(i)]));
  const esc = (s: string) => s.replace(/"/g, "#quot;").replace(/[<>]/g, "");
  const lines = ["flowchart LR"];
  const groups = [...new Set(shown.map(([, c]) => c.group))].sort();
  groups.forEach((g, gi) => {
    lines.push(`  subgraph g${gi}["${esc(g)}"]`);
    for (const [kind, c] of shown.filter(([, x]) => x.group === g)) {
      const short = c.type.split(":").pop() ?? c.type;
      lines.push(`    ${ids.get(c.urn)}["${SYMBOL[kind]} ${esc(short)}<br/>${esc(c.name)}"]:::${kind}`);
    }
    lines.push("  end");
  });
  for (const [, c] of shown) {
    const p = d.parents[c.urn];
    if (p && ids.has(p)) lines.push(`  ${ids.get(p)} --> ${ids.get(c.urn)}`);
  }
  lines.push("  classDef added fill:#e6ffed,stroke:#2da44e", "  classDef changed fill:#fff8c5,stroke:#bf8700", "  classDef removed fill:#ffebe9,stroke:#cf222e");
  if (all.length > shown.length) lines.push(`  more["…and ${all.length - shown.length} more"]`);
  return lines.join("\n");
}

/** The diff as markdown, grouped by pipeline ("platform" for the rest). An empty diff says so in one line. */
export function renderMarkdown(d: PlanDiff, opts: { base?: string; head?: string } = {}): string {
  const title = `### Offline plan diff: \`${d.stack}\`${opts.base ? ` (\`${opts.base}\` → \`${opts.head ?? "head"}\`)` : ""}`;
  if (isEmpty(d)) return `${title}\n\nNo resource changes.\n`;
  const lines = [title, "", `**${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to remove**`];
  const groups = [...new Set([...d.added, ...d.changed, ...d.removed].map((c) => c.group))].sort((a, b) =>
    a === PLATFORM_GROUP ? 1 : b === PLATFORM_GROUP ? -1 : a.localeCompare(b),
  );
  for (const g of groups) {
    lines.push("", `#### ${g === PLATFORM_GROUP ? "platform (shared)" : `pipeline \`${g}\``}`, "", "| | type | name | inputs |", "|---|---|---|---|");
    for (const kind of ["added", "changed", "removed"] as Kind[]) {
      for (const c of d[kind].filter((x) => x.group === g)) {
        lines.push(`| \`${SYMBOL[kind]}\` | \`${c.type}\` | ${cell(c.name)} | ${kind === "changed" ? inputSummary(c) : ""} |`);
      }
    }
  }
  lines.push("", "```mermaid", renderMermaid(d), "```");
  return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------
// Planning a git ref (side effects: git, temp dirs, the program under mocks)

function git(args: string[], cwd: string): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/**
 * The paths the offline plan of `stack` reads, as they are at `ref` (only those that exist there):
 * every stack file (the program checks pipelines' environment overrides against the environments of
 * all of them), `pipelines/` and the image build contexts.
 */
export function refPaths(repo: string, ref: string, stack: string): string[] {
  const stackFile = `Pulumi.${stack}.yaml`;
  const stackFiles = git(["ls-tree", "--name-only", ref], repo).split("\n").filter((f) => /^Pulumi\..+\.yaml$/.test(f));
  const wanted = [...stackFiles, "pipelines", ...Object.values(STACK_DEFAULTS.images)];
  const exists = (p: string) => git(["ls-tree", "--name-only", ref, "--", p], repo).trim() !== "";
  if (stackFiles.includes(stackFile)) {
    const doc = parse(git(["show", `${ref}:${stackFile}`], repo)) as { config?: Record<string, unknown> } | null;
    const images = doc?.config?.[`${PROJECT}:images`] as Record<string, unknown> | undefined;
    for (const k of Object.keys(STACK_DEFAULTS.images)) if (typeof images?.[k] === "string") wanted.push(path.posix.normalize(images[k] as string));
  }
  return [...new Set(wanted)].filter((p) => !p.startsWith("..") && exists(p));
}

/** Export the planning inputs of `ref` into a new temp dir (git archive | tar -x). */
export function exportRef(repo: string, ref: string, stack: string): string {
  git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], repo);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
  const paths = refPaths(repo, ref, stack);
  if (!paths.length) return dir;
  const tar = path.join(dir, ".export.tar");
  git(["archive", "--format=tar", `--output=${tar}`, ref, "--", ...paths], repo);
  const r = spawnSync("tar", ["-xf", tar, "-C", dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tar -x: ${r.stderr}`);
  fs.rmSync(tar);
  return dir;
}

/**
 * Offline plan of `stack` from the files under `root` (no stack file there: an empty plan, e.g. a new
 * stack). Plans do not depend on where `root` is (build contexts are relative to it), so a base
 * planned from a temp dir compares directly with the working tree.
 */
export async function planRoot(stack: string, root: string): Promise<PlanJson> {
  if (!fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`))) return { project: PROJECT, stack, resources: [], outputs: {} };
  // Loaded lazily: the pure functions above must not load the program.
  const { synthesize } = await import("./synth/synthesize");
  const { planJson } = await import("./plan");
  return planJson(await synthesize({ stack, root }));
}

interface Args {
  stack: string;
  base: string;
  head?: string;
  json: boolean;
  repo: string;
}

function parseArgs(argv: string[]): Args {
  const a: Partial<Args> = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const [k, inline] = argv[i].split(/=(.*)/s, 2);
    const val = () => inline ?? argv[++i];
    if (k === "--stack") a.stack = val();
    else if (k === "--base") a.base = val();
    else if (k === "--head") a.head = val();
    else if (k === "--repo") a.repo = val();
    else if (k === "--json") a.json = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!a.stack || !a.base) throw new Error("usage: npm run plan:diff -- --stack <name> --base <git-ref> [--head <git-ref>] [--json]");
  return { ...(a as Args), repo: a.repo ?? path.resolve(__dirname, "..") };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dirs: string[] = [];
  try {
    const baseRoot = exportRef(args.repo, args.base, args.stack);
    dirs.push(baseRoot);
    let base: PlanJson;
    try {
      base = await planRoot(args.stack, baseRoot);
    } catch (e) {
      throw new Error(`the base (${args.base}) could not be planned with this program: ${(e as Error).message}`);
    }
    const headRoot = args.head ? exportRef(args.repo, args.head, args.stack) : args.repo;
    if (args.head) dirs.push(headRoot);
    const head = await planRoot(args.stack, headRoot);
    const diff = diffPlans(base, head);
    process.stdout.write(args.json ? `${JSON.stringify(diff, null, 2)}\n` : renderMarkdown(diff, { base: args.base, head: args.head }));
  } finally {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`plan:diff: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
