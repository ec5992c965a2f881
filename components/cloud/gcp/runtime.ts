/**
 * PipelineRuntime: one pipeline on Google Cloud. Cloud Run jobs for ingestion and dbt (each running as
 * its own service account), a workflow that chains them (after a Fivetran sync for Fivetran sources,
 * which have no ingestion job: Fivetran loads the data itself), a Cloud Scheduler job that starts the
 * workflow on the pipeline's cron, and alert policies routed to the pipeline's `notify` recipients.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { JobSize, PipelineConfig } from "../../types";
import type { PipelineRuntime, PipelineRuntimeArgs, SecretRef } from "../cloud";
import { overdueAfterSeconds, type Alerts } from "./alerts";
import { cronLongestGapSeconds } from "../cron";
import type { Egress } from "./egress";
import { grantName } from "./iam";
import { cloudRunLimits } from "./limits";
import type { Identities, Identity } from "./identities";
import { containerArgs, runsIngestion } from "../cloud";
import type { GcpScope } from "./scope";
import { FIVETRAN_SYNC } from "../../fivetran/sync-protocol";
import { IamPropagation } from "./propagation";
import type { Secrets } from "./secrets";
import { WORKFLOW_ENV, workflowDefinition } from "./workflow";
import { jobWaitSeconds, runBudgetSeconds, scheduleStartRetries } from "../rules";

/**
 * Check one pipeline's runtime args against the environment before anything is declared: every secret
 * env var must be one of this environment's secrets, readable by the identity of the job that reads it
 * (who reads which secret is decided where the secret is created).
 */
export function validateRuntime(args: PipelineRuntimeArgs, identities: Identities, secrets: Secrets): void {
  const p = args.pipeline;
  const problems: string[] = [];
  const check = (step: string, env: Record<string, SecretRef>, identity: Identity) => {
    for (const [variable, ref] of Object.entries(env)) {
      if (!secrets.has(ref)) problems.push(`${step} ${variable}: secret "${ref.key}" was not created by this environment's secret()`);
      else if (!secrets.canRead(ref, identity)) problems.push(`${step} ${variable}: ${identity.key} may not read secret "${ref.key}"; name its workload in secret(..., readers)`);
    }
  };
  if (runsIngestion(p)) {
    const identity = identities.ingestion.get(p.name);
    if (!identity) problems.push(`no ingestion identity: the pipeline is not in the environment's config`);
    else check("ingestion", args.secretEnv.ingestion, identity);
  }
  check("dbt", args.secretEnv.dbt, identities.dbt);
  if (args.fivetran) check("orchestration", { FIVETRAN_API: args.fivetran.apiCredential }, identities.orchestrator);
  if (p.source.type === "fivetran" && !args.fivetran) problems.push("a Fivetran source needs args.fivetran (connection id and API credential)");
  if (problems.length) throw new pulumi.ResourceError(`gcp: pipeline ${p.name}:\n  ${problems.join("\n  ")}`, args.parent);
}

export interface PipelineRuntimeDeps {
  scope: GcpScope;
  identities: Identities;
  secrets: Secrets;
  alerts: Alerts;
  /** With gcp.staticEgress: the jobs leave through its NAT. */
  egress?: Egress;
}

export class GcpPipelineRuntime extends pulumi.ComponentResource implements PipelineRuntime {
  readonly ingestionJob?: pulumi.Output<string>;
  readonly dbtJob: pulumi.Output<string>;
  readonly orchestration: pulumi.Output<string>;
  readonly schedule: pulumi.Output<string>;

