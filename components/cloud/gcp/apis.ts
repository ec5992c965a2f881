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
  /** Only with gcp.staticEgress (the jobs' network and Cloud NAT). */
  compute: "compute.googleapis.com",
} as const;

/** APIs only some stacks need: enabled when asked for, so other stacks do not turn them on. */
const ON_DEMAND: readonly ApiKey[] = ["compute"];

export type ApiKey = keyof typeof GCP_APIS;

export class Apis extends pulumi.ComponentResource {
  readonly services: Partial<Record<ApiKey, gcp.projects.Service>>;

  /** `onDemand`: which of the on-demand APIs this stack uses. */
  constructor(name: string, args: { project: string; onDemand?: ApiKey[] }, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:gcp:Apis", name, {}, opts);
    const wanted = (Object.entries(GCP_APIS) as [ApiKey, string][]).filter(([key]) => !ON_DEMAND.includes(key) || args.onDemand?.includes(key));
    this.services = Object.fromEntries(
      wanted.map(([key, service]) => [key, new gcp.projects.Service(`api-${key}`, { project: args.project, service, disableOnDestroy: false }, { parent: this })]),
    );
    this.registerOutputs({ services: wanted.map(([, service]) => service) });
  }

  /** Resources to depend on before using these APIs. */
  on(...keys: ApiKey[]): pulumi.Resource[] {
    return keys.map((k) => {
      const service = this.services[k];
      if (!service) throw new Error(`gcp: the ${GCP_APIS[k]} API is used but not enabled; pass it in Apis' onDemand`);
      return service;
    });
  }
}
