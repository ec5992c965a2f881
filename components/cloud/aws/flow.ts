/**
 * The Step Functions definition (JSONata) that runs one pipeline: either ingestion task → dbt task
 * (ECS RunTask `.sync`), or Fivetran sync → poll until finished → dbt task. Pure: plain values in,
 * a definition object out, so tests read it directly.
 *
 * Retries: transient infrastructure errors (ECS API/capacity, Fivetran 429/5xx, sockets) are retried
 * `stepRetries` times with backoff; a task whose container failed is retried `job.maxRetries` times,
 * each after JOB_RETRY_PAUSE_SECONDS (cloud/rules.ts budgets that pause into every attempt).
 */
import { FIVETRAN_SYNC, fivetranEndpoint } from "../../fivetran/sync-protocol";
import { JOB_RETRY_PAUSE_SECONDS } from "../rules";
import { DEFAULT_TRIGGER, RUN_ENV, RUN_TYPES } from "../run-context";

export interface FlowTask {
  /**
   * The task definition's family ARN, without a revision: each step runs the family's latest ACTIVE
   * revision, so a run in flight during a deploy starts its next step on the new revision instead of
   * failing on the revision the deploy deregistered.
   */
  taskDefinition: string;
  container: string;
  timeoutSeconds: number;
  maxRetries: number;
}

export interface FlowSpec {
  pipeline: string;
  clusterArn: string;
  network: { subnets: string[]; securityGroups: string[]; assignPublicIp: boolean };
  /** Absent for Fivetran pipelines: Fivetran loads them. */
  ingestion?: FlowTask;
  dbt: FlowTask;
  fivetran?: { connectionId: string; connectionArn: string };
  stepRetries: number;
  /** Bound on the whole execution (cloud/rules.ts `runBudgetSeconds`), so a stuck poll or task never runs forever. */
  runTimeoutSeconds: number;
}

/**
 * Errors worth retrying on an ECS RunTask `.sync` step. Step Functions names an ECS API error
 * `ECS.<exception>` after the exceptions RunTask declares (botocore's ECS model: `ServerException` is
 * ECS's internal error; it declares no throttling or limit exception), `ECS.AmazonECSException` for one
 * it does not model, and `AmazonECS.Unknown` when RunTask answers with `failures` instead of a task,
 * which is how Fargate reports missing capacity ("Capacity is unavailable at this time").
 */
export const ECS_TRANSIENT_ERRORS = ["ECS.ServerException", "ECS.AmazonECSException", "AmazonECS.Unknown"];
/** Errors worth retrying on a Fivetran API call. */
export const HTTP_TRANSIENT_ERRORS = [
  "States.Http.Socket",
  "States.Http.StatusCode.429",
  "States.Http.StatusCode.500",
  "States.Http.StatusCode.502",
  "States.Http.StatusCode.503",
  "States.Http.StatusCode.504",
];

type State = Record<string, unknown>;

function transientRetry(errors: string[], attempts: number): State[] {
  return attempts > 0 ? [{ ErrorEquals: errors, IntervalSeconds: 30, MaxAttempts: attempts, BackoffRate: 2, JitterStrategy: "FULL" }] : [];
}

function runTask(spec: FlowSpec, task: FlowTask, next: string | undefined): State {
  if (/:\d+$/.test(task.taskDefinition))
    throw new Error(`pipeline ${spec.pipeline}: task definition ${task.taskDefinition} pins a revision; the flow needs the family ARN (a deploy deregisters old revisions)`);
  return {
    Type: "Task",
    Resource: "arn:aws:states:::ecs:runTask.sync",
    Arguments: {
      Cluster: spec.clusterArn,
      TaskDefinition: task.taskDefinition,
      LaunchType: "FARGATE",
      PlatformVersion: "LATEST",
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          Subnets: spec.network.subnets,
          SecurityGroups: spec.network.securityGroups,
          AssignPublicIp: spec.network.assignPublicIp ? "ENABLED" : "DISABLED",
        },
      },
      // Both tasks of one execution share its run id (the execution name) and type, so run records line up.
      Overrides: {
        ContainerOverrides: [
          {
            Name: task.container,
            Environment: [
              { Name: RUN_ENV.id, Value: "{% $states.context.Execution.Name %}" },
              { Name: RUN_ENV.type, Value: RUN_TYPE },
            ],
          },
        ],
      },
      // Tags the task at creation: the orchestrator needs ecs:TagResource on its tasks (runtime.ts).
      PropagateTags: "TASK_DEFINITION",
    },
    TimeoutSeconds: task.timeoutSeconds,
    Retry: [
      ...transientRetry(ECS_TRANSIENT_ERRORS, spec.stepRetries),
      ...(task.maxRetries > 0 ? [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: JOB_RETRY_PAUSE_SECONDS, MaxAttempts: task.maxRetries, BackoffRate: 1 }] : []),
    ],
    ...(next ? { Next: next } : { End: true }),
  };
}

