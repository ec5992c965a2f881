/**
 * `npm run runs -- --stack <local|stack> [--pipeline <p>] [--limit <n>] [--json] [--outputs <file>]`:
 * the most recent pipeline-run records, newest first (ingestion/pipeline_run.py writes them:
 * `runs/<pipeline>/<run_id>.json` in the artifacts bucket; the steps' parts beside them are not listed).
 *
 * - `--stack local`: from `$DP_LOCAL_DIR/artifacts` (default `.local/artifacts`), where `npm run local` writes.
 * - a cloud stack: from its artifacts bucket (the stack's `artifactsBucket` output, tools/ops/stack-targets.ts),
 *   through @google-cloud/storage (Application Default Credentials) or @aws-sdk/client-s3 (the default
 *   chain); the caller needs to list and read `runs/` in that bucket. STORAGE_EMULATOR_HOST (the GCS
 *   client's own) and AWS_ENDPOINT_URL_S3 (the AWS SDK's own) point them at local stand-ins.
 * Exit codes: 0 listed (also when there is none), 1 the bucket could not be read, 2 usage.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runStatus } from "./run-status";
import { parseFlags, stackTargets, UsageError } from "./ops/stack-targets";

const ROOT = path.resolve(__dirname, "..");
const USAGE = "usage: npm run runs -- --stack <local|stack> [--pipeline <pipeline>] [--limit <n, default 20>] [--json] [--outputs <pulumi stack output --json file>]";
/** A pipeline-run record's key: exactly `runs/<pipeline>/<run_id>.json` (parts are one level deeper). */
const RECORD_KEY = /^runs\/([a-z][a-z0-9_]*)\/([A-Za-z0-9][A-Za-z0-9._-]*)\.json$/;

export interface RunRecord {
  pipeline: string;
  run_id: string;
  run_type: string;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  rows?: Record<string, number>;
  models?: Record<string, number>;
  tests?: Record<string, number>;
  failed_step?: string | null;
  error?: string | null;
  updated_at?: string;
}

interface Listed {
  key: string;
  modified: number;
}

/** Where records are read from: a folder (local) or a bucket, listed then read newest first. */
interface RecordSource {
  describe: string;
  list(prefix: string): Promise<Listed[]>;
  read(key: string): Promise<string>;
}

function folderSource(root: string): RecordSource {
  return {
    describe: root,
    async list(prefix) {
      const dir = path.join(root, prefix);
      const out: Listed[] = [];
      const walk = (d: string) => {
        if (!fs.existsSync(d)) return;
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const full = path.join(d, e.name);
          if (e.isDirectory()) walk(full);
          else out.push({ key: path.relative(root, full).split(path.sep).join("/"), modified: fs.statSync(full).mtimeMs });
        }
      };
      walk(dir);
      return out;
    },
    read: async (key) => fs.readFileSync(path.join(root, key), "utf8"),
  };
}

async function gcsSource(bucketName: string): Promise<RecordSource> {
  const { Storage } = await import("@google-cloud/storage");
  const bucket = new Storage().bucket(bucketName);
  return {
    describe: `gs://${bucketName}`,
    async list(prefix) {
      const [files] = await bucket.getFiles({ prefix, autoPaginate: true });
      return files.map((f) => ({ key: f.name, modified: Date.parse(String(f.metadata.updated ?? 0)) || 0 }));
    },
    async read(key) {
      const [data] = await bucket.file(key).download();
      return data.toString("utf8");
    },
  };
}

async function s3Source(bucket: string, region?: string): Promise<RecordSource> {
  const { S3Client, ListObjectsV2Command, GetObjectCommand } = await import("@aws-sdk/client-s3");
  // A custom endpoint is a stand-in or an S3-compatible store: path-style addressing works with all of them.
  const client = new S3Client({ ...(region ? { region } : {}), ...(process.env.AWS_ENDPOINT_URL_S3 ? { forcePathStyle: true } : {}) });
  return {
    describe: `s3://${bucket}`,
    async list(prefix) {
      const out: Listed[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, modified: o.LastModified?.getTime() ?? 0 });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
    async read(key) {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await got.Body?.transformToString("utf8")) ?? "";
    },
  };
}

