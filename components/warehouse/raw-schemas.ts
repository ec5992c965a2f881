/**
 * Where a Fivetran connection writes in RAW, for the dbt job: THE one rule the dbt sources read.
 *
 * It starts from the same two inputs the connection is created with (components/pipeline.ts →
 * FivetranConnection): `destination_schema`, and the config field Fivetran puts it in, chosen by
 * `defaultDestinationSchemaField(service)`. Fivetran's naming (https://fivetran.com/docs/destinations/
 * snowflake, "Schema and table names"; connection `schema_prefix` in the REST API):
 *   - `schema` (SaaS, files, events): everything lands in `<destination_schema>`;
 *   - `schema_prefix` (databases): each source schema `s` lands in `<destination_schema>_<s>`
 *     (postgres `public` → `SHOP_POSTGRES_PUBLIC`).
 * Snowflake folds unquoted identifiers to upper case, so the names are given in upper case.
 */
import { defaultDestinationSchemaField } from "../fivetran";
import type { FivetranSourceSpec } from "../types";

/** Environment variable of the dbt job naming one source schema's landing schema (`DP_FIVETRAN_SCHEMA_PUBLIC`), or the connection's one schema (`DP_FIVETRAN_SCHEMA`). */
export const fivetranSchemaEnvName = (sourceSchema?: string): string => (sourceSchema ? `DP_FIVETRAN_SCHEMA_${sourceSchema.toUpperCase()}` : "DP_FIVETRAN_SCHEMA");

/** The dbt job's env: one variable per schema the connection writes. */
export function fivetranSchemaEnv(src: Pick<FivetranSourceSpec, "service" | "destination_schema" | "schemas">): Record<string, string> {
  const prefix = src.destination_schema.toUpperCase();
  if (defaultDestinationSchemaField(src.service) === "schema") return { [fivetranSchemaEnvName()]: prefix };
  const enabled = Object.entries(src.schemas ?? {})
    .filter(([, s]) => s.enabled)
    .map(([name]) => name);
  if (!enabled.length) {
    // Without the list, the landing schemas are whatever the source database holds: dbt cannot be told.
    // Config validation (stacks/pipeline-spec.ts) refuses such a spec with its file and line; this
    // guards callers that build a spec in code.
    throw new Error(
      `Fivetran ${src.service} connection "${src.destination_schema}": list the source schemas it replicates under fivetran.schemas, so dbt knows where they land (${src.destination_schema}_<schema>)`,
    );
  }
  return Object.fromEntries(enabled.map((s) => [fivetranSchemaEnvName(s), `${prefix}_${s.toUpperCase()}`]));
}
