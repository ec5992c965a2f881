/**
 * Stands for: Cloud Monitoring's AlertPolicy API refusing a malformed policy (the provider types
 * severity, comparison and durations as free strings). Proven against Google's own API definition: the
 * monitoring.v3 discovery document shipped in google-api-python-client (check_shapes.py), fed with every
 * alert policy of a synthesized dev and prod plan whose project also holds `notified`, the fixture
 * pipeline with notify.onSuccess (test/stacks/notify-fixture.ts), so the success policy of issue #19
 * point 3 is checked with the failure, not-started and overdue ones. Rank: third-party validator.
 * Cannot prove: that Monitoring accepts the filter's metric and labels (the schema carries a filter as
 * a string), or that a notice is mailed.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { synthesize, type Plan } from "../../../tools/synth/synthesize";
import { notifyRoot } from "../../stacks/notify-fixture";
import { ofType, runPython, tierPython } from "./tier";

function policies(p: Plan) {
  return ofType(p, "gcp:monitoring/alertPolicy:AlertPolicy").map((r) => ({
    what: `alert policy ${r.name}`,
    api: "monitoring.v3",
    schema: "AlertPolicy",
    body: Object.fromEntries(Object.entries(r.inputs).filter(([k]) => k !== "project")),
  }));
}

const plans: Record<string, Plan> = {};
before(async () => {
  tierPython();
  const root = notifyRoot();
  for (const stack of ["dev", "prod"]) plans[stack] = await synthesize({ stack, root });
});

for (const stack of ["dev", "prod"]) {
  describe(`alert policies (${stack}) against Monitoring's discovery document`, () => {
    it("every failure, success, not-started and overdue policy is an AlertPolicy the API accepts", () => {
      const req = policies(plans[stack]);
      const names = req.map((r) => r.what);
      assert.ok(names.includes("alert policy notified-failed"), names.join(", "));
      // dev's notified has onSuccess; prod's override turns it off.
      assert.equal(names.includes("alert policy notified-succeeded"), stack === "dev");
      assert.deepEqual(runPython<{ problems: string[] }>("check_shapes.py", { requests: req }).problems, []);
    });
  });
}

describe("alert policy shapes: the check can fail", () => {
  it("reports a severity outside the enum, a bad duration and an unknown field", () => {
    const req = policies(plans.dev).find((r) => r.what === "alert policy notified-succeeded")!;
    const bad = structuredClone(req) as any;
    bad.body.severity = "NOTICE";
    bad.body.alertStrategy.autoClose = "30m";
    bad.body.conditions[0].conditionThreshold.window = "300s";
    const problems = runPython<{ problems: string[] }>("check_shapes.py", { requests: [bad] }).problems.join("\n");
    for (const expected of ["'NOTICE' is not one of", "'30m' is not a duration", "window: not a field"]) assert.ok(problems.includes(expected), `${expected} in\n${problems}`);
  });
});
