/**
 * The environment's compute and the identity shared by all pipelines: the ECS cluster and the dbt
 * task role. Every other workload role is per pipeline (PipelineRuntime).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CloudContext } from "../cloud";
import type { DataBucket } from "./lake";
import { ecsTaskTrust, inlinePolicy, lakeKms, role } from "./roles";
import type { AwsScope } from "./scope";

export class Workloads extends pulumi.ComponentResource {
  readonly cluster: aws.ecs.Cluster;
  readonly clusterName: string;
  /** The dbt task role, shared by every pipeline's dbt task (one dbt identity per environment). */
  readonly dbt: aws.iam.Role;

  constructor(name: string, args: { ctx: CloudContext; scope: AwsScope; artifacts: DataBucket; boundary: pulumi.Input<string> }, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:aws:Workloads", name, {}, opts);
    const { ctx, scope } = args;
    const tags = ctx.labels();
    this.clusterName = ctx.names.env("cluster");
    this.cluster = new aws.ecs.Cluster(
      "cluster",
      { name: this.clusterName, settings: [{ name: "containerInsights", value: ctx.config.production ? "enabled" : "disabled" }], tags },
      { parent: this },
    );

    this.dbt = role("dbt", {
      roleName: ctx.names.env("dbt"),
      description: "dbt tasks: write artifacts",
      trust: ecsTaskTrust(scope),
      tags,
      parent: this,
      permissionsBoundary: args.boundary,
    });
    inlinePolicy("dbt-artifacts", this.dbt, "artifacts", [
      { Sid: "ListArtifacts", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [args.artifacts.arn] },
      { Sid: "ReadWriteArtifacts", Action: ["s3:GetObject", "s3:PutObject"], Resource: [pulumi.interpolate`${args.artifacts.arn}/*`] },
      ...lakeKms(ctx.config.lake.kmsKey, ["kms:GenerateDataKey", "kms:Decrypt"]),
    ]);
    this.registerOutputs({ cluster: this.cluster.arn });
  }
}
