/**
 * IAM on GCP, as data: which roles this stack grants, and the few it grants on the project.
 *
 * The rule is CFF's: one identity per workload, granted on the resource itself (bucket, secret, job,
 * repository, service account), with additive `*IAMMember` resources (never `*IAMBinding` or
 * `*IAMPolicy`, which would wipe grants made elsewhere), and never a primitive role.
 * A project-level grant is made only where the resource has no IAM of its own or the permission only
 * exists on the project; each one is listed here with the reason, and the tests fail on any other.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

/** Basic roles that grant everything in the project; never granted. */
export const PRIMITIVE_ROLES = ["roles/owner", "roles/editor", "roles/viewer"] as const;

/** Principals that hold project-level grants. Runtime workloads (ingestion, dbt) hold none. */
export type ProjectPrincipal = "orchestrator" | "ciPreview" | "ciDeploy";

/**
 * Every project-level grant the stack declares: principal → role → why no resource-level grant serves.
 * The tests compare the synthesized `gcp.projects.IAMMember`s against this list, both ways.
 */
export const PROJECT_LEVEL_GRANTS: Record<ProjectPrincipal, Record<string, string>> = {
  orchestrator: {
    "roles/workflows.invoker":
      "Cloud Scheduler starts each workflow with the orchestrator's token; Workflows has no per-workflow IAM (no WorkflowIamMember), so executions.create is granted on the project. It cannot change workflows.",
  },
  ciPreview: {
    "roles/iam.securityReviewer": "Preview/refresh reads the IAM policies of the project and of every resource (getIamPolicy); read-only, no data access.",
    "roles/serviceusage.serviceUsageViewer": "Reads which APIs are enabled (gcp.projects.Service); services have no resource-level IAM.",
    "roles/workflows.viewer": "Reads workflows; Workflows has no per-workflow IAM. Does not include execution data access beyond metadata.",
    "roles/cloudscheduler.viewer": "Reads scheduler jobs; Cloud Scheduler has no per-job IAM.",
    "roles/monitoring.viewer": "Reads notification channels and alert policies; Monitoring has no per-policy IAM.",
    "roles/iam.workloadIdentityPoolViewer": "Reads the CI workload identity pool and providers; pools have no resource-level IAM.",
    "roles/logging.viewer":
      "Reads the _Default log bucket's retention (logging.buckets.get; log buckets have no resource-level IAM, and no narrower predefined role has it). Also reads the project's non-private logs, which the deploy and preview logs of this stack are anyway.",
  },
  ciDeploy: {
    "roles/serviceusage.serviceUsageAdmin": "Enables the platform's APIs (gcp.projects.Service); a project-level operation.",
    "roles/storage.admin":
      "Creates the lake buckets (storage.buckets.create exists only on the project) and manages their IAM. Conditional: never on objects, so it cannot read lake data (on a destroyable stack, objects of this environment's buckets only, to empty them on destroy).",
    "roles/artifactregistry.admin": "Creates the image repository (repositories.create is project-level), sets its IAM, pushes images.",
    "roles/secretmanager.admin":
      "Creates secrets (secrets.create is in no narrower predefined role) and sets per-secret IAM. Conditional: never on secret versions, so it cannot read a secret's value (secretmanager.versions.access).",
    "roles/secretmanager.secretVersionManager": "Adds, reads the metadata of and destroys secret versions (the write-only payloads); it has no versions.access, so no values.",
    "roles/logging.configWriter": "Sets the retention of the project's _Default log bucket to logRetentionDays (logging.buckets.update; log buckets have no resource-level IAM).",
    "roles/run.admin": "Creates Cloud Run jobs (jobs.create is project-level) and sets per-job IAM (run.developer cannot).",
    "roles/workflows.editor": "Creates and updates workflows; Workflows has no per-workflow IAM.",
    "roles/cloudscheduler.admin": "Creates scheduler jobs; Cloud Scheduler has no per-job IAM.",
    "roles/monitoring.notificationChannelEditor": "Creates e-mail notification channels; Monitoring has no per-channel IAM.",
    "roles/monitoring.alertPolicyEditor": "Creates alert policies; Monitoring has no per-policy IAM.",
    "roles/iam.serviceAccountCreator":
      "Creates the workload service accounts (serviceAccounts.create exists only on the project). Create, get and list only: no setIamPolicy and no actAs on any account. Updating, deleting and granting on an account is granted on each account this stack manages (ACCOUNT_ADMIN_ROLE, identities.ts).",
    "roles/iam.workloadIdentityPoolAdmin": "Manages the CI workload identity pool and its GitHub providers.",
    "roles/resourcemanager.projectIamAdmin":
      "Maintains the project-level grants above. Conditional: it may only add or remove the roles in this list (modifiedGrantsByRole), never itself, owner or editor.",
  },
};

/** Added with gcp.staticEgress, and only then: the jobs' network and NAT (egress.ts). */
export const STATIC_EGRESS_PROJECT_GRANTS: Partial<Record<ProjectPrincipal, Record<string, string>>> = {
  ciPreview: { "roles/compute.networkViewer": "Reads the jobs' network, subnet, router, NAT and address; Compute networking has no per-resource IAM for these." },
  ciDeploy: { "roles/compute.networkAdmin": "Creates the jobs' network, subnet, router, NAT and reserved address (all project-level creates); no access to instances or data." },
};

