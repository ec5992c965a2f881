/**
 * The pipeline spec: one `pipelines/<name>.yaml` per pipeline, the platform teams' interface.
 * `schemas/pipeline.schema.json` is generated from this file (`npm run schema`), never edited by hand.
 */
import { z } from "zod";
import { configEnumProblems } from "../components/fivetran/config-enums";
import { FIVETRAN_SYNC_FREQUENCIES } from "../components/fivetran/regions";
import { cronProblem } from "./cron";

/** Pipeline names are lower_snake: they become part of cloud names (as kebab) and Snowflake names (as UPPER). */
export const PIPELINE_NAME = /^[a-z][a-z0-9_]{1,29}$/;

/** A reference to a secret by name; the value never appears in a pipeline file. */
export const secretRef = z
  .strictObject({ secret: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, { error: "secret name in lower_snake" }) })
  .describe("A secret by name. Its value is set with `pulumi config set --secret --path 'data-platform:pipelineSecrets.<pipeline>.<name>'` and reaches the job from the cloud's secret manager.");
export type SecretRef = z.infer<typeof secretRef>;

const url = z.url({ protocol: /^https?$/, error: "an http(s) URL" });
const tableName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { error: "table name in lower_snake" });
const writeDisposition = z.enum(["append", "replace", "merge"], { error: 'write_disposition "append", "replace" or "merge"' });

const paginator = z
  .looseObject({
    type: z.enum(["json_link", "header_link", "auto", "single_page", "cursor", "offset", "page_number"], {
      error: "paginator type (json_link, header_link, auto, single_page, cursor, offset, page_number)",
    }),
  })
  .describe("dlt REST paginator; the fields besides `type` are those of the dlt paginator of that type.");

const incremental = z
  .strictObject({
    cursor_path: z.string().min(1),
    initial_value: z.union([z.string(), z.number()]).optional(),
    start_param: z.string().min(1).optional(),
  })
  .describe("dlt incremental cursor: only records newer than the last loaded value are requested.");

const restEndpoint = z.strictObject({
  path: z.string().min(1),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  data_selector: z.string().min(1).optional(),
  paginator: paginator.optional(),
  incremental: incremental.optional(),
});

const restResource = z.union([
  tableName,
  z.strictObject({
    name: tableName,
    endpoint: z.union([z.string().min(1), restEndpoint]).optional(),
    primary_key: z.union([z.string(), z.array(z.string())]).optional(),
    write_disposition: writeDisposition.optional(),
  }),
]);

const restAuth = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("bearer"), token: secretRef }),
    z.strictObject({ type: z.literal("api_key"), name: z.string().min(1), api_key: secretRef, location: z.enum(["header", "query"]).default("header") }),
    z.strictObject({ type: z.literal("http_basic"), username: z.string().min(1), password: secretRef }),
  ],
  { error: 'auth type "bearer", "api_key" or "http_basic"' },
);

const restApiSource = z.strictObject({
  type: z.literal("rest_api"),
  rest_api: z.strictObject({
    client: z.strictObject({
      base_url: url,
      headers: z.record(z.string(), z.string()).optional(),
      auth: restAuth.optional(),
      paginator: paginator.optional(),
    }),
    resource_defaults: z
      .strictObject({
        primary_key: z.union([z.string(), z.array(z.string())]).optional(),
        write_disposition: writeDisposition.optional(),
        endpoint: z.strictObject({ params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(), paginator: paginator.optional() }).optional(),
      })
      .optional(),
    resources: z.array(restResource).min(1, { error: "at least one resource" }),
  }),
});

const filesystemSource = z.strictObject({
  type: z.literal("filesystem"),
  filesystem: z.strictObject({
    /** Folder inside the raw bucket where files are dropped (e.g. `landing/orders`). */
    bucket_path: z.string().regex(/^[a-z0-9][a-z0-9_\-/]*[a-z0-9]$/, { error: "bucket_path: a folder like landing/orders (no leading or trailing /)" }),
    file_glob: z.string().min(1).default("*"),
    format: z.enum(["csv", "jsonl", "parquet"], { error: 'format "csv", "jsonl" or "parquet"' }),
    table: tableName,
    primary_key: z.union([z.string(), z.array(z.string())]).optional(),
    write_disposition: writeDisposition.default("append"),
    /** Only load files modified since the last run. */
    incremental: z.boolean().default(true),
  }),
});

const sqlDatabaseSource = z.strictObject({
  type: z.literal("sql_database"),
  sql_database: z.strictObject({
    /** A SQLAlchemy URL, from a secret (it holds the password). */
    credentials: secretRef,
    schema: z.string().min(1).optional(),
    tables: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          primary_key: z.union([z.string(), z.array(z.string())]).optional(),
          incremental: z.strictObject({ cursor_column: z.string().min(1), initial_value: z.union([z.string(), z.number()]).optional() }).optional(),
          write_disposition: writeDisposition.optional(),
        }),
      )
      .min(1, { error: "at least one table" }),
  }),
});