/** The newest `limit` pipeline-run records (of one pipeline, or all), newest first by start time. */
export async function recentRuns(source: RecordSource, pipeline: string | undefined, limit: number): Promise<RunRecord[]> {
  const listed = (await source.list(pipeline ? `runs/${pipeline}/` : "runs/")).filter((o) => RECORD_KEY.test(o.key));
  // Read the most recently written first (a record is rewritten by each step), then order by start.
  listed.sort((a, b) => b.modified - a.modified);
  const records: RunRecord[] = [];
  for (const o of listed.slice(0, limit)) {
    try {
      records.push(JSON.parse(await source.read(o.key)) as RunRecord);
    } catch (e) {
      throw new Error(`${source.describe}/${o.key}: expected a pipeline-run record (JSON), found ${(e as Error).message}`, { cause: e });
    }
  }
  return records.sort((a, b) => String(b.started_at ?? b.updated_at ?? "").localeCompare(String(a.started_at ?? a.updated_at ?? "")));
}

const seconds = (r: RunRecord) => (r.started_at && r.finished_at ? `${((Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000).toFixed(1)}s` : "-");
const sum = (m?: Record<string, number>) => Object.values(m ?? {}).reduce((n, x) => n + x, 0);

export function formatRuns(records: RunRecord[]): string {
  if (!records.length) return "no runs recorded";
  const rows = records.map((r) => [
    r.started_at ?? "-",
    r.pipeline,
    r.run_id,
    r.run_type,
    runStatus(r.status),
    seconds(r),
    String(sum(r.rows)),
    r.models && Object.keys(r.models).length ? `${r.models.built ?? 0}/${(r.models.built ?? 0) + (r.models.failed ?? 0) + (r.models.skipped ?? 0)}` : "-",
    r.tests && Object.keys(r.tests).length ? `${r.tests.passed ?? 0}/${sum(r.tests)}` : "-",
    r.failed_step
      ? `${r.failed_step}: ${String(r.error ?? "")
          .replace(/\s+/g, " ")
          .slice(0, 160)}`
      : "",
  ]);
  const header = ["started", "pipeline", "run id", "type", "status", "took", "rows", "models", "tests", "failed step"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function main(): Promise<void> {
  try {
    const flags = parseFlags(process.argv.slice(2), { stack: "value", pipeline: "value", limit: "value", json: "switch", outputs: "value", help: "switch" });
    if (flags.help) return void console.log(USAGE);
    if (typeof flags.stack !== "string") throw new UsageError("--stack: expected local or a stack name, found nothing");
    const pipeline = typeof flags.pipeline === "string" ? flags.pipeline : undefined;
    if (pipeline && !/^[a-z][a-z0-9_]*$/.test(pipeline)) throw new UsageError(`--pipeline: expected a lower_snake pipeline name, found ${JSON.stringify(pipeline)}`);
    const limit = flags.limit === undefined ? 20 : Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit: expected a whole number of at least 1, found ${JSON.stringify(flags.limit)}`);
    let source: RecordSource;
    if (flags.stack === "local") {
      source = folderSource(path.join(path.resolve(process.env.DP_LOCAL_DIR ?? path.join(ROOT, ".local")), "artifacts"));
    } else {
      const targets = await stackTargets(ROOT, flags.stack, typeof flags.outputs === "string" ? flags.outputs : undefined);
      const bucket = targets.artifactsBucket.replace(/^(gs|s3):\/\//, "");
      const region = targets.cloud === "aws" ? Object.values(targets.orchestrations)[0]?.split(":")[3] : undefined;
      source = targets.cloud === "gcp" ? await gcsSource(bucket) : await s3Source(bucket, region);
    }
    const records = await recentRuns(source, pipeline, limit);
    console.log(
      flags.json ? JSON.stringify(records, null, 2) : `${formatRuns(records)}\n(${records.length} run(s) from ${source.describe}/runs/${pipeline ? `${pipeline}/` : ""})`,
    );
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(`runs: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
