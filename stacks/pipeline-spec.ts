/**
 * The pipeline spec: one `pipelines/<name>.yaml` per pipeline, the platform teams' interface.
 * `schemas/pipeline.schema.json` is generated from this file (`npm run schema`), never edited by hand.
 */
import { z } from "zod";
import type { PipelineConfig } from "../components/types";
import { configEnumProblems } from "../components/fivetran/config-enums";
import { defaultDestinationSchemaField } from "../components/fivetran/connection-provider";
import { FIVETRAN_SYNC_FREQUENCIES } from "../components/fivetran/regions";
import { cronProblem } from "../components/cloud/cron";

/** Pipeline names are lower_snake: they become part of cloud names (as kebab) and Snowflake names (as UPPER). */
export const PIPELINE_NAME = /^[a-z][a-z0-9_]{1,29}$/;

/** A reference to a secret by name; the value never appears in a pipeline file. */
export const secretRef = z
  .strictObject({
    secret: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, { error: "secret name in lower_snake" })
      .describe("The secret's name in lower_snake; locally its value comes from env DP_SECRET_<PIPELINE>__<NAME> (else DP_SECRET_<NAME>) or .local/secrets.env."),
  })
  .describe(
    "A secret by name. Its value is set with `pulumi config set --secret --path 'data-platform:pipelineSecrets.<pipeline>.<name>'` and reaches the job from the cloud's secret manager.",
  );
export type SecretRef = z.infer<typeof secretRef>;

const url = z.url({ protocol: /^https?$/, error: "an http(s) URL" });
const primaryKey = z.union([z.string(), z.array(z.string())]).describe("Primary key column(s): rows with the same key are merged, and dbt tests them for uniqueness.");
const tableName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { error: "table name in lower_snake" });
const writeDisposition = z
  .enum(["append", "replace", "merge"], { error: 'write_disposition "append", "replace" or "merge"' })
  .describe("How a load writes: append adds rows, replace swaps the table, merge upserts on the primary key.");

const paginator = z
  .looseObject({
    type: z
      .enum(["json_link", "header_link", "auto", "single_page", "cursor", "offset", "page_number"], {
        error: "paginator type (json_link, header_link, auto, single_page, cursor, offset, page_number)",
      })
      .describe("dlt paginator type; single_page when each endpoint returns its whole list at once."),
  })
  .describe("dlt REST paginator; the fields besides `type` are those of the dlt paginator of that type.");

const incremental = z
  .strictObject({
    cursor_path: z.string().min(1).describe("JSON path of the field that grows with each record (e.g. updated_at)."),
    initial_value: z.union([z.string(), z.number()]).optional().describe("Cursor value of the first load."),
    start_param: z.string().min(1).optional().describe("Query parameter that sends the last cursor value to the API."),
  })
  .describe("dlt incremental cursor: only records newer than the last loaded value are requested.");

const queryParams = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).describe("Query parameters sent with every request.");

const restEndpoint = z
  .strictObject({
    path: z.string().min(1).describe("Path under client.base_url; locally the fixture ingestion/sample_data/<pipeline>/<path>.json."),
    params: queryParams.optional(),
    data_selector: z.string().min(1).optional().describe("JSON path of the list of records in the response (dlt guesses when absent)."),
    paginator: paginator.optional(),
    incremental: incremental.optional(),
  })
  .describe("The endpoint a resource reads, when it is not the resource's name.");

const restResource = z
  .union([
    tableName,
    z.strictObject({
      name: tableName.describe("Table the resource loads into (raw_<pipeline>.<name>)."),
      endpoint: z
        .union([z.string().min(1), restEndpoint])
        .optional()
        .describe("Endpoint path, or the endpoint in full; the resource's name when absent."),
      primary_key: primaryKey.optional(),
      write_disposition: writeDisposition.optional(),
    }),
  ])
  .describe("A resource: an endpoint path that is also the table name, or a mapping with name and endpoint.");

const restAuth = z
  .discriminatedUnion(
    "type",
    [
      z.strictObject({ type: z.literal("bearer").describe("Authorization: Bearer <token>."), token: secretRef }),
      z.strictObject({
        type: z.literal("api_key").describe("An API key in a header or query parameter."),
        name: z.string().min(1).describe("Header or query parameter name, e.g. X-API-Key."),
        api_key: secretRef,
        location: z.enum(["header", "query"]).default("header").describe("Where the key goes."),
      }),
      z.strictObject({
        type: z.literal("http_basic").describe("HTTP basic authentication."),
        username: z.string().min(1).describe("User name (not secret)."),
        password: secretRef,
      }),
    ],
    { error: 'auth type "bearer", "api_key" or "http_basic"' },
  )
  .describe("How requests authenticate; secrets by name.");

