/**
 * Pipeline-run status: one vocabulary for the pipeline-run record (`status` field) and each step's part.
 * QUEUED: started, no step has reported; RUNNING: a step runs or the next has yet to report; then SUCCESS,
 * PARTIAL (dbt: some nodes failed, others built), FAILED or SKIPPED (nothing had to run). The Python
 * modules that write the record (`ingestion/pipeline_run.py`, copied byte for byte to
 * `dbt/dbt_runner/pipeline_run.py`) must list exactly these: `test/local/run-status.test.ts` checks both,
 * so neither the local run nor `npm run runs` can misread a status either side adds or renames.
 */
export const RUN_STATUSES = ["QUEUED", "RUNNING", "SUCCESS", "PARTIAL", "FAILED", "SKIPPED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A record's status, or FAILED when it is missing or not one of the vocabulary. */
export const runStatus = (value: unknown): RunStatus => (RUN_STATUSES.includes(value as RunStatus) ? (value as RunStatus) : "FAILED");
