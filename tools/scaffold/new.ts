/**
 * `npm run new -- pipeline <name> --source rest_api|filesystem|sql_database|fivetran [flags]`:
 * scaffold a pipeline that `npm run local -- --pipeline <name>` runs at once.
 *
 * Writes, from the Copier templates in tools/scaffold/templates/ (rendered by the pinned Copier in
 * .venv, tools/scaffold/requirements.txt):
 *   pipelines/<name>.yaml                                  the spec, with its schema header
 *   dbt/models/staging/<name>/_<name>__sources.yml         the dbt source, tagged for the pipeline
 *   dbt/models/staging/<name>/_<name>__models.yml          the staging models' key tests (unique, not_null)
 *   dbt/models/staging/<name>/stg_<name>__<table>.sql      one staging model per resource or table (dbt's
 *                                                          stg_<source>__<entity>: unique across pipelines)
 *   ingestion/sample_data/...                              a local fixture per resource or table (rest_api,
 *                                                          filesystem; sql_database: a SQL seed of a SQLite database)
 *
 * Questions not given as flags are asked when stdin is a terminal; otherwise their defaults are used
 * and the required ones without a default are reported together. Everything is rendered into a
 * scratch folder and checked with the same loader the Pulumi program uses, against every stack,
 * before a single file is written into the project: bad input changes nothing.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline/promises";
import { ConfigError, formatIssue } from "../../stacks/errors";
import { loadPlatformConfig } from "../../stacks/load";
import { PIPELINE_NAME } from "../../stacks/pipeline-spec";
import { readStackFile } from "../synth/stack-file";

const ROOT = path.resolve(__dirname, "..", "..");
export const TEMPLATES = path.join(__dirname, "templates");
const SOURCES = ["rest_api", "filesystem", "sql_database", "fivetran"] as const;
type SourceType = (typeof SOURCES)[number];
const LOWER_SNAKE = /^[a-z][a-z0-9_]{0,62}$/;

export interface Answers {
  name: string;
  source: SourceType;
  description: string;
  owner: string;
  cron: string;
  /** rest_api resources, the filesystem table, or the sql_database / Fivetran tables. */
  tables: string[];
  primary_key: string;
  base_url?: string;
  bucket_path?: string;
  format?: "csv" | "jsonl" | "parquet";
  credentials_secret?: string;
  db_schema?: string;
  service?: string;
}

/** One question: its flag, the sources it applies to, its default (from the answers so far) and its check. */
interface Question {
  key: keyof Answers;
  flag: string;
  ask: string;
  only?: SourceType[];
  default?: (a: Partial<Answers>) => string | undefined;
  /** Returns what was expected when the value is wrong. */
  check?: (v: string) => string | undefined;
  list?: boolean;
}

const lowerSnakeList = (v: string) =>
  v
    .split(",")
    .map((s) => s.trim())
    .every((s) => LOWER_SNAKE.test(s))
    ? undefined
    : "a comma-separated list of lower_snake names";

