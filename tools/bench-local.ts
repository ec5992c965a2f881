/**
 * Local data-plane benchmark (`npm run bench:local`). A benchmark, not a test: nothing is asserted.
 *
 * 1. Ingestion throughput: a generated 1,000,000-row orders file (CSV and parquet) loaded into DuckDB
 *    through the real ingestion path (`python -m ingestion run`, dlt filesystem source), against
 *    DuckDB reading the same file straight into a table: the floor no loader can beat.
 * 2. A full local run (`tools/local.ts`: every pipeline, ingestion + dbt) on a fresh `.local`, then
 *    again on the same folder (incremental: nothing new to load).
 *
 * Everything happens in a temporary folder; results go to `bench/local.md`. About 1-3 minutes.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const PYTHON = process.env.DP_PYTHON ?? path.join(ROOT, ".venv", "bin", "python");
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const OUT = path.join(ROOT, "bench", "local.md");

interface Timed {
  seconds: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Timed {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60 * 1000 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}\n${(r.stderr ?? "").split("\n").slice(-15).join("\n")}`);
  }
  return { seconds, stdout: r.stdout, stderr: r.stderr };
}

function python(code: string, env: Record<string, string> = {}): Timed {
  return run(PYTHON, ["-c", code], env);
}

/** The generated source: orders-shaped rows, written by DuckDB so that generation is not measured. */
function generate(lake: string): void {
  const folder = path.join(lake, "bench");
  fs.mkdirSync(path.join(folder, "csv"), { recursive: true });
  fs.mkdirSync(path.join(folder, "parquet"), { recursive: true });
  python(`
import duckdb
select = """
  select i as order_id, (i * 7919) % 50000 as customer_id, (i * 31) % 500 as product_id,
         1 + i % 5 as quantity, round(1 + (i % 10000) / 100.0, 2) as unit_price,
         ['placed','shipped','delivered','cancelled','returned'][1 + i % 5] as status,
         timestamp '2024-01-01' + to_seconds(i * 30) as ordered_at
  from range(${ROWS}) t(i)"""
duckdb.sql(f"copy ({select}) to '${folder}/csv/orders.csv' (header)")
duckdb.sql(f"copy ({select}) to '${folder}/parquet/orders.parquet' (format parquet)")
`);
}

function writePipeline(dir: string, format: "csv" | "parquet"): string {
  const name = `bench_orders_${format}`;
  fs.writeFileSync(
    path.join(dir, `${name}.yaml`),
    [
      `name: ${name}`,
      "description: benchmark source",
      "owner: bench@example.com",
      "source:",
      "  type: filesystem",
      "  filesystem:",
      `    bucket_path: bench/${format}`,
      `    file_glob: "*.${format}"`,
      `    format: ${format}`,
      "    table: orders",
      "    write_disposition: append",
      "    incremental: false",
      'schedule: { cron: "0 0 * * *" }',
      "",
    ].join("\n"),
  );
  return name;
}

interface IngestResult {
  format: string;
  ingestSeconds: number;
  rows: number;
  steps: Record<string, number>;
  floorSeconds: number;
}

function benchIngestion(work: string, format: "csv" | "parquet"): IngestResult {
  const local = path.join(work, `.local-${format}`);
  const pipelines = path.join(work, "pipelines");
  fs.mkdirSync(pipelines, { recursive: true });
  fs.mkdirSync(path.join(local, "lake"), { recursive: true });
  // One lake for all: symlink the generated files into this run's lake.
  fs.symlinkSync(path.join(work, "lake", "bench"), path.join(local, "lake", "bench"));
  const name = writePipeline(pipelines, format);

  const ingest = run(PYTHON, ["-m", "ingestion", "run", "--pipeline", name, "--target", "local"], { DP_LOCAL_DIR: local, DP_PIPELINES_DIR: pipelines });
  const record = JSON.parse(ingest.stdout.trim().split("\n").pop() ?? "{}") as { rows?: Record<string, number> };
  const rows = Object.values(record.rows ?? {}).reduce((a, b) => a + b, 0);
  const check = python(`
import json, duckdb
con = duckdb.connect("${local}/warehouse.duckdb", read_only=True)
print(json.dumps(con.sql("select count(*) from raw_${name}.orders").fetchall()[0][0]))
`);
  if (Number(check.stdout.trim()) !== ROWS) console.warn(`warning: raw_${name}.orders holds ${check.stdout.trim()} rows, expected ${ROWS}`);

  // The floor: DuckDB itself, same file, fresh database file, timed inside the process.
  const file = path.join(work, "lake", "bench", format, `orders.${format}`);
  const reader = format === "csv" ? `read_csv_auto('${file}')` : `read_parquet('${file}')`;
  const floor = python(`
import time, duckdb
con = duckdb.connect("${work}/floor-${format}.duckdb")
t0 = time.perf_counter()
con.sql("create table orders as select * from ${reader}")
print(time.perf_counter() - t0)
`);
  return { format, ingestSeconds: ingest.seconds, rows, steps: stepTimes(ingest), floorSeconds: Number(floor.stdout.trim()) };
}