  constructor(
    name: string,
    args: PipelineRuntimeArgs,
    private readonly deps: PipelineRuntimeDeps,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("data-platform:gcp:PipelineRuntime", name, {}, opts);
    const { scope, identities } = deps;
    const { ctx, project, region, apis } = scope;
    const p = args.pipeline;
    const names = ctx.names;

    // Absent for a Fivetran pipeline; validateRuntime made sure every other pipeline has one.
    const ingestIdentity = identities.ingestion.get(p.name);
    const ingestName = names.pipeline(p.name, "ingest-job");
    const dbtName = names.pipeline(p.name, "dbt-job");
    // Cloud Run checks, when it creates or updates a job, that the job's account can read each secret
    // version it names (and that the deployer may act as that account): so each job comes after every
    // version it reads and every grant it needs, and after the time IAM takes to apply them (propagation.ts).
    const readDeps = (secretEnv: Record<string, SecretRef>, identity: Identity) => [
      ...Object.values(secretEnv).flatMap((ref) => deps.secrets.readDependencies(ref, identity)),
      ...identities.deployGrants(identity),
    ];
    const ingestDeps = ingestIdentity ? readDeps(args.secretEnv.ingestion, ingestIdentity) : [];
    const dbtDeps = readDeps(args.secretEnv.dbt, identities.dbt);
    const propagation = new IamPropagation(
      `${p.name}-iam-propagation`,
      { seconds: ctx.config.gcp?.iamPropagationSeconds ?? 0, waitsFor: [...new Set([...ingestDeps, ...dbtDeps])] },
      { parent: this },
    );
    const ingestJob = ingestIdentity
      ? this.job(
          "ingest-job",
          ingestName,
          p,
          p.jobs.ingestion,
          args.images.ingestion,
          containerArgs("ingestion", p),
          args.env.ingestion,
          args.secretEnv.ingestion,
          ingestIdentity,
          [...ingestDeps, propagation],
        )
      : undefined;
    const dbtJob = this.job("dbt-job", dbtName, p, p.jobs.dbt, args.images.dbt, containerArgs("dbt", p), args.env.dbt, args.secretEnv.dbt, identities.dbt, [
      ...dbtDeps,
      propagation,
    ]);
    const jobs = ingestJob ? [ingestName, dbtName] : [dbtName];

    const flowName = names.pipeline(p.name, "flow");
    const flowId = `projects/${project}/locations/${region}/workflows/${flowName}`;
    const workflow = new gcp.workflows.Workflow(
      `${p.name}-flow`,
      {
        project,
        region,
        name: flowName,
        description: `${p.description} (${p.file})`,
        serviceAccount: identities.orchestrator.email,
        sourceContents: workflowDefinition({
          pipeline: p.name,
          region,
          ingestionJob: ingestJob ? ingestName : undefined,
          dbtJob: dbtName,
          ingestionWaitSeconds: jobWaitSeconds(p.jobs.ingestion),
          dbtWaitSeconds: jobWaitSeconds(p.jobs.dbt),
          fivetran: args.fivetran ? { maxWaitSeconds: FIVETRAN_SYNC.timeoutSeconds } : undefined,
          stepRetries: ctx.config.orchestration.stepRetries,
        }),
        // Call logs would carry the Fivetran Authorization header; failures surface through execution metrics.
        callLogLevel: "LOG_NONE",
        userEnvVars: args.fivetran
          ? {
              [WORKFLOW_ENV.fivetranConnection]: args.fivetran.connectionId,
              [WORKFLOW_ENV.fivetranSecret]: args.fivetran.apiCredential.id.apply((id) => id.split("/").pop() ?? id),
            }
          : undefined,
        // Stateless: a workflow is rebuilt from this program, so removing or renaming a pipeline must apply.
        deletionProtection: false,
        labels: ctx.labels(p.name),
      },
      { parent: this, dependsOn: apis.on("workflows") },
    );

    const scheduleName = names.pipeline(p.name, "schedule");
    const schedule = new gcp.cloudscheduler.Job(
      `${p.name}-schedule`,
      {
        project,
        region,
        name: scheduleName,
        description: `Starts ${flowName} (${p.file})`,
        schedule: p.schedule.cron,
        timeZone: p.schedule.timezone,
        paused: p.schedule.paused,
        // Starting an execution is cheap to retry: a failed start created nothing.
        retryConfig: { retryCount: scheduleStartRetries(ctx.config.orchestration), minBackoffDuration: "30s", maxBackoffDuration: "600s" },
        attemptDeadline: "60s",
        httpTarget: {
          httpMethod: "POST",
          uri: `https://workflowexecutions.googleapis.com/v1/${flowId}/executions`,
          body: Buffer.from(JSON.stringify({ argument: JSON.stringify({ pipeline: p.name, trigger: "schedule" }) })).toString("base64"),
          headers: { "Content-Type": "application/json" },
          oauthToken: { serviceAccountEmail: identities.orchestrator.email, scope: "https://www.googleapis.com/auth/cloud-platform" },
        },
      },
      { parent: this, dependsOn: [...apis.on("cloudscheduler", "workflowexecutions"), workflow] },
    );

    deps.alerts.policy(p, flowName, jobs, this);
    deps.alerts.successPolicy(p, flowName, this);
    // A paused schedule starts nothing, so only a running one can be overdue.
    const longestRun = runBudgetSeconds(p, { ingestion: ingestJob !== undefined, fivetranSyncSeconds: args.fivetran ? FIVETRAN_SYNC.timeoutSeconds : undefined });
    const overdue = p.schedule.paused ? undefined : overdueAfterSeconds(cronLongestGapSeconds(p.schedule.cron), longestRun);
    deps.alerts.schedulePolicies(p, flowName, scheduleName, overdue, this);

    this.ingestionJob = ingestJob?.name;
    this.dbtJob = dbtJob.name;
    this.orchestration = pulumi.output(flowId);
    this.schedule = schedule.name;
    this.registerOutputs({ ingestionJob: this.ingestionJob, dbtJob: this.dbtJob, orchestration: this.orchestration, schedule: this.schedule });
  }

