/**
 * Fivetran as code, through Pulumi dynamic providers over Fivetran's REST API (no Fivetran package
 * for Pulumi exists on npm). See README.md in this folder for behaviour and credentials.
 *
 * Stable exports for the rest of the platform:
 * - resources: {@link FivetranGroup}, {@link FivetranDestination}, {@link FivetranConnection},
 *   {@link FivetranSchemaConfig}, {@link FivetranConnectionSchedule} (type tokens
 *   `pulumi-nodejs:dynamic/fivetran:<Group|Destination|Connection|SchemaConfig|ConnectionSchedule>`);
 * - providers, whose `check/diff/create/read/update/delete` tests drive directly: `groupProvider`,
 *   `destinationProvider`, `connectionProvider`, `schemaConfigProvider`, `scheduleProvider` (and
 *   `create*Provider` factories taking retry/sleep overrides);
 * - the HTTP client: `createFivetranClient`, `acceptHeaderFor`, errors `isFivetranApiError`/`isNotFound`;
 * - {@link FIVETRAN_SYNC}: the trigger-and-poll protocol the GCP Workflow and AWS Step Functions encode.
 */
export { FivetranGroup, FivetranDestination, FivetranConnection, FivetranSchemaConfig, FivetranConnectionSchedule } from "./resources";
export type { FivetranGroupArgs, FivetranDestinationArgs, FivetranConnectionArgs, FivetranSchemaConfigArgs, FivetranConnectionScheduleArgs } from "./resources";
export { groupProvider, createGroupProvider, type GroupInputs, type GroupOutputs } from "./group-provider";
export { destinationProvider, createDestinationProvider, type DestinationInputs, type DestinationOutputs } from "./destination-provider";
export {
  connectionProvider,
  createConnectionProvider,
  defaultDestinationSchemaField,
  type ConnectionInputs,
  type ConnectionOutputs,
  type DestinationSchemaField,
} from "./connection-provider";
export {
  schemaConfigProvider,
  createSchemaConfigProvider,
  type SchemaConfigInputs,
  type SchemaConfigOutputs,
  type SchemaChangeHandling,
  type SchemaSelection,
} from "./schema-config-provider";
export { scheduleProvider, createScheduleProvider, type ScheduleInputs, type ScheduleOutputs } from "./schedule-provider";
export { createFivetranClient, acceptHeaderFor, parseRetryAfterMs, backoffMs, DEFAULT_RETRY } from "./client";
export type { FivetranClient, FivetranClientOptions, FivetranResponse, HttpMethod } from "./client";
export { isFivetranApiError, isNotFound, type FivetranApiError } from "./errors";
export { FIVETRAN_CONFIG_KEYS, FIVETRAN_ENV, DEFAULT_FIVETRAN_API_URL, type SessionOptions } from "./session";
export { FIVETRAN_SYNC, fivetranEndpoint, type ConnectionSyncStatus } from "./sync-protocol";
export { FIVETRAN_REGIONS, FIVETRAN_TIME_ZONE_OFFSETS, FIVETRAN_SYNC_FREQUENCIES, type FivetranRegion, type FivetranTimeZoneOffset } from "./regions";
export { UNKNOWN } from "./values";
