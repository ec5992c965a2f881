/**
 * `npm run lineage`: the platform's lineage as OpenLineage events, from the last local runs, into
 * `.local/lineage/openlineage.jsonl` (one event per line, OpenLineage's file transport).
 *
 *   npm run local && npm run lineage
 *
 * Per pipeline, one event for its ingestion (its source → the raw tables its newest ingestion run
 * record lists) and, from the newest dbt manifest, one per dbt model (its sources and parent models →
 * its relation), all datasets named `<database>.<schema>.<table>` in the warehouse's namespace, so raw
 * table → staging model → mart are edges of one graph that Marquez or any OpenLineage consumer reads.
 *
 * The events are built by `tools/lineage/emit.py` with openlineage-python (pinned in
 * `tools/lineage/requirements.txt`), in a venv of its own under
 * `${DP_CACHE_DIR:-~/.cache/data-platform}/lineage/venv-<hash>`, created on first use (PyPI, once per machine).
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PipelineConfig } from "../components/types";
import { ConfigError, formatIssue } from "../stacks/errors";
import { loadPlatformConfig } from "../stacks/load";
import { validatedSource } from "../stacks/pipeline-spec";
import { readStackFile } from "./synth/stack-file";

const ROOT = path.resolve(__dirname, "..");
const HERE = path.join(ROOT, "tools", "lineage");
const LOCAL_DIR = path.resolve(process.env.DP_LOCAL_DIR ?? path.join(ROOT, ".local"));
const LOCAL_STACK = "dev";
const PRODUCER = "https://github.com/acme/data-platform/tools/lineage";

function fail(message: string): never {
  console.error(`lineage: ${message}`);
  process.exit(2);
}

/** The tool's Python, installing its venv when missing or out of date. */
export function lineagePython(): string {
  // requirements.txt locked with every file's hash (npm run lock:python); installed with --require-hashes.
  const requirements = path.join(HERE, "requirements.lock");
  const key = createHash("sha256").update(fs.readFileSync(requirements)).digest("hex").slice(0, 16);
  const venv = path.join(process.env.DP_CACHE_DIR ?? path.join(os.homedir(), ".cache", "data-platform"), "lineage", `venv-${key}`);
  const py = path.join(venv, "bin", "python");
  if (fs.existsSync(path.join(venv, ".installed")) && fs.existsSync(py)) return py;
  const base = ["python3.11", "python3"].find((c) => spawnSync(c, ["-c", "import sys; sys.exit(0 if sys.version_info[:2] >= (3, 10) else 1)"]).status === 0);
  if (!base) fail("Python >= 3.10 is needed for openlineage-python (none found on PATH)");
  fs.rmSync(venv, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(venv), { recursive: true });
  process.stderr.write(`lineage: installing ${requirements} into ${venv} (once per machine)\n`);
  for (const [cmd, args] of [
    [base, ["-m", "venv", venv]],
    // pip first, from the project's pip lock (requirements-pip.txt says why).
    [py, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes", "-r", path.join(HERE, "..", "..", "requirements-pip.lock")]],
    [py, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes", "-r", requirements]],
  ] as const) {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status !== 0) fail(`${cmd} ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
  }
  fs.writeFileSync(path.join(venv, ".installed"), key);
  return py;
}

/** The fields of an ingestion run record (ingestion/ writes it) the export reads. */
interface RunRecord {
  kind?: string;
  status?: string;
  run_id?: string;
  finished_at?: string;
  dataset?: string;
  rows?: Record<string, number>;
}

function readJson(file: string): RunRecord {
  return JSON.parse(fs.readFileSync(file, "utf8")) as RunRecord;
}

/** The newest file matching `<dir>/<pipeline>/<name>`, by what `order` reads from it. */
function newest(files: string[], order: (f: string) => string): string | undefined {
  return files.sort((a, b) => order(a).localeCompare(order(b))).pop();
}

/** What a pipeline reads, as OpenLineage datasets: one namespace for the source, one name per table it loads. */
export function sourceDatasets(p: PipelineConfig, lakeDir: string): { namespace: string; names: string[] } {
  switch (p.source.type) {
    case "rest_api": {
      const s = validatedSource(p, "rest_api");
      return {
        namespace: s.rest_api.client.base_url.replace(/\/+$/, ""),
        names: s.rest_api.resources.map((r) => (typeof r === "string" ? r : typeof r.endpoint === "string" ? r.endpoint : (r.endpoint?.path ?? r.name))),
      };
    }
    case "filesystem": {
      const s = validatedSource(p, "filesystem");
      return { namespace: `file://${lakeDir}`, names: [`${s.filesystem.bucket_path}/${s.filesystem.file_glob}`] };
    }
    case "sql_database": {
      const s = validatedSource(p, "sql_database");
      return {
        namespace: `sql_database://${s.sql_database.credentials.secret}`,
        names: s.sql_database.tables.map((t) => (s.sql_database.schema ? `${s.sql_database.schema}.${t.name}` : t.name)),
      };
    }
    case "fivetran": {
      const s = validatedSource(p, "fivetran");
      return { namespace: `fivetran://${s.fivetran.service}`, names: [s.fivetran.destination_schema] };
    }
  }
}

function main(): number {
  let pipelines: PipelineConfig[];
  try {
    pipelines = loadPlatformConfig({ root: ROOT, stack: LOCAL_STACK, config: readStackFile(ROOT, LOCAL_STACK).config }).config.pipelines;
  } catch (e) {
    if (e instanceof ConfigError) fail(`stack ${LOCAL_STACK} or pipeline files are invalid:\n  ${e.issues.map(formatIssue).join("\n  ")}`);
    throw e;
  }
  const lake = path.join(LOCAL_DIR, "lake");
  const artifacts = path.join(LOCAL_DIR, "artifacts");
  const ingestions = pipelines.flatMap((p) => {
    // Each run's ingestion part of its pipeline-run record: runs/<pipeline>/<run id>/ingestion.json (ingestion/pipeline_run.py).
    const dir = path.join(artifacts, "runs", p.name);
    const records = fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .map((run) => path.join(dir, run, "ingestion.json"))
          .filter((f) => fs.existsSync(f))
      : [];
    const ok = records.filter((f) => {
      const r = readJson(f);
      return r.kind === "ingestion" && (r.status === "SUCCESS" || r.status === "PARTIAL") && r.rows && Object.keys(r.rows).length;
    });
    const last = newest(ok, (f) => String(readJson(f).finished_at ?? ""));
    if (!last) return [];
    const r = readJson(last);
    return [{ pipeline: p.name, run_id: r.run_id, finished_at: r.finished_at, dataset: r.dataset, tables: Object.keys(r.rows ?? {}), source: sourceDatasets(p, lake) }];
  });
  const manifests = fs.existsSync(artifacts)
    ? fs.readdirSync(artifacts).flatMap((p) => {
        const d = path.join(artifacts, p);
        return fs.statSync(d).isDirectory() ? fs.readdirSync(d).map((run) => path.join(d, run, "manifest.json")) : [];
      })
    : [];
  const manifest = newest(
    manifests.filter((f) => fs.existsSync(f)),
    (f) => fs.statSync(f).mtime.toISOString(),
  );
  if (!manifest || !ingestions.length) fail(`no local runs under ${LOCAL_DIR} (ingestion run records and a dbt manifest): run \`npm run local\` first`);
  const job = {
    out: path.join(LOCAL_DIR, "lineage", "openlineage.jsonl"),
    producer: PRODUCER,
    jobNamespace: `data-platform.${LOCAL_STACK}.local`,
    // The local warehouse: one DuckDB file, its catalog named after the file (DuckDB's rule).
    warehouse: { namespace: `duckdb://${path.join(LOCAL_DIR, "warehouse.duckdb")}`, database: "warehouse" },
    manifest,
    ingestions,
  };
  const r = spawnSync(lineagePython(), [path.join(HERE, "emit.py")], { input: JSON.stringify(job), encoding: "utf8" });
  if (r.status !== 0) fail(`emit.py exited ${r.status}:\n${r.stderr}`);
  const summary = JSON.parse(r.stdout.trim().split("\n").pop()!);
  process.stdout.write(`lineage: ${summary.events} OpenLineage events (${ingestions.length} ingestions, dbt models from ${path.relative(LOCAL_DIR, manifest)}) → ${summary.out}\n`);
  return 0;
}

if (require.main === module) process.exit(main());
