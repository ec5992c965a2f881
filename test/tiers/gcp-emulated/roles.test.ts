/**
 * Stands for: Google IAM deciding, per call, whether a principal holds a permission, from the predefined
 * roles granted to it on the project or on the resource. Proven against a third party's data: GCP's
 * predefined roles as Google's IAM API lists them (../shared/gcp/predefined-roles.json, provenance and
 * refresh command in refresh-roles.py), applied to every grant of the synthesized dev and prod plans.
 * It cannot prove: IAM conditions (only that the broad grants carry the condition that fences them),
 * propagation delays, service agents' own grants, or permissions Google adds to or drops from a role
 * after the snapshot.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import type { Plan, PlannedResource } from "../../../tools/synth/synthesize";
import { ofType, plan } from "./tier";

interface RoleData {
  stage: string;
  deleted?: boolean;
  permissions: string[];
}
const SNAPSHOT = path.resolve(__dirname, "../../../../shared/gcp/predefined-roles.json");
const ROLES: Record<string, RoleData> = JSON.parse(fs.readFileSync(SNAPSHOT, "utf8")).roles;

/** One grant: who, which role, where (`project` or `<kind>:<id>`), and its condition's expression. */
interface Grant {
  member: string;
  role: string;
  scope: string;
  condition?: string;
}

const SCOPE_OF_GRANT: Record<string, (i: any) => string> = {
  "gcp:projects/iAMMember:IAMMember": () => "project",
  "gcp:storage/bucketIAMMember:BucketIAMMember": (i) => `bucket:${i.bucket}`,
  "gcp:secretmanager/secretIamMember:SecretIamMember": (i) => `secret:${i.secretId}`,
  "gcp:cloudrunv2/jobIamMember:JobIamMember": (i) => `job:${i.name}`,
  "gcp:serviceaccount/iAMMember:IAMMember": (i) => `account:${String(i.serviceAccountId).split("/").pop()}`,
  "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": (i) => `repo:${i.repository}`,
  "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": (i) => `key:${i.cryptoKeyId}`,
};

function grants(p: Plan): Grant[] {
  return p.resources
    .filter((r) => r.type.startsWith("gcp:") && typeof r.inputs.role === "string")
    .map((r) => {
      const scope = SCOPE_OF_GRANT[r.type];
      if (!scope) throw new Error(`a grant of an unknown kind: ${r.type} (add it to SCOPE_OF_GRANT)`);
      return { member: String(r.inputs.member), role: String(r.inputs.role), scope: scope(r.inputs), condition: (r.inputs.condition as any)?.expression };
    });
}

/** Where `member` holds `permission` (unconditionally unless `conditional`): the scopes of its grants. */
function holds(gs: Grant[], member: string, permission: string, scope: string, opts: { conditional?: boolean } = {}): boolean {
  return gs.some(
    (g) => g.member === member && (g.scope === "project" || g.scope === scope) && (opts.conditional || !g.condition) && ROLES[g.role]?.permissions.includes(permission),
  );
}

/** The problems of a set of grants against the snapshot: unknown, deleted or deprecated roles. */
export function roleProblems(gs: Grant[]): string[] {
  const out = new Set<string>();
  for (const g of gs) {
    const r = ROLES[g.role];
    if (!r) out.add(`${g.role}: not a predefined role in the snapshot`);
    else if (r.deleted) out.add(`${g.role}: deleted`);
    else if (r.stage === "DEPRECATED") out.add(`${g.role}: deprecated`);
  }
  return [...out];
}

/** Permissions that let their holder act as a service account, mint its tokens or keys, or grant itself those. */
const ACCOUNT_TAKEOVER = [
  "iam.serviceAccounts.actAs",
  "iam.serviceAccounts.setIamPolicy",
  "iam.serviceAccounts.getAccessToken",
  "iam.serviceAccounts.getOpenIdToken",
  "iam.serviceAccounts.signBlob",
  "iam.serviceAccounts.signJwt",
  "iam.serviceAccounts.implicitDelegation",
  "iam.serviceAccountKeys.create",
];

