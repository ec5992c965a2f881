/**
 * What every test of the gcp-emulated tier shares: the tier's Python venv (installed once per machine,
 * keyed by the hash of requirements.txt, reused afterwards), the synthesized plans it reads, and a way
 * to run a Python helper of this folder with JSON in and out.
 */
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { synthesize, type Plan, type PlannedResource } from "../../../tools/synth/synthesize";

export const TIER_DIR = __dirname;
/** requirements.txt locked with every file's hash (npm run lock:python); installed with --require-hashes. */
const REQUIREMENTS = path.join(TIER_DIR, "requirements.lock");

function findPython(): string {
  for (const candidate of [process.env.PYTHON, "python3.11", "python3"].filter(Boolean) as string[]) {
    const r = spawnSync(candidate, ["-c", "import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)"]);
    if (r.status === 0) return candidate;
  }
  throw new Error("gcp-emulated: Python >= 3.11 is required (set PYTHON=/path/to/python3.11); the tier cannot run without it");
}

/** The tier's venv python: created and filled from requirements.txt when missing, else reused. */
export function tierPython(): string {
  const python = findPython();
  const version = spawnSync(python, ["--version"], { encoding: "utf8" }).stdout.trim();
  const key = crypto.createHash("sha256").update(version).update(fs.readFileSync(REQUIREMENTS)).digest("hex").slice(0, 12);
  const cache = process.env.DP_CACHE_DIR ?? path.join(os.homedir(), ".cache", "data-platform");
  const dir = path.join(cache, "gcp-emulated", key);
  const bin = path.join(dir, "venv", "bin", "python");
  const stamp = path.join(dir, "installed");
  if (fs.existsSync(stamp) && fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  process.stderr.write(`gcp-emulated: installing the tier's Python tools into ${dir} (once per machine)\n`);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`gcp-emulated: ${cmd} ${args.join(" ")} exited ${r.status}`);
  };
  if (!fs.existsSync(bin)) run(python, ["-m", "venv", path.join(dir, "venv")]);
  // pip first, from the project's pip lock (requirements-pip.txt says why).
  run(bin, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes", "-r", path.join(TIER_DIR, "..", "..", "..", "requirements-pip.lock")]);
  run(bin, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes", "-r", REQUIREMENTS]);
  fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
  return bin;
}

/** Run `helper` (a .py file of this folder) with `input` as JSON on stdin; its stdout is parsed as JSON. */
export function runPython<T>(helper: string, input: unknown, timeoutMs = 120_000): T {
  const r = spawnSync(tierPython(), [path.join(TIER_DIR, helper)], { input: JSON.stringify(input), encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`gcp-emulated: ${helper} exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`gcp-emulated: ${helper} printed no JSON:\n${r.stdout}\n${r.stderr}`);
  }
}

const plans = new Map<string, Promise<Plan>>();
/** The real program's plan for a stack, from the offline synthesis (`npm run plan`), once per process. */
export function plan(stack: "dev" | "prod"): Promise<Plan> {
  if (!plans.has(stack)) plans.set(stack, synthesize({ stack }));
  return plans.get(stack)!;
}

export const ofType = (p: Plan, type: string): PlannedResource[] => p.resources.filter((r) => r.type === type);

export function one(p: Plan, type: string, name: string): PlannedResource {
  const found = p.resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

/**
 * The tier's PromQL evaluator (promql/: Prometheus' engine, pinned in promql/go.mod and go.sum), built
 * once per machine with Go into the cache, keyed by the hash of its sources; a missing Go fails the tier.
 */
export function promqlEvaluator(): string {
  const src = path.join(TIER_DIR, "promql");
  const hash = crypto.createHash("sha256");
  for (const f of ["go.mod", "go.sum", "main.go"]) hash.update(fs.readFileSync(path.join(src, f)));
  const cache = process.env.DP_CACHE_DIR ?? path.join(os.homedir(), ".cache", "data-platform");
  const bin = path.join(cache, "gcp-emulated", `promql-eval-${hash.digest("hex").slice(0, 12)}`);
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  process.stderr.write(`gcp-emulated: building the PromQL evaluator (Prometheus' engine) into ${bin} (once per machine)\n`);
  const tmp = `${bin}.${process.pid}.tmp`;
  const r = spawnSync("go", ["build", "-mod=readonly", "-o", tmp, "."], { cwd: src, stdio: "inherit", timeout: 30 * 60_000 });
  if (r.error) throw new Error(`gcp-emulated: Go is needed to build the PromQL evaluator (${r.error.message})`);
  if (r.status !== 0) throw new Error(`gcp-emulated: go build in ${src} exited ${r.status}`);
  fs.renameSync(tmp, bin); // atomic: a concurrent build just replaces it with the same binary
  return bin;
}

/** Run the PromQL evaluator with `input` as JSON on stdin. */
export function evalPromql<T>(input: unknown): T {
  const r = spawnSync(promqlEvaluator(), [], { input: JSON.stringify(input), encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`gcp-emulated: promql-eval exited ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
