/**
 * One pipeline on AWS: its identities (ingestion task role, execution roles, orchestrator, scheduler),
 * the Fargate task definitions, the log group, the state machine that chains the steps, the schedule
 * that starts it and the alert on failed runs. Every grant names this pipeline's resources only.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { toAwsCron } from "../cron";
import type { PipelineConfig } from "../../types";
import { containerArgs, ingestionPrefixes, runsIngestion, type CloudContext, type PipelineRuntime as Runtime, type PipelineRuntimeArgs } from "../cloud";
import { alertTopic, failedExecutionPattern, succeededExecutionPattern } from "./alerts";
import { FIVETRAN_SYNC, fivetranEndpoint } from "../../fivetran/sync-protocol";
import { SFN_ECS_SYNC_RULE } from "./boundary";
import { flowDefinition } from "./flow";
import type { Lake } from "./lake";
import type { Network } from "./network";
import { serviceTrust, type Statement } from "./policy";
import { ecrPull, ecsTaskTrust, inlinePolicy, lakeKms, role } from "./roles";
import { arns, type AwsScope } from "./scope";
import type { SecretEntry, SecretStore } from "./secrets";
import { containerDefinition, ecrRepositoryArn, fargateSize } from "./task";
import type { Workloads } from "./workloads";
import { pipelineOnlyRecipients, runBudgetSeconds, scheduleStartRetries, successRecipients } from "../rules";

export interface RuntimeDeps {
  ctx: CloudContext;
  scope: AwsScope;
  lake: Lake;
  network: Network;
  workloads: Workloads;
  secrets: SecretStore;
  envAlerts: aws.sns.Topic;
  /** Where each schedule sends a start it could not deliver (Alerts: an alarm mails the environment). */
  scheduleDeadLetters: aws.sqs.Queue;
  /** The workload boundary every role here carries (boundary.ts). */
  boundary: pulumi.Input<string>;
  /** The EventBridge connection holding the Fivetran credential, checked by the runtime (created on first use). */
  fivetranConnection: (credential: SecretEntry) => aws.cloudwatch.EventConnection;
}

const CONTAINERS = { ingestion: "ingestion", dbt: "dbt" } as const;
type Job = keyof typeof CONTAINERS;

export class AwsPipelineRuntime extends pulumi.ComponentResource implements Runtime {
  /** Absent for Fivetran pipelines: no ingestion task and no ingestion identity. */
  readonly ingestionJob?: pulumi.Output<string>;
  readonly dbtJob: pulumi.Output<string>;
  readonly orchestration: pulumi.Output<string>;
  readonly schedule: pulumi.Output<string>;
  readonly stateMachine: aws.sfn.StateMachine;

  private readonly p: PipelineConfig;
  private readonly deps: RuntimeDeps;

