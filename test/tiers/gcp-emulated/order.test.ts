/**
 * Stands for: the Pulumi engine's creation order on a fresh project, and the services' own preconditions
 * on it: Google refuses a call to an API that is not enabled yet, and Cloud Run refuses a job whose
 * account cannot yet read a secret version it names (terraform-provider-google issues 13786, 15088).
 * Proven over the synthesized plans: the engine creates a resource only after every resource in its
 * dependency list (explicit `dependsOn` and the outputs it consumes, as the SDK registers them), so the
 * transitive closure of those lists is the order `pulumi up` follows. IAM propagation is absorbed by a
 * wait (IamPropagation, components/cloud/gcp/propagation.ts) between the grants and the jobs: checked
 * here is that it sits in that place; that it waits on create and not otherwise is the engine tier's
 * (test/tiers/engine/propagation.test.ts). It cannot prove that the configured wait is long enough
 * for Google's IAM on a given day, nor the real service's checks.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Plan, PlannedResource } from "../../../tools/synth/synthesize";
import { ofType, plan } from "./tier";

/** GCP resource type prefix → the API (`api-<key>` service resource) it calls. */
const API_OF: [RegExp, string][] = [
  [/^gcp:storage\//, "storage"],
  [/^gcp:cloudrunv2\//, "run"],
  [/^gcp:workflows\//, "workflows"],
  [/^gcp:cloudscheduler\//, "cloudscheduler"],
  [/^gcp:secretmanager\/secret:/, "secretmanager"],
  [/^gcp:artifactregistry\/repository:/, "artifactregistry"],
  [/^gcp:monitoring\//, "monitoring"],
  [/^gcp:logging\//, "logging"],
  [/^gcp:serviceaccount\/account:/, "iam"],
  [/^gcp:iam\//, "iam"],
  [/^gcp:projects\/iAMMember:/, "resourcemanager"],
  [/^gcp:compute\//, "compute"],
];

/** Every resource `r` transitively waits for (components expand to their children's dependencies). */
function closure(p: Plan): (r: PlannedResource) => Set<string> {
  const byUrn = new Map(p.resources.map((r) => [r.urn, r]));
  const memo = new Map<string, Set<string>>();
  const visit = (urn: string, seen: Set<string>): void => {
    const r = byUrn.get(urn);
    for (const dep of r?.options.dependencies ?? []) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      visit(dep, seen);
    }
  };
  return (r) => {
    if (!memo.has(r.urn)) {
      const seen = new Set<string>();
      visit(r.urn, seen);
      memo.set(r.urn, seen);
    }
    return memo.get(r.urn)!;
  };
}

/** Problems: resources that may be created before the API they call. */
export function apiOrderProblems(p: Plan): string[] {
  const after = closure(p);
  const api = (key: string) => p.resources.find((r) => r.type === "gcp:projects/service:Service" && r.name === `api-${key}`);
  const out: string[] = [];
  for (const r of p.resources.filter((x) => x.custom && x.type.startsWith("gcp:") && x.type !== "gcp:projects/service:Service")) {
    const key = API_OF.find(([re]) => re.test(r.type))?.[1];
    if (!key) continue;
    const service = api(key);
    if (!service) out.push(`${r.type} ${r.name}: the ${key} API is not enabled by the stack`);
    else if (!after(r).has(service.urn)) out.push(`${r.type} ${r.name}: may be created before the ${key} API is enabled`);
  }
  return out;
}

/** Problems: jobs that may be created before a secret version or accessor grant they need. */
export function secretOrderProblems(p: Plan): string[] {
  const after = closure(p);
  const out: string[] = [];
  for (const job of ofType(p, "gcp:cloudrunv2/job:Job")) {
    const t = (job.inputs.template as any).template;
    const member = `serviceAccount:${t.serviceAccount}`;
    for (const env of t.containers[0].envs.filter((e: any) => e.valueSource)) {
      const secretId = String(env.valueSource.secretKeyRef.secret).split("/").pop();
      const grant = ofType(p, "gcp:secretmanager/secretIamMember:SecretIamMember").find(
        (g) => g.inputs.secretId === secretId && g.inputs.member === member && g.inputs.role === "roles/secretmanager.secretAccessor",
      );
      if (!grant) out.push(`${job.name}: no accessor grant on ${secretId} for ${member}`);
      else if (!after(job).has(grant.urn)) out.push(`${job.name}: may be created before the grant on ${secretId}`);
      const secret = ofType(p, "gcp:secretmanager/secret:Secret").find((s) => s.inputs.secretId === secretId)!;
      for (const version of ofType(p, "gcp:secretmanager/secretVersion:SecretVersion").filter((v) => v.name === secret.name)) {
        if (!after(job).has(version.urn)) out.push(`${job.name}: may be created before the version of ${secretId}`);
      }
    }
  }
  return out;
}

const PROPAGATION = "pulumi-nodejs:dynamic/gcp:IamPropagation";

/**
 * Problems: jobs not behind a propagation wait, or a wait not behind every grant and version its jobs
 * read (including the deployer's actAs on the job's account, when the stack has CI), or a wait of 0 s.
 */
export function propagationOrderProblems(p: Plan): string[] {
  const after = closure(p);
  const out: string[] = [];
  const waits = ofType(p, PROPAGATION);
  const deploy = p.resources.find((r) => r.type === "gcp:serviceaccount/account:Account" && String(r.inputs.accountId).endsWith("-ci-deploy"));
  for (const job of ofType(p, "gcp:cloudrunv2/job:Job")) {
    const wait = waits.find((w) => after(job).has(w.urn));
    if (!wait) {
      out.push(`${job.name}: created without waiting for IAM propagation`);
      continue;
    }
    if (!(Number(wait.inputs.seconds) > 0)) out.push(`${job.name}: its wait ${wait.name} is ${wait.inputs.seconds} s`);
    const t = (job.inputs.template as any).template;
    const member = `serviceAccount:${t.serviceAccount}`;
    const needs: PlannedResource[] = [];
    for (const env of t.containers[0].envs.filter((e: any) => e.valueSource)) {
      const secretId = String(env.valueSource.secretKeyRef.secret).split("/").pop();
      needs.push(...ofType(p, "gcp:secretmanager/secretIamMember:SecretIamMember").filter((g) => g.inputs.secretId === secretId && g.inputs.member === member));
      const secret = ofType(p, "gcp:secretmanager/secret:Secret").find((s) => s.inputs.secretId === secretId);
      needs.push(...ofType(p, "gcp:secretmanager/secretVersion:SecretVersion").filter((v) => v.name === secret?.name));
    }
    if (deploy)
      needs.push(
        ...ofType(p, "gcp:serviceaccount/iAMMember:IAMMember").filter(
          (g) => g.inputs.role === "roles/iam.serviceAccountUser" && String(g.inputs.serviceAccountId).endsWith(`/${t.serviceAccount}`),
        ),
      );
    for (const need of needs) if (!after(wait).has(need.urn)) out.push(`${job.name}: ${wait.name} does not wait for ${need.type} ${need.name}`);
  }
  return out;
}

const stacks: Record<string, Plan> = {};
before(async () => {
  stacks.dev = await plan("dev");
  stacks.prod = await plan("prod");
});

for (const stack of ["dev", "prod"] as const) {
  describe(`gcp-emulated order (${stack}): what the engine creates first`, () => {
    it("creates everything after the API it calls", () => {
      assert.deepEqual(apiOrderProblems(stacks[stack]), []);
    });

    it("creates each job after the version and the accessor grant of every secret it reads", () => {
      const p = stacks[stack];
      const jobs = ofType(p, "gcp:cloudrunv2/job:Job");
      assert.ok(
        jobs.some((j) => (j.inputs.template as any).template.containers[0].envs.some((e: any) => e.valueSource)),
        "jobs read secrets",
      );
      assert.deepEqual(secretOrderProblems(p), []);
    });

    it("puts a propagation wait between each job and the grants and versions it needs", () => {
      const p = stacks[stack];
      assert.ok(ofType(p, PROPAGATION).length > 0, "the plan has propagation waits");
      assert.deepEqual(propagationOrderProblems(p), []);
    });

    it("would notice a job that no longer waits (the check can fail)", () => {
      const p = stacks[stack];
      const tampered: Plan = {
        ...p,
        resources: p.resources.map((r) =>
          r.type === "gcp:cloudrunv2/job:Job"
            ? { ...r, options: { ...r.options, dependencies: r.options.dependencies.filter((d) => !d.includes("secretmanager") && !d.includes("IamPropagation")) } }
            : r,
        ),
      };
      assert.ok(secretOrderProblems(tampered).some((m) => m.includes("before the grant")));
      const noWait: Plan = {
        ...p,
        resources: p.resources.map((r) =>
          r.type === "gcp:cloudrunv2/job:Job" ? { ...r, options: { ...r.options, dependencies: r.options.dependencies.filter((d) => !d.includes("IamPropagation")) } } : r,
        ),
      };
      assert.ok(propagationOrderProblems(noWait).some((m) => m.includes("without waiting for IAM propagation")));
      const shortWait: Plan = {
        ...p,
        resources: p.resources.map((r) =>
          r.type === PROPAGATION
            ? { ...r, inputs: { ...r.inputs, seconds: 0 }, options: { ...r.options, dependencies: r.options.dependencies.filter((d) => !d.includes("secretIamMember")) } }
            : r,
        ),
      };
      const problems = propagationOrderProblems(shortWait).join("\n");
      assert.ok(problems.includes("-iam-propagation is 0 s"), problems);
      assert.ok(problems.includes("does not wait for gcp:secretmanager/secretIamMember:SecretIamMember"), problems);
      const noApi: Plan = { ...p, resources: p.resources.map((r) => (r.type === "gcp:workflows/workflow:Workflow" ? { ...r, options: { ...r.options, dependencies: [] } } : r)) };
      assert.ok(apiOrderProblems(noApi).some((m) => m.includes("workflows API")));
    });
  });
}
