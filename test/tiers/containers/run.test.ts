/**
 * Containers tier: the jobs, run as their clouds run them. For each cloud's dev stack, every REST and
 * file pipeline's ingestion job, then its dbt job, each in its image (built from the real
 * Dockerfiles), with the arguments and environment the synthesized plan gives the job, as the image's
 * non-root user, on a read-only root filesystem, against the cloud's object store on loopback: GCS
 * through fake-gcs-server (dev), S3 through moto's server (dev-aws). The images find credentials the
 * way they do in the cloud: from the runtime (our GCE metadata / ECS credentials stand-ins).
 *
 * Stands for: a scheduled run of each pipeline (ingestion, then dbt) in Cloud Run / ECS Fargate.
 * Proven by: the images' own code, run for real in Docker, against third-party emulators of GCS and S3
 * (reading and writing real buckets through gcsfs / s3fs).
 * Stand-ins, named where used: Snowflake (it cannot run here) is a DuckDB file: ingestion's
 * Snowflake destination is swapped for it by standin/sitecustomize.py (mounted, never in an image),
 * and dbt runs with `--target local` instead of the plan's `--target snowflake`. REST sources are
 * served from ingestion/sample_data by a loopback server (DP_REST_BASE_URL_<NAME>).
 * Cannot prove: Snowflake's COPY from the stage and the dbt models' Snowflake SQL, the clouds' IAM
 * (the emulators accept any credentials), the real metadata and credentials endpoints, network egress.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { docker, startEngine, type Engine } from "./engine";
import { build, ensureBase, ROOT } from "./images";
import { job, planJobs, type JobRun } from "./jobs";
import { runJob, type Ran } from "./run-job";
import { startEcsCredentials, startFakeGcs, startGceMetadata, startMotoS3, type Server } from "./servers";
import { gcsStore, s3Store, splitUri, type ObjectStore } from "./stores";

const PY = path.join(ROOT, ".venv", "bin", "python");
const SAMPLES = path.join(ROOT, "ingestion", "sample_data");
const STANDIN = path.join(__dirname, "standin");
const RUNNER_UID = 10001; // the images' USER

let engine: Engine | undefined;
let skip: string | undefined;
const images: Record<string, string> = {};
const stopAfter: Server[] = [];
const work = fs.mkdtempSync(path.join(os.tmpdir(), "dp-run-"));
let fixtures: Server;
// A real private key in the shape the secret stores hold: it must never be printed or stored.
const PRIVATE_KEY = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const KEY_LINE = PRIVATE_KEY.split("\n")[5];

before(async () => {
  const e = startEngine();
  if ("skip" in e) {
    skip = e.skip;
    return;
  }
  engine = e;
  const base = ensureBase();
  for (const kind of ["ingestion", "dbt"] as const) images[kind] = build(kind, path.join(ROOT, kind), base).ref;
  fixtures = await serveFixtures();
});

after(async () => {
  for (const s of stopAfter) await s.stop();
  await fixtures?.stop();
  engine?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

/** `ingestion/sample_data/<pipeline>/<path>.json` at `/<pipeline>/<path>`, as tools/local.ts serves them. */
async function serveFixtures(): Promise<Server> {
  const server = http.createServer((req, res) => {
    const rel = (req.url ?? "/").split("?")[0].replace(/^\/+/, "");
    const file = path.join(SAMPLES, `${rel}.json`);
    if (!file.startsWith(SAMPLES + path.sep) || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json" }).end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, stop: () => new Promise((r) => server.close(() => r())) };
}

interface Cloud {
  stack: string;
  start(identity: (j: JobRun) => string): Promise<{ store: ObjectStore; runtime: (j: JobRun, runId: string) => Promise<Record<string, string>> }>;
}

const CLOUDS: Cloud[] = [
  {
    stack: "dev",
    async start() {
      const gcs = await startFakeGcs();
      stopAfter.push(gcs);
      return {
        store: gcsStore(gcs.url),
        // Cloud Run: the job's service account through the metadata server; its execution id.
        runtime: async (j, runId) => {
          const md = await startGceMetadata(j.identity, "acme-data-dev");
          stopAfter.push(md);
          const host = `127.0.0.1:${md.port}`;
          return {
            GCE_METADATA_HOST: host,
            GCE_METADATA_IP: host,
            STORAGE_EMULATOR_HOST: gcs.url,
            // fake-gcs-server has no Storage Control (gRPC) API: without this, gcsfs asks it each
            // bucket's type and waits 60 s per bucket for a TLS handshake that cannot succeed.
            GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT: "false",
            CLOUD_RUN_JOB: `${j.pipeline}-${j.kind}`,
            CLOUD_RUN_EXECUTION: runId,
          };
        },
      };
    },
  },
  {
    stack: "dev-aws",
    async start() {
      const s3 = await startMotoS3();
      stopAfter.push(s3);
      return {
        store: s3Store(s3.url),
        // Fargate: the task role's keys from the container credentials endpoint; the region.
        runtime: async (j) => {
          const creds = await startEcsCredentials(j.identity);
          stopAfter.push(creds);
          return { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${creds.url}/v2/credentials`, AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "eu-west-1", AWS_ENDPOINT_URL_S3: s3.url };
        },
      };
    },
  },
];

function sourceType(j: JobRun): string {
  return (JSON.parse(j.env.DP_PIPELINE_SPEC) as { source: { type: string } }).source.type;
}

function duckdb(file: string, sql: string): unknown[][] {
  const r = spawnSync(
    PY,
    ["-c", "import duckdb,json,sys; c=duckdb.connect(sys.argv[1], read_only=True); print(json.dumps(c.execute(sys.argv[2]).fetchall(), default=str))", file, sql],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`duckdb ${sql}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function explain(r: Ran): string {
  return `exit ${r.code}\n--- stdout (tail)\n${r.stdout.slice(-3000)}\n--- stderr (tail)\n${r.stderr.slice(-5000)}`;
}

for (const cloud of CLOUDS) {
  describe(`containers: jobs of stack ${cloud.stack}`, () => {
    let jobs: JobRun[] = [];
    let store: ObjectStore;
    let runtime: (j: JobRun, runId: string) => Promise<Record<string, string>>;
    const warehouseDir = path.join(work, cloud.stack);
    const warehouse = "/warehouse/warehouse.duckdb";

    before(async () => {
      if (skip) return;
      jobs = (await planJobs(cloud.stack)).jobs;
      ({ store, runtime } = await cloud.start((j) => j.identity));
      fs.mkdirSync(warehouseDir, { recursive: true });
      fs.chownSync(warehouseDir, RUNNER_UID, RUNNER_UID);
      // The buckets the jobs name (the platform creates them; here the test does, in the emulator).
      const buckets = new Set(
        jobs
          .flatMap((j) => [j.env.DP_RAW_BUCKET_URI, j.env.DP_ARTIFACTS_URI])
          .filter(Boolean)
          .map((u) => splitUri(u).bucket),
      );
      for (const b of buckets) await store.createBucket(b);
    });

    test("the plan has REST and file pipelines to run", (t) => {
      if (skip) return t.skip(skip);
      const types = jobs.filter((j) => j.kind === "ingestion").map(sourceType);
      assert.ok(types.includes("rest_api") && types.includes("filesystem"), `ingestion source types in the plan: ${types.join(", ")}`);
    });

    // Every REST and file pipeline of the plan: read at run time, so a new pipeline is covered.
    test("every REST and file pipeline: ingestion then dbt, in their containers", async (t) => {
      if (skip) return t.skip(skip);
      const ingestJobs = jobs.filter((j) => j.kind === "ingestion" && ["rest_api", "filesystem"].includes(sourceType(j)));
      for (const ij of ingestJobs) {
        await t.test(`${ij.pipeline} (${sourceType(ij)})`, async () => {
          const raw = splitUri(ij.env.DP_RAW_BUCKET_URI);
          const spec = JSON.parse(ij.env.DP_PIPELINE_SPEC) as { source: { filesystem?: { bucket_path: string } } };
          const overlay: Record<string, string> = { PYTHONPATH: "/opt/dp-standin:/app", DP_STANDIN_WAREHOUSE: warehouse };
          let landed: string[];
          if (sourceType(ij) === "rest_api") {
            const dir = path.join(SAMPLES, ij.pipeline);
            assert.ok(fs.existsSync(dir), `no fixtures in ingestion/sample_data/${ij.pipeline}/ for this REST pipeline`);
            overlay[`DP_REST_BASE_URL_${ij.pipeline.toUpperCase()}`] = `${fixtures.url}/${ij.pipeline}`;
          } else {
            // The partner's file drop: the sample CSVs uploaded to the raw bucket where the spec looks.
            const prefix = spec.source.filesystem!.bucket_path;
            const dir = path.join(SAMPLES, prefix);
            for (const f of fs.readdirSync(dir)) await store.put(raw.bucket, `${raw.prefix ? raw.prefix + "/" : ""}${prefix}/${f}`, fs.readFileSync(path.join(dir, f)));
            landed = await store.list(raw.bucket, prefix);
            assert.ok(landed.length > 0);
          }
          const runId = `ct-${ij.pipeline}-${Date.now()}`;
          const ing = await runJob({
            image: images.ingestion,
            job: ij,
            overlay: { ...(await runtime(ij, runId)), ...overlay },
            secrets: { SNOWFLAKE_PRIVATE_KEY: PRIVATE_KEY },
            mounts: [`${STANDIN}:/opt/dp-standin:ro`, `${warehouseDir}:/warehouse`],
          });
          assert.equal(ing.code, 0, explain(ing));
          const record = ing.last as { status: string; pipeline: string; target: string; run_id: string; rows: Record<string, number> };
          assert.equal(record.status, "SUCCESS", explain(ing));
          assert.equal(record.pipeline, ij.pipeline);
          assert.equal(record.target, "cloud");
          assert.ok(Object.keys(record.rows).length > 0 && Object.values(record.rows).every((n) => n > 0), `rows: ${JSON.stringify(record.rows)}`);
          // The step's part of the pipeline-run record landed in the artifacts bucket (through the cloud's object store), equal to stdout's.
          const records = splitUri(ij.env.DP_ARTIFACTS_URI);
          const recordKey = `runs/${ij.pipeline}/${record.run_id}/ingestion.json`;
          assert.ok((await store.list(records.bucket, "runs/")).includes(recordKey), `no ${recordKey} in ${store.scheme}://${records.bucket}`);
          assert.equal((JSON.parse(await store.get(records.bucket, recordKey)) as { status: string }).status, "SUCCESS");
          // Rows loaded: each table the record counts is in the warehouse with that many rows.
          const dataset = `raw_${ij.pipeline}`;
          for (const [table, n] of Object.entries(record.rows)) {
            const [[count]] = duckdb(path.join(warehouseDir, "warehouse.duckdb"), `select count(*) from ${dataset}.${table}`) as number[][];
            assert.equal(count, n, `${dataset}.${table}`);
          }
          for (const text of [ing.stdout, ing.stderr]) assert.ok(!text.includes(KEY_LINE), "the private key reached the container's output");

          // dbt, right after, as the orchestration runs it.
          const dj = job(jobs, ij.pipeline, "dbt");
          const stand = dj.args.map((a, i) => (dj.args[i - 1] === "--target" && a === "snowflake" ? "local" : a));
          assert.notDeepEqual(stand, dj.args, "the plan's dbt job no longer targets snowflake: revisit the stand-in");
          const dbtRunId = `ct-dbt-${ij.pipeline}-${Date.now()}`;
          const dbt = await runJob({
            image: images.dbt,
            job: dj,
            args: stand,
            overlay: { ...(await runtime(dj, dbtRunId)), DP_DUCKDB_PATH: warehouse },
            secrets: { SNOWFLAKE_PRIVATE_KEY: PRIVATE_KEY },
            mounts: [`${warehouseDir}:/warehouse`],
          });
          assert.equal(dbt.code, 0, explain(dbt));
          const summary = dbt.last as { status: string; exit_code: number; artifacts_uri: string; run_record_uri: string; models_built: number; tests_failed: number };
          assert.equal(summary.status, "SUCCESS", explain(dbt));
          assert.ok(summary.models_built > 0, `models built: ${summary.models_built}`);
          const art = splitUri(summary.artifacts_uri);
          assert.equal(art.bucket, splitUri(dj.env.DP_ARTIFACTS_URI).bucket);
          const keys = await store.list(art.bucket, art.prefix);
          for (const k of ["manifest.json", "run_results.json", "logs/dbt.log", "logs/runner.jsonl"])
            assert.ok(keys.includes(`${art.prefix}/${k}`), `no ${k} under ${summary.artifacts_uri}: ${keys.join(", ")}`);
          // The merged pipeline-run record: runs/<pipeline>/<run_id>.json, dbt's status.
          const merged = splitUri(summary.run_record_uri);
          assert.equal(merged.bucket, art.bucket);
          assert.equal((JSON.parse(await store.get(merged.bucket, merged.prefix)) as { status: string }).status, "SUCCESS");
          const results = JSON.parse(await store.get(art.bucket, `${art.prefix}/run_results.json`)) as { results: { status: string }[] };
          assert.ok(results.results.length > 0 && results.results.every((r) => ["success", "pass"].includes(r.status)), "run_results.json in the bucket has failures");
          for (const k of keys.filter((x) => x.startsWith(art.prefix))) assert.ok(!(await store.get(art.bucket, k)).includes(KEY_LINE), `${k} holds the private key`);
          for (const text of [dbt.stdout, dbt.stderr]) assert.ok(!text.includes(KEY_LINE), "the private key reached dbt's output");
          if (cloud.stack === "dev") assert.match(summary.artifacts_uri, new RegExp(dbtRunId), "Cloud Run's execution id is the dbt run id");
        });
      }
    });

    test("the containers ran as the images' non-root user with a read-only root", (t) => {
      if (skip) return t.skip(skip);
      // The warehouse file was written from inside: by uid 10001, the only writable places being the mounts and /tmp.
      const st = fs.statSync(path.join(warehouseDir, "warehouse.duckdb"));
      assert.equal(st.uid, RUNNER_UID);
      for (const image of [images.ingestion, images.dbt]) {
        const out = docker([
          "run",
          "--rm",
          "--read-only",
          "--tmpfs",
          "/tmp",
          "--network",
          "none",
          "--entrypoint",
          "sh",
          image,
          "-c",
          "id -u; touch /app/x 2>/dev/null && echo writable || echo read-only; touch /tmp/x && echo tmp-ok",
        ])
          .stdout.trim()
          .split("\n");
        assert.deepEqual(out, [String(RUNNER_UID), "read-only", "tmp-ok"], image);
      }
    });
  });
}
