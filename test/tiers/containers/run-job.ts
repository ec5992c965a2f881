/**
 * Run one job's container the way its cloud does: the image's own user (non-root), a read-only root
 * filesystem with an in-memory /tmp (Cloud Run and Fargate give a writable scratch disk, nothing
 * else), no capabilities, and exactly the job's arguments and environment from the synthesized plan.
 *
 * On top of the plan, and listed in `overlay` so each test shows them: what the cloud runtime adds
 * (credentials endpoint, region, execution id), where its object store is (the emulator), the
 * values of the secrets the cloud injects, and the tier's stand-ins. Values reach `docker run` by
 * name (`-e NAME`) through the CLI's environment, so secrets never appear on a command line.
 */
import { spawn } from "child_process";
import { DOCKER_ENV } from "./engine";
import type { JobRun } from "./jobs";

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  /** The last stdout line, parsed: both images print their run record / summary there. */
  last: Record<string, unknown>;
}

export interface RunOptions {
  image: string;
  job: JobRun;
  /** Variables added to (or, for the stand-ins, replacing) the plan's environment. */
  overlay: Record<string, string>;
  /** Values for the job's secret variables (the plan names them; the cloud would inject them). */
  secrets: Record<string, string>;
  /** Arguments to use instead of the plan's (only a named stand-in may differ). */
  args?: string[];
  mounts?: string[];
}

/**
 * Asynchronous on purpose: the fixture server and the runtime stand-ins live in this process, and a
 * blocking spawn would leave them unable to answer the container.
 */
export async function runJob(o: RunOptions): Promise<Ran> {
  const missing = o.job.secretEnv.filter((name) => !(name in o.secrets));
  if (missing.length) throw new Error(`${o.job.pipeline}/${o.job.kind}: no value for the secret variable(s) ${missing.join(", ")}`);
  const env = { ...o.job.env, ...o.secrets, ...o.overlay };
  const args = [
    "run",
    "--rm",
    "--network",
    "host",
    "--read-only",
    "--tmpfs",
    "/tmp:rw,size=1g",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    ...(o.mounts ?? []).flatMap((m) => ["--volume", m]),
    ...Object.keys(env).flatMap((name) => ["--env", name]),
    o.image,
    ...(o.args ?? o.job.args),
  ];
  const child = spawn("docker", args, { env: { ...DOCKER_ENV, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 15 * 60_000);
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
  clearTimeout(timer);
  const lines = stdout.trim().split("\n");
  let last: Record<string, unknown> = {};
  try {
    last = JSON.parse(lines[lines.length - 1]);
  } catch {
    /* asserted by the caller */
  }
  return { code, stdout, stderr, last };
}