const restApiSource = z.strictObject({
  type: z.literal("rest_api").describe("An HTTP API, through dlt's declarative REST source."),
  rest_api: z
    .strictObject({
      client: z
        .strictObject({
          base_url: url.describe("Base URL of the API; resources' paths are relative to it. Locally, fixtures replace it."),
          headers: z.record(z.string(), z.string()).optional().describe("Extra request headers (no secrets here: use auth)."),
          auth: restAuth.optional(),
          paginator: paginator.optional(),
        })
        .describe("The HTTP client every resource uses."),
      resource_defaults: z
        .strictObject({
          primary_key: primaryKey.optional(),
          write_disposition: writeDisposition.optional(),
          endpoint: z.strictObject({ params: queryParams.optional(), paginator: paginator.optional() }).optional().describe("Endpoint settings every resource inherits."),
        })
        .optional()
        .describe("Settings every resource inherits unless it sets its own."),
      resources: z.array(restResource).min(1, { error: "at least one resource" }).describe("What to load: one table per resource, in raw_<pipeline>."),
    })
    .describe("dlt's declarative REST source configuration, validated."),
});

const filesystemSource = z.strictObject({
  type: z.literal("filesystem").describe("Files dropped into the raw bucket."),
  filesystem: z
    .strictObject({
      bucket_path: z
        .string()
        .regex(/^[a-z0-9][a-z0-9_\-/]*[a-z0-9]$/, { error: "bucket_path: a folder like landing/orders (no leading or trailing /)" })
        .describe("Folder inside the raw bucket where files are dropped (e.g. landing/orders); locally ingestion/sample_data/<bucket_path>/."),
      file_glob: z.string().min(1).default("*").describe("Which files of the folder to load, e.g. *.csv."),
      format: z.enum(["csv", "jsonl", "parquet"], { error: 'format "csv", "jsonl" or "parquet"' }).describe("File format."),
      table: tableName.describe("Table the files load into (raw_<pipeline>.<table>)."),
      primary_key: primaryKey.optional(),
      write_disposition: writeDisposition.default("append"),
      incremental: z.boolean().default(true).describe("Only load files modified since the last run."),
    })
    .describe("Which files to load, and into which table."),
});

const sqlDatabaseSource = z.strictObject({
  type: z.literal("sql_database").describe("A database read by dlt's sql_database source."),
  sql_database: z
    .strictObject({
      credentials: secretRef.describe("The secret holding the SQLAlchemy URL (it contains the password)."),
      schema: z.string().min(1).optional().describe("Database schema to read; the connection's default when absent."),
      tables: z
        .array(
          z.strictObject({
            name: z.string().min(1).describe("Table name in the database; also the raw table's name."),
            primary_key: primaryKey.optional(),
            incremental: z
              .strictObject({
                cursor_column: z.string().min(1).describe("Column that grows with each change (e.g. updated_at)."),
                initial_value: z.union([z.string(), z.number()]).optional().describe("Cursor value of the first load."),
              })
              .optional()
              .describe("Only rows past the last loaded cursor value."),
            write_disposition: writeDisposition.optional(),
          }),
        )
        .min(1, { error: "at least one table" })
        .describe("Tables to load."),
    })
    .describe("Which database and tables to read."),
});

