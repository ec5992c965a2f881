/**
 * Where the load, Fivetran and dbt meet, per environment (dev, prod, dev-aws): every cloud run loads
 * and builds.
 *
 * Stands for: the ingestion job loading Snowflake RAW through the raw bucket and the external stage,
 * then the dbt job building ANALYTICS from what the ingestion jobs and Fivetran wrote, each started
 * with exactly the command and environment its Cloud Run job / ECS task has in the synthesized plan.
 * What proves it: the real ingestion CLI (dlt, snowflake-connector-python) and the real dbt runner
 * (dbt-snowflake) against fakesnow's server on 127.0.0.1 (emulator rank); the Snowflake objects the
 * plan declares (databases, the LAKE schema, the stage with its URL) are created from the plan's
 * resource inputs; Fivetran's tables are seeded where the plan tells dbt they land.
 * What it cannot prove: grants and roles (fakesnow ignores them: see privileges.test.ts), key-pair
 * authentication (fakesnow accepts any key), network policies, real GCS/S3 access through the storage
 * integration (the buckets are a local folder, shim/sitecustomize.py), Snowflake's SQL where DuckDB
 * differs, and Fivetran's own writing (the seed stands in for it).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { job, lastJson, ofType, plannedJobs, synthStack, World, type PlannedJob } from "./harness";
import { ROOT } from "./toolchain";

const ORDERS_SAMPLE = path.join(ROOT, "ingestion", "sample_data", "landing", "orders");
const JSONPLACEHOLDER_SAMPLE = path.join(ROOT, "ingestion", "sample_data", "jsonplaceholder");

/** Distinct order ids in some order CSVs: what a merge on order_id leaves (computed from the files, not restated). */
function distinctOrderIds(files: string[]): number {
  const ids = new Set<string>();
  for (const f of files) {
    const [header, ...rows] = fs.readFileSync(f, "utf8").trim().split(/\r?\n/);
    const col = header.split(",").indexOf("order_id");
    for (const r of rows) ids.add(r.split(",")[col]);
  }
  return ids.size;
}

const count = (file: string) => (JSON.parse(fs.readFileSync(path.join(JSONPLACEHOLDER_SAMPLE, file), "utf8")) as unknown[]).length;