const fivetranSource = z
  .strictObject({
    type: z.literal("fivetran"),
    fivetran: z.strictObject({
      /** Fivetran connector service id, e.g. `postgres`, `google_ads`. */
      service: z.string().regex(/^[a-z][a-z0-9_]*$/, { error: "Fivetran service id like postgres" }),
      /** Schema (prefix) in the warehouse's RAW database; permanent once created. */
      destination_schema: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { error: "destination_schema in lower_snake" }),
      /** Service-specific settings; secret values as `{ secret: name }`. */
      config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), secretRef])).default({}),
      sync_frequency: z
        .number()
        .refine((n) => (FIVETRAN_SYNC_FREQUENCIES as readonly number[]).includes(n), { error: `sync_frequency in minutes, one of ${FIVETRAN_SYNC_FREQUENCIES.join(", ")}` })
        .default(1440),
      daily_sync_time: z.string().regex(/^([01]\d|2[0-3]):00$/, { error: 'daily_sync_time on the hour, "00:00" to "23:00"' }).optional(),
      /** `manual`: only the platform's orchestration starts syncs, so loads and dbt stay in step. */
      schedule_type: z.enum(["auto", "manual"]).default("manual"),
      schema_change_handling: z.enum(["ALLOW_ALL", "ALLOW_COLUMNS", "BLOCK_ALL"]).default("ALLOW_COLUMNS"),
      schemas: z
        .record(z.string(), z.strictObject({ enabled: z.boolean().default(true), tables: z.record(z.string(), z.strictObject({ enabled: z.boolean() })).optional() }))
        .optional(),
    }),
  })
  .superRefine((s, ctx) => {
    if (s.fivetran.daily_sync_time && s.fivetran.sync_frequency !== 1440) {
      ctx.addIssue({ code: "custom", path: ["fivetran", "daily_sync_time"], message: "daily_sync_time only with sync_frequency: 1440", input: s.fivetran.daily_sync_time });
    }
    for (const p of configEnumProblems(s.fivetran.service, s.fivetran.config)) {
      ctx.addIssue({ code: "custom", path: ["fivetran", "config", p.key], message: `one of ${p.expected.join(", ")} (Fivetran's API definition for ${s.fivetran.service})`, input: p.found });
    }
  });

export const sourceSchema = z.discriminatedUnion("type", [restApiSource, filesystemSource, sqlDatabaseSource, fivetranSource], {
  error: 'source type "rest_api", "filesystem", "sql_database" or "fivetran"',
});

const cron = z.string({ error: "cron as a string" }).superRefine((expr, ctx) => {
  const problem = cronProblem(expr);
  if (problem) ctx.addIssue({ code: "custom", message: `a cron expression with ${problem}`, input: expr });
});

const timezone = z.string().refine(isTimeZone, { error: "an IANA time zone like UTC or Europe/Amsterdam" });

export const scheduleSchema = z.strictObject({
  cron,
  timezone: timezone.default("UTC"),
  /** A paused schedule is declared but does not start runs. */
  paused: z.boolean().default(false),
});

const jobOverride = z.strictObject({
  cpu: z.union([z.literal(0.25), z.literal(0.5), z.literal(1), z.literal(2), z.literal(4)], { error: "cpu of 0.25, 0.5, 1, 2 or 4 vCPU" }).optional(),
  memoryGiB: z.number().min(0.5).max(30).optional(),
  timeoutMinutes: z.number().int().min(1).max(1440).optional(),
  maxRetries: z.number().int().min(0).max(10).optional(),
});
const jobsOverride = z.strictObject({ ingestion: jobOverride.optional(), dbt: jobOverride.optional() });

const environmentOverride = z.strictObject({
  /** false: the pipeline is not deployed to this environment at all. */
  enabled: z.boolean().optional(),
  schedule: z.strictObject({ cron: cron.optional(), timezone: timezone.optional(), paused: z.boolean().optional() }).optional(),
  jobs: jobsOverride.optional(),
});

export const pipelineSpecSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string({ error: "name as a string" }).regex(PIPELINE_NAME, { error: "name in lower_snake (a-z, 0-9, _), 2-30 characters, starting with a letter" }),
    description: z.string().min(1, { error: "a one-line description" }),
    /** Receives the failure alerts of this pipeline. */
    owner: z.email({ error: "owner as an e-mail address" }),
    source: sourceSchema,
    schedule: scheduleSchema,
    /** dbt selection built after each load; defaults to `tag:<name>+`. */
    transform: z.strictObject({ select: z.string().min(1) }).optional(),
    jobs: jobsOverride.optional(),
    /** Per-environment overrides, keyed by the stack's `environment`. */
    environments: z.record(z.string().regex(/^[a-z][a-z0-9]{0,7}$/, { error: "environment name like dev or prod" }), environmentOverride).default({}),
  })
  .meta({ title: "data-platform pipeline", description: "One pipeline: its source, schedule, dbt selection and owner." });

export type PipelineSpec = z.infer<typeof pipelineSpecSchema>;
export type SourceSpec = z.infer<typeof sourceSchema>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
