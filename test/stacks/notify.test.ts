/**
 * Notification levels (issue #19 point 3): a pipeline file's `notify:` chooses who is told when a run
 * fails and, optionally, when it succeeds, with per-environment overrides; the default stays the
 * owner plus `alerts.emails` on failure, and nobody on success.
 *
 * The real program is synthesized for GCP (`dev`, `prod`) and AWS (`dev-aws`) from a scratch project
 * holding the shipped example pipelines plus a fixture pipeline with `notify:`; each plan is read back
 * into platform words (who one failure mails, who one success mails, which run status triggers each).
 *
 * Stands for: the mails Cloud Monitoring sends through its channels, and the ones SNS sends for
 * EventBridge rules on Step Functions status changes. Proof: declaration under mocks (the real
 * program and stack files). Cannot prove: that the services fire on these inputs — the aws-emulated
 * tier matches the rules' event patterns against Step Functions events in moto
 * (test/tiers/aws-emulated/notify-patterns.test.ts), and the gcp-emulated tier checks the policies'
 * shapes against Monitoring's discovery document.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { mockState } from "../../tools/synth/mock-state";
import { maskSecrets, synthesize, type Plan, type PlannedResource } from "../../tools/synth/synthesize";
import { EXAMPLE_PIPELINES } from "../examples";
import { notifyRoot } from "./notify-fixture";
import { ConfigError, formatIssue, type ConfigIssue } from "../../stacks/errors";
import { load, project, VALID_PIPELINE, VALID_STACK } from "../config/fixture";

function issuesOf(root: string): ConfigIssue[] {
  try {
    load(root);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    return e.issues;
  }
  assert.fail("expected the config to be rejected");
}

interface Notices {
  /** Per pipeline: the addresses one failed run mails, one entry per mail, sorted. */
  failure: Record<string, string[]>;
  /** Per pipeline: the addresses one succeeded run mails (absent: no success notice declared). */
  success: Record<string, string[]>;
}

const plain = (r: PlannedResource) => maskSecrets(r.inputs, true) as any;
const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
const PIPELINES = [...EXAMPLE_PIPELINES, "notified"];

function gcpNotices(plan: Plan): Notices {
  const ctx = { gcpProject: String(plain(ofType(plan, "gcp:storage/bucket:Bucket")[0]).project), awsAccount: "", region: "europe-west1" };
  const emailOf = new Map(
    ofType(plan, "gcp:monitoring/notificationChannel:NotificationChannel").map((c) => [
      mockState({ type: c.type, name: c.name, inputs: c.inputs } as pulumi.runtime.MockResourceArgs, ctx).name,
      plain(c).labels.email_address as string,
    ]),
  );
  const mailed = (policy: any) => policy.notificationChannels.map((n: string) => emailOf.get(n) ?? `unknown channel ${n}`).sort();
  const policies = ofType(plan, "gcp:monitoring/alertPolicy:AlertPolicy");
  const out: Notices = { failure: {}, success: {} };
  for (const p of PIPELINES) {
    const failed = policies.filter((r) => r.name === `${p}-failed`);
    assert.equal(failed.length, 1, `gcp ${p}: one failure policy`);
    out.failure[p] = mailed(plain(failed[0]));
    const succeeded = policies.filter((r) => r.name === `${p}-succeeded`);
    if (!succeeded.length) continue;
    assert.equal(succeeded.length, 1, `gcp ${p}: one success policy`);
    const policy = plain(succeeded[0]);
    const workflow = String(plain(ofType(plan, "gcp:workflows/workflow:Workflow").find((w) => w.name === `${p}-flow`)!).name);
    // The condition counts this pipeline's workflow's SUCCEEDED executions, and nothing else.
    assert.equal(policy.conditions.length, 1);
    const filter = String(policy.conditions[0].conditionThreshold.filter);
    assert.match(filter, new RegExp(`resource.labels.workflow_id = "${workflow}"`));
    assert.match(filter, /metric.labels.status = "SUCCEEDED"/);
    assert.doesNotMatch(filter, /FAILED/);
    assert.equal(policy.severity, undefined, "no severity: Monitoring has none for good news");
    out.success[p] = mailed(policy);
  }
  return out;
}

function awsNotices(plan: Plan): Notices {
  const subscriptions = ofType(plan, "aws:sns/topicSubscription:TopicSubscription");
  const targets = ofType(plan, "aws:cloudwatch/eventTarget:EventTarget");
  const rules = ofType(plan, "aws:cloudwatch/eventRule:EventRule");
  const machines = ofType(plan, "aws:sfn/stateMachine:StateMachine");
  const mailed = (rule: any) =>
    targets
      .filter((t) => plain(t).rule === rule.name)
      .flatMap((t) => subscriptions.filter((s) => String(plain(s).topic) === plain(t).arn).map((s) => String(plain(s).endpoint)))
      .sort();
  const rule = (p: string, kind: string) => rules.map(plain).find((r) => r.name === `acmeaws-dev-${p.replace(/_/g, "-")}-${kind}`);
  const out: Notices = { failure: {}, success: {} };
  for (const p of PIPELINES) {
    const machine = plain(machines.find((m) => m.name === `${p}-flow`)!).name as string;
    const failed = rule(p, "failed");
    assert.ok(failed, `aws ${p}: a failure rule`);
    out.failure[p] = mailed(failed);
    const succeeded = rule(p, "succeeded");
    if (!succeeded) continue;
    const pattern = JSON.parse(succeeded.eventPattern);
    // Only this pipeline's state machine, only SUCCEEDED: a failed run must never read as a success notice.
    assert.deepEqual(pattern.detail.status, ["SUCCEEDED"]);
    assert.equal(pattern.detail.stateMachineArn.length, 1);
    assert.match(pattern.detail.stateMachineArn[0], new RegExp(`:stateMachine:${machine}$`));
    out.success[p] = mailed(succeeded);
  }
  return out;
}

