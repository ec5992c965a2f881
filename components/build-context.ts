/**
 * Content hash of a Docker build context, honouring its `.dockerignore`. Images are tagged with it,
 * so an unchanged source tree means an unchanged tag: nothing rebuilds, nothing redeploys.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

interface IgnoreRule {
  pattern: RegExp;
  negate: boolean;
}

/** Parse `.dockerignore` lines (Go filepath.Match globs plus `**`, `!` negation, last match wins). */
export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      const glob = path.posix
        .normalize((negate ? l.slice(1) : l).trim())
        .replace(/^\/+/, "")
        .replace(/\/+$/, "");
      return { pattern: globToRegExp(glob), negate };
    });
}

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      // `**/` matches any number of directories, including none.
      re += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  // A pattern that names a directory excludes everything under it.
  return new RegExp(`^${re}(?:/.*)?$`);
}

export function isIgnored(relative: string, rules: IgnoreRule[]): boolean {
  let ignored = false;
  for (const r of rules) if (r.pattern.test(relative)) ignored = !r.negate;
  return ignored;
}

/** The files Docker would send as the build context, sorted, as posix paths relative to `dir`. */
export function contextFiles(dir: string): string[] {
  const ignoreFile = path.join(dir, ".dockerignore");
  const rules = fs.existsSync(ignoreFile) ? parseDockerignore(fs.readFileSync(ignoreFile, "utf8")) : [];
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      // Directories are walked even when ignored, because a later `!` rule may re-include a file inside.
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && !isIgnored(r, rules)) out.push(r);
    }
  };
  walk("");
  return out.sort();
}

/**
 * The files that decide what an image holds: the context Docker sends, plus the Dockerfile and
 * `.dockerignore` even when `.dockerignore` lists them (Docker reads both whatever it says). Without
 * them a new base digest or build step would keep the old tag, and nothing would rebuild or redeploy.
 */
export function imageInputs(dir: string): string[] {
  const recipe = ["Dockerfile", ".dockerignore"].filter((f) => fs.existsSync(path.join(dir, f)));
  return [...new Set([...contextFiles(dir), ...recipe])].sort();
}

/** sha256 over every image input's path, mode and content; the first 16 hex characters. */
export function contextHash(dir: string): string {
  const h = crypto.createHash("sha256");
  for (const f of imageInputs(dir)) {
    const full = path.join(dir, f);
    h.update(`${f}\0${fs.statSync(full).mode & 0o111 ? "x" : "-"}\0`);
    h.update(fs.readFileSync(full));
    h.update("\0");
  }
  return h.digest("hex").slice(0, 16);
}
