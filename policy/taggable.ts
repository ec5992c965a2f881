/**
 * Which resource types accept labels (GCP) or tags (AWS), read from the provider SDKs' own type
 * declarations, so "every taggable resource is labelled" needs no hand-kept list of types. Used by
 * the `platform-labels` rule and by the stack invariants (test/stacks/).
 */
import * as fs from "fs";
import * as path from "path";

export type LabelProperty = "labels" | "userLabels" | "tags";

const cache = new Map<string, LabelProperty | undefined>();

/**
 * The input property that carries labels/tags for a type token, or undefined if it has none.
 * Cloud Monitoring types keep resource labels in `userLabels`; their `labels` are channel settings.
 */
export function labelProperty(type: string): LabelProperty | undefined {
  if (cache.has(type)) return cache.get(type);
  const m = /^(gcp|aws):([^/]+)\/([^:]+):(\w+)$/.exec(type);
  let found: LabelProperty | undefined;
  if (m) {
    const [, pkg, module, file, cls] = m;
    const dts = path.join(path.dirname(require.resolve(`@pulumi/${pkg}/package.json`)), module === "index" ? "" : module, `${file}.d.ts`);
    if (fs.existsSync(dts)) {
      const text = fs.readFileSync(dts, "utf8");
      const args = text.slice(text.indexOf(`export interface ${cls}Args {`));
      const body = args.slice(0, args.indexOf("\n}"));
      const has = (prop: string) => new RegExp(`\\n\\s+${prop}\\?: pulumi\\.Input<`).test(body);
      const candidates: LabelProperty[] = pkg === "gcp" ? ["userLabels", "labels"] : ["tags"];
      found = candidates.find(has);
    }
  }
  cache.set(type, found);
  return found;
}
