/**
 * The platform on a laptop: every pipeline (or `--pipeline X`) end to end into `.local/`, offline.
 *
 *   npm run local [-- --pipeline orders_files] [--skip-dbt]
 *
 * The pipelines are the dev stack's (`loadPlatformConfig`, as the Pulumi program loads them). Per
 * pipeline: ingestion (`python -m ingestion run --target local`), then the dbt selection the
 * pipeline builds in the cloud (`python -m dbt_runner build --target local`). DuckDB is the warehouse
 * (`.local/warehouse.duckdb`), a folder is the raw bucket (`.local/lake/`).
 *
 * Offline by construction: filesystem pipelines read sample files copied from
 * `ingestion/sample_data/<bucket_path>/` into the lake (the "file drop"); rest_api pipelines are
 * pointed (`--base-url`) at a fixture server started here that serves
 * `ingestion/sample_data/<pipeline>/<path>.json`; sql_database pipelines read a SQLite database built
 * afresh from the SQL seeds in `ingestion/sample_data/<pipeline>/*.sql`, given to ingestion as the
 * pipeline's own credentials variable. Pipelines that cannot run offline are listed as SKIPPED with
 * the reason. Statuses are the pipeline-run records'
 * (tools/run-status.ts).
 */
import { RUN_ENV, RUN_TYPES } from "../components/cloud/run-context";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import type { PipelineConfig } from "../components/types";
import { validatedSource } from "../stacks/pipeline-spec";
import { ConfigError, formatIssue } from "../stacks/errors";
import { loadPlatformConfig } from "../stacks/load";
import { readStackFile } from "./synth/stack-file";
import { runStatus, type RunStatus } from "./run-status";

const ROOT = path.resolve(__dirname, "..");
const PYTHON = process.env.DP_PYTHON ?? path.join(ROOT, ".venv", "bin", "python");
const LOCAL_DIR = path.resolve(process.env.DP_LOCAL_DIR ?? path.join(ROOT, ".local"));
const LAKE_DIR = path.join(LOCAL_DIR, "lake");
const SAMPLE_DIR = path.join(ROOT, "ingestion", "sample_data");
/** Where the stack file and `pipelines/` are read: the repo, or a generated project (bench:local). */
const PROJECT_ROOT = path.resolve(process.env.DP_PROJECT_ROOT ?? ROOT);
/** The dbt project: the generated project's own when it has one (bench:local adds models per pipeline), else the repo's. */
const DBT_DIR = fs.existsSync(path.join(PROJECT_ROOT, "dbt", "dbt_project.yml")) ? path.join(PROJECT_ROOT, "dbt") : path.join(ROOT, "dbt");
/** The stack whose pipelines run locally: a pipeline disabled in dev is not run here either. */
const LOCAL_STACK = "dev";

interface Options {
  pipelines: string[];
  skipDbt: boolean;
}

/** What happened to one pipeline, for the summary: the worst of its ingestion and dbt statuses. */
interface Outcome {
  pipeline: string;
  status: Exclude<RunStatus, "RUNNING">;
  reason?: string;
  rows: Record<string, number>;
  dbt?: { status: RunStatus; models_built: number; tests_passed: number; tests_failed: number; error?: string };
  seconds: number;
}

/** `baseUrl`: a rest_api pipeline's fixture server, passed as `--base-url`. */
type Plan = { run: true; baseUrl?: string } | { run: false; reason: string; failed?: true };

// ---------------------------------------------------------------------------------------------

function parseArgs(argv: string[]): Options {
  const opts: Options = { pipelines: [], skipDbt: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--pipeline" || a === "-p") {
      const v = argv[++i];
      if (!v) fail("--pipeline needs a pipeline name");
      opts.pipelines.push(v);
    } else if (a.startsWith("--pipeline=")) opts.pipelines.push(a.slice("--pipeline=".length));
    else if (a === "--skip-dbt") opts.skipDbt = true;
    else if (a === "--help" || a === "-h") {
      console.log("usage: tsx tools/local.ts [--pipeline <name>]... [--skip-dbt]");
      process.exit(0);
    } else fail(`unknown argument ${a} (expected --pipeline <name> or --skip-dbt)`);
  }
  return opts;
}

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(2);
}

