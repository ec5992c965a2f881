/**
 * `npm run lock:python`: regenerate every Python lock from its `.txt` inputs, with `--hash` entries,
 * so every install (`pip install --require-hashes`) gets exactly the files that were locked.
 *
 *   npm run lock:python                          re-lock; versions already locked are kept (uv prefers them)
 *   npm run lock:python -- --upgrade-package X   also move X (and what it needs) to its newest allowed version
 *
 * One lock per place Python packages are installed (PYTHON_LOCKS): the project's .venv, each image,
 * each tier's own venv. The `.txt` files stay the human-edited inputs; after adding or changing a pin
 * in one (or merging branches that did), run this and commit the locks. test/config/python-locks.test.ts
 * fails while an input and its lock disagree. Resolution is uv's (`uv pip compile`), pinned below and
 * installed once per machine under ${DP_CACHE_DIR:-~/.cache/data-platform}/uv-<version>; it needs PyPI.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..");
const UV_VERSION = "0.13.8";
/** What the images and CI run: CPython 3.11 on x86-64 Linux (the Dockerfiles' base). */
const TARGET = ["--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_28"];

export interface PythonLock {
  /** The lock file, relative to the project root. */
  lock: string;
  /** The `.txt` files it is compiled from. */
  inputs: string[];
  /** Where it is installed (with `pip install --require-hashes -r <lock>`). */
  installedBy: string;
  /** Locks whose versions this one must keep (the images run what the .venv tests). */
  constraints?: string[];
  /** Inputs whose pins replace any other requirement on the same package. */
  overrides?: string[];
}

const PROJECT_RUNTIME = ["ingestion/requirements.txt", "dbt/requirements.txt"];

export const PYTHON_LOCKS: PythonLock[] = [
  // pip first, by its own lock, in every place below (Docker contexts cannot share a file, hence three).
  { lock: "requirements-pip.lock", inputs: ["requirements-pip.txt"], installedBy: "tools/bootstrap.sh (and the tiers' venvs)" },
  { lock: "ingestion/requirements-pip.lock", inputs: ["requirements-pip.txt"], installedBy: "ingestion/Dockerfile" },
  { lock: "dbt/requirements-pip.lock", inputs: ["requirements-pip.txt"], installedBy: "dbt/Dockerfile" },
  {
    lock: "requirements.lock",
    inputs: [...PROJECT_RUNTIME, "ingestion/requirements-dev.txt", "tools/scaffold/requirements.txt", "requirements-lint.txt"],
    installedBy: "tools/bootstrap.sh (the project's .venv)",
  },
  { lock: "ingestion/requirements.lock", inputs: ["ingestion/requirements.txt"], installedBy: "ingestion/Dockerfile", constraints: ["requirements.lock"] },
  { lock: "dbt/requirements.lock", inputs: ["dbt/requirements.txt"], installedBy: "dbt/Dockerfile", constraints: ["requirements.lock"] },
  { lock: "test/tiers/gcp-emulated/requirements.lock", inputs: ["test/tiers/gcp-emulated/requirements.txt"], installedBy: "test/tiers/gcp-emulated/tier.ts" },
  { lock: "test/tiers/aws-emulated/requirements.lock", inputs: ["test/tiers/aws-emulated/requirements.txt"], installedBy: "test/tiers/aws-emulated/tools.ts" },
  { lock: "tools/lineage/requirements.lock", inputs: ["tools/lineage/requirements.txt"], installedBy: "tools/lineage.ts" },
  { lock: "test/tiers/containers/requirements.lock", inputs: ["test/tiers/containers/requirements.txt"], installedBy: "test/tiers/containers/servers.ts" },
  {
    // The data code's runtime plus fakesnow, whose own sqlglot pin replaces the project's.
    lock: "test/tiers/snowflake-emulated/requirements.lock",
    inputs: [...PROJECT_RUNTIME, "test/tiers/snowflake-emulated/requirements.txt"],
    overrides: ["test/tiers/snowflake-emulated/requirements.txt"],
    installedBy: "test/tiers/snowflake-emulated/toolchain.ts",
  },
];

/** One requirement line: the package (PEP 503 normalized), and its exact pin when it has one. */
interface Pin {
  name: string;
  version?: string;
  line: number;
}

const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

/** The requirements of a `.txt` input (comments, blank lines and pip options skipped). */
export function parseInput(text: string): Pin[] {
  const out: Pin[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.split("#")[0].trim();
    if (!line || line.startsWith("-")) return;
    const name = /^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(line)?.[0];
    if (!name) return;
    // An exact pin is `name[extras]==version [; marker]`; other specifiers only ask for the package.
    const exact = /^[^\s[=<>~!;]+(?:\[[^\]]*\])?\s*==\s*([^\s;,=]+)\s*(?:;.*)?$/.exec(line);
    out.push({ name: normalize(name), version: exact?.[1], line: i + 1 });
  });
  return out;
}

