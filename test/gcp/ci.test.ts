/** Point 8: CI access through GitHub OIDC, preview for pull requests, deploy for the deploy branch only. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { inputs, member, ofType, one, synthGcp, T, type GcpSynth } from "./harness";

let dev: GcpSynth;
let noCi: GcpSynth;
before(async () => {
  dev = await synthGcp("dev");
  noCi = await synthGcp("dev", (m) => {
    delete m["data-platform:ci"];
  });
});

const POOL = "projects/123456789/locations/global/workloadIdentityPools/acme-dev-github";

describe("gcp CI access", () => {
  it("declares a workload identity pool with a GitHub provider per use, bound to the repository's name and immutable id", () => {
    assert.equal(inputs(one(dev.plan, T.pool, "github")).workloadIdentityPoolId, "acme-dev-github");
    const preview = inputs(one(dev.plan, T.poolProvider, "github-preview"));
    assert.equal(preview.oidc.issuerUri, "https://token.actions.githubusercontent.com");
    assert.equal(preview.attributeCondition, "assertion.repository_id == '812345678' && assertion.repository == 'acme/data-platform'");
    assert.equal(preview.attributeMapping["attribute.deploy_environment"], undefined, "preview tokens never carry the deploy attribute");
    const deploy = inputs(one(dev.plan, T.poolProvider, "github-deploy"));
    assert.equal(
      deploy.attributeCondition,
      "assertion.repository_id == '812345678' && assertion.repository == 'acme/data-platform' && assertion.environment == 'dev' && assertion.ref == 'refs/heads/main'",
    );
    assert.equal(deploy.attributeMapping["attribute.deploy_environment"], "assertion.environment");
  });

  it("lets the repository (by id) impersonate the preview account, and only the stack's GitHub environment the deploy account", () => {
    const wif = ofType(dev.plan, T.accountIam)
      .map(inputs)
      .filter((g) => g.role === "roles/iam.workloadIdentityUser");
    const by = Object.fromEntries(wif.map((g) => [g.serviceAccountId.split("/").pop().split("@")[0], g.member]));
    assert.deepEqual(by, {
      "acme-dev-ci-preview": `principalSet://iam.googleapis.com/${POOL}/attribute.repository_id/812345678`,
      "acme-dev-ci-deploy": `principalSet://iam.googleapis.com/${POOL}/attribute.deploy_environment/dev`,
    });
  });

  // Stands for: Google's STS evaluating the provider's attribute condition on GitHub's token claims
  // (claims as GitHub documents them for each trigger). Proven by our own evaluator of the conjunction
  // of `assertion.<claim> == '<value>'` the providers use (it throws on anything else); it cannot prove
  // Google's CEL engine or GitHub's token contents.
  it("accepts each CI job's token only where the shared trust contract says (PR and drift: preview; deploy job in its environment: deploy)", () => {
    const accepts = (condition: string, claims: Record<string, string>) =>
      condition.split(" && ").every((clause) => {
        const m = /^assertion\.(\w+) == '([^']*)'$/.exec(clause);
        if (!m) throw new Error(`unexpected clause ${clause}`);
        return claims[m[1]] === m[2];
      });
    const repo = { repository: "acme/data-platform", repository_id: "812345678" };
    const tokens = {
      pullRequest: { ...repo, sub: "repo:acme/data-platform:pull_request", ref: "refs/pull/7/merge" },
      drift: { ...repo, sub: "repo:acme/data-platform:ref:refs/heads/main", ref: "refs/heads/main" },
      deployDev: { ...repo, sub: "repo:acme/data-platform:environment:dev", ref: "refs/heads/main", environment: "dev" },
      deployProd: { ...repo, sub: "repo:acme/data-platform:environment:prod", ref: "refs/heads/main", environment: "prod" },
      devFromBranch: { ...repo, sub: "repo:acme/data-platform:environment:dev", ref: "refs/heads/feature", environment: "dev" },
      renamedImpostor: { repository: "acme/data-platform", repository_id: "999", sub: "repo:acme/data-platform:environment:dev", ref: "refs/heads/main", environment: "dev" },
    };
    const preview = inputs(one(dev.plan, T.poolProvider, "github-preview")).attributeCondition;
    const deploy = inputs(one(dev.plan, T.poolProvider, "github-deploy")).attributeCondition;
    const ok = (cond: string) =>
      Object.entries(tokens)
        .filter(([, c]) => accepts(cond, c))
        .map(([k]) => k);
    assert.deepEqual(ok(deploy), ["deployDev"], "only dev's deploy job, on the deploy branch, of the real repository");
    assert.deepEqual(ok(preview), ["pullRequest", "drift", "deployDev", "deployProd", "devFromBranch"]);
  });

  it("keeps the preview identity read-only: only viewer/reader roles, wherever granted", () => {
    const preview = member(dev.config, "acme-dev-ci-preview");
    const roles = [...new Set(dev.plan.resources.filter((r) => inputs(r).member === preview).map((r) => inputs(r).role as string))].sort();
    for (const role of roles) assert.match(role, /(viewer|reader|Reader|Viewer|securityReviewer)$/i, role);
    assert.ok(roles.includes("roles/run.viewer") && roles.includes("roles/secretmanager.viewer") && roles.includes("roles/storage.legacyBucketReader"));
    assert.ok(!roles.includes("roles/secretmanager.secretAccessor"));
    assert.ok(!roles.some((r) => /objectViewer|objectUser|admin|editor|invoker/i.test(r)), "no data access and no write");
  });

  it("limits the deploy identity's project IAM admin role to the roles this stack grants", () => {
    const admin = inputs(one(dev.plan, T.projectIam, "project-resourcemanager-projectiamadmin-ci-deploy"));
    assert.equal(admin.condition.title, "delegated-role-grants");
    const m = /^api\.getAttribute\('iam\.googleapis\.com\/modifiedGrantsByRole', \[\]\)\.hasOnly\(\[(.*)\]\)$/.exec(admin.condition.expression);
    assert.ok(m, admin.condition.expression);
    const delegable = m[1]
      .split(", ")
      .map((r) => r.replace(/^'|'$/g, ""))
      .sort();
    // Exactly the roles granted on the project in this plan, except those the deploy identity itself
    // holds only under a condition: granting one of those again could drop its condition.
    const conditional = new Set(
      ofType(dev.plan, T.projectIam)
        .filter((r) => inputs(r).member === admin.member && inputs(r).condition)
        .map((r) => inputs(r).role as string),
    );
    assert.deepEqual([...conditional].sort(), ["roles/resourcemanager.projectIamAdmin", "roles/secretmanager.admin", "roles/storage.admin"]);
    const granted = [...new Set(ofType(dev.plan, T.projectIam).map((r) => inputs(r).role as string))].filter((r) => !conditional.has(r)).sort();
    assert.deepEqual(delegable, granted);
    assert.ok(delegable.includes("roles/workflows.invoker"), "the orchestrator's grant is delegable");
  });

  it("skips CI access entirely when the stack has no ci section", () => {
    assert.equal(ofType(noCi.plan, T.pool).length, 0);
    assert.equal(ofType(noCi.plan, T.poolProvider).length, 0);
    const ids = ofType(noCi.plan, T.account).map((r) => inputs(r).accountId);
    assert.ok(!ids.some((id) => id.includes("ci-")), ids.join(","));
    const members = noCi.plan.resources.map((r) => String(inputs(r).member ?? ""));
    // (The prod deployer reading the dev registry is another environment's account: gcp.imageConsumers.)
    assert.ok(!members.some((m) => m.includes("acme-dev-ci-preview") || m.includes("acme-dev-ci-deploy")));
    assert.equal(noCi.plan.resources.filter((r) => r.type === "data-platform:gcp:CiAccess").length, 0);
    assert.equal((noCi.plan.outputs as any).ciWorkloadIdentityProviders, undefined);
  });
});
