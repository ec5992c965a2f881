/**
 * Offline plan diff: `npm run plan:diff -- --stack <name> --base <git-ref> [--head <git-ref>] [--json]`.
 * Compares the offline plan (tools/plan.ts) of the base with the head and prints markdown: risky
 * changes first (stateful resources deleted or likely replaced), a per-pipeline summary, then per
 * group the resources added (with their headline inputs: schedule, image, recipients, ...), changed
 * (which inputs, old → new) and removed, and a Mermaid diagram. Needs no credentials and no Pulumi
 * CLI, so every pull request gets it, forks included (which get no secrets and no `pulumi preview`).
 *
 * Each side is planned with its own code: a ref is checked out into a temporary `git worktree` and
 * its own `tools/plan.ts --json` runs there, with its own stack files, pipelines, components and lock
 * file. node_modules is linked from this checkout when the ref's package-lock.json is identical, and
 * installed with `npm ci` in the worktree when it is not. So a change to components/ (say, turning
 * off a bucket's public access prevention) shows as the input it changes. The head is this working
 * tree, planned in-process, unless `--head <ref>` is given (then also a worktree).
 *
 * `diffPlans`, `riskyChanges` and `renderMarkdown` are pure, for tests.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GUARDED_TYPES } from "../policy/stateful";
import { PROJECT } from "../stacks/config";
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
  /** For added resources: the inputs a reviewer checks first (schedule, image, recipients, ...). */
  headline?: InputChange[];
}

