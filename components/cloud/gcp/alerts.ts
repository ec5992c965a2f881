/**
 * Alert routing: one e-mail notification channel per address (pipelines' `notify` recipients and the
 * stack's `alerts.emails`), shared by the pipelines that name it; and, per pipeline, an alert policy
 * on failed workflow executions and failed Cloud Run job executions, sent to the pipeline's failure
 * recipients (`notify.onFailure`, the owner by default) and the stack's; and, when the pipeline has
 * `notify.onSuccess`, one on its workflow's succeeded executions, sent to those only.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { PipelineConfig } from "../../types";
import { alertRecipients, successRecipients } from "../rules";
import { shortHash } from "./iam";
import type { GcpScope } from "./scope";

/** Recipients of one pipeline's failure alerts (cloud/rules.ts): `notify.onFailure` and the stack's recipients, each once. */
function recipients(pipeline: Pick<PipelineConfig, "notify">, stackEmails: readonly string[]): string[] {
  return alertRecipients(pipeline, stackEmails);
}

/** Monitoring filter: executions of one workflow that finished with `status` (Workflows' built-in execution metric). */
export function workflowFinishedFilter(workflow: string, status: "FAILED" | "SUCCEEDED"): string {
  return [
    `resource.type = "workflows.googleapis.com/Workflow"`,
    `resource.labels.workflow_id = "${workflow}"`,
    `metric.type = "workflows.googleapis.com/finished_execution_count"`,
    `metric.labels.status = "${status}"`,
  ].join(" AND ");
}

function workflowFailedFilter(workflow: string): string {
  return workflowFinishedFilter(workflow, "FAILED");
}

/** Monitoring filter: failed executions of some Cloud Run jobs, also when started by hand. */
function jobsFailedFilter(jobs: string[]): string {
  return [
    `resource.type = "cloud_run_job"`,
    `resource.labels.job_name = one_of(${jobs.map((j) => `"${j}"`).join(", ")})`,
    `metric.type = "run.googleapis.com/job/completed_execution_count"`,
    `metric.labels.result = "failed"`,
  ].join(" AND ");
}

/** A condition that fires on any execution counted by `filter` within five minutes. */
function anyExecution(displayName: string, filter: string): gcp.types.input.monitoring.AlertPolicyCondition {
  return {
    displayName,
    conditionThreshold: {
      filter,
      comparison: "COMPARISON_GT",
      thresholdValue: 0,
      duration: "0s",
      aggregations: [{ alignmentPeriod: "300s", perSeriesAligner: "ALIGN_DELTA", crossSeriesReducer: "REDUCE_SUM" }],
      trigger: { count: 1 },
    },
  };
}

/**
 * Longest metric-absence window Cloud Monitoring accepts (23 h 30 min, the MetricAbsence `duration` limit
 * of the Monitoring API's AlertPolicy reference). Windows up to this use `conditionAbsent`.
 */
export const MAX_ABSENCE_SECONDS = 23 * 3600 + 1800;

/**
 * Longest lookback of the PromQL overdue condition. Cloud Monitoring documents that PromQL-based
 * alerting policies can "operate over 2 years of data" (cloud.google.com/monitoring/alerts/using-promql),
 * so a window past the absence limit (weekly, monthly, yearly schedules) is watched in PromQL instead.
 */
export const MAX_PROMQL_LOOKBACK_SECONDS = 2 * 365 * 86400;

/**
 * How long without a finished run before a pipeline counts as overdue: the longest gap between two
 * scheduled starts, plus the longest a run may take, plus an hour for time-zone (DST) shifts. Undefined
 * only when even PromQL's two-year lookback cannot hold it twice over (a cron of 29 February alone).
 */
export function overdueAfterSeconds(longestGapSeconds: number, longestRunSeconds: number): number | undefined {
  const window = Math.ceil((longestGapSeconds + longestRunSeconds + 3600) / 60) * 60;
  return window < MAX_PROMQL_LOOKBACK_SECONDS ? window : undefined;
}

/** Workflows' execution metric in PromQL (Monitoring's mapping: first `/` → `:`, other `.` and `/` → `_`). */
function finishedExecutionsPromql(workflow: string, rangeSeconds: number): string {
  return `sum_over_time(workflows_googleapis_com:finished_execution_count{monitored_resource="workflows.googleapis.com/Workflow",workflow_id="${workflow}"}[${rangeSeconds}s])`;
}

/**
 * PromQL: the workflow finished an execution within the last two years, but none within `windowSeconds`.
 * Comparing with a longer lookback (rather than `absent_over_time`) keeps a pipeline that never ran yet,
 * just deployed, from alerting before its first scheduled start; `sum` over a DELTA count is 0 when the
 * service writes zero points, so idle samples do not count as runs.
 */
