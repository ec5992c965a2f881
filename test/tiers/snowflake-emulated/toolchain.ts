/**
 * The tier's Python: a venv per machine under `${DP_CACHE_DIR:-~/.cache/data-platform}`, keyed by a
 * hash of the lock it installs, so a second run (or a fresh clone on the same machine)
 * reuses it and a pin change builds a new one. It holds the ingestion and dbt runtimes as the images
 * pin them (ingestion/requirements.txt, dbt/requirements.txt) plus fakesnow, whose sqlglot pin
 * replaces the project's (see requirements.txt here); all of it from requirements.lock, hash-checked.
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..", "..");
/**
 * ingestion/ and dbt/ requirements plus this tier's own, with its sqlglot pin overriding the
 * project's, locked with every file's hash by `npm run lock:python`.
 */
const LOCK = path.join(__dirname, "requirements.lock");

export function cacheDir(): string {
  return process.env.DP_CACHE_DIR || path.join(os.homedir(), ".cache", "data-platform");
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`snowflake-emulated: ${cmd} ${args.join(" ")} exited ${r.status}\n${r.stdout}${r.stderr}`);
}

/** Path of the tier venv's python, installing it first when missing. Throws (the tier fails) when it cannot. */
export function tierPython(): string {
  const python = process.env.PYTHON || "python3";
  const version = spawnSync(python, ["--version"], { encoding: "utf8" });
  if (version.status !== 0) throw new Error(`snowflake-emulated: ${python} not found (Python >= 3.11 is required; set PYTHON)`);
  const lock = fs.readFileSync(LOCK, "utf8");
  const key = createHash("sha256").update(`${version.stdout}${version.stderr}\n${lock}`).digest("hex").slice(0, 16);
  const dir = path.join(cacheDir(), "snowflake-emulated", `venv-${key}`);
  const py = path.join(dir, "bin", "python");
  const stamp = path.join(dir, ".installed");
  if (fs.existsSync(stamp) && fs.existsSync(py)) return py;
  process.stdout.write(`snowflake-emulated: installing the tier's venv into ${dir} (once per machine and lock)\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  run(python, ["-m", "venv", dir]);
  // pip first, from the project's pip lock (requirements-pip.txt says why).
  run(py, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes", "-r", path.join(ROOT, "requirements-pip.lock")]);
  run(py, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes", "-r", LOCK]);
  fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
  return py;
}

if (require.main === module) process.stdout.write(`${tierPython()}\n`);