/** The pipelines as the Pulumi program sees them for the dev stack: same loader, same checks, same errors. */
function readPipelines(): PipelineConfig[] {
  try {
    return loadPlatformConfig({ root: PROJECT_ROOT, stack: LOCAL_STACK, config: readStackFile(PROJECT_ROOT, LOCAL_STACK).config }).config.pipelines;
  } catch (e) {
    if (e instanceof ConfigError) fail(`stack ${LOCAL_STACK} or pipeline files are invalid; nothing ran:\n  ${e.issues.map(formatIssue).join("\n  ")}`);
    throw e;
  }
}

// --- offline sources ---------------------------------------------------------------------------

/** Copy shipped sample files into the lake once; existing files are left alone so incremental loads see no change. */
function dropSampleFiles(bucketPath: string): number {
  const from = path.join(SAMPLE_DIR, bucketPath);
  if (!fs.existsSync(from)) return 0;
  const to = path.join(LAKE_DIR, bucketPath);
  fs.mkdirSync(to, { recursive: true });
  let copied = 0;
  for (const name of fs.readdirSync(from)) {
    const src = path.join(from, name);
    const dst = path.join(to, name);
    if (!fs.statSync(src).isFile() || fs.existsSync(dst)) continue;
    fs.copyFileSync(src, dst);
    copied++;
  }
  return copied;
}

/** Serves `ingestion/sample_data/<pipeline>/<path>.json` at `/<pipeline>/<path>`, ignoring the query string. */
async function startFixtureServer(): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? "/", "http://fixture").pathname);
    const file = path.join(SAMPLE_DIR, `${urlPath.replace(/^\/+|\/+$/g, "")}.json`);
    if (!file.startsWith(SAMPLE_DIR + path.sep) || !fs.existsSync(file)) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: `no fixture for ${urlPath}` }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * A sql_database pipeline's fixture database: `.local/fixtures/<pipeline>.sqlite`, built afresh on
 * every run from the SQL seeds in `ingestion/sample_data/<pipeline>/*.sql` (sorted by name; plain SQL
 * that SQLite runs: create table, insert), so the rows are the seeds' and nothing else. Ingestion gets
 * its URL as the pipeline's own variable `DP_SECRET_<PIPELINE>__<SECRET>` (ingestion/secrets.py), which
 * takes precedence over values set by hand, as a rest_api pipeline's fixtures take the place of its
 * base_url: the local run makes no outside calls while fixtures exist. Without seeds, the pipeline
 * runs only when its credentials are set (ingestion records SKIPPED otherwise).
 */
function fixtureDatabase(spec: PipelineConfig): { env: Record<string, string>; message: string } | { error: string } | undefined {
  if (spec.source.type !== "sql_database") return undefined;
  const dir = path.join(SAMPLE_DIR, spec.name);
  const seeds = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".sql"))
        .sort()
    : [];
  if (!seeds.length) return undefined;
  const folder = path.join(LOCAL_DIR, "fixtures");
  fs.mkdirSync(folder, { recursive: true });
  const db = path.join(folder, `${spec.name}.sqlite`);
  const scratch = `${db}.building`;
  fs.rmSync(scratch, { force: true });
  // Python's sqlite3 (the .venv's interpreter; Node 20 has no SQLite); a failed seed discards the file.
  const build = [
    "import pathlib, sqlite3, sys",
    "out, *seeds = sys.argv[1:]",
    "con = sqlite3.connect(out)",
    "for seed in seeds:",
    "    try:",
    "        con.executescript(pathlib.Path(seed).read_text(encoding='utf-8'))",
    "    except sqlite3.Error as e:",
    "        sys.exit(f'{seed}: {e}')",
    "con.close()",
  ].join("\n");
  const r = spawnSync(PYTHON, ["-c", build, scratch, ...seeds.map((f) => path.join(dir, f))], { encoding: "utf8" });
  if (r.status !== 0) {
    fs.rmSync(scratch, { force: true });
    return { error: `fixture database: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().replace(ROOT + path.sep, "")}` };
  }
  fs.renameSync(scratch, db);
  const secret = validatedSource(spec, "sql_database").sql_database.credentials.secret;
  return {
    env: { [`DP_SECRET_${spec.name.toUpperCase()}__${secret.toUpperCase()}`]: `sqlite:///${db}` },
    message: `reading ${show(db)}, built from ingestion/sample_data/${spec.name}/${seeds.length > 1 ? "*.sql" : seeds[0]}, instead of secret ${secret}`,
  };
}

/**
 * A rest_api pipeline served from fixtures still names its auth secrets (`auth.token: { secret: x }`);
 * the fixture server ignores them, so each gets a placeholder as the pipeline's own variable (as a
 * sql_database fixture gets its URL), and the pipeline runs at once instead of being skipped for a
 * token the local run never sends anywhere. Without fixtures, the real values are needed.
 */
