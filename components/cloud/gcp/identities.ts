/**
 * One service account per workload: an ingestion account per pipeline that runs the ingestion image,
 * one for dbt, one for the orchestration (workflows + the schedules that start them), and, when the
 * stack trusts a GitHub repository, a read-only CI preview account and a CI deploy account.
 * Account ids come from NAME_PLAN, so their 30-character rule is checked when the config is loaded.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { Workload } from "../cloud";
import { ACCOUNT_ADMIN_ROLE, grantName, projectGrantCondition, projectLevelGrants, saMember, type Grantee, type ProjectPrincipal } from "./iam";
import { runsIngestion } from "../cloud";
import type { GcpScope } from "./scope";

export interface Identity extends Grantee {
  /** Logical key, for resource names: `dbt`, `orchestrator`, `ing-<pipeline>`... */
  key: string;
  workload: Workload;
  account: gcp.serviceaccount.Account;
  email: pulumi.Output<string>;
  /** `serviceAccount:<email>` */
  member: pulumi.Output<string>;
}

export class Identities extends pulumi.ComponentResource {
  readonly dbt: Identity;
  readonly orchestrator: Identity;
  /** pipeline name → its ingestion identity (absent for Fivetran pipelines). */
  readonly ingestion: ReadonlyMap<string, Identity>;
  readonly ciPreview?: Identity;
  readonly ciDeploy?: Identity;
  /** Runtime account key → the deploy identity's actAs grant on it (with CI only). */
  private readonly deployActAs = new Map<string, gcp.serviceaccount.IAMMember>();

  constructor(
    name: string,
    private readonly scope: GcpScope,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("data-platform:gcp:Identities", name, {}, opts);
    const { ctx } = scope;
    const names = ctx.names;
    this.dbt = this.account("dbt", "dbt", names.env("dbt"), "dbt: builds the warehouse models and uploads run artifacts");
    this.orchestrator = this.account("orchestrator", "orchestrator", names.env("orchestrator"), "Orchestration: workflows and the schedules that start them");
    this.ingestion = new Map(
      ctx.config.pipelines.filter(runsIngestion).map((p) => [p.name, this.account(`ing-${p.name}`, "ingestion", names.pipeline(p.name, "ing"), `Ingestion of pipeline ${p.name}`)]),
    );
    if (ctx.config.ci) {
      this.ciPreview = this.account("ci-preview", "ciPreview", names.env("ci-preview"), `CI preview (read-only) for ${ctx.config.ci.githubRepository}`);
      this.ciDeploy = this.account("ci-deploy", "ciDeploy", names.env("ci-deploy"), `CI deploy from ${ctx.config.ci.githubRepository}@${ctx.config.ci.deployBranch}`);
      // Deploying a job, workflow or schedule that runs as a runtime account needs actAs on that account,
      // granted on each account (not serviceAccountUser on the project, which would cover every account).
      for (const runtime of this.runtime()) {
        this.deployActAs.set(runtime.key, this.onAccount(runtime, "roles/iam.serviceAccountUser", this.ciDeploy));
      }
      // Managing the stack's accounts (update, delete, their IAM) is granted on each of them, never on the
      // project (iam.ts, ACCOUNT_ADMIN_ROLE). Kept until the account itself goes (`deletedWith`): revoking
      // it first would leave the deploy unable to delete the account of a removed pipeline.
      for (const any of this.all()) this.onAccount(any, ACCOUNT_ADMIN_ROLE, this.ciDeploy, { deletedWith: any.account });
      for (const any of this.all()) this.onAccount(any, "roles/iam.serviceAccountViewer", this.ciPreview);
      this.onProject("ciPreview", this.ciPreview);
      this.onProject("ciDeploy", this.ciDeploy);
    }
    this.onProject("orchestrator", this.orchestrator);
    this.registerOutputs({ emails: Object.fromEntries(this.all().map((i) => [i.key, i.email])) });
  }

  /** The grants a deployer needs before it creates a job running as `identity`: CI's actAs on it (none without CI). */
  deployGrants(identity: Identity): pulumi.Resource[] {
    const grant = this.deployActAs.get(identity.key);
    return grant ? [grant] : [];
  }

  /** The accounts jobs and workflows run as. */
  runtime(): Identity[] {
    return [...this.ingestion.values(), this.dbt, this.orchestrator];
  }

  all(): Identity[] {
    return [...this.runtime(), ...(this.ciPreview ? [this.ciPreview] : []), ...(this.ciDeploy ? [this.ciDeploy] : [])];
  }

  /**
   * The identities a workload name stands for. `ingestion` means the pipeline's account when a pipeline
   * is given (none for a Fivetran pipeline), else every ingestion account.
   */
  resolve(workload: Workload, pipeline?: string): Identity[] {
    switch (workload) {
      case "ingestion": {
        if (pipeline === undefined) return [...this.ingestion.values()];
        const one = this.ingestion.get(pipeline);
        return one ? [one] : [];
      }
      case "dbt":
        return [this.dbt];
      case "orchestrator":
        return [this.orchestrator];
      case "ciPreview":
        return this.ciPreview ? [this.ciPreview] : [];
      case "ciDeploy":
        return this.ciDeploy ? [this.ciDeploy] : [];
    }
  }

  /** Grant `role` on the service account `target` to `to` (additive). */
  onAccount(target: Identity, role: string, to: Grantee, opts?: Pick<pulumi.CustomResourceOptions, "deletedWith">): gcp.serviceaccount.IAMMember {
    return new gcp.serviceaccount.IAMMember(grantName(target.key, role, to), { serviceAccountId: target.account.name, role, member: to.member }, { parent: this, ...opts });
  }

  /**
   * The project-level grants of one principal, exactly as `projectLevelGrants` lists them (the only place
   * project-level grants come from). The deploy identity's broad roles carry conditions (`projectGrantCondition`).
   */
  onProject(principal: ProjectPrincipal, identity: Identity): gcp.projects.IAMMember[] {
    const grants = projectLevelGrants(this.scope.ctx.config);
    return Object.keys(grants[principal]).map(
      (role) =>
        new gcp.projects.IAMMember(
          grantName("project", role, identity),
          {
            project: this.scope.project,
            role,
            member: identity.member,
            condition: projectGrantCondition(principal, role, grants, { destroyableData: this.scope.ctx.config.destroyableData, namePrefix: this.scope.ctx.names.base }),
          },
          { parent: this, dependsOn: this.scope.apis.on("resourcemanager") },
        ),
    );
  }

  private account(key: string, workload: Workload, accountId: string, description: string): Identity {
    const account = new gcp.serviceaccount.Account(
      `sa-${key}`,
      { project: this.scope.project, accountId, displayName: accountId, description },
      { parent: this, dependsOn: this.scope.apis.on("iam") },
    );
    return { key, workload, account, email: account.email, member: saMember(account.email) };
  }
}