/**
 * Problems: a CI identity able to take over service accounts beyond the ones this stack declares. A
 * project-level grant with such a permission counts whatever its condition (IAM Conditions cannot narrow
 * a project grant to some accounts: iam.googleapis.com has no resource attributes); so does a role the
 * deploy identity may grant on the project itself (the roles its projectIamAdmin condition lets it add);
 * and a grant on an account must be on one the stack declares.
 */
export function accountTakeoverProblems(p: Plan): string[] {
  const out: string[] = [];
  const gs = grants(p);
  const ci = [sa(p, "ci-deploy"), sa(p, "ci-preview")];
  const declared = new Set(ofType(p, "gcp:serviceaccount/account:Account").map((r) => `account:${r.inputs.accountId}@acme-data-${p.stack}.iam.gserviceaccount.com`));
  for (const g of gs.filter((x) => ci.includes(x.member))) {
    const perms = ACCOUNT_TAKEOVER.filter((perm) => ROLES[g.role]?.permissions.includes(perm));
    if (g.scope === "project" && perms.length)
      out.push(`${g.member} holds ${perms.join(", ")} on every account of the project (${g.role}${g.condition ? ", a condition cannot narrow it" : ""})`);
    if (g.scope.startsWith("account:") && perms.length && !declared.has(g.scope))
      out.push(`${g.member} holds ${perms.join(", ")} on ${g.scope}, an account this stack does not manage`);
    const delegable = g.condition?.match(/modifiedGrantsByRole', \[\]\)\.hasOnly\(\[([^\]]*)\]\)/)?.[1];
    for (const role of delegable ? [...delegable.matchAll(/'([^']+)'/g)].map((m) => m[1]) : []) {
      const risky = ACCOUNT_TAKEOVER.filter((perm) => ROLES[role]?.permissions.includes(perm));
      if (risky.length) out.push(`${g.member} may grant itself ${role} on the project (${risky.join(", ")} on every account)`);
      // modifiedGrantsByRole limits the roles a change touches, not the new binding's condition: a
      // role held only under a condition, if delegable, can be granted again without it.
      if (gs.some((h) => h.member === g.member && h.role === role && h.scope === "project" && h.condition))
        out.push(`${g.member} may grant itself ${role} on the project without the condition it holds it under`);
    }
  }
  return out;
}

const sa = (p: Plan, id: string) => `serviceAccount:acme-${p.stack}-${id}@acme-data-${p.stack}.iam.gserviceaccount.com`;
const stacks: Record<string, Plan> = {};
before(async () => {
  stacks.dev = await plan("dev");
  stacks.prod = await plan("prod");
});

for (const stack of ["dev", "prod"] as const) {
  describe(`gcp-emulated roles (${stack}): every grant against GCP's predefined roles`, () => {
    it("grants only roles that exist, are not deleted and not deprecated", () => {
      const gs = grants(stacks[stack]);
      assert.ok(gs.length > 40, "the plan has its grants");
      assert.deepEqual(roleProblems(gs), []);
      // The check can fail: a misspelt role is reported.
      assert.deepEqual(roleProblems([{ member: "x", role: "roles/run.invokers", scope: "project" }]), ["roles/run.invokers: not a predefined role in the snapshot"]);
    });

    it("lets the orchestrator start and follow every job its workflows run, list its executions, and read the Fivetran credential", () => {
      const p = stacks[stack];
      const gs = grants(p);
      const orchestrator = sa(p, "orchestrator");
      const workflows = ofType(p, "gcp:workflows/workflow:Workflow").map((w) => String(w.inputs.sourceContents));
      const jobs = workflows.flatMap((source) => [...source.matchAll(/job: (\S+)/g)].map((m) => m[1]));
      assert.ok(jobs.length >= 3, jobs.join(","));
      // A start that sets env overrides (the run id) is refused without run.jobs.runWithOverrides.
      assert.ok(
        workflows.every((source) => source.includes("containerOverrides")),
        "every workflow starts its jobs with overrides",
      );
      for (const job of jobs) {
        for (const perm of ["run.jobs.run", "run.jobs.runWithOverrides", "run.executions.get", "run.operations.get"])
          assert.ok(holds(gs, orchestrator, perm, `job:${job}`), `${perm} on ${job}`);
      }
      for (const perm of ["workflows.executions.create", "workflows.executions.list"]) assert.ok(holds(gs, orchestrator, perm, "project"), perm);
      if (ofType(p, "gcp:workflows/workflow:Workflow").some((w) => String(w.inputs.sourceContents).includes("fivetran_sync"))) {
        assert.ok(holds(gs, orchestrator, "secretmanager.versions.access", `secret:acme-${stack}-fivetran-api`));
      }
      assert.ok(!holds(gs, orchestrator, "run.jobs.update", "job:any") && !holds(gs, orchestrator, "workflows.workflows.update", "project"), "runs, never changes");
    });

    it("lets each job's account read the secrets its job names and write where it writes; nothing of other pipelines", () => {
      const p = stacks[stack];
      const gs = grants(p);
      const raw = ofType(p, "gcp:storage/bucket:Bucket").find((b) => b.name === "raw")!.inputs.name as string;
      const artifacts = ofType(p, "gcp:storage/bucket:Bucket").find((b) => b.name === "artifacts")!.inputs.name as string;
      for (const job of ofType(p, "gcp:cloudrunv2/job:Job")) {
        const t = (job.inputs.template as any).template;
        const member = `serviceAccount:${t.serviceAccount}`;
        for (const env of t.containers[0].envs.filter((e: any) => e.valueSource)) {
          const secret = String(env.valueSource.secretKeyRef.secret).split("/").pop();
          assert.ok(holds(gs, member, "secretmanager.versions.access", `secret:${secret}`), `${job.name} reads ${secret}`);
        }
        const isDbt = job.name.endsWith("dbt-job");
        const bucket = isDbt ? artifacts : raw;
        // Ingestion's raw-bucket grant is conditioned on its own prefixes: the permissions are there, fenced.
        for (const perm of isDbt ? ["storage.objects.create"] : ["storage.objects.create", "storage.objects.get", "storage.objects.list", "storage.objects.delete"]) {
          assert.ok(holds(gs, member, perm, `bucket:${bucket}`, { conditional: true }), `${job.name}: ${perm} on ${bucket}`);
        }
        if (isDbt) assert.ok(!holds(gs, member, "storage.objects.get", `bucket:${raw}`, { conditional: true }), `${job.name} cannot read the raw bucket`);
        else {
          // Of the artifacts bucket, ingestion reads and rewrites its pipeline-run records only (runs/<pipeline>/, by condition).
          assert.ok(!holds(gs, member, "storage.objects.get", `bucket:${artifacts}`), `${job.name} cannot read the artifacts bucket unconditionally`);
          for (const perm of ["storage.objects.get", "storage.objects.create", "storage.objects.delete"]) {
            assert.ok(holds(gs, member, perm, `bucket:${artifacts}`, { conditional: true }), `${job.name}: ${perm} on its run records`);
          }
        }
        // dbt reads and rewrites the pipeline-run records (runs/, by condition): objectCreator alone cannot overwrite.
        if (isDbt) assert.ok(holds(gs, member, "storage.objects.delete", `bucket:${artifacts}`, { conditional: true }), `${job.name} rewrites run records`);
      }
    });

    it("lets the preview identity read every resource the refresh reads, and never a secret value or an object", () => {
      const p = stacks[stack];
      const gs = grants(p);
      const preview = sa(p, "ci-preview");
      const READ: Record<string, [string, (r: PlannedResource) => string]> = {
        "gcp:storage/bucket:Bucket": ["storage.buckets.get", (r) => `bucket:${r.inputs.name}`],
        "gcp:secretmanager/secret:Secret": ["secretmanager.secrets.get", (r) => `secret:${r.inputs.secretId}`],
        // A version is read through the secret it belongs to.
        "gcp:secretmanager/secretVersion:SecretVersion": ["secretmanager.versions.get", (r) => `secret:${String(r.inputs.secret).split("/").pop()}`],
        "gcp:cloudrunv2/job:Job": ["run.jobs.get", (r) => `job:${r.inputs.name}`],
        "gcp:workflows/workflow:Workflow": ["workflows.workflows.get", () => "project"],
        "gcp:cloudscheduler/job:Job": ["cloudscheduler.jobs.get", () => "project"],
        "gcp:monitoring/alertPolicy:AlertPolicy": ["monitoring.alertPolicies.get", () => "project"],
        "gcp:monitoring/notificationChannel:NotificationChannel": ["monitoring.notificationChannels.get", () => "project"],
        "gcp:serviceaccount/account:Account": ["iam.serviceAccounts.get", (r) => `account:${r.inputs.accountId}`],
        "gcp:artifactregistry/repository:Repository": ["artifactregistry.repositories.get", (r) => `repo:${r.inputs.repositoryId}`],
        "gcp:projects/service:Service": ["serviceusage.services.get", () => "project"],
        "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": ["iam.googleapis.com/workloadIdentityPools.get", () => "project"],
        "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": ["iam.googleapis.com/workloadIdentityPoolProviders.get", () => "project"],
        "gcp:logging/projectBucketConfig:ProjectBucketConfig": ["logging.buckets.get", () => "project"],
        "gcp:projects/iAMMember:IAMMember": ["resourcemanager.projects.getIamPolicy", () => "project"],
        "gcp:compute/network:Network": ["compute.networks.get", () => "project"],
        "gcp:compute/routerNat:RouterNat": ["compute.routers.get", () => "project"],
      };
      for (const r of p.resources.filter((x) => READ[x.type])) {
        const [perm, scope] = READ[r.type];
        // Accounts are scoped by e-mail in grants; the plan has the account id.
        const where = r.type === "gcp:serviceaccount/account:Account" ? `account:${r.inputs.accountId}@acme-data-${stack}.iam.gserviceaccount.com` : scope(r);
        assert.ok(holds(gs, preview, perm, where), `${r.type} ${r.name}: ${perm}`);
      }
      for (const perm of ["secretmanager.versions.access", "storage.objects.get", "run.jobs.run", "iam.serviceAccounts.actAs"]) {
        assert.ok(!gs.some((g) => g.member === preview && ROLES[g.role]?.permissions.includes(perm)), `preview never holds ${perm}`);
      }
    });

    // Stands for: IAM letting the CI identities act as, or take over, only the service accounts this stack
    // manages. Proven: every grant of the plan against GCP's role data. Cannot prove: grants made outside
    // the stack (an admin's project-wide serviceAccountUser would still reach every account).
    it("lets no CI identity act as, or grant itself, any service account but the stack's own", () => {
      const p = stacks[stack];
      assert.deepEqual(accountTakeoverProblems(p), []);
      const gs = grants(p);
      const deploy = sa(p, "ci-deploy");
      for (const account of ofType(p, "gcp:serviceaccount/account:Account")) {
        const scope = `account:${account.inputs.accountId}@acme-data-${stack}.iam.gserviceaccount.com`;
        for (const perm of ["iam.serviceAccounts.update", "iam.serviceAccounts.delete", "iam.serviceAccounts.setIamPolicy"])
          assert.ok(holds(gs, deploy, perm, scope), `deploy holds ${perm} on ${account.inputs.accountId} (to update, remove and grant on it)`);
      }
    });

    it("would notice a project-wide account role, one the deploy may delegate to itself, a conditional role it may re-grant unconditioned, or a grant on a foreign account (the check can fail)", () => {
      const p = stacks[stack];
      const deploy = sa(p, "ci-deploy");
      const projectGrant = p.resources.find((r) => r.type === "gcp:projects/iAMMember:IAMMember" && r.inputs.member === deploy)!;
      const iamAdmin = p.resources.find((r) => r.type === "gcp:projects/iAMMember:IAMMember" && r.inputs.role === "roles/resourcemanager.projectIamAdmin")!;
      const accountGrant = p.resources.find((r) => r.type === "gcp:serviceaccount/iAMMember:IAMMember" && r.inputs.member === deploy)!;
      const extra = (r: PlannedResource, name: string, inputs: Record<string, unknown>): PlannedResource => ({
        ...r,
        urn: `${r.urn}-${name}`,
        name,
        inputs: { ...r.inputs, ...inputs },
      });
      const cond = (iamAdmin.inputs.condition as any).expression as string;
      const tampered: Plan = {
        ...p,
        resources: [
          ...p.resources.filter((r) => r !== iamAdmin),
          extra(projectGrant, "t1", { role: "roles/iam.serviceAccountAdmin", condition: { title: "t", expression: "true" } }),
          extra(iamAdmin, "t2", {
            condition: { ...(iamAdmin.inputs.condition as any), expression: cond.replace("hasOnly([", "hasOnly(['roles/iam.serviceAccountUser', 'roles/storage.admin', ") },
          }),
          extra(accountGrant, "t3", {
            serviceAccountId: `projects/acme-data-${stack}/serviceAccounts/other@acme-data-${stack}.iam.gserviceaccount.com`,
            role: "roles/iam.serviceAccountUser",
          }),
        ],
      };
      const problems = accountTakeoverProblems(tampered).join("\n");
      for (const expected of [
        "on every account of the project (roles/iam.serviceAccountAdmin, a condition cannot narrow it)",
        "may grant itself roles/iam.serviceAccountUser",
        "may grant itself roles/storage.admin on the project without the condition it holds it under",
        "other@acme-data",
      ])
        assert.ok(problems.includes(expected), `${expected} in\n${problems}`);
    });

    it("lets the deploy identity create what the stack declares, act as the runtime accounts, and read no secret value or lake object unfenced", () => {
      const p = stacks[stack];
      const gs = grants(p);
      const deploy = sa(p, "ci-deploy");
      const CREATE: Record<string, string> = {
        "gcp:storage/bucket:Bucket": "storage.buckets.create",
        "gcp:secretmanager/secret:Secret": "secretmanager.secrets.create",
        "gcp:secretmanager/secretVersion:SecretVersion": "secretmanager.versions.add",
        "gcp:cloudrunv2/job:Job": "run.jobs.create",
        "gcp:workflows/workflow:Workflow": "workflows.workflows.create",
        "gcp:cloudscheduler/job:Job": "cloudscheduler.jobs.create",
        "gcp:monitoring/alertPolicy:AlertPolicy": "monitoring.alertPolicies.create",
        "gcp:monitoring/notificationChannel:NotificationChannel": "monitoring.notificationChannels.create",
        "gcp:serviceaccount/account:Account": "iam.serviceAccounts.create",
        "gcp:artifactregistry/repository:Repository": "artifactregistry.repositories.create",
        "gcp:projects/service:Service": "serviceusage.services.enable",
        "gcp:logging/projectBucketConfig:ProjectBucketConfig": "logging.buckets.update",
        "gcp:compute/network:Network": "compute.networks.create",
      };
      for (const [type, perm] of Object.entries(CREATE)) {
        if (!ofType(p, type).length) continue;
        assert.ok(holds(gs, deploy, perm, "project", { conditional: true }), `${type}: ${perm}`);
      }
      for (const id of ["orchestrator", "dbt"]) {
        assert.ok(holds(gs, deploy, "iam.serviceAccounts.actAs", `account:acme-${stack}-${id}@acme-data-${stack}.iam.gserviceaccount.com`), `actAs ${id}`);
      }
      // Whatever could read values or lake data is held only under a condition that excludes them.
      for (const [perm, fence] of [
        ["secretmanager.versions.access", "resource.type != 'secretmanager.googleapis.com/SecretVersion'"],
        ["storage.objects.get", "resource.type != 'storage.googleapis.com/Object'"],
      ]) {
        const holding = gs.filter((g) => g.member === deploy && ROLES[g.role]?.permissions.includes(perm));
        assert.ok(holding.length > 0, `${perm} is needed by some grant`);
        for (const g of holding) assert.ok(g.condition?.includes(fence), `${g.role} (${perm}) carries "${fence}", found ${g.condition}`);
      }
      for (const perm of ["iam.serviceAccountKeys.create", "iam.serviceAccounts.getAccessToken"]) {
        assert.ok(!gs.some((g) => g.member === deploy && ROLES[g.role]?.permissions.includes(perm)), `deploy never holds ${perm}`);
      }
    });
  });
}
