/**
 * What a setting means, decided once for both clouds. `cloud/gcp/` and `cloud/aws/` translate these
 * plain values into their own resource inputs and decide nothing themselves: a stack moved from one
 * cloud to the other keeps its data as long, mails the same people once, and waits as long for a run.
 * Pure functions of the typed config, so a table test checks both clouds against the same rows
 * (test/stacks/cross-cloud-rules.test.ts).
 */
import type { JobSize, PipelineConfig, PlatformConfig } from "../types";

type LakeConfig = PlatformConfig["lake"];

/**
 * Days before an unfinished multipart (GCS: XML multipart) upload is aborted and its parts deleted.
 * One day: no job runs longer than 24 h (`timeoutMinutes` ≤ 1440) and each upload lasts seconds to
 * minutes, so a day-old upload belongs to no live run; its parts would only be billed.
 */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 1;

/** The lake's buckets, as the platform names them. */
export type LakeBucket = "raw" | "artifacts";

/**
 * Whether a lake bucket keeps replaced and deleted objects as noncurrent versions. Both are: the
 * raw bucket holds loaded data, and the artifacts bucket holds the run records and dbt artifacts an
 * incident is investigated from; on both a faulty run or a mistaken `rm` is undone for
 * `lake.noncurrentVersionDays`. (The AWS access-log bucket is not a lake bucket: its objects are
 * written once by S3 and never overwritten.)
 */
export function lakeVersioned(bucket: LakeBucket): boolean {
  return bucket === "raw" || bucket === "artifacts";
}

/**
 * One lake bucket's retention, in days. An absent field means "never": 0 in the stack config turns
 * the rule off on both clouds (`noncurrentVersionDays: 0` keeps noncurrent versions forever).
 */
export interface LakeRetention {
  /** Raw bucket only: days before objects move to colder storage. */
  coldAfterDays?: number;
  /** Days before current objects expire. */
  expireAfterDays?: number;
  /** Days a noncurrent (replaced or deleted) version is kept. */
  noncurrentVersionDays?: number;
  abortIncompleteUploadDays: number;
}

const days = (n: number): number | undefined => (n > 0 ? n : undefined);

export function lakeRetention(lake: LakeConfig, bucket: LakeBucket): LakeRetention {
  const retention: LakeRetention =
    bucket === "raw"
      ? { coldAfterDays: days(lake.coldAfterDays), expireAfterDays: days(lake.expireAfterDays), abortIncompleteUploadDays: ABORT_INCOMPLETE_UPLOAD_DAYS }
      : { expireAfterDays: days(lake.artifactsExpireAfterDays), abortIncompleteUploadDays: ABORT_INCOMPLETE_UPLOAD_DAYS };
  if (lakeVersioned(bucket)) retention.noncurrentVersionDays = days(lake.noncurrentVersionDays);
  return dropUndefined(retention);
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Normal form of an e-mail address for comparing recipients: mailboxes are matched case-insensitively. */
function mailbox(email: string): string {
  return email.trim().toLowerCase();
}

function unique(emails: readonly string[]): string[] {
  return [...new Set(emails.map(mailbox))];
}

/** Who receives a pipeline's failure alerts: its `notify.onFailure` (the owner by default) and the stack's `alerts.emails`, each once. */
export function alertRecipients(p: Pick<PipelineConfig, "notify">, stackEmails: readonly string[]): string[] {
  return unique([...p.notify.onFailure, ...stackEmails]);
}

/** Who is told when a run of the pipeline succeeds (`notify.onSuccess`), each once; empty means nobody, and no success alert is declared. */
export function successRecipients(p: Pick<PipelineConfig, "notify">): string[] {
  return unique(p.notify.onSuccess);
}

/** The stack's recipients (`alerts.emails`), each once: they receive every pipeline's alerts and the environment's own. */
export function environmentRecipients(stackEmails: readonly string[]): string[] {
  return unique(stackEmails);
}

/**
 * The recipients of a pipeline's failure alerts that the stack's recipients do not already cover (those
 * of `notify.onFailure` not in `alerts.emails`), so each is mailed once. A cloud that delivers through
 * an environment channel plus a pipeline channel (AWS: two SNS topics) subscribes these to the pipeline's channel.
 */
export function pipelineOnlyRecipients(p: Pick<PipelineConfig, "notify">, stackEmails: readonly string[]): string[] {
  const stack = new Set(environmentRecipients(stackEmails));
  return alertRecipients(p, stackEmails).filter((e) => !stack.has(e));
}

/**
 * Seconds each attempt of a job gets on top of its timeout: scheduling, image pull, and the pause
 * before a retry (AWS retries a failed task after a fixed RETRY_PAUSE_SECONDS; Cloud Run at once).
 */
export const ATTEMPT_SLACK_SECONDS = 300;
/** Pause before a failed job is retried, where the orchestrator retries it (AWS Step Functions). */
export const JOB_RETRY_PAUSE_SECONDS = 60;
/** Seconds a whole run gets on top of its steps: transient-error retries and polls between steps. */
export const RUN_SLACK_SECONDS = 3600;

/** Longest one job may take, all its attempts included: how long the orchestration waits for it. */
export function jobWaitSeconds(size: JobSize): number {
  return (size.maxRetries + 1) * (size.timeoutMinutes * 60 + ATTEMPT_SLACK_SECONDS);
}

/**
 * Longest one run of a pipeline may take: its steps' waits in sequence (the Fivetran sync's own
 * bound, or the ingestion job; then dbt) plus RUN_SLACK_SECONDS. AWS bounds the execution by it;
 * GCP's overdue alert waits for it beyond the schedule's longest gap.
 */
export function runBudgetSeconds(p: Pick<PipelineConfig, "jobs">, steps: { ingestion: boolean; fivetranSyncSeconds?: number }): number {
  const first = (steps.ingestion ? jobWaitSeconds(p.jobs.ingestion) : 0) + (steps.fivetranSyncSeconds ?? 0);
  return first + jobWaitSeconds(p.jobs.dbt) + RUN_SLACK_SECONDS;
}

/**
 * Cloud Scheduler accepts at most 5 retries of a failed start (`retryConfig.retryCount` 0-5); AWS
 * EventBridge Scheduler up to 185. Both clouds use the lower bound so a setting means the same.
 */
export const MAX_SCHEDULE_START_RETRIES = 5;

/** Retries of a schedule's failed start (the orchestration could not be started): `orchestration.stepRetries`, capped for both clouds. */
export function scheduleStartRetries(orchestration: PlatformConfig["orchestration"]): number {
  return Math.min(orchestration.stepRetries, MAX_SCHEDULE_START_RETRIES);
}
