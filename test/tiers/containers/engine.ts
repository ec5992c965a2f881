/**
 * The containers tier's Docker engine: Debian's `docker.io`, installed when `dockerd` is missing, and
 * one `dockerd` of the tier's own (socket, data root, exec root and pid file under the cache folder),
 * started for a test file and stopped after it. Images and build layers live in the data root, so a
 * second run reuses them.
 *
 * Builds use the classic builder (DOCKER_BUILDKIT=0: Debian's engine has no buildx) with host
 * networking, and containers run with host networking too: the tier's servers listen on 127.0.0.1
 * only, and the engine gets no bridge or iptables rules, so it leaves the machine's network alone.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const CACHE = path.join(process.env.DP_CACHE_DIR || path.join(os.homedir(), ".cache", "data-platform"), "containers");
const ENGINE_DIR = path.join(CACHE, "docker");
export const SOCKET = path.join(ENGINE_DIR, "docker.sock");
const PIDFILE = path.join(ENGINE_DIR, "docker.pid");

/** The environment every `docker` call gets: our daemon, the classic builder. */
export const DOCKER_ENV: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${SOCKET}`, DOCKER_BUILDKIT: "0" };

export interface Engine {
  /** Stops the daemon this file started (by its pid). */
  stop(): void;
}

/** Why this machine cannot run an engine at all, or undefined when it can (or should). */
function cannotRun(): string | undefined {
  if (process.platform !== "linux") return `Docker's engine needs Linux; this is ${process.platform}`;
  if (process.getuid?.() !== 0) return "the tier starts its own dockerd, which needs root; run as root (CI does)";
  if (!fs.existsSync("/sys/fs/cgroup")) return "no /sys/fs/cgroup: this machine cannot run containers";
  return undefined;
}

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/** `apt-get install docker.io` when dockerd is missing (idempotent; the package manager caches). */
function installEngine(): void {
  if (has("dockerd") && has("docker")) return;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", "docker.io"],
  ]) {
    const r = spawnSync("apt-get", args, { env, encoding: "utf8", stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(" ")} exited ${r.status}: cannot install Docker's engine`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function stopPid(pid: number): void {
  if (!alive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 20_000;
  while (alive(pid) && Date.now() < deadline) spawnSync("sleep", ["0.2"]);
  if (alive(pid)) process.kill(pid, "SIGKILL");
}

/**
 * Start the tier's dockerd, or return the reason this machine cannot run one (the tests then skip,
 * except under CI, where a machine that should run it must: `CI` set makes a skip a failure).
 */
export function startEngine(): Engine | { skip: string } {
  const reason = cannotRun();
  if (reason) {
    if (process.env.CI) throw new Error(`containers tier: ${reason}; CI must run this tier`);
    return { skip: `containers tier skipped: ${reason}` };
  }
  installEngine();
  fs.mkdirSync(ENGINE_DIR, { recursive: true });
  // The tier's daemon already up (another test file of this tier is using it): share it, and leave
  // stopping it to the file that started it. A pid file without a live, answering daemon is stale.
  if (fs.existsSync(PIDFILE)) {
    const pid = Number(fs.readFileSync(PIDFILE, "utf8").trim());
    if (alive(pid) && spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { env: DOCKER_ENV }).status === 0) return { stop: () => undefined };
    stopPid(pid);
  }
  fs.rmSync(SOCKET, { force: true });
  const log = fs.openSync(path.join(ENGINE_DIR, "dockerd.log"), "w");
  const child = spawn(
    "dockerd",
    [
      "-H",
      `unix://${SOCKET}`,
      "--data-root",
      path.join(ENGINE_DIR, "data"),
      "--exec-root",
      path.join(ENGINE_DIR, "exec"),
      "--pidfile",
      PIDFILE,
      "--bridge=none",
      "--iptables=false",
      "--ip-masq=false",
    ],
    { stdio: ["ignore", log, log], detached: true },
  );
  child.unref();
  const pid = child.pid!;
  // Generous: on a loaded 2-core machine containerd alone can take a minute to come up.
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    if (!alive(pid)) break;
    if (spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { env: DOCKER_ENV }).status === 0) {
      return { stop: () => stopPid(pid) };
    }
    spawnSync("sleep", ["0.5"]);
  }
  stopPid(pid);
  const tail = fs.readFileSync(path.join(ENGINE_DIR, "dockerd.log"), "utf8").split("\n").slice(-15).join("\n");
  throw new Error(`dockerd did not come up within 240 s (log ${path.join(ENGINE_DIR, "dockerd.log")}):\n${tail}`);
}

/** `docker <args>`; throws with its output when it fails (unless `allowFail`). */
export function docker(args: string[], opts: { input?: string; allowFail?: boolean; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  const r = spawnSync("docker", args, { env: DOCKER_ENV, encoding: "utf8", input: opts.input, maxBuffer: 512 * 1024 * 1024, timeout: opts.timeoutMs ?? 30 * 60_000 });
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`docker ${args.slice(0, 3).join(" ")} ... exited ${r.status ?? r.signal}:\n${(r.stdout ?? "").slice(-4000)}\n${(r.stderr ?? "").slice(-4000)}`);
  }
  return r;
}
