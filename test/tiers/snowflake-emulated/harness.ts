/**
 * The snowflake-emulated tier's moving parts: the jobs as the plan declares them, fakesnow's server on
 * loopback, SQL through a real Snowflake client, and the real ingestion CLI and dbt runner started
 * with a job's own args and environment.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { maskSecrets, synthesize, type Plan, type PlannedResource } from "../../../tools/synth/synthesize";
import { ROOT, tierPython } from "./toolchain";

const HERE = __dirname;

/** One job of the plan, as its cloud runs it: the image's command, plain env, and the names of its secret env. */
export interface PlannedJob {
  pipeline: string;
  kind: "ingestion" | "dbt";
  args: string[];
  env: Record<string, string>;
  secretEnv: string[];
}

const parseMaybe = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v);

/** Every Cloud Run job (GCP) or ECS task definition (AWS) of the plan, read from its inputs. */
export function plannedJobs(plan: Plan): PlannedJob[] {
  const jobs: PlannedJob[] = [];
  const add = (args: string[], env: Record<string, string>, secretEnv: string[]) => {
    const kind = args[0] === "run" ? "ingestion" : "dbt";
    // The pipeline travels as the job's `--pipeline` argument (the ingestion job sets no DP_PIPELINE).
    const at = args.indexOf("--pipeline");
    const pipeline = at >= 0 ? args[at + 1] : env.DP_PIPELINE;
    if (!pipeline) throw new Error(`a planned ${kind} job names no pipeline (args ${JSON.stringify(args)})`);
    jobs.push({ pipeline, kind, args, env, secretEnv });
  };
  for (const r of plan.resources) {
    const inputs = maskSecrets(r.inputs) as Record<string, any>;
    if (r.type === "gcp:cloudrunv2/job:Job") {
      const c = inputs.template.template.containers[0];
      const env: Record<string, string> = {};
      const secret: string[] = [];
      for (const e of c.envs as { name: string; value?: string; valueSource?: unknown }[]) {
        if (e.valueSource) secret.push(e.name);
        else env[e.name] = String(e.value ?? "");
      }
      add(c.args, env, secret);
    } else if (r.type === "aws:ecs/taskDefinition:TaskDefinition") {
      const [c] = parseMaybe(inputs.containerDefinitions) as { command: string[]; environment?: { name: string; value: string }[]; secrets?: { name: string }[] }[];
      add(
        c.command,
        Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value])),
        (c.secrets ?? []).map((s) => s.name),
      );
    }
  }
  return jobs;
}

export function job(jobs: PlannedJob[], pipeline: string, kind: PlannedJob["kind"]): PlannedJob {
  const found = jobs.find((j) => j.pipeline === pipeline && j.kind === kind);
  if (!found) throw new Error(`plan has no ${kind} job for pipeline ${pipeline} (jobs: ${jobs.map((j) => `${j.pipeline}/${j.kind}`).join(", ")})`);
  return found;
}

export const ofType = (plan: Plan, type: string): PlannedResource[] => plan.resources.filter((r) => r.type === type);

export async function synthStack(stack: string): Promise<Plan> {
  return synthesize({ stack });
}

/** One environment's emulated world: a fakesnow server, a lake folder standing for the buckets, a key pair. */
export class World {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-snowflake-tier-"));
  readonly lake = path.join(this.dir, "lake");
  readonly python = tierPython();
  /** A real RSA key, in the form the secret manager hands the jobs (PKCS8 PEM). fakesnow does not verify it. */
  readonly privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  port = 0;
  private server?: ChildProcess;
  private fixtures?: http.Server;
  fixtureUrl = "";

  async start(): Promise<void> {
    fs.mkdirSync(this.lake, { recursive: true });
    const child = spawn(this.python, [path.join(HERE, "fakesnow_server.py"), this.lake], { stdio: ["pipe", "pipe", "pipe"] });
    this.server = child;
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-20000)));
    this.port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        const m = /\{"port": (\d+)\}/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on("exit", (code) => reject(new Error(`fakesnow server exited ${code} before listening:\n${stderr}`)));
    });
    // Serves ingestion/sample_data/<pipeline>/<path>.json, as tools/local.ts does: the REST source's stand-in.
    const sample = path.join(ROOT, "ingestion", "sample_data");
    this.fixtures = http.createServer((req, res) => {
      const file = path.join(sample, `${decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname).replace(/^\/+|\/+$/g, "")}.json`);
      if (!file.startsWith(sample + path.sep) || !fs.existsSync(file)) return void res.writeHead(404).end("{}");
      res.writeHead(200, { "content-type": "application/json" });
      fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => this.fixtures!.listen(0, "127.0.0.1", resolve));
    this.fixtureUrl = `http://127.0.0.1:${(this.fixtures.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (this.server && this.server.exitCode === null) {
      const exited = new Promise((resolve) => this.server!.once("exit", resolve));
      this.server.stdin!.end();
      this.server.kill("SIGTERM");
      await exited;
    }
    if (this.fixtures) await new Promise((resolve) => this.fixtures!.close(resolve));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Run statements through snowflake-connector-python against fakesnow; rows per statement. */
  sql(statements: string[]): unknown[][][] {
    const r = spawnSync(this.python, [path.join(HERE, "sql.py")], { input: JSON.stringify({ port: this.port, statements }), encoding: "utf8" });
    if (r.status !== 0) throw new Error(`SQL failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  scalar(statement: string): unknown {
    return this.sql([statement])[0][0]?.[0];
  }

  /** Local folder standing for `gs://<bucket>/<key>` / `s3://<bucket>/<key>`. */
  local(uri: string): string {
    const m = /^(gs|s3):\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!m) throw new Error(`not a bucket URI: ${uri}`);
    return path.join(this.lake, m[2], m[3]);
  }

  /**
   * Run a planned job's command with exactly its plan env, plus: its secret env from the test (the
   * Snowflake key), `extra` (what the test stands in for, named at the call), and the tier's redirects
   * (shim/sitecustomize.py). The ingestion image runs from its /app (the package), the dbt image from
   * the dbt project folder.
   */
  runJob(j: PlannedJob, extra: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const secrets: Record<string, string> = {};
    for (const name of j.secretEnv) {
      if (name !== "SNOWFLAKE_PRIVATE_KEY") throw new Error(`job ${j.pipeline}/${j.kind} needs secret ${name}, which the tier has no value for`);
      secrets[name] = this.privateKey;
    }
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: this.dir,
      ...j.env,
      ...secrets,
      PYTHONPATH: path.join(HERE, "shim"),
      DP_TIER_FAKESNOW_PORT: String(this.port),
      DP_TIER_LAKE_ROOT: this.lake,
      // dlt's scratch folder: a container's /tmp, here the world's.
      DP_DLT_DIR: path.join(this.dir, `dlt-${j.pipeline}`),
      ...extra,
    };
    const module = j.kind === "ingestion" ? "ingestion" : "dbt_runner";
    const cwd = j.kind === "ingestion" ? ROOT : path.join(ROOT, "dbt");
    // Asynchronous: the REST fixture server lives in this process and must answer while the job runs.
    const child = spawn(this.python, ["-m", module, ...j.args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-200000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15 * 60 * 1000);
    return new Promise((resolve) =>
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      }),
    );
  }
}

/** The last JSON line a job printed on stdout (its run record / summary). */
export function lastJson(stdout: string): Record<string, any> {
  const lines = stdout
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"));
  if (!lines.length) throw new Error(`no JSON on stdout:\n${stdout.slice(-3000)}`);
  return JSON.parse(lines[lines.length - 1]);
}