const QUESTIONS: Question[] = [
  {
    key: "source",
    flag: "--source",
    ask: `source type (${SOURCES.join(", ")})`,
    check: (v) => ((SOURCES as readonly string[]).includes(v) ? undefined : `one of ${SOURCES.join(", ")}`),
  },
  { key: "description", flag: "--description", ask: "one-line description", default: (a) => `${a.name} pipeline` },
  {
    key: "owner",
    flag: "--owner",
    ask: "owner e-mail (receives failure alerts)",
    default: () => gitEmail(),
    check: (v) => (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? undefined : "an e-mail address"),
  },
  { key: "cron", flag: "--cron", ask: "schedule (five-field cron, UTC)", default: () => "0 3 * * *" },
  { key: "base_url", flag: "--base-url", ask: "API base URL", only: ["rest_api"], check: (v) => (/^https?:\/\/[^\s/]+/.test(v) ? undefined : "an http(s) URL") },
  { key: "tables", flag: "--resources", ask: "resources (endpoint paths, comma-separated)", only: ["rest_api"], check: lowerSnakeList, list: true },
  { key: "bucket_path", flag: "--bucket-path", ask: "folder in the raw bucket where files land", only: ["filesystem"], default: (a) => `landing/${a.name}` },
  {
    key: "format",
    flag: "--format",
    ask: "file format (csv, jsonl, parquet)",
    only: ["filesystem"],
    default: () => "csv",
    check: (v) => (["csv", "jsonl", "parquet"].includes(v) ? undefined : "csv, jsonl or parquet"),
  },
  {
    key: "tables",
    flag: "--table",
    ask: "table the files load into",
    only: ["filesystem"],
    default: (a) => a.name,
    // One table: every file of the drop loads into it.
    check: (v) => (LOWER_SNAKE.test(v) ? undefined : "one table name in lower_snake (every file of the drop loads into it)"),
    list: true,
  },
  {
    key: "service",
    flag: "--service",
    ask: "Fivetran connector service id (e.g. postgres)",
    only: ["fivetran"],
    check: (v) => (/^[a-z][a-z0-9_]*$/.test(v) ? undefined : "a Fivetran service id like postgres"),
  },
  {
    key: "credentials_secret",
    flag: "--secret",
    ask: "name of the secret holding the SQLAlchemy URL",
    only: ["sql_database"],
    default: () => "db_url",
    check: (v) => (/^[a-z][a-z0-9_]{0,39}$/.test(v) ? undefined : "a secret name in lower_snake"),
  },
  { key: "db_schema", flag: "--schema", ask: "database schema", only: ["sql_database", "fivetran"], default: () => "public" },
  { key: "tables", flag: "--tables", ask: "tables (comma-separated)", only: ["sql_database", "fivetran"], check: lowerSnakeList, list: true },
  { key: "primary_key", flag: "--primary-key", ask: "primary key column", default: () => "id", check: (v) => (LOWER_SNAKE.test(v) ? undefined : "a lower_snake column name") },
];

export class ScaffoldError extends Error {}

function gitEmail(): string | undefined {
  const r = spawnSync("git", ["config", "user.email"], { cwd: ROOT, encoding: "utf8" });
  const v = r.stdout?.trim();
  return v && /@/.test(v) ? v : undefined;
}

interface Parsed {
  name?: string;
  flags: Map<string, string>;
}

export function parseArgs(argv: string[]): Parsed {
  const [kind, name, ...rest] = argv;
  if (kind !== "pipeline")
    throw new ScaffoldError(`usage: npm run new -- pipeline <name> --source ${SOURCES.join("|")} [flags] (found ${kind ? `"${kind}"` : "nothing"} where "pipeline" was expected)`);
  const known = new Set(QUESTIONS.map((q) => q.flag));
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i].split(/=(.*)/s, 2);
    if (!known.has(flag)) throw new ScaffoldError(`unknown argument ${rest[i]} (expected one of ${[...known].join(", ")})`);
    const v = inline ?? rest[++i];
    if (v === undefined) throw new ScaffoldError(`${flag} needs a value`);
    flags.set(flag, v);
  }
  return { name: name?.startsWith("--") ? undefined : name, flags };
}

/**
 * The answers from flags, prompts (when `prompt` is given) and defaults; every problem at once.
 * Flags for another source type are refused rather than ignored.
 */
