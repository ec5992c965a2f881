/**
 * Notification levels through moto's EventBridge (issue #19 point 3). The fixture pipeline `notified`
 * (test/stacks/notify-fixture.ts: `notify.onSuccess` set) is synthesized for dev-aws; its state machine
 * runs in moto's Step Functions interpreter (sfn_emulator.py), and the ended execution's status-change
 * event is put on moto's event bus with the plan's failure rule and success rule, each with its
 * target's input transformer.
 *
 * Rank: emulator (moto's event-pattern matching and input transformers; the queue stands in for SNS,
 * which moto's EventBridge does not deliver to). Proves: a succeeded run matches the success rule and
 * not the failure rule, a failed run the reverse, and the notice names the pipeline, run and status.
 * Cannot prove: AWS's own matcher in every corner, or that SNS mails the subscribed addresses (the
 * mocks-level test/stacks/notify.test.ts checks who is subscribed).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { synthesize, type Plan } from "../../../tools/synth/synthesize";
import { notifyRoot } from "../../stacks/notify-fixture";
import { pipelineFlow, runFlow } from "./flows";
import { tierPython } from "./tools";

let plan: Plan;
before(async () => {
  tierPython();
  plan = await synthesize({ stack: "dev-aws", root: notifyRoot() });
});

const NOTICE = (status: string) =>
  new RegExp(`^"?Pipeline notified \\(dev\\): run run-1 ended ${status}\\. Execution: arn:aws:states:eu-west-1:123456789012:execution:acmeaws-dev-notified-flow:run-1"?$`);

describe("success and failure notices in moto's EventBridge (notified)", () => {
  it("a succeeded run reaches the success topic only", () => {
    const r = runFlow(plan, "notified", { alert: true, notify: true });
    assert.equal(r.status, "SUCCEEDED", r.cause);
    assert.equal(r.successNotices.length, 1, "one notice through the plan's succeeded rule and transformer");
    assert.match(r.successNotices[0], NOTICE("SUCCEEDED"));
    assert.deepEqual(r.alerts, [], "the failure rule ignores a succeeded run");
  });

  it("a failed run reaches the failure topics only", () => {
    const r = runFlow(plan, "notified", { ecs: { "acmeaws-dev-notified-dbt-task": ["exit:2", "exit:2", "exit:2", "exit:2"] }, alert: true, notify: true });
    assert.equal(r.status, "FAILED");
    assert.equal(r.alerts.length, 1);
    assert.match(r.alerts[0], NOTICE("FAILED"));
    assert.deepEqual(r.successNotices, [], "the success rule ignores a failed run");
  });

  it("a pipeline without notify.onSuccess declares no success rule", () => {
    assert.equal(pipelineFlow(plan, "jsonplaceholder").succeeded, undefined);
    assert.throws(() => runFlow(plan, "jsonplaceholder", { notify: true }), /no acmeaws-dev-jsonplaceholder-succeeded rule/);
  });
});
