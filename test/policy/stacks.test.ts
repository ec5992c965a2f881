/**
 * The policy pack's rules over the offline plan of every shipped stack: no violations. And, so that
 * "no violations" means something, each rule demonstrably applies to the stack (it has resources of
 * the kind the rule checks), and a violation planted in the real plan is caught.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { synthesize } from "../../tools/synth/synthesize";
import { evaluate, type RuleResource } from "../../policy/rules";
import { STATEFUL_TYPES } from "../../policy/stateful";
import { labelProperty } from "../../policy/taggable";
import { ruleResources } from "./plan-resources";

const clone = (rs: RuleResource[]): RuleResource[] => structuredClone(rs);
const rulesFired = (rs: RuleResource[]) => [...new Set(evaluate(rs).map((v) => v.rule))].sort();

for (const stack of ["dev", "prod", "dev-aws"]) {
  describe(`policy pack on the ${stack} stack`, () => {
    let rs: RuleResource[];
    before(async () => {
      rs = ruleResources(await synthesize({ stack }));
    });

    it("has no violations", () => {
      assert.deepEqual(
        evaluate(rs).map((v) => `${v.rule}: ${v.resource}: ${v.message}`),
        [],
      );
    });

    it("the rules have something to check: buckets, labelled resources, IAM grants", () => {
      const buckets = rs.filter((r) => r.type === "gcp:storage/bucket:Bucket" || r.type === "aws:s3/bucket:Bucket");
      assert.ok(buckets.length >= 2, "raw and artifacts buckets");
      assert.ok(rs.filter((r) => labelProperty(r.type)).length >= 10, "labelled resources");
      assert.ok(
        rs.some((r) => /IAMMember|IamMember|rolePolicy|role:Role/.test(r.type)),
        "IAM grants",
      );
      assert.ok(
        rs.some((r) => r.type.startsWith("snowflake:index/serviceUser")),
        "Snowflake service users",
      );
    });

    it("catches a public bucket planted in the real plan", () => {
      const bad = clone(rs);
      const b = bad.find((r) => r.type === "gcp:storage/bucket:Bucket" || r.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")!;
      if (b.type === "gcp:storage/bucket:Bucket") b.inputs.publicAccessPrevention = "inherited";
      else b.inputs.blockPublicPolicy = false;
      assert.deepEqual(rulesFired(bad), ["no-public-buckets"]);
    });

    it("catches a missing label on a real resource", () => {
      const bad = clone(rs);
      const r = bad.find((x) => labelProperty(x.type))!;
      const prop = labelProperty(r.type)!;
      r.inputs[prop] = { ...(r.inputs[prop] as object), "managed-by": undefined };
      assert.deepEqual(rulesFired(bad), ["platform-labels"]);
    });

    it("catches a password on a real Snowflake service user", () => {
      const bad = clone(rs);
      bad.find((x) => x.type.startsWith("snowflake:index/serviceUser"))!.inputs.password = "hunter2";
      assert.deepEqual(rulesFired(bad), ["snowflake-key-pair-only"]);
    });

    if (stack === "dev-aws") {
      it("pairs every real S3 bucket with its encryption and public access block (removing one is caught)", () => {
        for (const t of ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]) {
          const bad = clone(rs);
          const i = bad.findIndex((x) => x.type === t);
          assert.ok(i >= 0, t);
          bad.splice(i, 1);
          assert.equal(evaluate(bad).length, 1, t);
        }
      });
    }

    if (stack === "prod") {
      it("declares every stateful resource protected, and catches one that is not", () => {
        const stateful = rs.filter((r) => STATEFUL_TYPES.includes(r.type));
        assert.ok(stateful.length >= 4, `buckets, databases, registry: ${stateful.map((r) => r.name)}`);
        const bad = clone(rs);
        bad.find((r) => STATEFUL_TYPES.includes(r.type))!.protect = false;
        assert.deepEqual(rulesFired(bad), ["stateful-protected-in-prod"]);
      });
    }
  });
}