function fixtureAuthEnv(spec: PipelineConfig): Record<string, string> {
  if (spec.source.type !== "rest_api" || !fs.existsSync(path.join(SAMPLE_DIR, spec.name))) return {};
  return Object.fromEntries(spec.secrets.map((s) => [`DP_SECRET_${spec.name.toUpperCase()}__${s.toUpperCase()}`, "local-fixture-server-ignores-this"]));
}

/**
 * The fixture files a rest_api pipeline's resources would be served from that do not exist (only
 * fixed paths: one with `{placeholders}` depends on another resource's rows). Said before the run,
 * with the file to add, rather than as dlt's "404 Client Error" for a URL on the fixture server.
 */
function missingRestFixtures(spec: PipelineConfig): string[] {
  if (spec.source.type !== "rest_api") return [];
  return validatedSource(spec, "rest_api")
    .rest_api.resources.map((r) => (typeof r === "string" ? r : typeof r.endpoint === "string" ? r.endpoint : (r.endpoint?.path ?? r.name)))
    .filter((p) => !p.includes("{"))
    .map((p) => path.join("ingestion", "sample_data", spec.name, `${p.replace(/^\/+|\/+$/g, "")}.json`))
    .filter((f) => !fs.existsSync(path.join(ROOT, f)));
}

/** Decide whether a pipeline can run offline, and with which extra environment. */
function planPipeline(spec: PipelineConfig, fixtureBaseUrl: string): Plan {
  const source = spec.source;
  switch (source.type) {
    case "fivetran":
      return { run: false, reason: "Fivetran loads it in the cloud; nothing to run locally" };
    case "filesystem": {
      const copied = dropSampleFiles(source.filesystem.bucket_path);
      if (copied) step(spec.name, `dropped ${copied} sample file(s) into lake/${source.filesystem.bucket_path}/`);
      return { run: true };
    }
    case "rest_api": {
      const overrideEnv = `DP_REST_BASE_URL_${spec.name.toUpperCase()}`;
      if (fs.existsSync(path.join(SAMPLE_DIR, spec.name))) {
        const missing = missingRestFixtures(spec);
        if (missing.length)
          return {
            run: false,
            failed: true,
            reason: `no fixture for ${missing.length === 1 ? "a resource" : `${missing.length} resources`}: expected ${missing.join(", ")} (the JSON the endpoint answers; the local run serves ingestion/sample_data/${spec.name}/ instead of ${source.rest_api.client.base_url}), found no such file`,
          };
        step(spec.name, `serving fixtures from ingestion/sample_data/${spec.name}/ instead of ${source.rest_api.client.base_url}`);
        return { run: true, baseUrl: `${fixtureBaseUrl}/${spec.name}` };
      }
      if (process.env[overrideEnv]) return { run: true }; // ingestion reads it itself
      return { run: false, reason: `no fixtures in ingestion/sample_data/${spec.name}/ and ${overrideEnv} unset (the local run makes no outside calls)` };
    }
    case "sql_database":
      // On its fixture database (fixtureDatabase), else only when its database credentials are set:
      // ingestion itself checks (it owns the secret lookup) and records SKIPPED with the reason.
      return { run: true };
  }
}

// --- processes -----------------------------------------------------------------------------------

interface ProcessResult {
  code: number;
  lastJson?: Record<string, unknown>;
  stderrTail: string[];
}

/**
 * A long-lived Python process answering one request (a JSON array of CLI arguments) per stdin line
 * with one summary line on stdout; its stderr JSON lines go to the current request's `onEvent`.
 * The local run keeps two: `python -m ingestion serve` (imports and interpreter start paid once, not
 * per pipeline) and `python -m dbt_runner serve`, which parses the dbt project once, while the first
 * pipeline loads: a process per pipeline would parse the whole project again each time (4-5 s, even
 * with nothing loaded), most of a many-pipeline local run. Each request is still its own run, with
 * its own run record (and, for dbt, selection and artifacts), as in the cloud. Both release the
 * DuckDB file between requests, so the other can open it.
 */
class Server {
  private readonly child: ChildProcessWithoutNullStreams;
  private stdout = "";
  private partial = "";
  private readonly tail: string[] = [];
  private waiting?: (line: string | undefined) => void;
  /** Events before the first request (dbt parses the project at start: its warnings come then) wait for it. */
  private readonly early: Record<string, unknown>[] = [];
  private onEvent: (e: Record<string, unknown>) => void = (e) => this.early.push(e);
  private exited = false;