/** dlt's step timings, from the ingestion's JSON log lines on stderr. */
function stepTimes(t: Timed): Record<string, number> {
  const steps: Record<string, number> = {};
  for (const line of t.stderr.split("\n")) {
    try {
      const e = JSON.parse(line) as { event?: string; step?: string; seconds?: number };
      if (e.event === "step finished" && e.step && e.step !== "run") steps[e.step] = Number(e.seconds);
    } catch {
      /* not a log line */
    }
  }
  return steps;
}

function machine(): Record<string, string> {
  const py = run(PYTHON, ["-c", "import sys, dlt, duckdb, pyarrow; print(sys.version.split()[0], dlt.__version__, duckdb.__version__, pyarrow.__version__)"]).stdout.trim().split(" ");
  const cpus = os.cpus();
  return {
    "CPU": `${cpus[0]?.model ?? "unknown"} (nproc ${cpus.length})`,
    "Memory": `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    "OS": `${os.type()} ${os.release()} ${os.arch()}`,
    "Node": process.version,
    "Python": py[0],
    "dlt / duckdb / pyarrow": `${py[1]} / ${py[2]} / ${py[3]}`,
  };
}

function fmtRate(rows: number, seconds: number): string {
  return `${Math.round(rows / seconds).toLocaleString("en-US")} rows/s`;
}

function main(): void {
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} not found: run tools/bootstrap.sh first`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dp-bench-"));
  const started = Date.now();
  try {
    console.log(`bench: generating ${ROWS.toLocaleString("en-US")} rows in ${work}`);
    generate(path.join(work, "lake"));
    const sizes = Object.fromEntries(
      (["csv", "parquet"] as const).map((f) => [f, fs.statSync(path.join(work, "lake", "bench", f, `orders.${f}`)).size]),
    );

    const ingests: IngestResult[] = [];
    for (const format of ["csv", "parquet"] as const) {
      console.log(`bench: ingestion of ${format}`);
      ingests.push(benchIngestion(work, format));
    }

    console.log("bench: full local run (fresh .local)");
    const full = path.join(work, ".local-full");
    const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
    const cold = run(tsx, [path.join(ROOT, "tools", "local.ts")], { DP_LOCAL_DIR: full });
    console.log("bench: full local run again (incremental, same .local)");
    const warm = run(tsx, [path.join(ROOT, "tools", "local.ts")], { DP_LOCAL_DIR: full });
    const summaryOf = (out: string) => out.split("\n").find((l) => /rows loaded, .* models built/.test(l))?.trim() ?? "";

    const m = machine();
    const lines = [
      "# Local data-plane benchmark",
      "",
      `Generated by \`npm run bench:local\` (tools/bench-local.ts) on ${new Date().toISOString()}. A benchmark, not a test: numbers vary by machine and run; compare runs on the same machine.`,
      "",
      "## Machine",
      "",
      "| | |",
      "|---|---|",
      ...Object.entries(m).map(([k, v]) => `| ${k} | ${v} |`),
      "",
      `## Ingestion: ${ROWS.toLocaleString("en-US")} generated order rows into DuckDB`,
      "",
      "`ingestion` is the whole `python -m ingestion run` process (interpreter start, dlt extract → normalize → load, run record) through the dlt filesystem source; `DuckDB floor` is `create table as select * from read_…(file)` in an already-open DuckDB, the lower bound for any loader.",
      "",
      "| format | file size | ingestion | ingestion rate | extract / normalize / load | DuckDB floor | floor rate | ingestion / floor |",
      "|---|---|---|---|---|---|---|---|",
      ...ingests.map((r) =>
        `| ${r.format} | ${(sizes[r.format] / 1024 ** 2).toFixed(1)} MiB | ${r.ingestSeconds.toFixed(2)} s | ${fmtRate(r.rows, r.ingestSeconds)} | ${["extract", "normalize", "load"].map((k) => (r.steps[k] ?? NaN).toFixed(2)).join(" / ")} s | ${r.floorSeconds.toFixed(2)} s | ${fmtRate(ROWS, r.floorSeconds)} | ${(r.ingestSeconds / r.floorSeconds).toFixed(1)}× |`,
      ),
      "",
      "## Full local run (`tools/local.ts`: every pipeline, ingestion + dbt build, offline)",
      "",
      "| run | time | summary |",
      "|---|---|---|",
      `| fresh \`.local\` | ${cold.seconds.toFixed(1)} s | ${summaryOf(cold.stdout)} |`,
      `| again, incremental | ${warm.seconds.toFixed(1)} s | ${summaryOf(warm.stdout)} |`,
      "",
      `Total benchmark time: ${((Date.now() - started) / 1000).toFixed(0)} s.`,
      "",
    ];
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.writeFileSync(OUT, lines.join("\n"));
    console.log(lines.join("\n"));
    console.log(`bench: wrote ${path.relative(ROOT, OUT)}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