export interface RiskyChange {
  urn: string;
  type: string;
  name: string;
  /** delete: a stateful resource is removed; replace: its URN changed, or an input that forces a new one did. */
  risk: "delete" | "replace";
  why: string;
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

/**
 * Inputs shown for an added resource, by leaf key: when it runs, what it runs, who hears about it,
 * what it is called (`name` at the top level only). Secret values are already "[secret]" in the plan.
 */
export const HEADLINE_KEYS = [
  "schedule",
  "scheduleExpression",
  "timeZone",
  "scheduleExpressionTimezone",
  "paused",
  "state",
  "image",
  "emailAddress",
  "email_address",
  "endpoint",
  "name",
  "owner",
];

/** Leaf inputs of `inputs` whose key is a headline key (array indexes ignored), in path order. */
export function headlineInputs(inputs: unknown, max = 8): InputChange[] {
  const out: InputChange[] = [];
  const walk = (v: unknown, at: string, key: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`, key));
    else if (isObject(v)) for (const k of Object.keys(v).sort()) walk(v[k], at ? `${at}.${k}` : k, k);
    // `name` only at the top: deeper ones are env var and port names, noise for a reviewer.
    else if (HEADLINE_KEYS.includes(key) && (key !== "name" || at === "name") && v !== undefined && v !== null && v !== "") out.push({ path: at, after: v });
  };
  walk(inputs, "", "");
  return out.slice(0, max);
}

/**
 * Inputs that make a provider replace a stateful resource rather than update it (the resource's
 * identity: its name, where it lives, what it is in). From the providers' docs; a `pulumi preview`
 * decides for real, and the preview guard (tools/preview-guard.ts) acts on that for same-repo PRs.
 */
export const REPLACING_INPUTS: Record<string, readonly string[]> = {
  "gcp:storage/bucket:Bucket": ["name", "location", "project"],
  "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix"],
  "aws:s3/bucketV2:BucketV2": ["bucket", "bucketPrefix"],
  "gcp:artifactregistry/repository:Repository": ["repositoryId", "location", "project", "format"],
  "aws:ecr/repository:Repository": ["name"],
  "snowflake:index/database:Database": [],
  "snowflake:index/schema:Schema": ["database"],
  "snowflake:index/warehouse:Warehouse": [],
};

/** Stateful resources (policy/stateful.ts GUARDED_TYPES) the diff deletes or likely replaces. */
export function riskyChanges(d: PlanDiff): RiskyChange[] {
  const out: RiskyChange[] = [];
  const guarded = (c: ResourceChange) => GUARDED_TYPES.includes(c.type);
  const key = (c: ResourceChange) => `${c.type}::${c.name}`;
  // Same type and name under a new URN (a new parent, a renamed component) without an alias: Pulumi
  // deletes the old one and creates the new one.
  const addedKeys = new Set(d.added.map(key));
  for (const c of d.removed.filter(guarded)) {
    out.push(
      addedKeys.has(key(c))
        ? { urn: c.urn, type: c.type, name: c.name, risk: "replace", why: "its URN changes (new parent or type) with no alias: deleted and created again" }
        : { urn: c.urn, type: c.type, name: c.name, risk: "delete", why: "removed from the program" },
    );
  }
  for (const c of d.changed.filter(guarded)) {
    const forcing = (c.inputs ?? []).filter((i) => (REPLACING_INPUTS[c.type] ?? []).includes(i.path.split(/[.[]/)[0]));
    if (forcing.length)
      out.push({
        urn: c.urn,
        type: c.type,
        name: c.name,
        risk: "replace",
        why: `${forcing.map((i) => `\`${i.path}\``).join(", ")} changes, which the provider cannot update in place`,
      });
  }
  return out.sort((a, b) => a.urn.localeCompare(b.urn));
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
      added.push({ ...change(r, headBy), headline: headlineInputs(r.inputs) });
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
  if (c.headline) {
    return c.headline.map((i) => `\`${cell(i.path)}\`: \`${cell(show(i.after))}\``).join("<br>");
  }
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

const groupOrder = (a: string, b: string) => (a === PLATFORM_GROUP ? 1 : b === PLATFORM_GROUP ? -1 : a.localeCompare(b));

/**
 * The diff as markdown: risky changes first, then a line per pipeline with its counts, then each
 * group's resources (added with their headline inputs, changed with old → new), then the diagram.
 * An empty diff says so in one line.
 */
export function renderMarkdown(d: PlanDiff, opts: { base?: string; head?: string } = {}): string {
  const title = `### Offline plan diff: \`${d.stack}\`${opts.base ? ` (\`${opts.base}\` → \`${opts.head ?? "head"}\`)` : ""}`;
  if (isEmpty(d)) return `${title}\n\nNo resource changes.\n`;
  const lines = [title, ""];
  const risky = riskyChanges(d);
  if (risky.length) {
    lines.push(`:warning: **Risky: ${risky.length} stateful resource${risky.length === 1 ? "" : "s"} deleted or replaced (their data goes with them)**`, "");
    for (const r of risky) lines.push(`- **${r.risk}** \`${r.type}\` ${cell(r.name)}: ${cell(r.why)}`);
    lines.push("");
  }
  lines.push(`**${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to remove**`);
  const all = [...d.added, ...d.changed, ...d.removed];
  const groups = [...new Set(all.map((c) => c.group))].sort(groupOrder);
  lines.push("", "| pipeline | add | change | remove |", "|---|---|---|---|");
  for (const g of groups) {
    const n = (k: Kind) => d[k].filter((c) => c.group === g).length;
    lines.push(`| ${g === PLATFORM_GROUP ? "platform (shared)" : `\`${g}\``} | ${n("added")} | ${n("changed")} | ${n("removed")} |`);
  }
  for (const g of groups) {
    lines.push("", `#### ${g === PLATFORM_GROUP ? "platform (shared)" : `pipeline \`${g}\``}`, "", "| | type | name | inputs |", "|---|---|---|---|");
    for (const kind of ["added", "changed", "removed"] as Kind[]) {
      for (const c of d[kind].filter((x) => x.group === g)) {
        lines.push(`| \`${SYMBOL[kind]}\` | \`${c.type}\` | ${cell(c.name)} | ${kind === "removed" ? "" : inputSummary(c)} |`);
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

/** The commit `ref` names in `repo`, or an error that says why not and what to do. */
export function resolveRef(repo: string, ref: string, flag = "--base"): string {
  const r = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: repo, encoding: "utf8" });
  if (r.status === 0) return r.stdout.trim();
  const shallow = spawnSync("git", ["rev-parse", "--is-shallow-repository"], { cwd: repo, encoding: "utf8" }).stdout.trim() === "true";
  throw new Error(
    `${flag} ${ref}: no such commit in ${repo}` +
      (shallow
        ? " (this clone is shallow: fetch the history, e.g. actions/checkout with fetch-depth: 0, or `git fetch --unshallow`)"
        : " (check the spelling, or `git fetch` the branch or commit first)"),
  );
}

/**
 * A worktree of `commit` in a temp dir, ready to run its own tools: node_modules linked from `repo`
 * when the commit's package-lock.json equals the one in `repo`, else installed with `npm ci`.
 */
export function checkoutRef(repo: string, commit: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
  git(["worktree", "add", "--detach", "--force", dir, commit], repo);
  const lock = (root: string) => (fs.existsSync(path.join(root, "package-lock.json")) ? fs.readFileSync(path.join(root, "package-lock.json"), "utf8") : undefined);
  const own = lock(dir);
  if (own !== undefined && own === lock(repo) && fs.existsSync(path.join(repo, "node_modules"))) {
    fs.symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"), "dir");
  } else {
    const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0)
      throw new Error(`npm ci at ${commit.slice(0, 12)} (its lock file differs from this checkout's): ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join("\n")}`);
  }
  return dir;
}