export async function gather(parsed: Parsed, prompt?: (question: string, def?: string) => Promise<string>): Promise<Answers> {
  const problems: string[] = [];
  const a: Partial<Answers> = {};
  let name = parsed.name;
  if (!name && prompt) name = await prompt("pipeline name (lower_snake)");
  if (!name) problems.push("the pipeline name: npm run new -- pipeline <name> ...");
  else if (!PIPELINE_NAME.test(name)) problems.push(`name: expected lower_snake (a-z, 0-9, _), 2-30 characters, starting with a letter, found "${name}"`);
  else if (fs.existsSync(path.join(ROOT, "pipelines", `${name}.yaml`))) problems.push(`name: expected a new pipeline, found pipelines/${name}.yaml already there`);
  a.name = name;
  const used = new Set<string>();
  for (const q of QUESTIONS) {
    if (q.key === "source" || !q.only || (a.source && q.only.includes(a.source))) {
      let v = parsed.flags.get(q.flag);
      if (v !== undefined) used.add(q.flag);
      const def = q.default?.(a);
      if (v === undefined && prompt) v = (await prompt(q.ask, def)) || def;
      v ??= def;
      if (v === undefined || v === "") {
        problems.push(`${q.flag}: expected ${q.ask}, found nothing${prompt ? "" : " (not a terminal, so nothing was asked)"}`);
        if (q.key === "source") break;
        continue;
      }
      const wrong = q.check?.(v);
      if (wrong) {
        problems.push(`${q.flag}: expected ${wrong}, found "${v}"`);
        if (q.key === "source") break;
        continue;
      }
      (a as Record<string, unknown>)[q.key] = q.list ? v.split(",").map((s) => s.trim()) : v;
    }
  }
  for (const flag of parsed.flags.keys()) {
    if (a.source && !used.has(flag)) problems.push(`${flag}: expected only flags of source ${a.source ?? "(unknown)"}, found ${flag}`);
  }
  if (problems.length) throw new ScaffoldError(`nothing was written:\n  ${problems.join("\n  ")}`);
  return a as Answers;
}

// --- rendering --------------------------------------------------------------------------------------

const COPIER = process.env.DP_COPIER ?? path.join(ROOT, ".venv", "bin", "copier");

/** `copier copy` of one template into `dst`, non-interactively, with `data` as the answers. */
function copier(template: string, dst: string, data: Record<string, unknown>): void {
  const dataFile = path.join(os.tmpdir(), `dp-new-${process.pid}-${template}.json`);
  fs.writeFileSync(dataFile, JSON.stringify(data)); // JSON is YAML: Copier reads it as its data file
  try {
    const r = spawnSync(COPIER, ["copy", "--quiet", "--defaults", "--data-file", dataFile, path.join(TEMPLATES, template), dst], { encoding: "utf8" });
    if (r.error) throw new ScaffoldError(`${COPIER} could not run (${r.error.message}): run tools/bootstrap.sh (npm run new does) to install Copier into .venv`);
    if (r.status !== 0) throw new ScaffoldError(`copier could not render tools/scaffold/templates/${template}:\n${(r.stderr || r.stdout).trim()}`);
  } finally {
    fs.rmSync(dataFile, { force: true });
  }
}

/** The fixture folder and format the local run reads for this source, when it has one. */
function fixtureOf(a: Answers): { dir: string; format: "json" | "csv" | "jsonl" | "sql" } | undefined {
  if (a.source === "rest_api") return { dir: path.join("ingestion", "sample_data", a.name), format: "json" };
  if (a.source === "sql_database") return { dir: path.join("ingestion", "sample_data", a.name), format: "sql" };
  if (a.source === "filesystem" && a.format !== "parquet") return { dir: path.join("ingestion", "sample_data", ...a.bucket_path!.split("/")), format: a.format! };
  return undefined;
}