const fivetranSource = z
  .strictObject({
    type: z.literal("fivetran").describe("A Fivetran connector; Fivetran loads into Snowflake's RAW database (not run locally)."),
    fivetran: z
      .strictObject({
        service: z
          .string()
          .regex(/^[a-z][a-z0-9_]*$/, { error: "Fivetran service id like postgres" })
          .describe("Fivetran connector service id, e.g. postgres, google_ads."),
        destination_schema: z
          .string()
          .regex(/^[a-z][a-z0-9_]{0,62}$/, { error: "destination_schema in lower_snake" })
          .describe("Schema (prefix) in the warehouse's RAW database; permanent once created."),
        config: z
          .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), secretRef]))
          .default({})
          .describe("The connector's own settings (Fivetran's docs for the service); secret values as { secret: name }."),
        sync_frequency: z
          .number()
          .refine((n) => (FIVETRAN_SYNC_FREQUENCIES as readonly number[]).includes(n), { error: `sync_frequency in minutes, one of ${FIVETRAN_SYNC_FREQUENCIES.join(", ")}` })
          .default(1440)
          .describe(`Minutes between Fivetran's own syncs (schedule_type auto): ${FIVETRAN_SYNC_FREQUENCIES.join(", ")}.`),
        daily_sync_time: z
          .string()
          .regex(/^([01]\d|2[0-3]):00$/, { error: 'daily_sync_time on the hour, "00:00" to "23:00"' })
          .optional()
          .describe('Hour of the daily sync, "00:00" to "23:00"; only with sync_frequency 1440.'),
        schedule_type: z
          .enum(["auto", "manual"])
          .default("manual")
          .describe("manual: only the platform's orchestration starts syncs, so loads and dbt stay in step; auto: Fivetran's own schedule."),
        schema_change_handling: z
          .enum(["ALLOW_ALL", "ALLOW_COLUMNS", "BLOCK_ALL"])
          .default("ALLOW_COLUMNS")
          .describe("What Fivetran does with new source schemas, tables and columns."),
        schemas: z
          .record(
            z.string(),
            z
              .strictObject({
                enabled: z.boolean().default(true).describe("Whether the schema syncs."),
                tables: z
                  .record(z.string(), z.strictObject({ enabled: z.boolean().describe("Whether the table syncs.") }))
                  .optional()
                  .describe("Per table: enabled or not."),
              })
              .describe("One source schema."),
          )
          .optional()
          .describe("Which source schemas and tables sync, by name."),
      })
      .describe("The Fivetran connection."),
  })
  .superRefine((s, ctx) => {
    if (s.fivetran.daily_sync_time && s.fivetran.sync_frequency !== 1440) {
      ctx.addIssue({ code: "custom", path: ["fivetran", "daily_sync_time"], message: "daily_sync_time only with sync_frequency: 1440", input: s.fivetran.daily_sync_time });
    }
    // A database connector writes each source schema to its own `<destination_schema>_<schema>`
    // (components/warehouse/raw-schemas.ts), so dbt can be told where the data lands only if the
    // spec names the schemas it replicates.
    if (defaultDestinationSchemaField(s.fivetran.service) === "schema_prefix" && !Object.values(s.fivetran.schemas ?? {}).some((schema) => schema.enabled)) {
      ctx.addIssue({
        code: "custom",
        path: ["fivetran", "schemas"],
        message: `at least one enabled source schema: ${s.fivetran.service} is a database connector, so each schema lands in ${s.fivetran.destination_schema}_<schema> and dbt must be told which`,
        input: s.fivetran.schemas,
      });
    }
    for (const p of configEnumProblems(s.fivetran.service, s.fivetran.config)) {
      ctx.addIssue({
        code: "custom",
        path: ["fivetran", "config", p.key],
        message: `one of ${p.expected.join(", ")} (Fivetran's API definition for ${s.fivetran.service})`,
        input: p.found,
      });
    }
  });

export const sourceSchema = z
  .discriminatedUnion("type", [restApiSource, filesystemSource, sqlDatabaseSource, fivetranSource], {
    error: 'source type "rest_api", "filesystem", "sql_database" or "fivetran"',
  })
  .describe("Where the data comes from: type, then the settings of that type under a key of the same name.");

const cron = z
  .string({ error: "cron as a string" })
  .superRefine((expr, ctx) => {
    const problem = cronProblem(expr);
    if (problem) ctx.addIssue({ code: "custom", message: `a cron expression with ${problem}`, input: expr });
  })
  .describe("Five-field cron (minute hour day-of-month month day-of-week), portable to Cloud Scheduler and EventBridge.");

const timezone = z
  .string()
  .refine(isTimeZone, { error: "an IANA time zone like UTC or Europe/Amsterdam" })
  .describe("IANA time zone the cron is read in, e.g. UTC or Europe/Amsterdam.");
const paused = z.boolean().describe("A paused schedule is declared but does not start runs.");

export const scheduleSchema = z
  .strictObject({
    cron,
    timezone: timezone.default("UTC"),
    paused: paused.default(false),
  })
  .describe("When the pipeline runs: load, then dbt.");

