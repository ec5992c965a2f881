/**
 * The environment's compute and the identity shared by all pipelines: the ECS cluster and the dbt
 * task role. Every other workload role is per pipeline (PipelineRuntime). With `site.readers`, also
 * the site-reader role those principals assume to read the docs and data-quality site.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SITE_PREFIX, type CloudContext } from "../cloud";
import { trustDocument } from "./policy";
import type { DataBucket } from "./lake";
import { ecsTaskTrust, inlinePolicy, lakeKms, role } from "./roles";
import type { AwsScope } from "./scope";

export class Workloads extends pulumi.ComponentResource {
  readonly cluster: aws.ecs.Cluster;
  readonly clusterName: string;
  /** The dbt task role, shared by every pipeline's dbt task (one dbt identity per environment). */
  readonly dbt: aws.iam.Role;
  /** Assumed by `site.readers` to read `site/` of the artifacts bucket; absent without readers. */
  readonly siteReader?: aws.iam.Role;

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
    const readers = [...new Set(ctx.config.site.readers)].sort();
    if (readers.length) {
      this.siteReader = role("site-reader", {
        roleName: ctx.names.env("site-reader"),
        description: "Readers of the docs and data-quality site (site.readers)",
        trust: trustDocument([{ Effect: "Allow", Principal: { AWS: readers }, Action: "sts:AssumeRole" }]),
        tags,
        parent: this,
        permissionsBoundary: args.boundary,
      });
      inlinePolicy("site-reader-site", this.siteReader, "site", [
        { Sid: "ListSite", Action: ["s3:ListBucket"], Resource: [args.artifacts.arn], Condition: { StringLike: { "s3:prefix": [`${SITE_PREFIX}*`] } } },
        { Sid: "ReadSite", Action: ["s3:GetObject"], Resource: [pulumi.interpolate`${args.artifacts.arn}/${SITE_PREFIX}*`] },
        ...lakeKms(ctx.config.lake.kmsKey, ["kms:Decrypt"]),
      ]);
    }
    this.registerOutputs({ cluster: this.cluster.arn, siteReader: this.siteReader?.arn });
  }
}