/** Render every template for `a` into `dst` (a scratch folder laid out like the project). */
export function render(a: Answers, dst: string): void {
  copier("pipeline", dst, { ...a });
  for (const table of a.tables) {
    copier("staging-model", dst, { name: a.name, source: a.source, table, primary_key: a.primary_key });
    const fixture = fixtureOf(a);
    if (fixture) copier("fixture", path.join(dst, fixture.dir), { table, primary_key: a.primary_key, format: fixture.format });
  }
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/**
 * Load every stack with the project's pipelines plus the rendered one, as the program would; a
 * ConfigError names the rendered file (e.g. a name too long for a cloud's limit).
 */
export function checkAgainstStacks(root: string, rendered: string): void {
  const trial = fs.mkdtempSync(path.join(os.tmpdir(), "dp-new-check-"));
  try {
    fs.mkdirSync(path.join(trial, "pipelines"));
    for (const f of fs.readdirSync(path.join(root, "pipelines"))) fs.copyFileSync(path.join(root, "pipelines", f), path.join(trial, "pipelines", f));
    for (const f of fs.readdirSync(path.join(rendered, "pipelines"))) fs.copyFileSync(path.join(rendered, "pipelines", f), path.join(trial, "pipelines", f));
    const stacks = fs
      .readdirSync(root)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => !!s)
      .sort();
    for (const f of fs.readdirSync(root).filter((x) => /^Pulumi\..+\.yaml$/.test(x))) fs.copyFileSync(path.join(root, f), path.join(trial, f));
    const issues: string[] = [];
    for (const stack of stacks) {
      try {
        loadPlatformConfig({ root: trial, stack, config: readStackFile(root, stack).config });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        issues.push(...e.issues.map((i) => `stack ${stack}: ${formatIssue(i)}`));
      }
    }
    if (issues.length) throw new ScaffoldError(`the scaffolded pipeline does not validate; nothing was written:\n  ${[...new Set(issues)].join("\n  ")}`);
  } finally {
    fs.rmSync(trial, { recursive: true, force: true });
  }
}

/** Render, check, then copy into `root`; returns the files written (relative to `root`). */
export function scaffold(a: Answers, root: string = ROOT): string[] {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dp-new-"));
  try {
    render(a, scratch);
    const files = filesUnder(scratch);
    const clashes = files.filter((f) => fs.existsSync(path.join(root, f)));
    // dbt refuses two models of one name anywhere in the project, whatever their folders.
    const models = new Set(
      filesUnder(path.join(root, "dbt", "models"))
        .filter((f) => f.endsWith(".sql"))
        .map((f) => path.basename(f)),
    );
    clashes.push(
      ...files
        .filter((f) => f.startsWith("dbt/models/") && f.endsWith(".sql") && models.has(path.basename(f)) && !clashes.includes(f))
        .map((f) => `${f} (a dbt model named ${path.basename(f, ".sql")} exists)`),
    );
    if (clashes.length) throw new ScaffoldError(`these files already exist; nothing was written:\n  ${clashes.join("\n  ")}`);
    checkAgainstStacks(root, scratch);
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.copyFileSync(path.join(scratch, f), path.join(root, f));
    }
    return files;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function nextSteps(a: Answers): string[] {
  const steps = [`npm run local -- --pipeline ${a.name}    # load the fixture and build the staging models on DuckDB`];
  if (a.source === "sql_database")
    steps.push(
      `replace the rows of ingestion/sample_data/${a.name}/*.sql with a sample of the real tables (the local run reads them, never the database; delete them to use DP_SECRET_${a.name.toUpperCase()}__${a.credentials_secret!.toUpperCase()} instead)`,
    );
  if (a.source === "fivetran") steps[0] = `(Fivetran loads it in the cloud: the local run lists it as skipped)`;
  if (a.source === "filesystem" && a.format === "parquet") steps.unshift(`put a sample .parquet file into ingestion/sample_data/${a.bucket_path}/ for the local run`);
  steps.push(`npm run plan -- --stack dev                # the resources it adds`);
  steps.push(`edit dbt/models/staging/${a.name}/stg_${a.name}__*.sql: list and cast the columns you use`);
  return steps;
}

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  const interactive = process.stdin.isTTY && process.stdout.isTTY;
  let rl: readline.Interface | undefined;
  const prompt = interactive
    ? async (q: string, def?: string) => {
        rl ??= readline.createInterface({ input: process.stdin, output: process.stdout });
        return (await rl.question(`${q}${def ? ` [${def}]` : ""}: `)).trim();
      }
    : undefined;
  let answers: Answers;
  try {
    answers = await gather(parsed, prompt);
  } finally {
    rl?.close();
  }
  const files = scaffold(answers);
  console.log(`scaffolded pipeline ${answers.name} (${answers.source}):\n  ${files.join("\n  ")}\nnext:\n  ${nextSteps(answers).join("\n  ")}`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof ScaffoldError ? `error: ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(e instanceof ScaffoldError ? 2 : 1);
  });
}
