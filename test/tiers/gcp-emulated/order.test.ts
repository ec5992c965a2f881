/**
 * Stands for: the Pulumi engine's creation order on a fresh project, and the services' own preconditions
 * on it: Google refuses a call to an API that is not enabled yet, and Cloud Run refuses a job whose
 * account cannot yet read a secret version it names (terraform-provider-google issues 13786, 15088).
 * Proven over the synthesized plans: the engine creates a resource only after every resource in its
 * dependency list (explicit `dependsOn` and the outputs it consumes, as the SDK registers them), so the
 * transitive closure of those lists is the order `pulumi up` follows. It cannot prove IAM propagation
 * delays after a grant is created (README: "First deploy"), nor the real service's checks.
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

    it("would notice a job that no longer waits (the check can fail)", () => {
      const p = stacks[stack];
      const tampered: Plan = {
        ...p,
        resources: p.resources.map((r) =>
          r.type === "gcp:cloudrunv2/job:Job" ? { ...r, options: { ...r.options, dependencies: r.options.dependencies.filter((d) => !d.includes("secretmanager")) } } : r,
        ),
      };
      assert.ok(secretOrderProblems(tampered).some((m) => m.includes("before the grant")));
      const noApi: Plan = { ...p, resources: p.resources.map((r) => (r.type === "gcp:workflows/workflow:Workflow" ? { ...r, options: { ...r.options, dependencies: [] } } : r)) };
      assert.ok(apiOrderProblems(noApi).some((m) => m.includes("workflows API")));
    });
  });
}
