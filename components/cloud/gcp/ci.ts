/**
 * CI access through GitHub OIDC: a Workload Identity pool with two providers. Both accept only tokens
 * of `ci.githubRepository` *and* its immutable id `ci.githubRepositoryId` (a name can be re-registered
 * by someone else after a rename or deletion; the id cannot).
 * - `github-preview` trusts any workflow of the repository (pull requests run previews, the drift check
 *   runs on the deploy branch); its tokens may impersonate only the read-only preview account.
 * - `github-deploy` trusts only jobs that run in the GitHub environment named like this stack
 *   (`environment: <stack>`, so its required reviewers gate prod) on `refs/heads/<deployBranch>`. It alone
 *   maps `attribute.deploy_environment`, and the deploy account trusts only that attribute with this
 *   stack's name, so neither a pull request nor another environment's job can become this deploy identity.
 * No keys are created: CI exchanges its GitHub token for a short-lived Google token.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { Identities } from "./identities";
import type { GcpScope } from "./scope";

const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
const PROVIDER_IDS = { preview: "github-preview", deploy: "github-deploy" } as const;

/** What a GitHub token must carry to be accepted by a provider. */
export interface GithubTrust {
  repository: string;
  repositoryId: string;
  /** Deploys only: the GitHub environment (the stack's name) and the branch. */
  deploy?: { environment: string; branch: string };
}

/** CEL condition of a provider: the repository by name and id, and for deploys the environment and branch. */
export function providerCondition(trust: GithubTrust): string {
  const clauses = [`assertion.repository_id == '${trust.repositoryId}'`, `assertion.repository == '${trust.repository}'`];
  if (trust.deploy) clauses.push(`assertion.environment == '${trust.deploy.environment}'`, `assertion.ref == 'refs/heads/${trust.deploy.branch}'`);
  return clauses.join(" && ");
}

export class CiAccess extends pulumi.ComponentResource {
  readonly pool: gcp.iam.WorkloadIdentityPool;
  readonly previewProvider: gcp.iam.WorkloadIdentityPoolProvider;
  readonly deployProvider: gcp.iam.WorkloadIdentityPoolProvider;

  constructor(
    name: string,
    args: { scope: GcpScope; identities: Identities; ci: { githubRepository: string; githubRepositoryId?: string; deployBranch: string } },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("data-platform:gcp:CiAccess", name, {}, opts);
    const { scope, identities, ci } = args;
    const { ctx, project, apis } = scope;
    if (!identities.ciPreview || !identities.ciDeploy) throw new pulumi.ResourceError("gcp: CI access needs the CI identities", this);
    if (!ci.githubRepositoryId) throw new pulumi.ResourceError("gcp: CI access needs ci.githubRepositoryId (the config schema requires it on GCP)", this);
    const repositoryId = ci.githubRepositoryId;
    const environment = ctx.config.stack;
    const dependsOn = apis.on("iam", "sts", "iamcredentials");

    this.pool = new gcp.iam.WorkloadIdentityPool(
      "github",
      { project, workloadIdentityPoolId: ctx.names.env("github"), displayName: `GitHub ${ctx.names.base}`, description: `GitHub Actions of ${ci.githubRepository}` },
      { parent: this, dependsOn },
    );
    const mapping = {
      "google.subject": "assertion.sub",
      "attribute.repository": "assertion.repository",
      "attribute.repository_id": "assertion.repository_id",
      "attribute.ref": "assertion.ref",
    };
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
    const repo = { repository: ci.githubRepository, repositoryId };
    this.previewProvider = provider("preview", providerCondition(repo), mapping);
    this.deployProvider = provider("deploy", providerCondition({ ...repo, deploy: { environment, branch: ci.deployBranch } }), {
      ...mapping,
      "attribute.deploy_environment": "assertion.environment",
    });

    identities.onAccount(identities.ciPreview, "roles/iam.workloadIdentityUser", {
      key: "github-preview",
      member: pulumi.interpolate`principalSet://iam.googleapis.com/${this.pool.name}/attribute.repository_id/${repositoryId}`,
    });
    identities.onAccount(identities.ciDeploy, "roles/iam.workloadIdentityUser", {
      key: "github-deploy",
      member: pulumi.interpolate`principalSet://iam.googleapis.com/${this.pool.name}/attribute.deploy_environment/${environment}`,
    });
    this.registerOutputs({ previewProvider: this.previewProvider.name, deployProvider: this.deployProvider.name });
  }
}