export function removeWorktree(repo: string, dir: string): void {
  spawnSync("git", ["worktree", "remove", "--force", dir], { cwd: repo, encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  spawnSync("git", ["worktree", "prune"], { cwd: repo, encoding: "utf8" });
}

/** Plan `stack` with the code checked out at `root` (its own `tools/plan.ts --json`), in a child process. */
export function planCheckout(stack: string, root: string): PlanJson {
  if (!fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`))) return { project: PROJECT, stack, resources: [], outputs: {} };
  const r = spawnSync(process.execPath, ["--import", "tsx", "tools/plan.ts", "--stack", stack, "--json"], { cwd: root, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error((r.stderr || r.stdout).trim());
  return JSON.parse(r.stdout) as PlanJson;
}

/** Plan `stack` as it is at `ref`, with that ref's own code; the worktree is removed afterwards. */
export function planRef(repo: string, ref: string, stack: string, flag = "--base"): PlanJson {
  const commit = resolveRef(repo, ref, flag);
  const dir = checkoutRef(repo, commit);
  try {
    return planCheckout(stack, dir);
  } catch (e) {
    throw new Error(`${flag} ${ref} (${commit.slice(0, 12)}) could not be planned with its own code: ${(e as Error).message}`, { cause: e });
  } finally {
    removeWorktree(repo, dir);
  }
}

/**
 * Offline plan of `stack` from the files under `root` with this checkout's program, in-process (no
 * stack file there: an empty plan, e.g. a new stack). Plans do not depend on where `root` is (build
 * contexts are relative to it).
 */
export async function planRoot(stack: string, root: string): Promise<PlanJson> {
  if (!fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`))) return { project: PROJECT, stack, resources: [], outputs: {} };
  // Loaded lazily: the pure functions above must not load the program.
  const { synthesize } = await import("./synth/synthesize");
  const { planJson } = await import("./plan");
  return planJson(await synthesize({ stack, root }));
}

export const USAGE = `usage: npm run plan:diff -- --stack <name> --base <git-ref> [--head <git-ref>] [--json]

  --stack <name>   the stack to plan (Pulumi.<name>.yaml)
  --base <ref>     the commit to compare against (a PR's base), planned with its own code
  --head <ref>     the commit to compare (default: this working tree)
  --json           the diff as JSON instead of markdown`;

export class UsageError extends Error {}

interface Args {
  stack: string;
  base: string;
  head?: string;
  json: boolean;
  repo: string;
}

export function parseArgs(argv: string[]): Args | "help" {
  const a: Partial<Args> = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const [k, inline] = argv[i].split(/=(.*)/s, 2);
    const val = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${k} needs a value`);
      return v;
    };
    if (k === "--help" || k === "-h") return "help";
    else if (k === "--stack") a.stack = val();
    else if (k === "--base") a.base = val();
    else if (k === "--head") a.head = val();
    else if (k === "--repo") a.repo = val();
    else if (k === "--json") a.json = true;
    else throw new UsageError(`unknown argument ${argv[i]}`);
  }
  if (!a.stack) throw new UsageError("--stack is required");
  if (!a.base) throw new UsageError("--base is required");
  return { ...(a as Args), repo: a.repo ?? path.resolve(__dirname, "..") };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Without an engine, pulumi.log.info goes to console.log; keep stdout for the diff.
  console.log = (...line: unknown[]) => console.error(...line);
  if (args === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // Both refs are checked before anything is planned: a typo fails in a second, saying why.
  resolveRef(args.repo, args.base, "--base");
  if (args.head) resolveRef(args.repo, args.head, "--head");
  const base = planRef(args.repo, args.base, args.stack, "--base");
  const head = args.head ? planRef(args.repo, args.head, args.stack, "--head") : await planRoot(args.stack, args.repo);
  const diff = diffPlans(base, head);
  process.stdout.write(args.json ? `${JSON.stringify({ ...diff, risky: riskyChanges(diff) }, null, 2)}\n` : renderMarkdown(diff, { base: args.base, head: args.head }));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    if (e instanceof UsageError) process.stderr.write(`plan:diff: ${e.message}\n\n${USAGE}\n`);
    else process.stderr.write(`plan:diff: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  });
}
