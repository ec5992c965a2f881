/**
 * The Workflows definition that chains one pipeline's steps: (Fivetran sync →) ingestion job → dbt job.
 * A pure function of plain values, so tests read the generated YAML directly.
 *
 * - Jobs start through the Cloud Run connector (`googleapis.run.v2.projects.locations.jobs.run`,
 *   `skip_polling`), then the workflow polls the execution (`...jobs.executions.get`) until it completes.
 *   Starting needs `run.jobs.run` (and `run.jobs.runWithOverrides`, below) and polling `run.executions.get`, both granted on the job itself.
 * - Retries follow Google's rule for what is safe to repeat. Starting a job and triggering a Fivetran
 *   sync are not idempotent (a repeated start after a lost response launches a second execution), so
 *   they are retried only on 429 and 503 (`http.default_retry_predicate_non_idempotent`: the request
 *   was refused before anything started). Reads (polls) are idempotent and are retried on connection
 *   errors, timeouts, 429 and 5xx (`transient`). `stepRetries` times, with backoff.
 * - Runs of one pipeline never overlap: the first step lists the workflow's active executions, and an
 *   execution that finds an older active one (earlier start, ties broken by execution id) does nothing,
 *   logs a warning and returns `status: skipped` with the execution it yielded to.
 * - A failed job, a failed or overdue Fivetran sync, or a timeout raises: the execution fails, and the
 *   pipeline's alert policy sees it.
 * - Every job of one execution gets the same run id and run type as env overrides in its `jobs.run`
 *   request (`overrides.containerOverrides[].env`: DP_RUN_ID = the workflow execution id, DP_RUN_TYPE
 *   from the input's `trigger`), so the ingestion and dbt run records of a run line up. Cloud Run's own
 *   CLOUD_RUN_EXECUTION differs per job. Overrides need `run.jobs.runWithOverrides` on the job
 *   (roles/run.jobsExecutorWithOverrides, runtime.ts). An unknown trigger fails the run before any step.
 * - Values that are only known at deploy time (Fivetran connection id, secret id) come from the
 *   workflow's `userEnvVars`, so the definition itself is a plain string.
 */
import { stringify } from "yaml";
import { FIVETRAN_SYNC, fivetranEndpoint } from "../../fivetran/sync-protocol";
import { DEFAULT_TRIGGER, RUN_ENV, RUN_TYPES } from "../run-context";

export interface WorkflowSpec {
  pipeline: string;
  region: string;
  /** Cloud Run job names, in order. The ingestion job is absent for Fivetran pipelines. */
  ingestionJob?: string;
  dbtJob: string;
  /** Longest wait for each job's execution, seconds: cloud/rules.ts `jobWaitSeconds` (every attempt's timeout plus slack). */
  ingestionWaitSeconds: number;
  dbtWaitSeconds: number;
  /** Sync the pipeline's Fivetran connection first. */
  fivetran?: { maxWaitSeconds: number };
  /** Retries of a step after a transient failure. */
  stepRetries: number;
}

/** Environment variables the definition reads (`sys.get_env`), set on the workflow. */
export const WORKFLOW_ENV = {
  fivetranConnection: "FIVETRAN_CONNECTION_ID",
  fivetranSecret: "FIVETRAN_API_SECRET_ID",
} as const;

/** Seconds between two polls of a job execution / of the Fivetran connection. */
export const POLL_SECONDS = { job: 30, fivetran: FIVETRAN_SYNC.pollIntervalSeconds } as const;

const FIVETRAN_CONNECTIONS = fivetranEndpoint(FIVETRAN_SYNC.statusPath(""));

