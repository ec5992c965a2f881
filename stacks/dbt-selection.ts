/**
 * Does a pipeline's dbt selection (`transform.select`) select anything? Checked against the dbt
 * project's parsed manifest (`dbt parse` writes `target/manifest.json`), at validation time when a
 * manifest newer than the project's sources is at hand; the dbt runner checks every run regardless.
 *
 * Only what is certain is reported: a selector method this file does not evaluate (state:, config.,
 * exposure:, ...) makes its part "might select something". Nodes that a target disables count as
 * selected (Fivetran models are disabled on DuckDB, enabled on Snowflake), so a manifest parsed for
 * one target serves every stack.
 */
import * as fs from "fs";
import * as path from "path";

interface ManifestNode {
  name?: string;
  fqn?: string[];
  tags?: string[];
  config?: { tags?: string[] };
  original_file_path?: string;
  source_name?: string;
  resource_type?: string;
}

export interface Manifest {
  nodes?: Record<string, ManifestNode>;
  sources?: Record<string, ManifestNode>;
  disabled?: Record<string, ManifestNode[]>;
}

/** Every node, source and disabled node of the manifest. */
function allNodes(m: Manifest): ManifestNode[] {
  return [...Object.values(m.nodes ?? {}), ...Object.values(m.sources ?? {}), ...Object.values(m.disabled ?? {}).flat()];
}

const EVALUATED = new Set(["tag", "path", "source", "fqn", "resource_type"]);

/** undefined: cannot tell (a method not evaluated here); otherwise whether `node` matches `atom`. */
function matches(atom: string, node: ManifestNode): boolean | undefined {
  const bare = atom.replace(/^(\d*\+|@)/, "").replace(/\+\d*$/, "");
  const colon = bare.indexOf(":");
  const method = colon > 0 ? bare.slice(0, colon) : "fqn";
  const value = colon > 0 ? bare.slice(colon + 1) : bare;
  if (!EVALUATED.has(method) || /[*?[]/.test(value)) return undefined; // globs: leave them to dbt
  switch (method) {
    case "tag":
      return [...(node.tags ?? []), ...(node.config?.tags ?? [])].includes(value);
    case "path":
      return !!node.original_file_path && (node.original_file_path === value || node.original_file_path.startsWith(`${value.replace(/\/$/, "")}/`));
    case "source":
      return node.resource_type === "source" && (value === node.source_name || value === `${node.source_name}.${node.name}`);
    case "resource_type":
      return node.resource_type === value;
    default: // fqn or a bare name: the node's name, or a dotted prefix of its fqn
      return node.name === value || (node.fqn ?? []).join(".") === value || (node.fqn ?? []).join(".").startsWith(`${value}.`) || (node.fqn ?? []).includes(value);
  }
}

/**
 * "empty" when no node can match `selection` (space-separated union of comma-separated
 * intersections), "selects" when one does, "unknown" when a part could not be evaluated.
 */
export function evaluateSelection(selection: string, manifest: Manifest): "empty" | "selects" | "unknown" {
  const nodes = allNodes(manifest);
  let unknown = false;
  for (const part of selection.trim().split(/\s+/)) {
    const atoms = part.split(",").filter(Boolean);
    let partUnknown = false;
    const hit = nodes.some((n) =>
      atoms.every((a) => {
        const m = matches(a, n);
        if (m === undefined) partUnknown = true;
        return m !== false;
      }),
    );
    if (hit && !partUnknown) return "selects";
    if (partUnknown) unknown = true;
  }
  return unknown ? "unknown" : "empty";
}

/**
 * The parsed manifest of the dbt project at `dbtDir`, when `target/manifest.json` is newer than every
 * file it was parsed from (dbt_project.yml, models/, macros/, tests/); undefined otherwise, since a
 * stale manifest would call a model just added missing.
 */
export function freshManifest(dbtDir: string): { manifest: Manifest; file: string } | undefined {
  const file = path.join(dbtDir, "target", "manifest.json");
  if (!fs.existsSync(file)) return undefined;
  const parsedAt = fs.statSync(file).mtimeMs;
  const newest = (p: string): number => {
    if (!fs.existsSync(p)) return 0;
    const st = fs.statSync(p);
    if (!st.isDirectory()) return st.mtimeMs;
    return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((e) => newest(path.join(p, e))));
  };
  const sources = ["dbt_project.yml", "models", "macros", "tests", "snapshots", "seeds"].map((p) => newest(path.join(dbtDir, p)));
  if (Math.max(...sources) > parsedAt) return undefined;
  try {
    return { manifest: JSON.parse(fs.readFileSync(file, "utf8")) as Manifest, file };
  } catch {
    return undefined;
  }
}