/** A lock's entries: `name==version [; marker] \` followed by its `--hash=sha256:...` lines. */
export function parseLock(text: string): Map<string, { version: string; hashes: number; line: number }> {
  const out = new Map<string, { version: string; hashes: number; line: number }>();
  let current: { version: string; hashes: number; line: number } | undefined;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    const entry = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)/.exec(line);
    if (entry) {
      current = { version: entry[2], hashes: 0, line: i + 1 };
      out.set(normalize(entry[1]), current);
    } else if (/^--hash=sha256:[0-9a-f]{64}\b/.test(line) && current) current.hashes++;
    else if (line && !line.startsWith("#")) current = undefined;
  });
  return out;
}

/**
 * Where a lock and its inputs disagree, one message per problem (file:line, what was expected, what was
 * found): an input's package missing from the lock or locked at another version than its pin, an entry
 * without a hash, a version other than the constraint lock's. `read` maps a project path to its text.
 */
export function lockProblems(l: PythonLock, read: (file: string) => string | undefined): string[] {
  const text = read(l.lock);
  if (text === undefined) return [`${l.lock}: missing; expected the lock of ${l.inputs.join(", ")} (npm run lock:python)`];
  const locked = parseLock(text);
  const problems: string[] = [];
  const overridden = new Map((l.overrides ?? []).flatMap((f) => parseInput(read(f) ?? "").map((p) => [p.name, p] as const)));
  for (const input of l.inputs) {
    const body = read(input);
    if (body === undefined) {
      problems.push(`${input}: missing; ${l.lock} is compiled from it`);
      continue;
    }
    for (const pin of parseInput(body)) {
      const want = overridden.get(pin.name) ?? pin;
      const got = locked.get(pin.name);
      if (!got) problems.push(`${input}:${pin.line}: ${pin.name} is not in ${l.lock} (run npm run lock:python)`);
      else if (want.version && got.version !== want.version)
        problems.push(`${input}:${pin.line}: ${pin.name} pinned ${want.version}, ${l.lock}:${got.line} has ${got.version} (run npm run lock:python)`);
    }
  }
  for (const [name, e] of locked) if (e.hashes === 0) problems.push(`${l.lock}:${e.line}: ${name}==${e.version} has no --hash (run npm run lock:python)`);
  if (locked.size === 0) problems.push(`${l.lock}: no entries`);
  for (const c of l.constraints ?? []) {
    const other = parseLock(read(c) ?? "");
    for (const [name, e] of locked) {
      const o = other.get(name);
      if (o && o.version !== e.version) problems.push(`${l.lock}:${e.line}: ${name}==${e.version}, but ${c}:${o.line} has ${o.version} (run npm run lock:python)`);
    }
  }
  return problems;
}

function cacheDir(): string {
  return process.env.DP_CACHE_DIR || path.join(os.homedir(), ".cache", "data-platform");
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`lock-python: ${cmd} ${args.join(" ")} exited ${r.status}`);
}

/** The pinned uv, installed once per machine (idempotent: a second run only checks its version). */
function uv(): string {
  const dir = path.join(cacheDir(), `uv-${UV_VERSION}`);
  const bin = path.join(dir, "bin", "uv");
  const version = fs.existsSync(bin) ? spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout : "";
  if (!version.startsWith(`uv ${UV_VERSION}`)) {
    process.stderr.write(`lock-python: installing uv ${UV_VERSION} into ${dir}\n`);
    run(process.env.PYTHON || "python3", ["-m", "venv", dir]);
    run(path.join(dir, "bin", "python"), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", `uv==${UV_VERSION}`]);
  }
  return bin;
}

function main(argv: string[]): void {
  const extra = argv; // passed through to every compile, e.g. --upgrade-package dlt
  const bin = uv();
  for (const l of PYTHON_LOCKS) {
    // --no-strip-extras: pip in hash mode needs `pkg[extra]==v` where a dependency asks for an extra.
    const args = ["pip", "compile", "--quiet", "--generate-hashes", "--no-strip-extras", ...TARGET, "--custom-compile-command", "npm run lock:python"];
    for (const c of l.constraints ?? []) args.push("--constraint", c);
    for (const o of l.overrides ?? []) args.push("--override", o);
    args.push(...extra, ...l.inputs, "--output-file", l.lock);
    process.stderr.write(`lock-python: ${l.lock} ← ${l.inputs.join(" + ")}\n`);
    run(bin, args);
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
