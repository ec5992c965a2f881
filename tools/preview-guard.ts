/**
 * PR preview guard: fail the check when a preview would replace or delete a stateful resource
 * (policy/stateful.ts GUARDED_TYPES: buckets, databases, schemas, warehouses, registries, Fivetran
 * connections, secrets) unless the
 * pull request carries the label `allow-data-replacement`. Also renders the preview as markdown for
 * the combined PR comment.
 *
 *   pulumi preview --json --stack dev > preview.json
 *   npx tsx tools/preview-guard.ts --stack dev --preview preview.json \
 *     [--labels '["allow-data-replacement"]'] [--markdown out/dev.md] [--outcome success|failure]
 *
 * Exit 0: nothing risky (or allowed by the label). Exit 1: blocked, or the preview could not be read
 * (fail closed: no preview, no pass). Exit 2: usage.
 *
 * Assumed input shape (`pulumi preview --json`, the CLI's "preview digest"; only these fields are read):
 *   {
 *     "steps": [
 *       { "op": "replace" | "delete" | "create-replacement" | "delete-replaced" | "create" | "update" | "same" | ...,
 *         "urn": "urn:pulumi:<stack>::<project>::<qualified type>::<name>",
 *         "oldState": { "type": "...", "protect": bool, ... },      // absent for creates
 *         "newState": { "type": "...", ... },                       // absent for deletes
 *         "diffReasons": ["..."], "replaceReasons": ["..."] }
 *     ],
 *     "changeSummary": { "create": 1, "update": 2, "same": 40, ... }
 *   }
 * A replacement shows up as up to three steps (create-replacement, replace, delete-replaced) with one
 * URN; they are reported once per URN. The type is taken from newState/oldState, else from the URN.
 */
import * as fs from "fs";
import { GUARDED_TYPES } from "../policy/stateful";

export const ALLOW_LABEL = "allow-data-replacement";
/** Ops that lose a resource's data, the most telling first (one URN's steps report as the first). */
const DESTRUCTIVE_OPS = ["replace", "delete", "delete-replaced", "create-replacement"];

export interface PreviewStep {
  op: string;
  urn: string;
  oldState?: { type?: string; protect?: boolean; [k: string]: unknown };
  newState?: { type?: string; protect?: boolean; [k: string]: unknown };
  diffReasons?: string[];
  replaceReasons?: string[];
}

export interface PreviewJson {
  steps?: PreviewStep[];
  changeSummary?: Record<string, number>;
}

export interface RiskyChange {
  urn: string;
  type: string;
  name: string;
  /** The most telling op for the URN: replace beats delete beats the halves of a replacement. */
  op: string;
  reasons: string[];
}

export interface GuardResult {
  risky: RiskyChange[];
  allowed: boolean;
  blocked: boolean;
}

