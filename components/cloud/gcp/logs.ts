/**
 * Log retention (`logRetentionDays`): the project's `_Default` log bucket, where Cloud Run jobs,
 * Workflows and Cloud Scheduler write, keeps logs that many days. Cloud Logging's retention is per log
 * bucket, and each environment has a project of its own, so this sets the project's retention: other
 * workloads in the same project get it too. Declaring the `_Default` bucket adopts it (it always
 * exists); removing it from the stack leaves the bucket and its last retention as they are.
 * Retention beyond 30 days is billed per GiB-month.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { GcpScope } from "./scope";

export class Logs extends pulumi.ComponentResource {
  readonly retention: gcp.logging.ProjectBucketConfig;

  constructor(name: string, scope: GcpScope, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:gcp:Logs", name, {}, opts);
    const { ctx, project, apis } = scope;
    this.retention = new gcp.logging.ProjectBucketConfig(
      "default-log-retention",
      { project, location: "global", bucketId: "_Default", retentionDays: ctx.config.logRetentionDays },
      { parent: this, dependsOn: apis.on("logging") },
    );
    this.registerOutputs({ retentionDays: this.retention.retentionDays });
  }
}