  constructor(args: string[], cwd: string, extraEnv: Record<string, string> = {}) {
    // A run on a laptop is started by hand: both run records say so (DP_RUN_TYPE, components/cloud/run-context.ts).
    this.child = spawn(PYTHON, args, {
      cwd,
      env: { ...process.env, ...extraEnv, DP_LOCAL_DIR: LOCAL_DIR, DP_PIPELINES_DIR: path.join(PROJECT_ROOT, "pipelines"), [RUN_ENV.type]: RUN_TYPES.manual },
    });
    this.child.stdout.on("data", (d: Buffer) => {
      this.stdout += d.toString();
      let nl: number;
      while ((nl = this.stdout.indexOf("\n")) >= 0) {
        const line = this.stdout.slice(0, nl).trim();
        this.stdout = this.stdout.slice(nl + 1);
        if (line) this.resolve(line);
      }
    });
    this.child.stderr.on("data", (d: Buffer) => {
      const lines = (this.partial + d.toString()).split("\n");
      this.partial = lines.pop() ?? "";
      for (const line of lines) this.handleLine(line);
    });
    this.child.on("error", (e) => this.tail.push(String(e)));
    this.child.on("close", () => {
      this.exited = true;
      this.handleLine(this.partial);
      this.resolve(undefined);
    });
  }

  private handleLine(line: string): void {
    if (!line.trim()) return;
    this.tail.push(line);
    if (this.tail.length > 20) this.tail.shift();
    try {
      this.onEvent(JSON.parse(line));
    } catch {
      /* not JSON: kept in the tail for error reports */
    }
  }

  private resolve(line: string | undefined): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(line);
  }

  private next(): Promise<string | undefined> {
    return this.exited ? Promise.resolve(undefined) : new Promise((resolve) => (this.waiting = resolve));
  }

  /** One request: its summary line (what the CLI's own process prints last), or the server's last words. */
  async request(args: string[], onEvent: (e: Record<string, unknown>) => void): Promise<ProcessResult> {
    this.onEvent = onEvent;
    for (const e of this.early.splice(0)) onEvent(e);
    const answer = this.next();
    if (!this.exited) this.child.stdin.write(JSON.stringify(args) + "\n");
    let line = await answer;
    if (line && JSON.parse(line).ready) line = await this.next(); // started (or parsed) before this request
    this.onEvent = () => undefined;
    const lastJson = line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
    return { code: lastJson ? Number(lastJson.exit_code ?? 1) : 1, lastJson, stderrTail: [...this.tail] };
  }

  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once("close", () => resolve());
      this.child.stdin.end();
    });
  }
}

async function ingest(
  spec: PipelineConfig,
  baseUrl: string | undefined,
  server: Server,
): Promise<{ status: RunStatus; rows: Record<string, number>; error?: string; reason?: string; runId?: string }> {
  const shown = new Set<string>(); // dlt repeats a warning per resource or per file: show each once
  const args = ["run", "--pipeline", spec.name, "--target", "local", "--skip-missing-secrets", ...(baseUrl ? ["--base-url", baseUrl] : [])];
  const result = await server.request(args, (e) => {
    // Ingestion's log lines: `severity` and `message` as Cloud Logging reads them (ingestion/logs.py).
    if (e.message === "step finished" && e.step !== "run") step(spec.name, `ingestion ${e.step} ${Number(e.seconds).toFixed(2)}s`);
    else if (e.severity === "WARNING" || e.severity === "ERROR" || e.severity === "CRITICAL") {
      const message = `${String(e.severity).toLowerCase()}: ${String(e.error ?? e.message).replace(/ at [0-9a-f]{6,}/g, "")}`;
      if (!shown.has(message)) step(spec.name, message);
      shown.add(message);
    }
  });
  const record = result.lastJson as { status?: string; rows?: Record<string, number>; error?: string; reason?: string; run_id?: string } | undefined;
  if (!record) return { status: "FAILED", rows: {}, error: `ingestion exited ${result.code} without a run record:\n    ${result.stderrTail.join("\n    ")}` };
  const status = runStatus(record.status);
  const error = record.error ?? (status === "SUCCESS" || status === "SKIPPED" ? undefined : `exit ${result.code}, status ${String(record.status)}`);
  // A zero exit is part of success: a record that says SUCCESS from a failing run is not trusted.
  return { status: result.code === 0 ? status : "FAILED", rows: record.rows ?? {}, error, reason: record.reason, runId: record.run_id };
}