/** Parse `pulumi preview --json` output; throws with a clear message when it is not that shape. */
export function parsePreview(text: string): PreviewJson {
  const start = text.indexOf("{");
  if (start < 0) throw new Error("preview output holds no JSON object (did `pulumi preview --json` fail?)");
  let doc: unknown;
  try {
    doc = JSON.parse(text.slice(start));
  } catch (e) {
    throw new Error(`preview output is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error("preview JSON is not an object");
  const steps = (doc as PreviewJson).steps;
  if (steps !== undefined && !Array.isArray(steps)) throw new Error("preview JSON: `steps` is not a list");
  if (steps === undefined && !(doc as PreviewJson).changeSummary) throw new Error("preview JSON has neither `steps` nor `changeSummary`");
  return doc as PreviewJson;
}

/** `urn:pulumi:stack::project::parent$type::name` → { type, name }. */
export function splitUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const qualified = parts[2] ?? "";
  return { type: qualified.split("$").pop() ?? qualified, name: parts.slice(3).join("::") };
}

function stepType(s: PreviewStep): string {
  return s.newState?.type ?? s.oldState?.type ?? splitUrn(s.urn).type;
}

/** Steps that would replace or delete a guarded type, one entry per URN. */
export function riskyChanges(preview: PreviewJson): RiskyChange[] {
  const byUrn = new Map<string, RiskyChange>();
  for (const s of preview.steps ?? []) {
    if (!DESTRUCTIVE_OPS.includes(s.op)) continue;
    const type = stepType(s);
    if (!GUARDED_TYPES.includes(type)) continue;
    const prev = byUrn.get(s.urn);
    const reasons = [...new Set([...(prev?.reasons ?? []), ...(s.replaceReasons ?? [])])];
    const op = prev && DESTRUCTIVE_OPS.indexOf(prev.op) <= DESTRUCTIVE_OPS.indexOf(s.op) ? prev.op : s.op;
    byUrn.set(s.urn, { urn: s.urn, type, name: splitUrn(s.urn).name, op, reasons });
  }
  return [...byUrn.values()].sort((a, b) => a.urn.localeCompare(b.urn));
}

export function evaluateGuard(preview: PreviewJson, labels: readonly string[]): GuardResult {
  const risky = riskyChanges(preview);
  const allowed = labels.includes(ALLOW_LABEL);
  return { risky, allowed, blocked: risky.length > 0 && !allowed };
}

const OP_SYMBOL: Record<string, string> = {
  create: "+",
  update: "~",
  delete: "-",
  replace: "+-",
  "create-replacement": "++",
  "delete-replaced": "--",
  read: ">",
  import: "=",
};

const md = (s: string) => s.replace(/\|/g, "\\|").replace(/</g, "&lt;");

/** Markdown for one stack: counts, the guard's verdict, and the changed steps (no values: secrets stay out). */
export function renderPreviewMarkdown(stack: string, preview: PreviewJson, guard: GuardResult, maxRows = 100): string {
  const lines: string[] = [];
  const summary = Object.entries(preview.changeSummary ?? {})
    .filter(([op, n]) => op !== "same" && n > 0)
    .map(([op, n]) => `${op} ${n}`)
    .join(", ");
  lines.push(`### \`${stack}\`: ${summary || "no changes"}`);
  if (guard.risky.length) {
    lines.push("");
    lines.push(
      guard.blocked
        ? `:no_entry: **Blocked:** this preview replaces or deletes stateful resources. If that is intended, add the \`${ALLOW_LABEL}\` label to the pull request.`
        : `:warning: Stateful resources are replaced or deleted; allowed by the \`${ALLOW_LABEL}\` label.`,
    );
    lines.push("");
    for (const r of guard.risky)
      lines.push(`- **${r.op}** \`${r.type}\` \`${md(r.name)}\`${r.reasons.length ? ` (because of ${r.reasons.map((x) => `\`${md(x)}\``).join(", ")})` : ""}`);
  }
  const changed = (preview.steps ?? []).filter((s) => s.op !== "same" && s.op !== "read" && s.op !== "refresh");
  // A replacement's halves repeat the replace row.
  const rows = changed.filter((s) => s.op !== "create-replacement" && s.op !== "delete-replaced" && !splitUrn(s.urn).type.startsWith("pulumi:pulumi:Stack"));
  if (rows.length) {
    lines.push("", "| op | type | name | changed inputs |", "|---|---|---|---|");
    for (const s of rows.slice(0, maxRows)) {
      const diff = s.op === "replace" ? (s.replaceReasons ?? s.diffReasons ?? []) : (s.diffReasons ?? []);
      lines.push(`| \`${OP_SYMBOL[s.op] ?? s.op}\` ${s.op} | \`${stepType(s)}\` | ${md(splitUrn(s.urn).name)} | ${diff.map((d) => `\`${md(d)}\``).join(", ")} |`);
    }
    if (rows.length > maxRows) lines.push("", `…and ${rows.length - maxRows} more (see the job log for the full diff).`);
  }
  return `${lines.join("\n")}\n`;
}

function parseLabels(raw: string | undefined): string[] {
  if (!raw) return [];
  const t = raw.trim();
  if (t.startsWith("[")) return (JSON.parse(t) as unknown[]).map(String);
  return t
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function main(argv: string[]): number {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const stack = arg("--stack");
  const file = arg("--preview");
  if (!stack || !file) {
    process.stderr.write("usage: tsx tools/preview-guard.ts --stack <name> --preview <preview.json> [--labels <json|csv>] [--markdown <out.md>] [--outcome <step outcome>]\n");
    return 2;
  }
  const labels = parseLabels(arg("--labels") ?? process.env.PR_LABELS);
  const out = arg("--markdown");
  const outcome = arg("--outcome");
  let text: string;
  let failure: string | undefined;
  try {
    const preview = parsePreview(fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
    const guard = evaluateGuard(preview, labels);
    text = renderPreviewMarkdown(stack, preview, guard);
    if (guard.blocked) failure = "blocked: stateful resources would be replaced or deleted";
  } catch (e) {
    text = `### \`${stack}\`: preview failed\n\n:x: ${md((e as Error).message)}. See the job log.\n`;
    failure = "could not read the preview";
  }
  if (outcome && outcome !== "success") {
    text += `\n:x: The preview step ended with \`${outcome}\` (an error or a policy violation); see the job log.\n`;
  }
  if (out) fs.writeFileSync(out, text);
  process.stdout.write(text);
  if (failure) process.stderr.write(`preview-guard: ${stack}: ${failure}\n`);
  return failure ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