export function overduePromql(workflow: string, windowSeconds: number): string {
  return `(sum(${finishedExecutionsPromql(workflow, MAX_PROMQL_LOOKBACK_SECONDS)}) > 0) unless (sum(${finishedExecutionsPromql(workflow, windowSeconds)}) > 0)`;
}

/** The overdue condition: a metric absence where Monitoring can watch that long, else PromQL. */
function overdueCondition(pipeline: string, workflow: string, overdueAfterSeconds: number): gcp.types.input.monitoring.AlertPolicyCondition {
  const displayName = `${pipeline}: no finished execution`;
  if (overdueAfterSeconds > MAX_ABSENCE_SECONDS) {
    return {
      displayName,
      // Evaluated every 5 minutes; the window lives in the query, so the condition holds as soon as it is true.
      conditionPrometheusQueryLanguage: { query: overduePromql(workflow, overdueAfterSeconds), duration: "0s", evaluationInterval: "300s" },
    };
  }
  return {
    displayName,
    conditionAbsent: {
      filter: [
        `resource.type = "workflows.googleapis.com/Workflow"`,
        `resource.labels.workflow_id = "${workflow}"`,
        `metric.type = "workflows.googleapis.com/finished_execution_count"`,
      ].join(" AND "),
      duration: `${overdueAfterSeconds}s`,
      aggregations: [{ alignmentPeriod: "300s", perSeriesAligner: "ALIGN_DELTA", crossSeriesReducer: "REDUCE_SUM" }],
      trigger: { count: 1 },
    },
  };
}

/** Logging filter: a Cloud Scheduler job's failed attempts (it could not start the workflow). */
export function schedulerFailedFilter(scheduleJob: string): string {
  return [`resource.type="cloud_scheduler_job"`, `resource.labels.job_id="${scheduleJob}"`, `severity>=ERROR`].join(" AND ");
}

export class Alerts extends pulumi.ComponentResource {
  /** e-mail → channel */
  readonly channels: ReadonlyMap<string, gcp.monitoring.NotificationChannel>;

  constructor(
    name: string,
    private readonly scope: GcpScope,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("data-platform:gcp:Alerts", name, {}, opts);
    const { ctx, project, apis } = scope;
    const emails = new Set<string>();
    for (const p of ctx.config.pipelines) for (const e of [...recipients(p, ctx.config.alerts.emails), ...successRecipients(p)]) emails.add(e);
    this.channels = new Map(
      [...emails]
        .sort()
        .map((email) => [
          email,
          new gcp.monitoring.NotificationChannel(
            `email-${shortHash(email)}`,
            { project, type: "email", displayName: `${ctx.names.base}: ${email}`, labels: { email_address: email }, userLabels: ctx.labels() },
            { parent: this, dependsOn: apis.on("monitoring") },
          ),
        ]),
    );
    this.registerOutputs({ channels: [...emails] });
  }

  /**
   * A pipeline's schedule did not start its workflow (Cloud Scheduler logs each failed attempt at ERROR),
   * or, with `overdueAfterSeconds`, no run of the workflow finished for that long: the schedule was
   * paused, deleted or broken outside the stack, or runs hang. Both go to the pipeline's recipients.
   */
  schedulePolicies(
    pipeline: PipelineConfig,
    workflow: string,
    scheduleJob: string,
    overdueAfterSeconds: number | undefined,
    parent: pulumi.Resource,
  ): gcp.monitoring.AlertPolicy[] {
    const { ctx, project, apis } = this.scope;
    const to = this.to(pipeline, parent);
    const common = { project, notificationChannels: to, userLabels: ctx.labels(pipeline.name) };
    const policies = [
      new gcp.monitoring.AlertPolicy(
        `${pipeline.name}-not-started`,
        {
          ...common,
          displayName: `${ctx.names.base} pipeline ${pipeline.name}: schedule failed to start it`,
          combiner: "OR",
          severity: "ERROR",
          conditions: [{ displayName: `${pipeline.name}: scheduler attempt failed`, conditionMatchedLog: { filter: schedulerFailedFilter(scheduleJob) } }],
          // Log-match policies must rate-limit their notifications.
          alertStrategy: { notificationRateLimit: { period: "3600s" }, autoClose: "86400s" },
          documentation: {
            mimeType: "text/markdown",
            subject: `Pipeline ${pipeline.name} was not started in ${ctx.config.environment}`,
            content: `Cloud Scheduler job \`${scheduleJob}\` failed to start workflow \`${workflow}\` (${pipeline.file}). See its attempts: \`gcloud logging read 'resource.type="cloud_scheduler_job" AND resource.labels.job_id="${scheduleJob}"' --limit 5\`.`,
          },
        },
        { parent, dependsOn: apis.on("monitoring", "logging") },
      ),
    ];
    if (overdueAfterSeconds !== undefined) {
      policies.push(
        new gcp.monitoring.AlertPolicy(
          `${pipeline.name}-overdue`,
          {
            ...common,
            displayName: `${ctx.names.base} pipeline ${pipeline.name}: no run finished for ${Math.round(overdueAfterSeconds / 360) / 10} h`,
            combiner: "OR",
            severity: "ERROR",
            conditions: [overdueCondition(pipeline.name, workflow, overdueAfterSeconds)],
            alertStrategy: { autoClose: "86400s" },
            documentation: {
              mimeType: "text/markdown",
              subject: `Pipeline ${pipeline.name} has not run in ${ctx.config.environment}`,
              content: `No execution of \`${workflow}\` finished within ${overdueAfterSeconds} s (the schedule's longest gap plus the longest run). Check schedule \`${scheduleJob}\` (paused? deleted?) and running executions: \`gcloud workflows executions list ${workflow} --location ${this.scope.region}\`.`,
            },
          },
          { parent, dependsOn: apis.on("monitoring") },
        ),
      );
    }
    return policies;
  }

