/**
 * `npm run new -- pipeline <name>` (tools/scaffold/new.ts and its Copier templates).
 *
 * Stands for: a new user scaffolding a pipeline of each source type and getting files the platform
 * accepts, and a pipeline that `npm run local -- --pipeline <name>` runs at once: rest_api on its
 * served fixtures, filesystem on its dropped sample file, sql_database on a SQLite database built from
 * its SQL seeds, and Fivetran listed as skipped with the reason.
 * Proven by: the real Copier (pinned in tools/scaffold/requirements.txt, installed into .venv)
 * rendering the real templates; the rendered pipeline loaded by the program's own loader against
 * every shipped stack; and the real local run (dlt into DuckDB, then `dbt build`, its row, model and
 * test counts) in a scratch copy of the project (ran for real). Cannot prove: that the scaffolded
 * source matches a real API or database (its fixtures are two made-up rows; SQLite stands in for the
 * real database engine), nor the Fivetran connector's own settings.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { loadPlatformConfig } from "../../stacks/load";
import { type Answers, gather, parseArgs, scaffold, ScaffoldError } from "../../tools/scaffold/new";
import { readStackFile } from "../../tools/synth/stack-file";

const ROOT = path.resolve(__dirname, "..", "..");
const PYTHON = path.join(ROOT, ".venv", "bin", "python");

/** A scratch copy of the project that scaffolding may write into (node_modules linked, not copied). */
function scratchProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-scaffold-test-"));
  const skip = new Set(["node_modules", ".venv", ".local", ".git", ".tools", "bench", "target", "logs", "__pycache__", ".pytest_cache"]);
  for (const e of fs.readdirSync(ROOT)) {
    if (skip.has(e)) continue;
    fs.cpSync(path.join(ROOT, e), path.join(dir, e), { recursive: true, filter: (src) => !skip.has(path.basename(src)) });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

const base = { description: "Test pipeline", owner: "data@example.com", cron: "0 3 * * *", primary_key: "id" };
const CASES: Answers[] = [
  { ...base, name: "scaf_rest", source: "rest_api", base_url: "https://api.example.com", tables: ["albums", "photos"] },
  { ...base, name: "scaf_files", source: "filesystem", bucket_path: "landing/invoices", format: "csv", tables: ["invoices"], primary_key: "invoice_id" },
  { ...base, name: "scaf_sql", source: "sql_database", credentials_secret: "erp_url", db_schema: "public", tables: ["orders", "lines"] },
  { ...base, name: "scaf_fivetran", source: "fivetran", service: "postgres", db_schema: "public", tables: ["accounts"] },
];

describe("npm run new: scaffolding a pipeline", () => {
  let project: string;
  before(() => {
    project = scratchProject();
  });
  after(() => fs.rmSync(project, { recursive: true, force: true }));

  for (const a of CASES) {
    it(`${a.source}: writes the spec, the dbt source, a staging model with key tests per table, and the loader accepts it on every stack`, () => {
      const files = scaffold(a, project);
      const expected = [
        `pipelines/${a.name}.yaml`,
        `dbt/models/staging/${a.name}/_${a.name}__sources.yml`,
        `dbt/models/staging/${a.name}/_${a.name}__models.yml`,
        ...a.tables.map((t) => `dbt/models/staging/${a.name}/stg_${a.name}__${t}.sql`),
      ];
      for (const f of expected) assert.ok(files.includes(f), `${f} not written (wrote ${files.join(", ")})`);
      const spec = fs.readFileSync(path.join(project, `pipelines/${a.name}.yaml`), "utf8");
      assert.match(spec, /^# yaml-language-server: \$schema=\.\.\/schemas\/pipeline\.schema\.json\n/);
      for (const stack of ["dev", "prod", "dev-aws"]) {
        const loaded = loadPlatformConfig({ root: project, stack, config: readStackFile(project, stack).config });
        const p = loaded.config.pipelines.find((x) => x.name === a.name);
        assert.ok(p, `${stack}: pipeline ${a.name} not loaded`);
        assert.equal(p.source.type, a.source);
        assert.equal(p.dbtSelect, `tag:${a.name}+`);
      }
      const models = parse(fs.readFileSync(path.join(project, `dbt/models/staging/${a.name}/_${a.name}__models.yml`), "utf8")).models;
      assert.deepEqual(
        models.map((m: { name: string }) => m.name),
        a.tables.map((t) => `stg_${a.name}__${t}`),
      );
      for (const m of models) {
        assert.deepEqual(m.config.tags, [a.name], `${m.name} is not tagged for the pipeline, so tag:${a.name}+ would not select it`);
        assert.deepEqual(m.columns[0], { name: a.primary_key, description: "Primary key.", data_tests: ["unique", "not_null"] });
        if (a.source === "fivetran") assert.equal(m.config.enabled, "{{ target.type != 'duckdb' }}", "Fivetran models must be off on DuckDB, where nothing loads them");
      }
      const sources = parse(fs.readFileSync(path.join(project, `dbt/models/staging/${a.name}/_${a.name}__sources.yml`), "utf8")).sources[0];
      assert.equal(
        sources.schema,
        a.source === "fivetran" ? a.name : `raw_${a.name}`,
        "the schema the loader writes (ingestion/settings.py dataset_name, or Fivetran's destination_schema)",
      );
      const sql = fs.readFileSync(path.join(project, `dbt/models/staging/${a.name}/stg_${a.name}__${a.tables[0]}.sql`), "utf8");
      assert.ok(sql.includes(`{{ source('${a.name}', '${a.tables[0]}') }}`), "dbt Jinja must pass through the template untouched");
      const fixtures = files.filter((f) => f.startsWith("ingestion/sample_data/"));
      if (a.source === "rest_api") assert.deepEqual(fixtures, a.tables.map((t) => `ingestion/sample_data/${a.name}/${t}.json`).sort());
      else if (a.source === "filesystem") assert.deepEqual(fixtures, ["ingestion/sample_data/landing/invoices/invoices_sample.csv"]);
      else if (a.source === "sql_database") assert.deepEqual(fixtures, a.tables.map((t) => `ingestion/sample_data/${a.name}/${t}.sql`).sort());
      else assert.deepEqual(fixtures, []);
    });
  }

  it("refuses to overwrite: a second scaffold of the same pipeline writes nothing", () => {
    const before = fs.readFileSync(path.join(project, "pipelines/scaf_rest.yaml"), "utf8");
    assert.throws(
      () => scaffold({ ...CASES[0], base_url: "https://other.example.com" }, project),
      (e: Error) => e instanceof ScaffoldError && /already exist; nothing was written/.test(e.message) && e.message.includes("pipelines/scaf_rest.yaml"),
    );
    assert.equal(fs.readFileSync(path.join(project, "pipelines/scaf_rest.yaml"), "utf8"), before);
  });

  it("a name too long for a cloud's limit is refused with the loader's message, and nothing is written", () => {
    const name = "a_very_long_pipeline_name_xx"; // 28 characters: over GCP's service-account budget
    const listing = () => fs.readdirSync(path.join(project, "pipelines")).sort();
    const was = listing();
    assert.throws(
      () => scaffold({ ...CASES[0], name, tables: ["things"] }, project),
      (e: Error) => e instanceof ScaffoldError && e.message.includes(`pipelines/${name}.yaml`) && /GCP service account id/.test(e.message),
    );
    assert.deepEqual(listing(), was);
    assert.ok(!fs.existsSync(path.join(project, "dbt/models/staging", name)));
  });

  const localRun = (local: string, ...pipelines: string[]) => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "tools/local.ts", ...pipelines.flatMap((p) => ["--pipeline", p])], {
      cwd: project,
      // No DP_SECRET_* of the developer's shell: the sql_database pipeline must run on its fixture alone.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("DP_SECRET_"))), DP_LOCAL_DIR: local, DP_PYTHON: PYTHON },
      encoding: "utf8",
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };

  it("every source type: npm run local -- --pipeline <name> passes at once on the scaffolded fixture (dlt into DuckDB, dbt build)", { timeout: 300_000 }, () => {
    const local = fs.mkdtempSync(path.join(os.tmpdir(), "dp-scaffold-local-"));
    try {
      // One run for the three that load (one dbt parse); rows loaded, models built, tests passed per pipeline.
      const { status, out } = localRun(local, "scaf_rest", "scaf_files", "scaf_sql");
      assert.equal(status, 0, out);
      assert.match(out, /^\s+scaf_rest\s+SUCCESS\s+albums=2 photos=2\s+2\s+4\s/m, out);
      assert.match(out, /^\s+scaf_files\s+SUCCESS\s+invoices=2\s+1\s+2\s/m, out);
      assert.match(out, /^\s+scaf_sql\s+SUCCESS\s+lines=2 orders=2\s+2\s+4\s/m, out);
      assert.match(out, /scaf_sql\s+reading \S+scaf_sql\.sqlite, built from ingestion\/sample_data\/scaf_sql\/\*\.sql, instead of secret erp_url/, out);
      // Scaffolded pipelines run as quietly as the shipped ones (test/local/quiet-run.test.ts).
      assert.deepEqual(
        out.split("\n").filter((l) => /\bwarn(ing)?\b/i.test(l)),
        [],
        out,
      );

      // The second run, as a user makes it: still green (merge on the key; the SQLite fixture is
      // rebuilt from its seeds each run, so an append would double its rows and fail `unique`).
      const again = localRun(local, "scaf_rest", "scaf_files", "scaf_sql");
      assert.equal(again.status, 0, again.out);
      assert.match(again.out, /^\s+scaf_sql\s+SUCCESS\s+lines=2 orders=2\s+2\s+4\s/m, again.out);
      assert.doesNotMatch(again.out, /\(\d+ failed\)/, again.out);

      // A seed the user broke: the pipeline fails with the file and SQLite's words, and loads nothing.
      const seed = path.join(project, "ingestion/sample_data/scaf_sql/orders.sql");
      const good = fs.readFileSync(seed, "utf8");
      fs.writeFileSync(seed, good.replace("insert into orders", "insert into ordres"));
      const badSeed = localRun(local, "scaf_sql");
      fs.writeFileSync(seed, good);
      assert.equal(badSeed.status, 1, badSeed.out);
      assert.match(badSeed.out, /scaf_sql: FAILED: fixture database: \S*ingestion\/sample_data\/scaf_sql\/orders\.sql: no such table: ordres/, badSeed.out);

      // Fivetran loads in the cloud only: listed as skipped with the reason, and a non-zero exit when asked for.
      const fivetran = localRun(local, "scaf_fivetran");
      assert.equal(fivetran.status, 1, fivetran.out);
      assert.match(fivetran.out, /scaf_fivetran: SKIPPED: Fivetran loads it in the cloud/, fivetran.out);

      // The first edit a user makes, gone wrong: the summary carries dbt's own reason, not just
      // "model stg_scaf_rest__albums error" (the reason used to be only in the run record).
      const model = path.join(project, "dbt/models/staging/scaf_rest/stg_scaf_rest__albums.sql");
      fs.writeFileSync(model, fs.readFileSync(model, "utf8").replace("    *\n", "    no_such_column\n"));
      const { status: brokenStatus, out: text } = localRun(local, "scaf_rest");
      assert.equal(brokenStatus, 1, text);
      assert.match(text, /scaf_rest: dbt: model stg_scaf_rest__albums error: .*no_such_column/, text);
    } finally {
      fs.rmSync(local, { recursive: true, force: true });
    }
  });
});

describe("npm run new: arguments", () => {
  it("reports every missing or wrong answer at once when not in a terminal", async () => {
    await assert.rejects(gather(parseArgs(["pipeline", "X-bad", "--source", "rest_api", "--owner", "nobody"])), (e: Error) => {
      assert.ok(e instanceof ScaffoldError);
      assert.match(e.message, /name: expected lower_snake .* found "X-bad"/);
      assert.match(e.message, /--owner: expected an e-mail address, found "nobody"/);
      assert.match(e.message, /--base-url: expected API base URL, found nothing \(not a terminal/);
      assert.match(e.message, /--resources: expected resources .* found nothing/);
      return true;
    });
  });

  it("filesystem: a wrong format and a wrong table are two problems, each said once", async () => {
    await assert.rejects(
      gather(parseArgs(["pipeline", "invoices", "--source", "filesystem", "--owner", "o@example.com", "--format", "xlsx", "--table", "Invoices"])),
      (e: Error) => {
        assert.equal(
          e.message,
          'nothing was written:\n  --format: expected csv, jsonl or parquet, found "xlsx"\n  --table: expected one table name in lower_snake (every file of the drop loads into it), found "Invoices"',
        );
        return true;
      },
    );
    await assert.rejects(
      gather(parseArgs(["pipeline", "invoices", "--source", "filesystem", "--owner", "o@example.com", "--table", "a,b"])),
      /--table: expected one table name .* found "a,b"/,
    );
  });

  it("refuses a flag of another source type instead of ignoring it", async () => {
    await assert.rejects(
      gather(parseArgs(["pipeline", "files_x", "--source", "filesystem", "--base-url", "https://a.example.com"])),
      /--base-url: expected only flags of source filesystem/,
    );
  });

  it("refuses an existing pipeline name and an unknown source type, saying what was found", async () => {
    await assert.rejects(
      gather(parseArgs(["pipeline", "orders_files", "--source", "restapi"])),
      (e: Error) =>
        /found pipelines\/orders_files\.yaml already there/.test(e.message) &&
        /--source: expected one of rest_api, filesystem, sql_database, fivetran, found "restapi"/.test(e.message),
    );
  });

  it("uses defaults for what has one, and answers from a prompt when given", async () => {
    const a = await gather(parseArgs(["pipeline", "files_x", "--source", "filesystem", "--owner", "o@example.com"]));
    assert.deepEqual({ bucket: a.bucket_path, format: a.format, tables: a.tables, pk: a.primary_key }, { bucket: "landing/files_x", format: "csv", tables: ["files_x"], pk: "id" });
    const asked: string[] = [];
    const b = await gather(parseArgs(["pipeline", "api_x", "--owner", "o@example.com"]), async (q) => {
      asked.push(q);
      return q.startsWith("source") ? "rest_api" : q.startsWith("API base URL") ? "https://x.example.com" : q.startsWith("resources") ? "a, b" : "";
    });
    assert.deepEqual([b.source, b.base_url, b.tables], ["rest_api", "https://x.example.com", ["a", "b"]]);
    assert.ok(!asked.some((q) => q.startsWith("owner")), "a flag given is not asked again");
  });

  it("rejects an unknown flag and a kind other than pipeline", () => {
    assert.throws(() => parseArgs(["pipeline", "a_b", "--colour", "red"]), /unknown argument --colour/);
    assert.throws(() => parseArgs(["model", "a_b"]), /found "model" where "pipeline" was expected/);
  });
});
