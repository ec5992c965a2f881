/**
 * Alert routing: one e-mail notification channel per address (pipeline owners and the stack's
 * `alerts.emails`), shared by the pipelines that name it; and, per pipeline, a log-based alert policy
 * on failed workflow executions and failed Cloud Run job executions, sent to the pipeline's owner and
 * the stack's recipients.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { PipelineConfig } from "../../types";
import { shortHash } from "./iam";
import type { GcpScope } from "./scope";

/** Recipients of one pipeline's alerts: its owner, then the stack's recipients, without duplicates. */
function recipients(pipeline: Pick<PipelineConfig, "owner">, stackEmails: readonly string[]): string[] {
  return [...new Set([pipeline.owner, ...stackEmails].map((e) => e.toLowerCase()))];
}

/** Monitoring filter: failed executions of one workflow (Workflows' built-in execution metric). */
function workflowFailedFilter(workflow: string): string {
  return [
    `resource.type = "workflows.googleapis.com/Workflow"`,
    `resource.labels.workflow_id = "${workflow}"`,
    `metric.type = "workflows.googleapis.com/finished_execution_count"`,
    `metric.labels.status = "FAILED"`,
  ].join(" AND ");
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

/** A condition that fires on any failure counted by `filter` within five minutes. */
function anyFailure(displayName: string, filter: string): gcp.types.input.monitoring.AlertPolicyCondition {
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

export class Alerts extends pulumi.ComponentResource {
  /** e-mail → channel */
  readonly channels: ReadonlyMap<string, gcp.monitoring.NotificationChannel>;

  constructor(name: string, private readonly scope: GcpScope, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:gcp:Alerts", name, {}, opts);
    const { ctx, project, apis } = scope;
    const emails = new Set<string>();
    for (const p of ctx.config.pipelines) for (const e of recipients(p, ctx.config.alerts.emails)) emails.add(e);
    this.channels = new Map(
      [...emails].sort().map((email) => [
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

  /** The alert policy of one pipeline, declared under `parent`. */
  policy(pipeline: PipelineConfig, workflow: string, jobs: string[], parent: pulumi.Resource): gcp.monitoring.AlertPolicy {
    const { ctx, project, apis } = this.scope;
    const to = recipients(pipeline, ctx.config.alerts.emails).map((e) => {
      const channel = this.channels.get(e);
      if (!channel) throw new pulumi.ResourceError(`gcp: no notification channel for ${e}`, parent);
      return channel.name;
    });
    return new gcp.monitoring.AlertPolicy(
      `${pipeline.name}-failed`,
      {
        project,
        displayName: `${ctx.names.base} pipeline ${pipeline.name} failed`,
        combiner: "OR",
        severity: "ERROR",
        conditions: [
          anyFailure(`${pipeline.name}: workflow execution failed`, workflowFailedFilter(workflow)),
          anyFailure(`${pipeline.name}: job execution failed`, jobsFailedFilter(jobs)),
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
}
