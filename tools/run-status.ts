/**
 * Run-record status: one vocabulary for the records ingestion and dbt_runner write (`status` field).
 * Ingestion writes SUCCESS / FAILED / SKIPPED (RUNNING only in flight), dbt_runner SUCCESS / PARTIAL /
 * FAILED. The Python modules own the values; `test/local/run-status.test.ts` checks that this list
 * is exactly their union, so the local run cannot misread a status either side adds or renames.
 */
export const RUN_STATUSES = ["RUNNING", "SUCCESS", "PARTIAL", "FAILED", "SKIPPED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A record's status, or FAILED when it is missing or not one of the vocabulary. */
export const runStatus = (value: unknown): RunStatus => (RUN_STATUSES.includes(value as RunStatus) ? (value as RunStatus) : "FAILED");
