/**
 * One environment on AWS: the CloudEnvironment the platform talks to. It builds the shared parts at
 * once (lake, registry, network, cluster, shared roles, alerts, CI access) and the rest on request
 * (secrets, the lake reader, one PipelineRuntime per pipeline).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CloudContext, CloudEnvironment, LakeReader, PipelineRuntime, PipelineRuntimeArgs, SecretRef, Workload } from "../cloud";
import { Alerts } from "./alerts";
import { WorkloadBoundary } from "./boundary";
import { CiAccess } from "./ci";
import { Lake } from "./lake";
import { createLakeReader, lakeReaderRoleArn, type LakeReaderTrust } from "./lake-reader";
import { Network } from "./network";
import { Registry } from "./registry";
import { AwsPipelineRuntime } from "./runtime";
import { awsScope, type AwsScope } from "./scope";
import { SecretStore, type SecretEntry } from "./secrets";
import { Workloads } from "./workloads";

/** Placeholder the Fivetran connection carries until the stack has the API key (see README). */
const FIVETRAN_UNSET = "unset";

export class AwsEnvironment implements CloudEnvironment {
  readonly rawBucket;
  readonly artifactsBucket;
  readonly registry: Registry;
  /**
   * The role the Snowflake storage integration assumes to read the raw bucket. Its ARN is known before
   * the integration exists (built from the account id and the planned name), which breaks the
   * integration ↔ trust-policy cycle.
   */
  readonly lakeReaderRoleArn: pulumi.Output<string>;
  readonly lakeReader: LakeReader;
  /** Tasks in the stack owner's subnets leave through the owner's NAT, whose addresses go in warehouse.allowedIpRanges. */
  readonly egressCidrs: pulumi.Output<string>[] = [];
  readonly lake: Lake;
  readonly network: Network;
  readonly workloads: Workloads;
  readonly alerts: Alerts;
  readonly ci?: CiAccess;
  readonly boundary: WorkloadBoundary;
  readonly secrets: SecretStore;
  private readonly scope: AwsScope;
  private lakeReaderRole?: aws.iam.Role;
  private connection?: aws.cloudwatch.EventConnection;

  constructor(private readonly ctx: CloudContext) {
    this.scope = awsScope(ctx);
    const parent = { parent: ctx.parent };
    this.boundary = new WorkloadBoundary("boundary", { ctx, scope: this.scope }, parent);
    this.lake = new Lake("lake", { ctx, scope: this.scope }, parent);
    this.rawBucket = this.lake.raw;
    this.artifactsBucket = this.lake.artifacts;
    this.registry = new Registry("registry", { ctx, scope: this.scope }, parent);
    this.network = new Network("network", ctx, parent);
    this.workloads = new Workloads("workloads", { ctx, scope: this.scope, artifacts: this.lake.artifacts, boundary: this.boundary.policy.arn }, parent);
    this.alerts = new Alerts("alerts", { ctx, scope: this.scope }, parent);
    this.secrets = new SecretStore("secrets", ctx, parent);
    if (ctx.config.ci) this.ci = new CiAccess("ci", { ctx, scope: this.scope, repositoryNamespace: ctx.names.env("images"), boundaryArn: this.boundary.policy.arn }, parent);
    this.lakeReaderRoleArn = pulumi.output(lakeReaderRoleArn(ctx, this.scope));
    // Snowflake reads S3 by assuming our role, as an IAM user of its own with an external id.
    this.lakeReader = {
      integration: { storageProvider: "S3", storageAwsRoleArn: this.lakeReaderRoleArn },
      grant: (integration) => this.grantLakeReader({ iamUserArn: integration.storageAwsIamUserArn, externalId: integration.storageAwsExternalId }),
    };
  }

  secret(key: string, value: pulumi.Input<string> | undefined, readers: Workload[], pipeline?: string): SecretRef {
    // Who may read is enforced where it is used: each PipelineRuntime grants its own execution roles and
    // orchestrator exactly the secrets they inject or call with, after checking these readers.
    return this.secrets.create(key, value, readers, pipeline).ref;
  }

  private grantLakeReader(grant: LakeReaderTrust): void {
    if (this.lakeReaderRole) throw new Error("grantLakeReader: the lake reader role is already granted (one storage integration per environment)");
    this.lakeReaderRole = createLakeReader(this.ctx, this.scope, this.lake.raw, grant, this.lake, this.boundary.policy.arn);
  }

  pipeline(args: PipelineRuntimeArgs): PipelineRuntime {
    // Named as the pipeline, like every resource under it, so a renamed pipeline's aliases reach them
    // all (components/pipeline.ts, renameAliases). It was `<pipeline>-runtime`: the alias keeps that.
    return new AwsPipelineRuntime(
      args.pipeline.name,
      args,
      {
        ctx: this.ctx,
        scope: this.scope,
        lake: this.lake,
        network: this.network,
        workloads: this.workloads,
        secrets: this.secrets,
        envAlerts: this.alerts.topic,
        scheduleDeadLetters: this.alerts.scheduleDeadLetters,
        boundary: this.boundary.policy.arn,
        fivetranConnection: (credential) => this.fivetranConnection(credential),
      },
      { parent: args.parent, aliases: [{ name: `${args.pipeline.name}-runtime` }] },
    );
  }

  outputs(): Record<string, pulumi.Input<unknown>> {
    return {
      aws: {
        account: this.scope.account,
        region: this.scope.region,
        cluster: this.workloads.cluster.arn,
        vpc: this.network.vpcId,
        alertsTopic: this.alerts.topic.arn,
        scheduleDeadLetters: this.alerts.scheduleDeadLetters.arn,
        registry: this.registry.url,
        lakeReaderRole: this.lakeReaderRoleArn,
        ...(this.ci ? { ciPreviewRole: this.ci.previewRole.arn, ciDeployRole: this.ci.deployRole.arn } : {}),
      },
    };
  }

  /**
   * The EventBridge connection the state machines call Fivetran through. EventBridge keeps its
   * credential in a Secrets Manager secret of its own (`events!connection/...`), which each Fivetran
   * pipeline's orchestrator role may read. `entry` is the credential the runtime has checked.
   */
  private fivetranConnection(entry: SecretEntry): aws.cloudwatch.EventConnection {
    if (this.connection) return this.connection;
    // Without the key, the connection carries a placeholder; the platform reports the missing key
    // for both clouds (components/platform.ts, components/missing-secret.ts).
    // The platform stores the credential as `<key>:<secret>` (HTTP Basic's user:password).
    const pair = pulumi.output(entry.value ?? `${FIVETRAN_UNSET}:${FIVETRAN_UNSET}`).apply((v) => {
      const i = v.indexOf(":");
      return i < 0 ? { username: v, password: FIVETRAN_UNSET } : { username: v.slice(0, i), password: v.slice(i + 1) };
    });
    this.connection = new aws.cloudwatch.EventConnection(
      "fivetran",
      {
        name: this.ctx.names.env("fivetran"),
        description: "Fivetran REST API (HTTP Basic); the credential lives in the Secrets Manager secret EventBridge manages",
        authorizationType: "BASIC",
        authParameters: { basic: { username: pulumi.secret(pair.username), password: pulumi.secret(pair.password) } },
      },
      { parent: this.secrets },
    );
    return this.connection;
  }
}
