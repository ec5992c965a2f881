/**
 * Containers tier: `source.type: sql_database` from a real PostgreSQL server (Debian's, started on
 * loopback with password auth), full then incremental, locally (the project's .venv, `--target
 * local`) and in the ingestion image (the job the plan declares for it, on dev-aws: S3 through moto).
 *
 * Stands for: a pipeline author pointing a pipeline at the team's Postgres database. Proven by: the
 * shipped driver (psycopg 3, binary) and dlt's sql_database source against a real server (ran for real);
 * incremental cursors restored from the destination on a fresh container. Stand-in: Snowflake is the
 * DuckDB file of standin/sitecustomize.py in the image run. Cannot prove: MySQL (PyMySQL is shipped
 * and imported, but no MySQL server is started here), TLS to the database, network paths in a VPC.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { startEngine, type Engine } from "./engine";
import { build, ensureBase, ROOT } from "./images";
import { job, planJobs, type JobRun } from "./jobs";
import { runJob } from "./run-job";
import { startEcsCredentials, startMotoS3, startPostgres, type Postgres, type Server } from "./servers";
import { s3Store, splitUri } from "./stores";

const PY = path.join(ROOT, ".venv", "bin", "python");
const PIPELINE = "shop_db";
const SPEC = `# yaml-language-server: $schema=../schemas/pipeline.schema.json
name: ${PIPELINE}
description: Customers and orders straight from the shop's Postgres database (dlt sql_database)
owner: data-team@example.com
source:
  type: sql_database
  sql_database:
    credentials: { secret: shop_db_url }
    schema: shop
    tables:
      - name: customers
        primary_key: id
        write_disposition: merge
        incremental: { cursor_column: updated_at }
      - name: orders
        primary_key: order_id
        write_disposition: append
        incremental: { cursor_column: order_id }
schedule: { cron: "0 3 * * *", timezone: UTC }
transform: { select: "tag:${PIPELINE}+" }
`;

let engine: Engine | undefined;
let skip: string | undefined;
let pg: Postgres;
const servers: Server[] = [];
const work = fs.mkdtempSync(path.join(os.tmpdir(), "dp-pg-test-"));

/** Fresh tables with 3 customers and 5 orders; `more()` adds 2 orders and updates 1 customer. */
function seed(): void {
  pg.psql(`drop schema if exists shop cascade; create schema shop;
    create table shop.customers (id int primary key, name text not null, updated_at timestamptz not null);
    create table shop.orders (order_id int primary key, customer_id int not null, amount numeric(10,2) not null);
    insert into shop.customers values (1,'Ada','2024-03-01T10:00:00Z'),(2,'Grace','2024-03-01T11:00:00Z'),(3,'Linus','2024-03-01T12:00:00Z');
    insert into shop.orders select g, 1 + g % 3, g * 10.5 from generate_series(1,5) g;`);
}
function more(): void {
  pg.psql(`insert into shop.orders values (6,1,60.00),(7,2,70.00);
    update shop.customers set name='Grace H.', updated_at='2024-03-02T09:00:00Z' where id=2;`);
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

before(async () => {
  const e = startEngine();
  if ("skip" in e) skip = e.skip;
  else engine = e;
  pg = await startPostgres();
});

after(async () => {
  for (const s of servers) await s.stop();
  await pg?.stop();
  engine?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("containers: sql_database from PostgreSQL", () => {
  test("the drivers are in the project's runtime: psycopg 3 for postgresql://, PyMySQL for mysql+pymysql://", () => {
    const r = spawnSync(
      PY,
      [
        "-c",
        "import sqlalchemy as sa; [sa.create_engine(u).dialect.dbapi for u in ('postgresql://u@h/d','mysql+pymysql://u@h/d')]; import psycopg, pymysql; print(psycopg.__version__, psycopg.pq.__impl__, pymysql.__version__)",
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
  });

  test("locally: full load, then an incremental run loads only what changed", () => {
    seed();
    const dir = path.join(work, "local");
    fs.mkdirSync(path.join(dir, "pipelines"), { recursive: true });
    fs.writeFileSync(path.join(dir, "pipelines", `${PIPELINE}.yaml`), SPEC);
    const env = { ...process.env, DP_LOCAL_DIR: path.join(dir, ".local"), DP_SECRET_SHOP_DB_URL: pg.sqlalchemyUrl };
    const run = () => {
      const r = spawnSync(PY, ["-m", "ingestion", "run", "--pipeline", PIPELINE, "--target", "local", "--pipelines-dir", path.join(dir, "pipelines")], {
        cwd: ROOT,
        env,
        encoding: "utf8",
      });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.ok(!`${r.stdout}${r.stderr}`.includes(pg.sqlalchemyUrl.split(":")[2].split("@")[0]), "the database password reached the output");
      return JSON.parse(r.stdout.trim().split("\n").pop()!) as { status: string; rows: Record<string, number> };
    };
    const first = run();
    assert.equal(first.status, "SUCCESS");
    assert.deepEqual(first.rows, { customers: 3, orders: 5 });
    more();
    const second = run();
    // The cursor keeps the last value seen: >= it is loaded again (dlt dedups equal cursors on merge).
    assert.equal(second.rows.orders, 2, `incremental orders: ${JSON.stringify(second.rows)}`);
    assert.ok(second.rows.customers >= 1 && second.rows.customers < 3, `incremental customers: ${JSON.stringify(second.rows)}`);
    const db = path.join(dir, ".local", "warehouse.duckdb");
    assert.deepEqual(duckdb(db, "select count(*) from raw_shop_db.orders"), [[7]]);
    assert.deepEqual(duckdb(db, "select name from raw_shop_db.customers where id = 2"), [["Grace H."]]);
  });

  test("in the image: the plan's job for the pipeline, full then incremental on fresh containers", async (t) => {
    if (skip) return t.skip(skip);
    seed();
    // A project root with the real stack files and pipelines plus this one, so the job is the plan's.
    const root = path.join(work, "root");
    fs.mkdirSync(path.join(root, "pipelines"), { recursive: true });
    for (const e of fs.readdirSync(ROOT)) if (e !== "pipelines" && e !== ".git") fs.symlinkSync(path.join(ROOT, e), path.join(root, e));
    for (const f of fs.readdirSync(path.join(ROOT, "pipelines"))) fs.copyFileSync(path.join(ROOT, "pipelines", f), path.join(root, "pipelines", f));
    fs.writeFileSync(path.join(root, "pipelines", `${PIPELINE}.yaml`), SPEC);
    const { jobs } = await planJobs("dev-aws", root);
    const ij: JobRun = job(jobs, PIPELINE, "ingestion");
    assert.deepEqual(
      ij.secretEnv.filter((n) => n.startsWith("DP_SECRET_")),
      ["DP_SECRET_SHOP_DB_URL"],
      "the plan must inject the database URL from the secret store",
    );

    const image = build("ingestion", path.join(ROOT, "ingestion"), ensureBase()).ref;
    const s3 = await startMotoS3();
    const creds = await startEcsCredentials(ij.identity);
    servers.push(s3, creds);
    const store = s3Store(s3.url);
    const raw = splitUri(ij.env.DP_RAW_BUCKET_URI);
    await store.createBucket(raw.bucket);
    const artifacts = splitUri(ij.env.DP_ARTIFACTS_URI);
    await store.createBucket(artifacts.bucket);
    const wh = path.join(work, "warehouse");
    fs.mkdirSync(wh);
    fs.chownSync(wh, 10001, 10001);
    const run = async () => {
      const r = await runJob({
        image,
        job: ij,
        overlay: {
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `${creds.url}/v2/credentials`,
          AWS_REGION: "eu-west-1",
          AWS_DEFAULT_REGION: "eu-west-1",
          AWS_ENDPOINT_URL_S3: s3.url,
          PYTHONPATH: "/opt/dp-standin:/app",
          DP_STANDIN_WAREHOUSE: "/warehouse/warehouse.duckdb",
        },
        secrets: { SNOWFLAKE_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----\nstandin\n-----END PRIVATE KEY-----\n", DP_SECRET_SHOP_DB_URL: pg.sqlalchemyUrl },
        mounts: [`${path.join(__dirname, "standin")}:/opt/dp-standin:ro`, `${wh}:/warehouse`],
      });
      assert.equal(r.code, 0, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
      return r.last as { status: string; rows: Record<string, number>; run_id: string };
    };
    const first = await run();
    assert.equal(first.status, "SUCCESS");
    assert.deepEqual(first.rows, { customers: 3, orders: 5 });
    more();
    const second = await run(); // a new container: its cursors come back from the destination
    assert.equal(second.rows.orders, 2, `incremental orders: ${JSON.stringify(second.rows)}`);
    assert.deepEqual(duckdb(path.join(wh, "warehouse.duckdb"), "select count(*) from raw_shop_db.orders"), [[7]]);
    // One pipeline-run record per run (the steps' parts are one level deeper).
    const records = (await store.list(artifacts.bucket, `runs/${PIPELINE}/`)).filter((k) => k.split("/").length === 3);
    assert.deepEqual(records, [first.run_id, second.run_id].map((id) => `runs/${PIPELINE}/${id}.json`).sort());
  });
});