  constructor(name: string, args: PipelineRuntimeArgs, deps: RuntimeDeps, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:aws:PipelineRuntime", name, {}, opts);
    const { ctx, scope, network, workloads: w } = deps;
    const p = args.pipeline;
    this.p = p;
    this.deps = deps;
    const tags = ctx.labels(p.name);
    const n = (kind: string) => `${p.name}-${kind}`;

    // Validate before declaring anything: which secrets each task may inject, and the Fivetran wiring.
    const fivetran = args.fivetran;
    const ingest = runsIngestion(p);
    if (!ingest && !fivetran) throw new Error(`pipeline ${p.name}: a Fivetran source needs args.fivetran (connection id and API credential)`);
    const secretsOf = {
      ingestion: ingest ? deps.secrets.readable(args.secretEnv.ingestion, "ingestion", p.name) : [],
      dbt: deps.secrets.readable(args.secretEnv.dbt, "dbt", p.name),
    };
    const credential = fivetran ? deps.secrets.entry(fivetran.apiCredential) : undefined;
    if (fivetran && !credential?.readers.includes("orchestrator"))
      throw new Error(`pipeline ${p.name}: the Fivetran credential must be a secret of this environment readable by the orchestrator`);

    const logGroup = new aws.cloudwatch.LogGroup(n("logs"), { name: this.name("logs"), retentionInDays: ctx.config.logRetentionDays, tags }, { parent: this });

    // Tasks: ingestion (own task role) and dbt (the environment's dbt role), each with its own execution role.
    let ingestTask: aws.ecs.TaskDefinition | undefined;
    const passRoles: aws.iam.Role[] = [];
    if (ingest) {
      const taskRole = this.role("ingest", `ingestion of pipeline ${p.name}: its raw-bucket prefixes and run records`, ecsTaskTrust(scope));
      inlinePolicy(n("ingest-lake"), taskRole, "lake", this.ingestionStatements());
      const exec = this.role("ingest-exec", `ECS execution role of pipeline ${p.name}'s ingestion task`, ecsTaskTrust(scope));
      const grant = this.execPolicy(n("ingest-exec"), exec, args.images.ingestion, "ingestion", secretsOf.ingestion);
      ingestTask = this.task("ingestion", args, { task: taskRole, exec }, [logGroup, grant]);
      passRoles.push(taskRole, exec);
      this.ingestionJob = ingestTask.arnWithoutRevision;
    }
    const dbtExec = this.role("dbt-exec", `ECS execution role of pipeline ${p.name}'s dbt task`, ecsTaskTrust(scope));
    const dbtGrant = this.execPolicy(n("dbt-exec"), dbtExec, args.images.dbt, "dbt", secretsOf.dbt);
    const dbtTask = this.task("dbt", args, { task: w.dbt, exec: dbtExec }, [logGroup, dbtGrant]);
    passRoles.push(w.dbt, dbtExec);
    this.dbtJob = dbtTask.arnWithoutRevision;
    const tasks = [...(ingestTask ? [ingestTask] : []), dbtTask];

    // Orchestrator: this pipeline's state machine may run exactly these tasks, pass exactly these roles
    // and, for Fivetran, call exactly this connection's endpoints.
    const stateMachineArn = arns.stateMachine(scope, this.name("flow"));
    const orchestrator = this.role("orchestrator", `Step Functions flow of pipeline ${p.name}`, serviceTrust("states.amazonaws.com", scope.account, stateMachineArn));
    const connection = credential ? deps.fivetranConnection(credential) : undefined;
    const orchestratorPolicy = inlinePolicy(n("orchestrator"), orchestrator, "flow", [
      {
        Sid: "RunOwnTasks",
        Action: ["ecs:RunTask"],
        // The flow names the family (no revision); ECS authorizes the revision it resolves: both forms.
        Resource: tasks.flatMap((t) => [t.arnWithoutRevision, pulumi.interpolate`${t.arnWithoutRevision}:*`]),
        Condition: { ArnEquals: { "ecs:cluster": arns.cluster(scope, w.clusterName) } },
      },
      { Sid: "WatchTasks", Action: ["ecs:StopTask", "ecs:DescribeTasks"], Resource: [arns.tasks(scope, w.clusterName)] },
      // RunTask with PropagateTags tags the task as it creates it, which ECS authorizes as ecs:TagResource.
      { Sid: "TagOwnTasks", Action: ["ecs:TagResource"], Resource: [arns.tasks(scope, w.clusterName)], Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } } },
      { Sid: "EcsSyncRule", Action: ["events:PutTargets", "events:PutRule", "events:DescribeRule"], Resource: [arns.rule(scope, SFN_ECS_SYNC_RULE)] },
      { Sid: "PassOwnRoles", Action: ["iam:PassRole"], Resource: passRoles.map((r) => r.arn), Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } } },
      ...(fivetran && credential && connection
        ? ([
            {
              Sid: "CallFivetran",
              Action: ["states:InvokeHTTPEndpoint"],
              Resource: [stateMachineArn],
              Condition: {
                StringEquals: { "states:HTTPMethod": ["GET", "POST"] },
                // The status path prefixes the trigger path: one pattern covers both calls.
                StringLike: { "states:HTTPEndpoint": fivetran.connectionId.apply((id) => `${fivetranEndpoint(FIVETRAN_SYNC.statusPath(id))}*`) },
              },
            },
            { Sid: "UseFivetranConnection", Action: ["events:RetrieveConnectionCredentials"], Resource: [connection.arn] },
            { Sid: "ReadFivetranCredential", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [connection.secretArn, credential.secret.arn] },
          ] satisfies Statement[])
        : []),
    ]);
    const definition = pulumi
      .all([
        w.cluster.arn,
        network.tasks.subnets,
        network.tasks.securityGroups,
        ingestTask?.arnWithoutRevision ?? "",
        dbtTask.arnWithoutRevision,
        fivetran?.connectionId ?? "",
        connection?.arn ?? "",
      ])
      .apply(([clusterArn, subnets, securityGroups, ingestArn, dbtArn, connectionId, connectionArn]) =>
        JSON.stringify(
          flowDefinition({
            pipeline: p.name,
            clusterArn,
            network: { subnets, securityGroups, assignPublicIp: network.tasks.assignPublicIp },
            ingestion: ingestTask
              ? { taskDefinition: ingestArn, container: CONTAINERS.ingestion, timeoutSeconds: p.jobs.ingestion.timeoutMinutes * 60, maxRetries: p.jobs.ingestion.maxRetries }
              : undefined,
            dbt: { taskDefinition: dbtArn, container: CONTAINERS.dbt, timeoutSeconds: p.jobs.dbt.timeoutMinutes * 60, maxRetries: p.jobs.dbt.maxRetries },
            fivetran: fivetran ? { connectionId, connectionArn } : undefined,
            stepRetries: ctx.config.orchestration.stepRetries,
            runTimeoutSeconds: runBudgetSeconds(p, { ingestion: ingestTask !== undefined, fivetranSyncSeconds: fivetran ? FIVETRAN_SYNC.timeoutSeconds : undefined }),
          }),
          null,
          2,
        ),
      );
    this.stateMachine = new aws.sfn.StateMachine(
      n("flow"),
      { name: this.name("flow"), type: "STANDARD", roleArn: orchestrator.arn, definition, tags },
      { parent: this, dependsOn: [orchestratorPolicy] },
    );
    this.orchestration = this.stateMachine.arn;

    // Schedule: its role may start this state machine only.
    const scheduler = this.role("scheduler", `EventBridge Scheduler: start pipeline ${p.name}`, serviceTrust("scheduler.amazonaws.com", scope.account));
    const schedulerPolicy = inlinePolicy(n("scheduler"), scheduler, "start-flow", [
      { Sid: "StartOwnFlow", Action: ["states:StartExecution"], Resource: [this.stateMachine.arn] },
      { Sid: "ReportFailedStarts", Action: ["sqs:SendMessage"], Resource: [deps.scheduleDeadLetters.arn] },
    ]);
    const schedule = new aws.scheduler.Schedule(
      n("schedule"),
      {
        name: this.name("schedule"),
        description: `${p.name}: ${p.schedule.cron} (${p.schedule.timezone})${p.schedule.paused ? ", paused" : ""}`,
        scheduleExpression: toAwsCron(p.schedule.cron),
        scheduleExpressionTimezone: p.schedule.timezone,
        flexibleTimeWindow: { mode: "OFF" },
        state: p.schedule.paused ? "DISABLED" : "ENABLED",
        target: {
          arn: this.stateMachine.arn,
          roleArn: scheduler.arn,
          input: JSON.stringify({ pipeline: p.name, trigger: "schedule" }),
          retryPolicy: { maximumRetryAttempts: scheduleStartRetries(ctx.config.orchestration), maximumEventAgeInSeconds: 3600 },
          // A start that still fails is kept and alarmed on, not dropped.
          deadLetterConfig: { arn: deps.scheduleDeadLetters.arn },
        },
      },
      { parent: this, dependsOn: [schedulerPolicy] },
    );
    this.schedule = schedule.arn;

    this.alerts(tags);
    this.registerOutputs({ ingestionJob: this.ingestionJob, dbtJob: this.dbtJob, orchestration: this.orchestration, schedule: this.schedule });
  }

  /** This pipeline's physical name of `kind` (`flow` → `<prefix>-<env>-<pipeline>-flow`); the Namer checks the kind is planned. */
  private name(kind: string): string {
    return this.deps.ctx.names.pipeline(this.p.name, kind);
  }

  /** This pipeline's role of `kind` (logical name `<pipeline>-<kind>`, physical name from the Namer). */
  private role(kind: string, description: string, trust: pulumi.Output<string>): aws.iam.Role {
    return role(`${this.p.name}-${kind}`, {
      roleName: this.name(kind),
      description,
      trust,
      tags: this.deps.ctx.labels(this.p.name),
      parent: this,
      permissionsBoundary: this.deps.boundary,
    });
  }

  /**
   * The ingestion task role: its own raw-bucket prefixes, the landing folder of a filesystem source, and its
   * pipeline's run records in the artifacts bucket (listing them too, so a part not yet written reads as
   * 404 rather than S3's 403 for a missing key without s3:ListBucket).
   */
  private ingestionStatements(): Statement[] {
    const prefixes = ingestionPrefixes(this.p);
    const raw = this.deps.lake.raw.arn;
    const artifacts = this.deps.lake.artifacts.arn;
    return [
      { Sid: "ListRunRecords", Action: ["s3:ListBucket"], Resource: [artifacts], Condition: { StringLike: { "s3:prefix": [prefixes.runRecords, `${prefixes.runRecords}*`] } } },
      { Sid: "WriteRunRecords", Action: ["s3:GetObject", "s3:PutObject"], Resource: [pulumi.interpolate`${artifacts}/${prefixes.runRecords}*`] },
      {
        Sid: "ListOwnPrefixes",
        Action: ["s3:ListBucket"],
        Resource: [raw],
        Condition: { StringLike: { "s3:prefix": [...prefixes.write, ...prefixes.read].flatMap((x) => [x, `${x}*`]) } },
      },
      { Sid: "LocateBucket", Action: ["s3:GetBucketLocation"], Resource: [raw] },
      { Sid: "WriteOwnPrefixes", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: prefixes.write.map((x) => pulumi.interpolate`${raw}/${x}*`) },
      ...(prefixes.read.length ? [{ Sid: "ReadLanding", Action: ["s3:GetObject"], Resource: prefixes.read.map((x) => pulumi.interpolate`${raw}/${x}*`) }] : []),
      ...lakeKms(this.deps.ctx.config.lake.kmsKey, ["kms:GenerateDataKey", "kms:Decrypt"]),
    ];
  }

  /** An execution role's grants: pull its image (when in ECR), write its log streams, inject its secrets. */
  private execPolicy(name: string, target: aws.iam.Role, image: pulumi.Input<string>, job: Job, secrets: SecretEntry[]): aws.iam.RolePolicy {
    const logGroupArn = arns.logGroup(this.deps.scope, this.name("logs"));
    const statements = pulumi.output(image).apply((img): Statement[] => {
      const repo = ecrRepositoryArn(img);
      return [
        ...(repo ? ecrPull([repo]) : []),
        { Sid: "WriteLogs", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${logGroupArn}:log-stream:${CONTAINERS[job]}/*`] },
        ...(secrets.length ? [{ Sid: "InjectSecrets", Action: ["secretsmanager:GetSecretValue"], Resource: secrets.map((e) => e.secret.arn) }] : []),
      ];
    });
    return inlinePolicy(name, target, "task-execution", statements);
  }

  private task(job: Job, args: PipelineRuntimeArgs, roles: { task: aws.iam.Role; exec: aws.iam.Role }, dependsOn: pulumi.Resource[]): aws.ecs.TaskDefinition {
    const p = this.p;
    const size = fargateSize(p.jobs[job]);
    const isIngest = job === "ingestion";
    const kind = isIngest ? "ingest-task" : "dbt-task";
    return new aws.ecs.TaskDefinition(
      `${p.name}-${kind}`,
      {
        family: this.name(kind),
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: size.cpu,
        memory: size.memory,
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        executionRoleArn: roles.exec.arn,
        taskRoleArn: roles.task.arn,
        containerDefinitions: pulumi.jsonStringify([
          containerDefinition({
            name: CONTAINERS[job],
            image: args.images[job],
            command: containerArgs(job, p), // CMD: appended to the image ENTRYPOINT
            environment: args.env[job],
            secrets: Object.fromEntries(Object.entries(args.secretEnv[job]).map(([envName, ref]) => [envName, ref.id])),
            logGroup: this.name("logs"),
            region: this.deps.scope.region,
          }),
        ]),
        tags: this.deps.ctx.labels(p.name),
      },
      // A task must never start before its execution role may pull, log and read its secrets.
      { parent: this, dependsOn },
    );
  }

  /**
   * Failed, timed-out and aborted runs go to the pipeline's failure topic (`notify.onFailure`) and to
   * the environment's; succeeded runs, when `notify.onSuccess` names anyone, to a success topic of their own.
   */
  private alerts(tags: Record<string, string>): void {
    const { ctx, scope } = this.deps;
    const p = this.p;
    const n = (kind: string) => `${p.name}-${kind}`;
    const ownerTopic = alertTopic(
      n("alerts"),
      { topicName: this.name("alerts"), emails: pipelineOnlyRecipients(p, ctx.config.alerts.emails), ruleArnPattern: arns.rule(scope, this.name("failed")), tags, scope },
      this,
    );
    const rule = new aws.cloudwatch.EventRule(
      n("failed"),
      { name: this.name("failed"), description: `failed runs of pipeline ${p.name}`, eventPattern: this.stateMachine.arn.apply(failedExecutionPattern), tags },
      { parent: this },
    );
    const message = {
      inputPaths: { execution: "$.detail.executionArn", status: "$.detail.status", name: "$.detail.name" },
      inputTemplate: `"Pipeline ${p.name} (${ctx.config.environment}): run <name> ended <status>. Execution: <execution>"`,
    };
    for (const [key, topic] of [
      ["owner", ownerTopic],
      ["environment", this.deps.envAlerts],
    ] as const) {
      new aws.cloudwatch.EventTarget(n(`failed-${key}`), { rule: rule.name, arn: topic.arn, inputTransformer: message }, { parent: rule });
    }
    const onSuccess = successRecipients(p);
    if (!onSuccess.length) return;
    const successTopic = alertTopic(
      n("success"),
      { topicName: this.name("success"), emails: onSuccess, ruleArnPattern: arns.rule(scope, this.name("succeeded")), publishes: "successes", tags, scope },
      this,
    );
    const succeeded = new aws.cloudwatch.EventRule(
      n("succeeded"),
      { name: this.name("succeeded"), description: `succeeded runs of pipeline ${p.name}`, eventPattern: this.stateMachine.arn.apply(succeededExecutionPattern), tags },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(n("succeeded-success"), { rule: succeeded.name, arn: successTopic.arn, inputTransformer: message }, { parent: succeeded });
  }
}