function fivetranCall(spec: FlowSpec, method: "GET" | "POST", path: string): State {
  const f = spec.fivetran!;
  return {
    Type: "Task",
    Resource: "arn:aws:states:::http:invoke",
    Arguments: {
      ApiEndpoint: fivetranEndpoint(path),
      Method: method,
      // The credential stays in Secrets Manager: the EventBridge connection stores it and signs the call.
      Authentication: { ConnectionArn: f.connectionArn },
      Headers: { Accept: FIVETRAN_SYNC.accept },
      ...(method === "POST" ? { RequestBody: FIVETRAN_SYNC.triggerBody } : {}),
    },
    Retry: transientRetry(HTTP_TRANSIENT_ERRORS, spec.stepRetries),
  };
}

/** JSONata: milliseconds of a Fivetran timestamp, 0 when it is null or absent. */
const MS = "$ms := function($t) { $type($t) = 'string' ? $toMillis($t) : 0 }";
/**
 * The run type from the execution input's `trigger` (absent: the schedule's). The execution's own input,
 * not the state's, which earlier states replace. An unknown trigger fails the first task's state
 * (States.QueryEvaluationError) before any task starts.
 */
const RUN_TYPE = `{% ($t := $exists($states.context.Execution.Input.trigger) ? $states.context.Execution.Input.trigger : "${DEFAULT_TRIGGER}"; ${Object.entries(RUN_TYPES)
  .map(([trigger, runType]) => `$t = "${trigger}" ? "${runType}" : `)
  .join("")}$error("unknown trigger " & $string($t) & " in the execution input: expected one of ${Object.keys(RUN_TYPES).join(", ")}")) %}`;

/** FIVETRAN_SYNC.isFailed, in JSONata over the polled connection (`$states.input`) and `$triggeredAt`. */
const SYNC_FAILED = `{% (${MS}; $since := $toMillis($triggeredAt); $lowercase($string($states.input.status.setup_state)) = 'broken' or ($ms($states.input.failed_at) > $since and $ms($states.input.failed_at) >= $ms($states.input.succeeded_at))) %}`;
/** FIVETRAN_SYNC.isFinished (and not failed: that choice comes first). */
const SYNC_SUCCEEDED = `{% (${MS}; $ms($states.input.succeeded_at) > $toMillis($triggeredAt)) %}`;

export function flowDefinition(spec: FlowSpec): Record<string, unknown> {
  const states: Record<string, State> = {};
  let start: string;
  if (spec.fivetran) {
    const id = spec.fivetran.connectionId;
    start = "FivetranSync";
    states.FivetranSync = {
      ...fivetranCall(spec, "POST", FIVETRAN_SYNC.triggerPath(id)),
      Assign: { triggeredAt: "{% $states.context.State.EnteredTime %}" },
      Next: "WaitForSync",
    };
    states.WaitForSync = { Type: "Wait", Seconds: FIVETRAN_SYNC.pollIntervalSeconds, Next: "PollSync" };
    states.PollSync = { ...fivetranCall(spec, "GET", FIVETRAN_SYNC.statusPath(id)), Output: "{% $states.result.ResponseBody.data %}", Next: "SyncDone" };
    states.SyncDone = {
      Type: "Choice",
      Choices: [
        { Condition: SYNC_FAILED, Next: "SyncFailed" },
        { Condition: SYNC_SUCCEEDED, Next: "Transform" },
      ],
      Default: "WaitForSync",
    };
    states.SyncFailed = { Type: "Fail", Error: "Fivetran.SyncFailed", Cause: `Fivetran sync of connection ${id} failed or the connection is broken` };
  } else {
    if (!spec.ingestion) throw new Error(`pipeline ${spec.pipeline}: the flow needs an ingestion task or a Fivetran connection`);
    start = "Ingest";
    states.Ingest = runTask(spec, spec.ingestion, "Transform");
  }
  states.Transform = runTask(spec, spec.dbt, undefined);
  return {
    Comment: `data platform pipeline ${spec.pipeline}`,
    QueryLanguage: "JSONata",
    StartAt: start,
    TimeoutSeconds: spec.runTimeoutSeconds,
    States: states,
  };
}
