/**
 * The closed value sets (OpenAPI `enum`) of connection config fields, per Fivetran service, for the
 * services this platform configures. Fivetran answers a value outside them with a setup-test failure at
 * best, or keeps it silently (postgres `update_method: XMIN`, an old name of `QUERY_BASED`), so `check`
 * and the pipeline loader refuse it before anything is sent.
 *
 * Copied from Fivetran's OpenAPI definition (`<service>_config_V1.properties.config`), not read from it:
 * the provider runs in Pulumi's provider host, far from the test data. test/fivetran/config-enums.test.ts
 * compares every list with the definition and fails when a pipeline uses a service missing here.
 */

import { isUnknown } from "./values";

type EnumTable = Record<string, Record<string, readonly string[]>>;

const CONNECTION_TYPE = ["Directly", "PrivateLink", "SshTunnel", "ProxyAgent"] as const;
const POSTGRES = {
  auth_method: ["ENTRA_ID", "PASSWORD", "CLIENT_CERTIFICATE", "AWS_IAM"],
  connection_type: CONNECTION_TYPE,
  update_method: ["QUERY_BASED", "WAL_PGOUTPUT"],
} as const;
const FILES = {
  append_file_option: ["upsert_file_with_primary_keys", "upsert_file", "append_file"],
  compression: ["zip", "gz", "tar_gz", "tar", "infer", "gzip", "uncompressed", "bz2", "tar_bz2"],
  file_mapping_method: ["EXTRACT_TABLES", "DEFINE_PER_TABLE"],
  file_type: ["tsv", "xml", "csv", "spreadsheet", "json", "jsonl", "avro", "parquet"],
  json_delivery_mode: ["Packed", "Unpacked"],
  on_error: ["fail", "skip"],
} as const;

export const FIVETRAN_CONFIG_ENUMS: EnumTable = {
  postgres: POSTGRES,
  postgres_rds: POSTGRES,
  s3: { ...FILES, auth_type: ["IAM_ROLE", "PUBLIC_BUCKET", "ACCESS_KEY"], connection_type: CONNECTION_TYPE, list_strategy: ["complete_listing", "time_based_pattern_listing"] },
  gcs: { ...FILES, auth_type: ["FIVETRAN_SERVICE_ACCOUNT", "CUSTOM_SERVICE_ACCOUNT"] },
};

export interface ConfigEnumProblem {
  key: string;
  expected: readonly string[];
  found: unknown;
}

/** Config values outside their field's enum; unknown services and fields without an enum pass. */
export function configEnumProblems(service: string, config: Record<string, unknown>): ConfigEnumProblem[] {
  const enums = FIVETRAN_CONFIG_ENUMS[service] ?? {};
  return Object.entries(enums)
    .filter(([key]) => key in (config ?? {}) && typeof config[key] !== "object" && !isUnknown(config[key]))
    .filter(([key, allowed]) => !allowed.includes(String(config[key])))
    .map(([key, expected]) => ({ key, expected, found: config[key] }));
}

export function describeEnumProblem(service: string, p: ConfigEnumProblem): string {
  return `config.${p.key} for service ${service} must be one of ${p.expected.join(", ")} (Fivetran's API definition); found ${JSON.stringify(p.found)}`;
}