const DEFAULT_FAILURE = {
  jsonplaceholder: ["data-team@example.com"],
  orders_files: ["commerce-analytics@example.com"],
  shop_postgres: ["commerce-analytics@example.com"],
};
const withStack = (stackEmail: string, perPipeline: Record<string, string[]>) =>
  Object.fromEntries(Object.entries(perPipeline).map(([p, to]) => [p, [...new Set([...to, stackEmail])].sort()]));

describe("notification levels on both clouds", () => {
  let root: string;
  const plans = {} as Record<"dev" | "prod" | "dev-aws", Plan>;
  before(async () => {
    root = notifyRoot();
    for (const stack of ["dev", "prod", "dev-aws"] as const) plans[stack] = await synthesize({ stack, root });
  });

  const devExpected: Notices = {
    // notify.onFailure replaces the owner; the stack's alerts.emails still hear of every failure, each address once (case-insensitive).
    failure: withStack("data-platform-dev@example.com", { ...DEFAULT_FAILURE, notified: ["oncall@example.com"] }),
    // Only the pipeline with onSuccess, and dev's override replaces the list; nobody else is told of successes.
    success: { notified: ["analysts@example.com", "dev-watch@example.com"] },
  };

  it("gcp dev: failures to notify.onFailure (owner by default) + alerts.emails; successes to dev's onSuccess only", () => {
    assert.deepEqual(gcpNotices(plans.dev), devExpected);
  });
  it("aws dev-aws: the same recipients for the same pipeline files", () => {
    assert.deepEqual(awsNotices(plans["dev-aws"]), devExpected);
  });
  it("gcp prod: the environment's onSuccess: [] turns success notices off; onFailure is inherited", () => {
    assert.deepEqual(gcpNotices(plans.prod), {
      failure: withStack("data-platform-oncall@example.com", { ...DEFAULT_FAILURE, notified: ["oncall@example.com", "data-platform-dev@example.com"] }),
      success: {},
    });
  });
  it("aws: a success topic accepts publishes only from its own pipeline's succeeded rule", () => {
    const policies = ofType(plans["dev-aws"], "aws:sns/topicPolicy:TopicPolicy").map(plain);
    const success = policies.filter((tp) => /-success"/.test(JSON.stringify(JSON.parse(tp.policy).Statement[0].Resource) + '"'));
    assert.equal(success.length, 1, "one success topic: the fixture pipeline's");
    const [st] = JSON.parse(success[0].policy).Statement;
    assert.equal(st.Sid, "EventBridgePublishesSuccesses");
    assert.deepEqual(st.Condition.ArnLike, { "aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/acmeaws-dev-notified-succeeded" });
  });
});

describe("notify: validation", () => {
  it("a bad address stops the load with the file, line, field, expected and found", () => {
    const dir = project({
      stack: VALID_STACK,
      pipelines: { "orders.yaml": `${VALID_PIPELINE}notify:\n  onSuccess: [analysts@example.com, not-an-address]\n` },
    });
    const text = issuesOf(dir).map(formatIssue).join("\n");
    assert.match(text, /pipelines\/orders\.yaml:\d+:\d+ {2}notify\.onSuccess\.1: expected an e-mail address, found "not-an-address"/);
  });
  it("an empty onFailure is refused (a failure must reach someone besides the stack)", () => {
    const issues = issuesOf(project({ pipelines: { "orders.yaml": `${VALID_PIPELINE}notify:\n  onFailure: []\n` } }));
    assert.match(issues.map(formatIssue).join("\n"), /notify\.onFailure: expected at least one address/);
  });
  it("an environment override replaces only the fields it sets", () => {
    const pipeline = `${VALID_PIPELINE}notify:\n  onFailure: [a@example.com]\n  onSuccess: [b@example.com]\nenvironments:\n  dev:\n    notify:\n      onSuccess: []\n`;
    assert.deepEqual(load(project({ pipelines: { "orders.yaml": pipeline } })).config.pipelines[0].notify, { onFailure: ["a@example.com"], onSuccess: [] });
  });
  it("without notify: the owner on failure, nobody on success", () => {
    assert.deepEqual(load(project({})).config.pipelines[0].notify, { onFailure: ["team@example.com"], onSuccess: [] });
  });
});
