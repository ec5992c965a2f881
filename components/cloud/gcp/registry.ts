/**
 * The Docker repository the dbt and ingestion images live in: immutable tags (a tag, which is a hash
 * of the build context, always means the same image) and a cleanup policy that keeps the recent
 * versions. Credentials for pushing are the deployer's own access token (`oauth2accesstoken`).
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { RegistryRef } from "../cloud";
import { grantName, type Grantee } from "./iam";
import type { GcpScope } from "./scope";

/** Versions kept whatever their age: enough for every job's pinned digest and a few rollbacks. */
export const KEEP_RECENT_VERSIONS = 20;
/** Older versions beyond those are deleted after this long. */
const DELETE_OLDER_THAN_DAYS = 30;

export class Registry extends pulumi.ComponentResource {
  readonly repository: gcp.artifactregistry.Repository;
  readonly ref: RegistryRef;

  constructor(name: string, private readonly scope: GcpScope, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:gcp:Registry", name, {}, opts);
    const { ctx, project, region, apis } = scope;
    const repositoryId = ctx.names.env("images");
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
        cleanupPolicies: [
          { id: "keep-recent", action: "KEEP", mostRecentVersions: { keepCount: KEEP_RECENT_VERSIONS } },
          { id: "delete-old", action: "DELETE", condition: { tagState: "ANY", olderThan: `${DELETE_OLDER_THAN_DAYS * 86400}s` } },
        ],
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
