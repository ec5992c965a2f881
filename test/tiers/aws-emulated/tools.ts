/**
 * The aws-emulated tier's tools and its plan.
 *
 * Python tools (moto, parliament, botocore, jsonata-python) live in a venv of their own, keyed by the hash
 * of `requirements.txt`, under `${DP_CACHE_DIR:-~/.cache/data-platform}/aws-emulated/`: created once per
 * machine (idempotent: a second run only checks the stamp), never mixed with the project's .venv (moto
 * pins its own botocore). A machine without Python 3.11+ or pip access fails the tier, saying why.
 *
 * The plan is the real program's offline synthesis of `dev-aws` (`tools/synth`, as `npm run plan -- --json`).
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { synthesize, type Plan, type PlannedResource } from "../../../tools/synth/synthesize";

const HERE = __dirname;
export const ROOT = path.resolve(HERE, "..", "..", "..");
/** requirements.txt locked with every file's hash (npm run lock:python); installed with --require-hashes. */
const REQUIREMENTS = path.join(HERE, "requirements.lock");

export function cacheDir(): string {
  return process.env.DP_CACHE_DIR ?? path.join(os.homedir(), ".cache", "data-platform");
}

/** The tier's Python, installing its venv when missing or out of date. Throws with the reason when it cannot. */
export function tierPython(): string {
  const key = createHash("sha256").update(fs.readFileSync(REQUIREMENTS)).digest("hex").slice(0, 16);
  const venv = path.join(cacheDir(), "aws-emulated", `venv-${key}`);
  const py = path.join(venv, "bin", "python");
  const stamp = path.join(venv, ".installed");
  if (fs.existsSync(stamp) && fs.existsSync(py)) return py;
  const base = ["python3.11", "python3"].find((c) => spawnSync(c, ["-c", "import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)"]).status === 0);
  if (!base) throw new Error("aws-emulated: Python >= 3.11 is needed to install moto, parliament and botocore (none found on PATH)");
  fs.rmSync(venv, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(venv), { recursive: true });
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    if (r.status !== 0) throw new Error(`aws-emulated: ${cmd} ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
  };
  process.stderr.write(`aws-emulated: installing ${REQUIREMENTS} into ${venv} (once per machine)\n`);
  run(base, ["-m", "venv", venv]);
  // pip first, from the project's pip lock (requirements-pip.txt says why).
  run(py, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes", "-r", path.join(HERE, "..", "..", "..", "requirements-pip.lock")]);
  run(py, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes", "-r", REQUIREMENTS]);
  fs.writeFileSync(stamp, key);
  return py;
}

/** Runs one of the tier's Python scripts with a JSON job on stdin; returns its JSON answer. */
export function runPython<T>(script: string, job: unknown, timeoutMs = 180_000): T {
  if (process.env.DP_TIER_DEBUG) fs.writeFileSync(path.join(os.tmpdir(), `${script}.job.json`), JSON.stringify(job));
  const r = spawnSync(tierPython(), [path.join(HERE, script)], { input: JSON.stringify(job), encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${script} exited ${r.status ?? r.signal}:\n${r.stderr}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`${script} printed no JSON:\n${r.stdout.slice(0, 2000)}\n${r.stderr.slice(-4000)}`);
  }
}

let cached: Promise<Plan> | undefined;
/** The real program's plan of dev-aws (once per test file). */
export function devAwsPlan(): Promise<Plan> {
  cached ??= synthesize({ stack: "dev-aws" });
  return cached;
}

export const byType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
export const json = (v: unknown): any => (typeof v === "string" ? JSON.parse(v) : v);

export const T = {
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  managedPolicy: "aws:iam/policy:Policy",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  stateMachine: "aws:sfn/stateMachine:StateMachine",
  task: "aws:ecs/taskDefinition:TaskDefinition",
  schedule: "aws:scheduler/schedule:Schedule",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
} as const;

/** The role resource a RolePolicy grants (by physical name). */
export function roleNamed(plan: Plan, name: string): PlannedResource {
  const r = byType(plan, T.role).find((x) => x.inputs.name === name);
  if (!r) throw new Error(`no role ${name} in the plan`);
  return r;
}

export interface PlanPolicy {
  /** Where it comes from: `<type> <logical name>` (and the role, for inline policies). */
  where: string;
  kind: "identity" | "trust" | "resource" | "boundary";
  document: any;
  /** The role it belongs to (identity and trust policies). */
  role?: string;
}

/** Every IAM policy document in the plan: trust policies, inline and managed policies, resource policies. */
export function planPolicies(plan: Plan): PlanPolicy[] {
  const out: PlanPolicy[] = [];
  for (const r of byType(plan, T.role)) out.push({ where: `role ${r.inputs.name} (trust)`, kind: "trust", document: json(r.inputs.assumeRolePolicy), role: String(r.inputs.name) });
  for (const r of byType(plan, T.rolePolicy))
    out.push({ where: `inline ${r.inputs.name} of ${r.inputs.role}`, kind: "identity", document: json(r.inputs.policy), role: String(r.inputs.role) });
  for (const r of byType(plan, T.managedPolicy)) out.push({ where: `managed policy ${r.inputs.name}`, kind: "boundary", document: json(r.inputs.policy) });
  for (const t of [T.bucketPolicy, T.topicPolicy])
    for (const r of byType(plan, t)) out.push({ where: `${t.split(":")[1]} ${r.name}`, kind: "resource", document: json(r.inputs.policy) });
  return out;
}
