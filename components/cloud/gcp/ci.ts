/**
 * CI access through GitHub OIDC: a Workload Identity pool with two providers.
 * - `github-preview` trusts any workflow of `ci.githubRepository` (pull requests run previews); its
 *   tokens may impersonate only the read-only preview account.
 * - `github-deploy` trusts only workflows of that repository running on `refs/heads/<deployBranch>`;
 *   it alone maps `attribute.deploy_ref`, and the deploy account trusts only that attribute, so a
 *   pull-request token can never become the deploy identity.
 * No keys are created: CI exchanges its GitHub token for a short-lived Google token.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { Identities } from "./identities";
import type { GcpScope } from "./scope";

const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
const PROVIDER_IDS = { preview: "github-preview", deploy: "github-deploy" } as const;

/** CEL condition of a provider: the repository, and for deploys the branch too. */
function providerCondition(repository: string, branch?: string): string {
  const repo = `assertion.repository == '${repository}'`;
  return branch ? `${repo} && assertion.ref == 'refs/heads/${branch}'` : repo;
}

export class CiAccess extends pulumi.ComponentResource {
  readonly pool: gcp.iam.WorkloadIdentityPool;
  readonly previewProvider: gcp.iam.WorkloadIdentityPoolProvider;
  readonly deployProvider: gcp.iam.WorkloadIdentityPoolProvider;

  constructor(
    name: string,
    args: { scope: GcpScope; identities: Identities; ci: { githubRepository: string; deployBranch: string } },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("data-platform:gcp:CiAccess", name, {}, opts);
    const { scope, identities, ci } = args;
    const { ctx, project, apis } = scope;
    if (!identities.ciPreview || !identities.ciDeploy) throw new pulumi.ResourceError("gcp: CI access needs the CI identities", this);
    const dependsOn = apis.on("iam", "sts", "iamcredentials");

    this.pool = new gcp.iam.WorkloadIdentityPool(
      "github",
      { project, workloadIdentityPoolId: ctx.names.env("github"), displayName: `GitHub ${ctx.names.base}`, description: `GitHub Actions of ${ci.githubRepository}` },
      { parent: this, dependsOn },
    );
    const mapping = { "google.subject": "assertion.sub", "attribute.repository": "assertion.repository", "attribute.ref": "assertion.ref" };
    const provider = (key: keyof typeof PROVIDER_IDS, attributeCondition: string, attributeMapping: Record<string, string>) =>
      new gcp.iam.WorkloadIdentityPoolProvider(
        `github-${key}`,
        {
          project,
          workloadIdentityPoolId: this.pool.workloadIdentityPoolId,
          workloadIdentityPoolProviderId: PROVIDER_IDS[key],
          displayName: `GitHub ${key}`,
          attributeCondition,
          attributeMapping,
          oidc: { issuerUri: GITHUB_ISSUER },
        },
        { parent: this, dependsOn },
      );
    this.previewProvider = provider("preview", providerCondition(ci.githubRepository), mapping);
    this.deployProvider = provider("deploy", providerCondition(ci.githubRepository, ci.deployBranch), { ...mapping, "attribute.deploy_ref": "assertion.ref" });

    identities.onAccount(identities.ciPreview, "roles/iam.workloadIdentityUser", {
      key: "github-preview",
      member: pulumi.interpolate`principalSet://iam.googleapis.com/${this.pool.name}/attribute.repository/${ci.githubRepository}`,
    });
    identities.onAccount(identities.ciDeploy, "roles/iam.workloadIdentityUser", {
      key: "github-deploy",
      member: pulumi.interpolate`principalSet://iam.googleapis.com/${this.pool.name}/attribute.deploy_ref/refs/heads/${ci.deployBranch}`,
    });
    this.registerOutputs({ previewProvider: this.previewProvider.name, deployProvider: this.deployProvider.name });
  }
}