for (const stack of ["dev", "prod", "dev-aws"]) {
  describe(`${stack}: cloud runs against fakesnow`, () => {
    const world = new World();
    let jobs: PlannedJob[];
    let rawDb: string;
    let analyticsDb: string;
    const ordersFiles = fs
      .readdirSync(ORDERS_SAMPLE)
      .filter((f) => f.endsWith(".csv"))
      .sort()
      .map((f) => path.join(ORDERS_SAMPLE, f));

    const ingest = async (pipeline: string, extra: Record<string, string> = {}) => {
      const r = await world.runJob(job(jobs, pipeline, "ingestion"), extra);
      assert.equal(r.code, 0, `ingestion ${pipeline} exited ${r.code}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-6000)}`);
      const record = lastJson(r.stdout);
      assert.equal(record.status, "SUCCESS", JSON.stringify(record));
      return record;
    };
    const build = async (pipeline: string) => {
      const r = await world.runJob(job(jobs, pipeline, "dbt"));
      const summary = lastJson(r.stdout);
      assert.equal(r.code, 0, `dbt ${pipeline} exited ${r.code}: ${JSON.stringify(summary)}\n${r.stderr.slice(-6000)}`);
      assert.equal(summary.tests_failed, 0, JSON.stringify(summary));
      return summary;
    };
    const restBase = () => ({
      // The REST source's stand-in (ingestion/sample_data/jsonplaceholder): the job would call jsonplaceholder.typicode.com.
      DP_REST_BASE_URL_JSONPLACEHOLDER: `${world.fixtureUrl}/jsonplaceholder`,
    });

    before(async () => {
      const plan = await synthStack(stack);
      jobs = plannedJobs(plan);
      await world.start();
      // The warehouse objects the plan declares, from their inputs: databases, RAW.LAKE and the stage.
      const databases = ofType(plan, "snowflake:index/database:Database").map((r) => String(r.inputs.name));
      rawDb = databases.find((d) => d.endsWith("RAW"))!;
      analyticsDb = databases.find((d) => d.endsWith("ANALYTICS"))!;
      const statements = databases.map((d) => `CREATE DATABASE ${d}`);
      for (const s of ofType(plan, "snowflake:index/schema:Schema")) statements.push(`CREATE SCHEMA ${s.inputs.database}.${s.inputs.name}`);
      for (const s of ofType(plan, "snowflake:index/stage:Stage")) {
        // Emulator difference: fakesnow has no storage integrations, so the stage is created with its URL
        // only (the integration is what lets Snowflake read the bucket; the local lake needs none).
        statements.push(`CREATE STAGE ${s.inputs.database}.${s.inputs.schema}.${s.inputs.name} URL='${s.inputs.url}'`);
      }
      world.sql(statements);

      // Fivetran's tables, where the plan tells the dbt job they land (its DP_FIVETRAN_SCHEMA_* env).
      // Emulator difference: DuckDB parses no numeric offsets ('+01:00') in timestamp literals, so the
      // seeded TIMESTAMP_TZ values are written in UTC without one.
      const shopDbt = job(jobs, "shop_postgres", "dbt");
      const landing = shopDbt.env.DP_FIVETRAN_SCHEMA_PUBLIC;
      assert.ok(landing, `the shop_postgres dbt job names where Fivetran lands schema public: ${JSON.stringify(shopDbt.env)}`);
      const at = `${shopDbt.env.SNOWFLAKE_RAW_DATABASE}.${landing}`;
      world.sql([
        `CREATE SCHEMA ${at}`,
        `CREATE TABLE ${at}.CUSTOMERS (ID NUMBER, EMAIL VARCHAR, FIRST_NAME VARCHAR, LAST_NAME VARCHAR, COUNTRY VARCHAR, CREATED_AT TIMESTAMP_TZ, _FIVETRAN_SYNCED TIMESTAMP_TZ, _FIVETRAN_DELETED BOOLEAN)`,
        `INSERT INTO ${at}.CUSTOMERS VALUES (1, 'A@X.COM', 'Ann', 'Lee', 'NL', '2024-01-01 09:00:00', CURRENT_TIMESTAMP, FALSE), (2, 'b@x.com', 'Bo', NULL, 'DE', '2024-01-02 10:00:00', CURRENT_TIMESTAMP, FALSE), (3, 'c@x.com', 'Cy', 'Old', 'FR', '2024-01-03 10:00:00', CURRENT_TIMESTAMP, TRUE)`,
        `CREATE TABLE ${at}.PRODUCTS (ID NUMBER, NAME VARCHAR, CATEGORY VARCHAR, PRICE NUMBER(10, 2), _FIVETRAN_SYNCED TIMESTAMP_TZ, _FIVETRAN_DELETED BOOLEAN)`,
        `INSERT INTO ${at}.PRODUCTS VALUES (10, 'Mug', 'kitchen', 9.50, CURRENT_TIMESTAMP, FALSE), (11, 'Pen', 'office', 1.25, CURRENT_TIMESTAMP, NULL)`,
      ]);
    });
    after(() => world.stop());

    it("plans a stage over the folder the ingestion job stages in", () => {
      const j = job(jobs, "jsonplaceholder", "ingestion");
      assert.equal(j.env.DP_DLT_STAGING_URI, `${j.env.DP_RAW_BUCKET_URI}/dlt`);
      const stage = world.scalar(`SELECT url FROM _fs_global._fs_information_schema._fs_stages WHERE name = 'RAW_BUCKET'`);
      assert.equal(String(stage).replace(/^gcs:/, "gs:"), `${j.env.DP_DLT_STAGING_URI}/`);
    });

    it("jsonplaceholder: the ingestion job loads RAW through the stage, and keeps the load files in the lake", async () => {
      const record = await ingest("jsonplaceholder", restBase());
      assert.deepEqual(record.rows, { comments: count("comments.json"), posts: count("posts.json"), users: count("users.json") });
      assert.equal(world.scalar(`SELECT COUNT(*) FROM ${rawDb}.RAW_JSONPLACEHOLDER.POSTS`), count("posts.json"));
      assert.equal(world.scalar(`SELECT COUNT(*) FROM ${rawDb}.RAW_JSONPLACEHOLDER.COMMENTS`), count("comments.json"));
      const staged = world.local(`${job(jobs, "jsonplaceholder", "ingestion").env.DP_DLT_STAGING_URI}/raw_jsonplaceholder/posts`);
      assert.equal(fs.readdirSync(staged).length, 1, `one load file for posts in ${staged}`);
      // The pipeline-run record's row, upserted as the loader into the schema the plan declares (RAW.PLATFORM):
      // ingestion done, dbt yet to report.
      const row = world.sql([`SELECT STATUS, ROWS_LOADED FROM ${rawDb}.PLATFORM.PIPELINE_RUNS WHERE PIPELINE = 'jsonplaceholder' AND RUN_ID = '${record.run_id}'`])[0];
      assert.deepEqual(row, [["RUNNING", count("comments.json") + count("posts.json") + count("users.json")]]);
    });

    it("jsonplaceholder: dbt builds its models and passes its tests on Snowflake", async () => {
      const s = await build("jsonplaceholder");
      assert.ok(s.models_built >= 5, JSON.stringify(s));
      assert.ok(s.tests_passed > 0, JSON.stringify(s));
      assert.equal(world.scalar(`SELECT COUNT(*) FROM ${analyticsDb}.MARTS.FCT_POSTS`), count("posts.json"));
      // ...and the dbt job's, as the transformer, into the same table.
      const row = world.sql([`SELECT STATUS, RUN_TYPE, MODELS_BUILT FROM ${rawDb}.PLATFORM.PIPELINE_RUNS WHERE PIPELINE = 'jsonplaceholder' AND RUN_ID = '${s.run_id}'`])[0];
      assert.deepEqual(row, [["SUCCESS", "SCHEDULED", s.models_built]]);
    });

    it("jsonplaceholder: a second run merges (no duplicates) and keeps the first run's load files", async () => {
      await ingest("jsonplaceholder", restBase());
      assert.equal(world.scalar(`SELECT COUNT(*) FROM ${rawDb}.RAW_JSONPLACEHOLDER.POSTS`), count("posts.json"));
      const staged = world.local(`${job(jobs, "jsonplaceholder", "ingestion").env.DP_DLT_STAGING_URI}/raw_jsonplaceholder/posts`);
      assert.equal(fs.readdirSync(staged).length, 2, "the bucket is the lake: both runs' files stay");
      await build("jsonplaceholder");
    });

    it("orders_files: loads the dropped files, then on a second run only the new one (incremental)", async () => {
      const drop = world.local(`${job(jobs, "orders_files", "ingestion").env.DP_RAW_BUCKET_URI}/landing/orders`);
      fs.mkdirSync(drop, { recursive: true });
      for (const f of ordersFiles.slice(0, -1)) fs.copyFileSync(f, path.join(drop, path.basename(f)));
      await ingest("orders_files");
      assert.equal(world.scalar(`SELECT COUNT(*) FROM ${rawDb}.RAW_ORDERS_FILES.ORDERS`), distinctOrderIds(ordersFiles.slice(0, -1)));
      await build("orders_files");

      const last = ordersFiles[ordersFiles.length - 1];
      fs.copyFileSync(last, path.join(drop, path.basename(last)));
      const second = await ingest("orders_files");
      const newRows = fs.readFileSync(last, "utf8").trim().split(/\r?\n/).length - 1;
      assert.equal(second.rows.orders, newRows, "the second run reads only the file that is new");
      assert.equal(world.scalar(`SELECT COUNT(*) FROM ${rawDb}.RAW_ORDERS_FILES.ORDERS`), distinctOrderIds(ordersFiles));
      const s = await build("orders_files");
      assert.ok(s.models_built >= 3 && s.tests_passed > 0, JSON.stringify(s));
    });

    it("shop_postgres: dbt reads Fivetran's <schema_prefix>_<schema> and builds, twice", async () => {
      for (let i = 0; i < 2; i++) {
        const s = await build("shop_postgres");
        assert.ok(s.models_built >= 4 && s.tests_passed > 0, JSON.stringify(s));
      }
      assert.equal(world.scalar(`SELECT COUNT(*) FROM ${analyticsDb}.MARTS.DIM_CUSTOMERS`), 2, "soft-deleted customer left out");
      assert.equal(world.scalar(`SELECT COUNT(*) FROM ${analyticsDb}.MARTS.DIM_PRODUCTS`), 2);
    });

    // The check above can fail: the same job against a stage over the bucket root (the layout before
    // dltStagingUri) finds none of the files dlt names relative to its staging folder.
    if (stack === "dev") {
      it("a stage over the bucket root instead of dlt's folder fails the load", async () => {
        const j = job(jobs, "jsonplaceholder", "ingestion");
        world.sql([`CREATE STAGE ${rawDb}.LAKE.BUCKET_ROOT URL='${j.env.DP_RAW_BUCKET_URI.replace(/^gs:/, "gcs:")}/'`]);
        const r = await world.runJob(j, { ...restBase(), SNOWFLAKE_STAGE: `${rawDb}.LAKE.BUCKET_ROOT`, DP_DLT_DIR: path.join(world.dir, "dlt-root-stage") });
        assert.equal(r.code, 1, r.stdout.slice(-2000));
        const record = lastJson(r.stdout);
        assert.equal(record.status, "FAILED");
        assert.match(record.error, /^step load: /, record.error);
      });
    }
  });
}