/** The project-level grants a stack makes: PROJECT_LEVEL_GRANTS, plus those of the options it turns on. */
export function projectLevelGrants(config: { gcp?: { staticEgress: boolean } }): Record<ProjectPrincipal, Record<string, string>> {
  const extra = config.gcp?.staticEgress ? STATIC_EGRESS_PROJECT_GRANTS : {};
  return Object.fromEntries((Object.keys(PROJECT_LEVEL_GRANTS) as ProjectPrincipal[]).map((p) => [p, { ...PROJECT_LEVEL_GRANTS[p], ...extra[p] }])) as Record<
    ProjectPrincipal,
    Record<string, string>
  >;
}

/**
 * Roles the deploy identity holds on the project only under a condition (projectGrantCondition). It must
 * not be able to grant them: `modifiedGrantsByRole` limits which roles a change touches, not the
 * condition of the new binding, so a delegable conditional role could be granted again without its
 * condition (storage.admin on every object, secretmanager.admin on every value). Changing these grants
 * takes a project administrator (components/cloud/gcp/README.md, Bootstrap).
 */
export const CONDITIONAL_DEPLOY_ROLES = ["roles/resourcemanager.projectIamAdmin", "roles/storage.admin", "roles/secretmanager.admin"] as const;

/** Roles the deploy identity may grant or revoke on the project: everything the stack grants except the roles it holds only under a condition. */
export function delegableProjectRoles(grants: Record<ProjectPrincipal, Record<string, string>>): string[] {
  const roles = new Set<string>();
  for (const byRole of Object.values(grants)) for (const role of Object.keys(byRole)) roles.add(role);
  for (const role of CONDITIONAL_DEPLOY_ROLES) roles.delete(role);
  return [...roles].sort();
}

/** IAM condition limiting project IAM changes to the delegable roles (CFF's "delegated role grants"). */
export function delegatedGrantsCondition(grants: Record<ProjectPrincipal, Record<string, string>>): IamCondition {
  const roles = delegableProjectRoles(grants)
    .map((r) => `'${r}'`)
    .join(", ");
  return {
    title: "delegated-role-grants",
    description: "May only grant or revoke the project-level roles this stack declares",
    expression: `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${roles}])`,
  };
}

/**
 * What the deploy identity holds on each service account this stack manages, granted on that account
 * (never on the project): update, delete and set its IAM (to grant actAs on it, the preview's read
 * access, workload identity on the CI accounts). Granting it project-wide would let the deploy identity
 * give itself actAs or token creation on every account of the project, and IAM Conditions cannot narrow
 * a project grant to some accounts: the resource attributes (`resource.name`, `resource.type`) are
 * evaluated only for the services Google lists, and IAM (iam.googleapis.com) is not one of them
 * (cloud.google.com/iam/docs/conditions-resource-attributes); `modifiedGrantsByRole` is documented for
 * the allow policies of projects, folders and organizations only (cloud.google.com/iam/docs/setting-limits-on-granting-roles).
 */
export const ACCOUNT_ADMIN_ROLE = "roles/iam.serviceAccountAdmin";

export interface IamCondition {
  title: string;
  description: string;
  expression: string;
}

/**
 * The condition on one project-level grant, where its role is broader than what the stack needs. The
 * conditions exclude resource types (never "only these names"), because a create is checked against
 * the project, whose name no prefix matches.
 */
export function projectGrantCondition(
  principal: ProjectPrincipal,
  role: string,
  grants: Record<ProjectPrincipal, Record<string, string>>,
  env: { destroyableData: boolean; namePrefix: string },
): IamCondition | undefined {
  if (principal !== "ciDeploy") return undefined;
  switch (role) {
    case "roles/resourcemanager.projectIamAdmin":
      return delegatedGrantsCondition(grants);
    case "roles/storage.admin":
      return {
        title: env.destroyableData ? "no-objects-but-own" : "no-objects",
        description: env.destroyableData ? "Buckets; objects only in this environment's buckets (destroy empties them)" : "Buckets and their IAM, never objects (no lake data)",
        expression: env.destroyableData
          ? `resource.type != 'storage.googleapis.com/Object' || resource.name.startsWith('projects/_/buckets/${env.namePrefix}-')`
          : `resource.type != 'storage.googleapis.com/Object'`,
      };
    case "roles/secretmanager.admin":
      return {
        title: "no-secret-values",
        description: "Secrets and their IAM, never secret versions (no values)",
        expression: `resource.type != 'secretmanager.googleapis.com/SecretVersion'`,
      };
    default:
      return undefined;
  }
}

/** `serviceAccount:<email>` for an account's email output. */
export function saMember(email: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`serviceAccount:${email}`;
}

/** Who receives a grant: a logical key (for resource names) and the IAM member. */
export interface Grantee {
  key: string;
  member: pulumi.Input<string>;
}

/** A short, stable logical-name fragment for a role: `roles/storage.objectViewer` → `storage-objectviewer`. */
function roleSlug(role: string): string {
  return role
    .replace(/^roles\//, "")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .toLowerCase();
}

/** Logical name of an additive grant of `role` on `target` to `to`: `<target>-<role slug>-<grantee key>`. */
export function grantName(target: string, role: string, to: Grantee): string {
  return `${target}-${roleSlug(role)}-${to.key}`;
}

/** Short stable hash, for logical names built from free text (e-mail addresses). */
export function shortHash(s: string): string {
  return crypto.createHash("sha256").update(s).digest("hex").slice(0, 8);
}