export function workflowDefinition(spec: WorkflowSpec): string {
  const backoff = { initial_delay: 10, max_delay: 300, multiplier: 2 };
  const retry: Retries = {
    read: { predicate: "${transient}", max_retries: spec.stepRetries, backoff },
    start: { predicate: "${http.default_retry_predicate_non_idempotent}", max_retries: spec.stepRetries, backoff },
  };
  const steps: Record<string, unknown>[] = [
    {
      init: {
        assign: [
          { project: '${sys.get_env("GOOGLE_CLOUD_PROJECT_ID")}' },
          { location: spec.region },
          { workflow: '${sys.get_env("GOOGLE_CLOUD_WORKFLOW_ID")}' },
          { execution_id: '${sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")}' },
          { trigger: DEFAULT_TRIGGER },
        ],
      },
    },
    // A run started without input (or without `trigger`) is the schedule's; one started by hand says "manual".
    { read_trigger: { switch: [{ condition: '${get_type(input) == "map"}', assign: [{ trigger: `\${default(map.get(input, "trigger"), "${DEFAULT_TRIGGER}")}` }] }] } },
    {
      classify_trigger: {
        switch: Object.entries(RUN_TYPES).map(([trigger, runType]) => ({ condition: `\${trigger == "${trigger}"}`, assign: [{ run_type: runType }], next: "overlap" })),
        next: "unknown_trigger",
      },
    },
    { unknown_trigger: { raise: `\${"unknown trigger " + json.encode_to_string(trigger) + " in the execution input: expected one of ${Object.keys(RUN_TYPES).join(", ")}"}` } },
    {
      overlap: {
        call: "older_active_execution",
        args: { project: "${project}", location: "${location}", workflow: "${workflow}", execution_id: "${execution_id}" },
        result: "running",
      },
    },
    {
      skip_if_running: {
        switch: [
          {
            condition: "${running != null}",
            steps: [
              {
                record_skip: {
                  call: "sys.log",
                  args: {
                    severity: "WARNING",
                    json: { pipeline: spec.pipeline, status: "skipped", reason: "another run of this pipeline is still running", running: "${running}" },
                  },
                },
              },
              { skipped: { return: { pipeline: spec.pipeline, status: "skipped", running: "${running}" } } },
            ],
          },
        ],
      },
    },
  ];
  const result: Record<string, string> = { pipeline: spec.pipeline, status: "succeeded" };
  if (spec.fivetran) {
    steps.push({
      fivetran_sync: {
        call: "fivetran_sync",
        args: {
          project: "${project}",
          connection_id: `\${sys.get_env("${WORKFLOW_ENV.fivetranConnection}")}`,
          secret_id: `\${sys.get_env("${WORKFLOW_ENV.fivetranSecret}")}`,
          max_wait_seconds: spec.fivetran.maxWaitSeconds,
        },
        result: "fivetran",
      },
    });
    result.fivetran_succeeded_at = "${fivetran}";
  }
  if (spec.ingestionJob) {
    steps.push({ ingest: { call: "run_job", args: jobArgs(spec.ingestionJob, spec.ingestionWaitSeconds), result: "ingestion" } });
    result.ingestion = "${ingestion}";
  }
  steps.push({ transform: { call: "run_job", args: jobArgs(spec.dbtJob, spec.dbtWaitSeconds), result: "dbt" } });
  result.dbt = "${dbt}";
  steps.push({ done: { return: result } });

  const doc: Record<string, unknown> = {
    main: { params: ["input"], steps },
    older_active_execution: olderActiveExecution(retry.read),
    run_job: runJob(retry),
    ...(spec.fivetran ? { fivetran_sync: fivetranSync(retry) } : {}),
    transient: transient(),
  };
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

function jobArgs(job: string, maxWait: number) {
  return { project: "${project}", location: "${location}", job, max_wait_seconds: maxWait, run_id: "${execution_id}", run_type: "${run_type}" };
}

/** Retry policies: `read` for idempotent calls, `start` for calls that must not run twice. */
interface Retries {
  read: object;
  start: object;
}

/**
 * The execution id of an older active execution of this workflow, or null. Filtered here as well as in
 * the request, so a list that ignores the filter (or returns finished ones) cannot make a run skip.
 */
function olderActiveExecution(retry: object) {
  const activeOther = '${default(map.get(e, "state"), "") == "ACTIVE" and e.name != my_name}';
  return {
    params: ["project", "location", "workflow", "execution_id"],
    steps: [
      {
        list: {
          try: {
            call: "googleapis.workflowexecutions.v1.projects.locations.workflows.executions.list",
            args: { parent: '${"projects/" + project + "/locations/" + location + "/workflows/" + workflow}', filter: 'state="ACTIVE"', pageSize: 100 },
            result: "page",
          },
          retry,
        },
      },
      {
        prepare: {
          assign: [
            { active: '${default(map.get(page, "executions"), [])}' },
            { my_name: '${"projects/" + project + "/locations/" + location + "/workflows/" + workflow + "/executions/" + execution_id}' },
            // Until this execution is found in the list, it counts as starting now.
            { my_start: "${sys.now()}" },
            { older: null },
          ],
        },
      },
      {
        find_mine: {
          for: {
            value: "e",
            in: "${active}",
            steps: [{ is_mine: { switch: [{ condition: '${e.name == my_name and map.get(e, "startTime") != null}', assign: [{ my_start: "${time.parse(e.startTime)}" }] }] } }],
          },
        },
      },
      {
        find_older: {
          for: {
            value: "e",
            in: "${active}",
            steps: [
              {
                is_older: {
                  switch: [
                    { condition: activeOther.replace("}", " and time.parse(e.startTime) < my_start}"), assign: [{ older: "${e.name}" }] },
                    { condition: activeOther.replace("}", " and time.parse(e.startTime) == my_start and e.name < my_name}"), assign: [{ older: "${e.name}" }] },
                  ],
                },
              },
            ],
          },
        },
      },
      { found: { return: "${older}" } },
    ],
  };
}

function runJob(retry: Retries) {
  return {
    params: ["project", "location", "job", "max_wait_seconds", "run_id", "run_type"],
    steps: [
      {
        start: {
          try: {
            call: "googleapis.run.v2.projects.locations.jobs.run",
            args: {
              name: '${"projects/" + project + "/locations/" + location + "/jobs/" + job}',
              // RunJobRequest.overrides: the job's one container (no name needed) gets the run's id and type.
              body: {
                overrides: {
                  containerOverrides: [
                    {
                      env: [
                        { name: RUN_ENV.id, value: "${run_id}" },
                        { name: RUN_ENV.type, value: "${run_type}" },
                      ],
                    },
                  ],
                },
              },
              connector_params: { skip_polling: true },
            },
            result: "operation",
          },
          retry: retry.start,
        },
      },
      { remember: { assign: [{ execution: "${operation.metadata.name}" }, { started: "${sys.now()}" }] } },
      { wait: { call: "sys.sleep", args: { seconds: POLL_SECONDS.job } } },
      {
        poll: {
          try: { call: "googleapis.run.v2.projects.locations.jobs.executions.get", args: { name: "${execution}" }, result: "state" },
          // A read: also 500 is safe to repeat (http.default_retry would give up on it and fail the run).
          retry: retry.read,
        },
      },
      {
        check: {
          switch: [
            { condition: '${map.get(state, "completionTime") == null}', next: "still_running" },
            { condition: '${default(map.get(state, "succeededCount"), 0) >= default(map.get(state, "taskCount"), 1)}', next: "succeeded" },
          ],
          next: "failed",
        },
      },
      {
        still_running: {
          switch: [{ condition: "${sys.now() - started > max_wait_seconds}", next: "timed_out" }],
          next: "wait",
        },
      },
      { succeeded: { return: "${execution}" } },
      { failed: { raise: '${"job " + job + " failed: execution " + execution + " " + json.encode_to_string(default(map.get(state, "conditions"), []))}' } },
      { timed_out: { raise: '${"job " + job + ": execution " + execution + " did not finish within " + string(max_wait_seconds) + " s"}' } },
    ],
  };
}

function fivetranSync(retry: Retries) {
  const epoch = '"1970-01-01T00:00:00Z"';
  // A literal map in each call: the published Workflows schema takes `headers` only as a map.
  const headers = { Authorization: "${authorization}", Accept: FIVETRAN_SYNC.accept, "Content-Type": "application/json" };
  return {
    params: ["project", "connection_id", "secret_id", "max_wait_seconds"],
    steps: [
      {
        read_credential: {
          call: "googleapis.secretmanager.v1.projects.secrets.versions.accessString",
          args: { project_id: "${project}", secret_id: "${secret_id}", version: "latest" },
          result: "credential",
        },
      },
      {
        prepare: {
          assign: [
            { url: `\${"${FIVETRAN_CONNECTIONS}" + connection_id}` },
            { authorization: '${"Basic " + base64.encode(text.encode(credential))}' },
            { triggered: "${sys.now()}" },
          ],
        },
      },
      {
        trigger: {
          try: { call: "http.post", args: { url: '${url + "/sync"}', headers, body: FIVETRAN_SYNC.triggerBody, timeout: 60 }, result: "accepted" },
          retry: retry.start,
        },
      },
      { wait: { call: "sys.sleep", args: { seconds: POLL_SECONDS.fivetran } } },
      {
        poll: {
          try: { call: "http.get", args: { url: "${url}", headers, timeout: 60 }, result: "status" },
          retry: retry.read,
        },
      },
      {
        read_status: {
          assign: [
            { succeeded_at: `\${default(map.get(status.body.data, "succeeded_at"), ${epoch})}` },
            { failed_at: `\${default(map.get(status.body.data, "failed_at"), ${epoch})}` },
            { setup_state: '${text.to_lower(default(map.get(status.body.data, ["status", "setup_state"]), ""))}' },
          ],
        },
      },
      {
        // FIVETRAN_SYNC.isFailed, then isFinished (test/gcp/fivetran-switch.test.ts runs both on the same cases).
        check: {
          switch: [
            { condition: '${setup_state == "broken"}', next: "connection_broken" },
            { condition: "${time.parse(failed_at) > triggered and time.parse(failed_at) >= time.parse(succeeded_at)}", next: "sync_failed" },
            { condition: "${time.parse(succeeded_at) > triggered}", next: "synced" },
            { condition: "${sys.now() - triggered > max_wait_seconds}", next: "sync_timed_out" },
          ],
          next: "wait",
        },
      },
      { synced: { return: "${succeeded_at}" } },
      { connection_broken: { raise: '${"Fivetran connection " + connection_id + " is broken: fix its setup in Fivetran"}' } },
      { sync_failed: { raise: '${"Fivetran sync of connection " + connection_id + " failed at " + failed_at}' } },
      { sync_timed_out: { raise: '${"Fivetran sync of connection " + connection_id + " did not finish within " + string(max_wait_seconds) + " s"}' } },
    ],
  };
}

/** Retry predicate for idempotent reads: connection problems, timeouts, 429 and 5xx; everything else is not. */
function transient() {
  return {
    params: ["e"],
    steps: [
      { not_a_map: { switch: [{ condition: '${get_type(e) != "map"}', return: false }] } },
      {
        classify: {
          switch: [
            {
              condition:
                '${"ConnectionError" in default(map.get(e, "tags"), []) or "ConnectionFailedError" in default(map.get(e, "tags"), []) or "TimeoutError" in default(map.get(e, "tags"), [])}',
              return: true,
            },
            { condition: '${default(map.get(e, "code"), 0) in [429, 500, 502, 503, 504]}', return: true },
          ],
        },
      },
      { otherwise: { return: false } },
    ],
  };
}
