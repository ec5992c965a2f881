/**
 * Read `Pulumi.<stack>.yaml` into the config map the Pulumi engine would hand the program:
 * `namespace:key` → string (objects as JSON). Secure values cannot be decrypted offline; they become
 * the placeholder OFFLINE_SECRET and their keys are marked secret, as the engine would mark them.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ConfigError } from "../../stacks/errors";

const OFFLINE_SECRET = "offline-placeholder-secret";

export interface StackFileConfig {
  config: Record<string, string>;
  secretKeys: string[];
}

export function readStackFile(root: string, stack: string): StackFileConfig {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const known = fs
      .readdirSync(root)
      .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
      .map((f) => f.slice(7, -5))
      .sort();
    throw new ConfigError([{ file: `Pulumi.${stack}.yaml`, path: "", expected: `a stack file (stacks here: ${known.join(", ") || "none"})`, found: "no such file" }]);
  }
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, raw] of Object.entries(doc.config ?? {})) {
    let secret = false;
    const value = replaceSecure(raw, () => (secret = true));
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
    if (secret) secretKeys.push(key);
  }
  return { config, secretKeys };
}

function replaceSecure(v: unknown, found: () => void): unknown {
  if (Array.isArray(v)) return v.map((x) => replaceSecure(x, found));
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.secure === "string") {
      found();
      return OFFLINE_SECRET;
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, replaceSecure(x, found)]));
  }
  return v;
}

/** `file` with `data-platform:images.<kind>` set, as `pulumi config set --path` (pin-images.sh) sets it. */
export function withPinnedImages(file: StackFileConfig, images: Record<string, string>): StackFileConfig {
  const current = JSON.parse(file.config["data-platform:images"] ?? "{}") as Record<string, unknown>;
  return { config: { ...file.config, "data-platform:images": JSON.stringify({ ...current, ...images }) }, secretKeys: file.secretKeys };
}
