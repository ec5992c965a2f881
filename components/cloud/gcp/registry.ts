/**
 * The Docker repository the dbt and ingestion images live in: immutable tags (a tag, which is a hash
 * of the build context, always means the same image) and a cleanup policy that keeps the recent
 * versions. Credentials for pushing are the deployer's own access token (`oauth2accesstoken`).
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { RegistryRef } from "../cloud";
import { Namer } from "../../naming";
import { grantName, type Grantee } from "./iam";
import type { GcpScope } from "./scope";

/** Versions kept whatever their age: enough for every job's pinned digest and a few rollbacks. */
export const KEEP_RECENT_VERSIONS = 20;
/** Older versions beyond those are deleted after this long. */
const DELETE_OLDER_THAN_DAYS = 30;

/**
 * The cleanup policy. Alone, a registry keeps its KEEP_RECENT_VERSIONS newest versions and deletes the
 * others after DELETE_OLDER_THAN_DAYS. When other environments run its images (`gcp.imageConsumers`),
 * this registry cannot know which digests they still run, so it deletes only untagged versions: every
 * image the deploy built is tagged (by its content hash, and tags are immutable), so no digest prod runs
 * can be deleted; pruning old tagged images is an operator's task (README, "Images").
 */
export function cleanupPolicies(consumed: boolean): gcp.types.input.artifactregistry.RepositoryCleanupPolicy[] {
  const olderThan = `${DELETE_OLDER_THAN_DAYS * 86400}s`;
  return [
    { id: "keep-recent", action: "KEEP", mostRecentVersions: { keepCount: KEEP_RECENT_VERSIONS } },
    consumed
      ? { id: "delete-untagged", action: "DELETE", condition: { tagState: "UNTAGGED", olderThan } }
      : { id: "delete-old", action: "DELETE", condition: { tagState: "ANY", olderThan } },
  ];
}

export class Registry extends pulumi.ComponentResource {
  readonly repository: gcp.artifactregistry.Repository;
  readonly ref: RegistryRef;

  constructor(
    name: string,
    private readonly scope: GcpScope,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("data-platform:gcp:Registry", name, {}, opts);
    const { ctx, project, region, apis } = scope;
    const repositoryId = ctx.names.env("images");
    const consumers = ctx.config.gcp?.imageConsumers ?? [];
    this.repository = new gcp.artifactregistry.Repository(
      "images",
      {
        project,
        location: region,
        repositoryId,
        format: "DOCKER",
        description: `dbt and ingestion images of ${ctx.names.base}`,
        dockerConfig: { immutableTags: true },
        cleanupPolicyDryRun: false,
        cleanupPolicies: cleanupPolicies(consumers.length > 0),
        labels: ctx.labels(),
      },
      { parent: this, ...ctx.stateful, dependsOn: apis.on("artifactregistry") },
    );
    const server = `${region}-docker.pkg.dev`;
    const token = gcp.organizations.getClientConfigOutput({ parent: this }).accessToken;
    this.ref = {
      url: this.repository.registryUri,
      server: pulumi.output(server),
      username: pulumi.output("oauth2accesstoken"),
      password: pulumi.secret(token),
    };
    // Cross-project pulls: the consumer's Cloud Run service agent pulls the image when a job runs, and
    // its deployer reads the image when it creates or updates the job.
    for (const c of consumers) {
      const agent = `service-${c.projectNumber}@serverless-robot-prod.iam.gserviceaccount.com`;
      const deployer = `${new Namer("gcp", ctx.config.prefix, c.environment).env("ci-deploy")}@${c.project}.iam.gserviceaccount.com`;
      this.grant("roles/artifactregistry.reader", { key: `${c.environment}-run-agent`, member: `serviceAccount:${agent}` });
      this.grant("roles/artifactregistry.reader", { key: `${c.environment}-ci-deploy`, member: `serviceAccount:${deployer}` });
    }
    this.registerOutputs({ url: this.ref.url });
  }

  /** Additive grant on the repository. */
  grant(role: string, to: Grantee): gcp.artifactregistry.RepositoryIamMember {
    return new gcp.artifactregistry.RepositoryIamMember(
      grantName("images", role, to),
      { project: this.scope.project, location: this.repository.location, repository: this.repository.name, role, member: to.member },
      { parent: this },
    );
  }
}