/** `runId`: the ingestion step's, so both steps' parts make one pipeline-run record, as the orchestrations' one id does in the cloud. */
async function buildDbt(spec: PipelineConfig, dbtServer: Server, runId: string | undefined): Promise<NonNullable<Outcome["dbt"]>> {
  const selection = spec.dbtSelect;
  step(spec.name, `dbt build --select ${selection}`);
  let nodes = 0;
  const shown = new Set<string>();
  const result = await dbtServer.request(["build", "--select", selection, "--target", "local", "--pipeline", spec.name, ...(runId ? ["--run-id", runId] : [])], (e) => {
    // dbt's own node events arrive as JSON lines; show a heartbeat rather than every line, and
    // dbt's warnings (deprecations, unused config paths) once each, as ingestion's are shown.
    if (typeof e.event === "string" && /NodeFinished|LogModelResult|LogTestResult/.test(e.event)) {
      nodes++;
      if (nodes % 10 === 0) step(spec.name, `dbt ${nodes} nodes done`);
    } else if (e.severity === "WARNING" && !shown.has(String(e.message))) {
      shown.add(String(e.message));
      step(spec.name, `dbt warning: ${String(e.message)}`);
    }
  });
  const s = result.lastJson;
  if (!s)
    return {
      status: "FAILED",
      models_built: 0,
      tests_passed: 0,
      tests_failed: 0,
      error: `dbt_runner exited ${result.code} without a summary:\n    ${result.stderrTail.join("\n    ")}`,
    };
  const ok = result.code === 0;
  return {
    status: ok ? "SUCCESS" : s.status === "SUCCESS" ? "FAILED" : runStatus(s.status), // exit 3: artifacts not stored
    models_built: Number(s.models_built ?? 0),
    tests_passed: Number(s.tests_passed ?? 0),
    tests_failed: Number(s.tests_failed ?? 0),
    error: ok ? undefined : String(s.error ?? `exit ${result.code}`),
  };
}

// --- output --------------------------------------------------------------------------------------

const started = Date.now();
/** Paths inside the repo relative to it, others absolute. */
const show = (p: string) => (path.relative(ROOT, p).startsWith("..") ? p : path.relative(ROOT, p) || ".");
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
function step(pipeline: string, message: string): void {
  console.log(`${elapsed()}  ${pipeline.padEnd(18)} ${message}`);
}

