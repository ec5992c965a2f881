/**
 * What every step of one pipeline run is told about the run, whichever cloud orchestrates it: one run id
 * (the orchestration's execution, so the ingestion and dbt run records of a run share it) and the run's
 * type (from the `trigger` field of the execution's input: the schedules send "schedule"; a person starting
 * a run by hand passes "manual"). One home for the names; each cloud's orchestration renders them in its
 * own language (gcp/workflow.ts, aws/flow.ts), and the Python CLIs read the same variables.
 */

/** Environment variables the orchestration sets on each job it starts (container overrides). */
export const RUN_ENV = { id: "DP_RUN_ID", type: "DP_RUN_TYPE" } as const;

/** The execution input's `trigger` → the run record's `run_type`. No trigger means the schedule's default. */
export const RUN_TYPES = { schedule: "SCHEDULED", manual: "MANUAL" } as const;

export const DEFAULT_TRIGGER = "schedule" satisfies keyof typeof RUN_TYPES;

/** The `trigger` a person's run on demand passes (`npm run trigger`, tools/trigger.ts): recorded as MANUAL. */
export const MANUAL_TRIGGER = "manual" satisfies keyof typeof RUN_TYPES;
