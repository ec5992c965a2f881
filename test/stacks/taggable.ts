/**
 * Which resource types accept labels (GCP) or tags (AWS), read from the provider SDKs' own type
 * declarations, so the "every taggable resource is labelled" invariant needs no hand-kept list.
 */
import * as fs from "fs";
import * as path from "path";

const cache = new Map<string, string | undefined>();

/** The input property that carries labels/tags for a type token, or undefined if it has none. */
export function labelProperty(type: string): "labels" | "tags" | undefined {
  if (cache.has(type)) return cache.get(type) as "labels" | "tags" | undefined;
  const m = /^(gcp|aws):([^/]+)\/([^:]+):(\w+)$/.exec(type);
  let found: "labels" | "tags" | undefined;
  if (m) {
    const [, pkg, module, file, cls] = m;
    const dts = path.join(path.dirname(require.resolve(`@pulumi/${pkg}/package.json`)), module === "index" ? "" : module, `${file}.d.ts`);
    if (fs.existsSync(dts)) {
      const text = fs.readFileSync(dts, "utf8");
      const args = text.slice(text.indexOf(`export interface ${cls}Args {`));
      const body = args.slice(0, args.indexOf("\n}"));
      const prop = pkg === "gcp" ? "labels" : "tags";
      if (new RegExp(`\\n\\s+${prop}\\?: pulumi\\.Input<`).test(body)) found = prop;
    }
  }
  cache.set(type, found);
  return found;
}