function printSummary(outcomes: Outcome[]): void {
  console.log("\nSummary");
  const rows = outcomes.map((o) => [
    o.pipeline,
    o.status,
    Object.keys(o.rows).length
      ? Object.entries(o.rows)
          .map(([t, n]) => `${t}=${n}`)
          .join(" ")
      : "-",
    o.dbt ? `${o.dbt.models_built}` : "-",
    o.dbt ? `${o.dbt.tests_passed}${o.dbt.tests_failed ? ` (${o.dbt.tests_failed} failed)` : ""}` : "-",
    `${o.seconds.toFixed(1)}s`,
  ]);
  const header = ["pipeline", "status", "rows loaded", "models built", "tests passed", "time"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => "  " + cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(r));
  // The reasons, in the tools' own words (dbt's error text, not just "model x error"); a multi-line
  // message stays under its pipeline.
  const indent = (text: string) => text.replace(/\n/g, "\n      ");
  for (const o of outcomes) {
    if (o.reason) console.log(`  ${o.pipeline}: ${o.status}: ${indent(o.reason)}`);
    if (o.dbt?.error) console.log(`  ${o.pipeline}: dbt: ${indent(o.dbt.error)}`);
  }
  const totalRows = outcomes.reduce((n, o) => n + Object.values(o.rows).reduce((a, b) => a + b, 0), 0);
  const models = outcomes.reduce((n, o) => n + (o.dbt?.models_built ?? 0), 0);
  const tests = outcomes.reduce((n, o) => n + (o.dbt?.tests_passed ?? 0), 0);
  console.log(`\n  ${totalRows} rows loaded, ${models} models built, ${tests} tests passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  console.log(
    `  warehouse ${show(path.join(LOCAL_DIR, "warehouse.duckdb"))}, lake ${show(LAKE_DIR)}/, dbt artifacts and pipeline-run records ${show(path.join(LOCAL_DIR, "artifacts"))}/ (runs/<pipeline>/<run_id>.json; also platform.pipeline_runs; npm run runs -- --stack local)`,
  );
}

// --- main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(PYTHON)) fail(`${PYTHON} not found: run tools/bootstrap.sh (npm run local does) to create .venv`);
  const all = readPipelines();
  const unknown = opts.pipelines.filter((p) => !all.some((s) => s.name === p));
  if (unknown.length) fail(`unknown pipeline ${unknown.join(", ")} (known: ${all.map((s) => s.name).join(", ")})`);
  const selected = opts.pipelines.length ? all.filter((s) => opts.pipelines.includes(s.name)) : all;

  fs.mkdirSync(LAKE_DIR, { recursive: true });
  console.log(`local platform: ${selected.length} pipeline(s) into ${show(LOCAL_DIR)}/`);
  const fixtures = await startFixtureServer();
  // Built before ingestion starts: fixture URLs and placeholder tokens are part of its environment.
  const databases = new Map(selected.map((spec) => [spec.name, fixtureDatabase(spec)]));
  const fixtureEnv = Object.assign({}, ...[...databases.values()].map((d) => (d && "env" in d ? d.env : {})), ...selected.map(fixtureAuthEnv)) as Record<string, string>;
  const ingestServer = new Server(["-m", "ingestion", "serve"], ROOT, fixtureEnv);
  const dbtServer = opts.skipDbt ? undefined : new Server(["-m", "dbt_runner", "serve", "--target", "local"], DBT_DIR);
  const outcomes: Outcome[] = [];
  try {
    for (const spec of selected) {
      const t0 = Date.now();
      const seconds = () => (Date.now() - t0) / 1000;
      const plan = planPipeline(spec, fixtures.baseUrl);
      if (!plan.run) {
        const status = plan.failed ? "FAILED" : "SKIPPED";
        step(spec.name, `${status}: ${plan.reason}`);
        outcomes.push({ pipeline: spec.name, status, reason: plan.reason, rows: {}, seconds: seconds() });
        continue;
      }
      const database = databases.get(spec.name);
      if (database && "error" in database) {
        step(spec.name, `FAILED: ${database.error}`);
        outcomes.push({ pipeline: spec.name, status: "FAILED", reason: database.error, rows: {}, seconds: seconds() });
        continue;
      }
      if (database) step(spec.name, database.message);
      step(spec.name, `ingestion (${spec.source.type})`);
      const loaded = await ingest(spec, plan.baseUrl, ingestServer);
      if (loaded.status === "SKIPPED") {
        step(spec.name, `ingestion SKIPPED: ${loaded.reason ?? "nothing to run"}`);
        outcomes.push({ pipeline: spec.name, status: "SKIPPED", reason: `ingestion: ${loaded.reason ?? "nothing to run"}`, rows: {}, seconds: seconds() });
        continue;
      }
      if (loaded.status !== "SUCCESS") {
        step(spec.name, "ingestion FAILED");
        outcomes.push({ pipeline: spec.name, status: "FAILED", reason: `ingestion: ${loaded.error}`, rows: loaded.rows, seconds: seconds() });
        continue;
      }
      step(
        spec.name,
        `loaded ${
          Object.entries(loaded.rows)
            .map(([t, n]) => `${t}=${n}`)
            .join(" ") || "no new rows"
        }`,
      );
      const dbt = dbtServer ? await buildDbt(spec, dbtServer, loaded.runId) : undefined;
      if (dbt) step(spec.name, `dbt ${dbt.status}: ${dbt.models_built} models, ${dbt.tests_passed} tests passed`);
      const status = !dbt || dbt.status === "SUCCESS" ? "SUCCESS" : dbt.status === "PARTIAL" ? "PARTIAL" : "FAILED";
      outcomes.push({ pipeline: spec.name, status, rows: loaded.rows, dbt, seconds: seconds() });
    }
  } finally {
    await Promise.all([fixtures.close(), ingestServer.close(), dbtServer?.close()]);
  }
  printSummary(outcomes);
  // A pipeline asked for by name that did not run is a failed request, not a pass.
  const skippedOnRequest = opts.pipelines.length ? outcomes.filter((o) => o.status === "SKIPPED").map((o) => o.pipeline) : [];
  if (skippedOnRequest.length) console.log(`\n  asked for with --pipeline but skipped: ${skippedOnRequest.join(", ")} (see the reason above)`);
  process.exitCode = outcomes.some((o) => o.status === "FAILED" || o.status === "PARTIAL") || skippedOnRequest.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