  private to(pipeline: PipelineConfig, parent: pulumi.Resource, emails = recipients(pipeline, this.scope.ctx.config.alerts.emails)): pulumi.Output<string>[] {
    return emails.map((e) => {
      const channel = this.channels.get(e);
      if (!channel) throw new pulumi.ResourceError(`gcp: no notification channel for ${e}`, parent);
      return channel.name;
    });
  }

  /** The alert policy of one pipeline, declared under `parent`. */
  policy(pipeline: PipelineConfig, workflow: string, jobs: string[], parent: pulumi.Resource): gcp.monitoring.AlertPolicy {
    const { ctx, project, apis } = this.scope;
    const to = this.to(pipeline, parent);
    return new gcp.monitoring.AlertPolicy(
      `${pipeline.name}-failed`,
      {
        project,
        displayName: `${ctx.names.base} pipeline ${pipeline.name} failed`,
        combiner: "OR",
        severity: "ERROR",
        conditions: [
          anyExecution(`${pipeline.name}: workflow execution failed`, workflowFailedFilter(workflow)),
          anyExecution(`${pipeline.name}: job execution failed`, jobsFailedFilter(jobs)),
        ],
        alertStrategy: { autoClose: "1800s" },
        notificationChannels: to,
        documentation: {
          mimeType: "text/markdown",
          subject: `Pipeline ${pipeline.name} failed in ${ctx.config.environment}`,
          content: [
            `Pipeline **${pipeline.name}** (${pipeline.file}, owner ${pipeline.owner}) failed in **${ctx.config.environment}**.`,
            `Workflow \`${workflow}\`; jobs ${jobs.map((j) => `\`${j}\``).join(", ")}.`,
            `Open the workflow's executions in the console, or: \`gcloud workflows executions list ${workflow} --location ${this.scope.region}\`.`,
          ].join("\n\n"),
        },
        userLabels: ctx.labels(pipeline.name),
      },
      { parent, dependsOn: apis.on("monitoring") },
    );
  }

  /**
   * The pipeline's success notice, when `notify.onSuccess` names anyone: a policy on the workflow's
   * succeeded executions (the same built-in metric as the failure policy), mailed to those recipients
   * only. No severity: Monitoring's are CRITICAL, ERROR and WARNING, none of which a success is. The
   * incident closes itself after 30 minutes, so each run's success opens a new one.
   */
  successPolicy(pipeline: PipelineConfig, workflow: string, parent: pulumi.Resource): gcp.monitoring.AlertPolicy | undefined {
    const emails = successRecipients(pipeline);
    if (!emails.length) return undefined;
    const { ctx, project, apis } = this.scope;
    return new gcp.monitoring.AlertPolicy(
      `${pipeline.name}-succeeded`,
      {
        project,
        displayName: `${ctx.names.base} pipeline ${pipeline.name} succeeded`,
        combiner: "OR",
        conditions: [anyExecution(`${pipeline.name}: workflow execution succeeded`, workflowFinishedFilter(workflow, "SUCCEEDED"))],
        alertStrategy: { autoClose: "1800s" },
        notificationChannels: this.to(pipeline, parent, emails),
        documentation: {
          mimeType: "text/markdown",
          subject: `Pipeline ${pipeline.name} succeeded in ${ctx.config.environment}`,
          content: `Pipeline **${pipeline.name}** (${pipeline.file}) finished a run in **${ctx.config.environment}**: workflow \`${workflow}\`.`,
        },
        userLabels: ctx.labels(pipeline.name),
      },
      { parent, dependsOn: apis.on("monitoring") },
    );
  }
}
