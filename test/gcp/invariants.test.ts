/** Security invariants over the whole synthesized environment, for dev and prod, and the dev/prod differences. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Plan } from "../../tools/synth/synthesize";
import { inputs, ofType, one, synthGcp, T, type GcpSynth } from "./harness";
import * as check from "./invariants";

const stacks: Record<string, GcpSynth> = {};
before(async () => {
  stacks.dev = await synthGcp("dev");
  stacks.prod = await synthGcp("prod");
});

for (const stack of ["dev", "prod"]) {
  describe(`gcp invariants (${stack})`, () => {
    const s = () => stacks[stack];
    it("no public bucket: no allUsers/allAuthenticatedUsers, public access prevention and uniform access on every bucket", () => {
      assert.deepEqual(check.publicAccess(s().plan), []);
    });
    it("no primitive role, and only additive IAM members (no *IAMBinding / *IAMPolicy)", () => {
      assert.deepEqual(check.primitiveOrAuthoritative(s().plan), []);
    });
    it("project-level grants are exactly the justified allow-list (PROJECT_LEVEL_GRANTS)", () => {
      assert.deepEqual(check.projectGrants(s().plan, s().config), []);
    });
    it("every job runs as its own identity", () => {
      assert.deepEqual(check.jobIdentities(s().plan, s().config), []);
    });
    it("every schedule targets its own pipeline's workflow", () => {
      assert.deepEqual(check.scheduleTargets(s().plan, s().config), []);
    });
    it("every secret a job reads is granted to that job's identity, and no accessor grant is unused", () => {
      assert.deepEqual(check.secretAccess(s().plan), []);
    });
    it("every resource sits under a data-platform component", () => {
      assert.deepEqual(check.structure(s().plan), []);
    });
  });
}

describe("gcp invariant checks can fail", () => {
  const tampered = (edit: (plan: Plan) => void): Plan => {
    const plan = structuredClone(stacks.dev.plan);
    edit(plan);
    return plan;
  };
  it("flags a public grant, a primitive role, an authoritative binding, an unlisted project grant", () => {
    const plan = tampered((p) => {
      const grant = p.resources.find((r) => r.type === T.bucketIam)!;
      grant.inputs.member = "allUsers";
      p.resources.find((r) => r.type === T.projectIam)!.inputs.role = "roles/editor";
      p.resources.push({ ...grant, type: "gcp:storage/bucketIAMBinding:BucketIAMBinding", name: "bad", urn: "urn:bad" });
      p.resources.find((r) => r.type === T.bucket)!.inputs.publicAccessPrevention = "inherited";
    });
    assert.equal(check.publicAccess(plan).length, 3);
    assert.ok(check.primitiveOrAuthoritative(plan).some((v) => v.includes("roles/editor")));
    assert.ok(check.primitiveOrAuthoritative(plan).some((v) => v.includes("authoritative")));
    assert.ok(check.projectGrants(plan, stacks.dev.config).some((v) => v.includes("not in PROJECT_LEVEL_GRANTS")));
  });
  it("flags a job running as another identity and a schedule starting another pipeline's workflow", () => {
    const plan = tampered((p) => {
      const job = p.resources.find((r) => r.type === T.job && r.name === "jsonplaceholder-ingest-job")!;
      (job.inputs.template as any).template.serviceAccount = "acme-dev-orders-files-ing@acme-data-dev.iam.gserviceaccount.com";
      const s = p.resources.find((r) => r.type === T.schedule && r.name === "jsonplaceholder-schedule")!;
      (s.inputs.httpTarget as any).uri = (s.inputs.httpTarget as any).uri.replace("jsonplaceholder", "orders-files");
    });
    assert.ok(check.jobIdentities(plan, stacks.dev.config).some((v) => v.startsWith("jsonplaceholder: ingestion job runs as")));
    assert.ok(check.scheduleTargets(plan, stacks.dev.config).some((v) => v.startsWith("jsonplaceholder: schedule targets")));
    assert.ok(check.secretAccess(plan).length > 0, "the moved job lost its secret grants");
  });
  it("flags a resource declared outside the data-platform components", () => {
    const plan = tampered((p) => {
      p.resources.find((r) => r.type === T.bucket && r.name === "raw")!.parent = undefined;
    });
    assert.deepEqual(check.structure(plan), [`${T.bucket}::raw has no data-platform parent`]);
  });
});

describe("gcp dev/prod differences", () => {
  const stateful = [T.bucket, T.repo];
  it("protects and retains buckets and the registry in prod, not in destroyable dev", () => {
    for (const type of stateful) {
      for (const r of ofType(stacks.prod.plan, type)) assert.deepEqual([r.options.protect, r.options.retainOnDelete], [true, true], `prod ${r.name}`);
      for (const r of ofType(stacks.dev.plan, type)) assert.deepEqual([r.options.protect, r.options.retainOnDelete], [false, false], `dev ${r.name}`);
    }
    for (const r of ofType(stacks.prod.plan, T.bucket)) assert.equal(inputs(r).forceDestroy, false);
  });
  it("never puts deletion protection on jobs and workflows (stateless: removing a pipeline must apply), and protects prod's buckets", () => {
    for (const type of [T.job, T.workflow]) {
      for (const plan of [stacks.prod.plan, stacks.dev.plan]) for (const r of ofType(plan, type)) assert.equal(inputs(r).deletionProtection, false, r.name);
    }
    for (const r of ofType(stacks.prod.plan, "gcp:storage/bucket:Bucket")) assert.ok(r.options.protect && r.options.retainOnDelete, r.name);
  });
  it("pauses dev schedules and runs prod ones", () => {
    assert.ok(ofType(stacks.dev.plan, T.schedule).every((r) => inputs(r).paused === true));
    assert.ok(ofType(stacks.prod.plan, T.schedule).every((r) => inputs(r).paused === false));
  });
  it("sizes prod jobs from Pulumi.prod.yaml", () => {
    const prod = inputs(one(stacks.prod.plan, T.job, "jsonplaceholder-ingest-job")).template.template;
    assert.deepEqual(prod.containers[0].resources.limits, { cpu: "2", memory: "4096Mi" });
    assert.equal(prod.timeout, "7200s");
    assert.equal(prod.maxRetries, 2);
    const dev = inputs(one(stacks.dev.plan, T.job, "jsonplaceholder-ingest-job")).template.template;
    assert.deepEqual(dev.containers[0].resources.limits, { cpu: "1", memory: "2048Mi" });
    assert.equal(dev.timeout, "1800s");
    const prodFlow = inputs(one(stacks.prod.plan, T.workflow, "jsonplaceholder-flow")).sourceContents as string;
    assert.match(prodFlow, /max_retries: 3/, "prod orchestration.stepRetries");
  });
  it("keeps raw data forever in prod and expires it in dev", () => {
    const deletes = (s: GcpSynth) => (inputs(one(s.plan, T.bucket, "raw")).lifecycleRules as any[]).filter((r) => r.action.type === "Delete" && r.condition.age !== undefined);
    assert.equal(deletes(stacks.prod).length, 0);
    assert.equal(deletes(stacks.dev)[0].condition.age, 90);
  });
});