const jobOverride = z
  .strictObject({
    cpu: z
      .union([z.literal(0.25), z.literal(0.5), z.literal(1), z.literal(2), z.literal(4)], { error: "cpu of 0.25, 0.5, 1, 2 or 4 vCPU" })
      .optional()
      .describe("vCPUs: 0.25, 0.5, 1, 2 or 4."),
    memoryGiB: z.number().min(0.5).max(30).optional().describe("Memory in GiB, 0.5 to 30."),
    timeoutMinutes: z.number().int().min(1).max(1440).optional().describe("Minutes before a run is stopped, 1 to 1440."),
    maxRetries: z.number().int().min(0).max(10).optional().describe("Retries of a failed run, 0 to 10."),
  })
  .describe("Overrides of the stack's job size (data-platform:jobs).");
const jobsOverride = z.strictObject({ ingestion: jobOverride.optional(), dbt: jobOverride.optional() }).describe("Job sizes for this pipeline: the ingestion job and the dbt job.");

const recipientList = z.array(z.email({ error: "an e-mail address" }));

/** Who is told about a pipeline's runs. Absent fields keep the default (cloud/rules.ts): the owner on failure, nobody on success. */
export const notifySchema = z
  .strictObject({
    onFailure: recipientList
      .min(1, { error: "at least one address (omit onFailure to tell the owner)" })
      .optional()
      .describe("Who is told when a run fails, besides the stack's alerts.emails (who hear of every failure); the owner when absent."),
    onSuccess: recipientList.optional().describe("Who is told when a run succeeds; nobody when absent, and [] turns success notices off in one environment."),
  })
  .describe("Notification levels: who is told when a run fails and, optionally, when it succeeds.");

const environmentOverride = z
  .strictObject({
    enabled: z.boolean().optional().describe("false: the pipeline is not deployed to this environment at all."),
    schedule: z
      .strictObject({ cron: cron.optional(), timezone: timezone.optional(), paused: paused.optional() })
      .optional()
      .describe("Schedule fields that differ in this environment."),
    jobs: jobsOverride.optional(),
    notify: notifySchema.optional().describe("Notification fields that differ in this environment (each field replaces the pipeline's)."),
  })
  .describe("What differs in one environment.");

export const pipelineSpecSchema = z
  .strictObject({
    $schema: z.string().optional().describe("JSON Schema for editors; the yaml-language-server comment on the first line does the same."),
    name: z
      .string({ error: "name as a string" })
      .regex(PIPELINE_NAME, { error: "name in lower_snake (a-z, 0-9, _), 2-30 characters, starting with a letter" })
      .describe(
        "The file name without .yaml, lower_snake; part of every resource name, so each cloud's name limits bound it (17 characters on GCP with prefix acme-dev; the error says the limit for your stack).",
      ),
    renamedFrom: z
      .string({ error: "renamedFrom as a string" })
      .regex(PIPELINE_NAME, { error: "renamedFrom: the pipeline's previous name, in lower_snake" })
      .optional()
      .describe(
        "The pipeline's previous name, when it was renamed: its deployed resources are adopted under the new name (Pulumi aliases), so the Fivetran connection is kept (no re-sync). Resources whose cloud name contains the pipeline name (jobs, workflow, schedule, secrets, identities) are still replaced. Remove it once every stack has deployed the rename.",
      ),
    description: z.string().min(1, { error: "a one-line description" }).describe("One line: what data this pipeline moves."),
    owner: z.email({ error: "owner as an e-mail address" }).describe("Receives the failure alerts of this pipeline, unless notify.onFailure names others."),
    notify: notifySchema.optional(),
    source: sourceSchema,
    schedule: scheduleSchema,
    transform: z
      .strictObject({ select: z.string().min(1).describe("dbt selection, e.g. tag:<name>+; it must select at least one model or test.") })
      .optional()
      .describe("dbt selection built after each load; defaults to tag:<name>+."),
    jobs: jobsOverride.optional(),
    environments: z
      .record(z.string().regex(/^[a-z][a-z0-9]{0,7}$/, { error: "environment name like dev or prod" }), environmentOverride)
      .default({})
      .describe("Per-environment overrides, keyed by the stack's environment (dev, prod, ...)."),
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

/**
 * A loaded pipeline's source in the shape this schema validated. Components see dlt sources as opaque
 * JSON (components/types.ts); tools that read their settings (tools/local.ts, tools/lineage.ts) ask here.
 */
export function validatedSource<T extends SourceSpec["type"]>(p: PipelineConfig, type: T): Extract<SourceSpec, { type: T }> {
  if (p.source.type !== type) throw new Error(`${p.file}: expected a ${type} source, found ${p.source.type}`);
  return p.source as unknown as Extract<SourceSpec, { type: T }>;
}
