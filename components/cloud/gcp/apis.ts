/**
 * The Google APIs the platform calls, enabled by the stack. `disableOnDestroy: false`: destroying one
 * environment must not switch off an API that other things in the project rely on.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/** Short key → service. Each resource depends on the services it needs (`Apis.on`). */
export const GCP_APIS = {
  storage: "storage.googleapis.com",
  iam: "iam.googleapis.com",
  iamcredentials: "iamcredentials.googleapis.com",
  sts: "sts.googleapis.com",
  resourcemanager: "cloudresourcemanager.googleapis.com",
  artifactregistry: "artifactregistry.googleapis.com",
  secretmanager: "secretmanager.googleapis.com",
  run: "run.googleapis.com",
  workflows: "workflows.googleapis.com",
  workflowexecutions: "workflowexecutions.googleapis.com",
  cloudscheduler: "cloudscheduler.googleapis.com",
  logging: "logging.googleapis.com",
  monitoring: "monitoring.googleapis.com",
} as const;

export type ApiKey = keyof typeof GCP_APIS;

export class Apis extends pulumi.ComponentResource {
  readonly services: Record<ApiKey, gcp.projects.Service>;

  constructor(name: string, args: { project: string }, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:gcp:Apis", name, {}, opts);
    this.services = Object.fromEntries(
      (Object.entries(GCP_APIS) as [ApiKey, string][]).map(([key, service]) => [
        key,
        new gcp.projects.Service(`api-${key}`, { project: args.project, service, disableOnDestroy: false }, { parent: this }),
      ]),
    ) as Record<ApiKey, gcp.projects.Service>;
    this.registerOutputs({ services: Object.values(GCP_APIS) });
  }

  /** Resources to depend on before using these APIs. */
  on(...keys: ApiKey[]): pulumi.Resource[] {
    return keys.map((k) => this.services[k]);
  }
}