  private job(
    key: string,
    name: string,
    p: PipelineConfig,
    size: JobSize,
    image: pulumi.Input<string>,
    commandArgs: string[],
    env: Record<string, pulumi.Input<string>>,
    secretEnv: Record<string, SecretRef>,
    identity: Identity,
    after: pulumi.Resource[],
  ): gcp.cloudrunv2.Job {
    const { ctx, project, region, apis } = this.deps.scope;
    const job = new gcp.cloudrunv2.Job(
      `${p.name}-${key}`,
      {
        project,
        location: region,
        name,
        // Stateless: the job holds no data (its runs' records are in the lake), so it never blocks a plan.
        deletionProtection: false,
        labels: ctx.labels(p.name),
        template: {
          taskCount: 1,
          parallelism: 1,
          labels: ctx.labels(p.name),
          template: {
            serviceAccount: identity.email,
            maxRetries: size.maxRetries,
            timeout: `${size.timeoutMinutes * 60}s`,
            executionEnvironment: "EXECUTION_ENVIRONMENT_GEN2",
            ...(this.deps.egress ? { vpcAccess: this.deps.egress.vpcAccess } : {}),
            containers: [
              {
                image,
                args: commandArgs,
                envs: [
                  ...Object.entries(env).map(([n, value]) => ({ name: n, value })),
                  ...Object.entries(secretEnv).map(([n, ref]) => ({ name: n, valueSource: { secretKeyRef: { secret: ref.id, version: "latest" } } })),
                ],
                resources: { limits: cloudRunLimits(size) },
              },
            ],
          },
        },
      },
      { parent: this, dependsOn: [...apis.on("run"), ...after] },
    );
    // The orchestrator starts this job and follows its execution; nothing else may.
    const logical = `${p.name}-${key}`;
    // Starts with env overrides (the run's DP_RUN_ID/DP_RUN_TYPE, workflow.ts): run.jobs.runWithOverrides,
    // which roles/run.invoker lacks; this role adds only cancelling an execution, never changing the job.
    this.jobGrant(job, logical, "roles/run.jobsExecutorWithOverrides", this.deps.identities.orchestrator);
    this.jobGrant(job, logical, "roles/run.viewer", this.deps.identities.orchestrator);
    if (this.deps.identities.ciPreview) this.jobGrant(job, logical, "roles/run.viewer", this.deps.identities.ciPreview);
    return job;
  }

  private jobGrant(job: gcp.cloudrunv2.Job, logical: string, role: string, to: Identity): gcp.cloudrunv2.JobIamMember {
    const { project, region } = this.deps.scope;
    return new gcp.cloudrunv2.JobIamMember(grantName(logical, role, to), { project, location: region, name: job.name, role, member: to.member }, { parent: this });
  }
}
