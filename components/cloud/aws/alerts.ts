/**
 * Failure and success notices. The environment's topic reaches the stack's recipients (`alerts.emails`);
 * each pipeline's topic reaches its failure recipients (`notify.onFailure`, the owner by default) that
 * are not among those (cloud/rules.ts `pipelineOnlyRecipients`: everyone is mailed once). An
 * EventBridge rule per pipeline matches its state machine's failed, timed-out and aborted executions
 * and publishes to both. A pipeline with `notify.onSuccess` also gets a success topic, mailed to those
 * recipients only, and a rule on its SUCCEEDED executions.
 *
 * A schedule whose start fails (throttled, the role denied, the state machine gone) would otherwise be
 * dropped after its retries: every schedule sends it to the environment's dead-letter queue instead,
 * and an alarm on that queue mails the environment's topic.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CloudContext } from "../cloud";
import { policyDocument } from "./policy";
import { arns, type AwsScope } from "./scope";
import { environmentRecipients } from "../rules";

const FAILED_STATUSES = ["FAILED", "TIMED_OUT", "ABORTED"] as const;
const SUCCEEDED_STATUSES = ["SUCCEEDED"] as const;

/** A topic that EventBridge rules matching `ruleArnPattern` may publish to, with one email subscription per address. */
export function alertTopic(
  name: string,
  args: { topicName: string; emails: string[]; ruleArnPattern: string; alarmArn?: string; publishes?: "failures" | "successes"; tags: Record<string, string>; scope: AwsScope },
  parent: pulumi.Resource,
): aws.sns.Topic {
  const topic = new aws.sns.Topic(name, { name: args.topicName, tags: args.tags }, { parent });
  new aws.sns.TopicPolicy(
    name,
    {
      arn: topic.arn,
      policy: policyDocument([
        {
          Sid: args.publishes === "successes" ? "EventBridgePublishesSuccesses" : "EventBridgePublishesFailures",
          Principal: { Service: "events.amazonaws.com" },
          Action: ["sns:Publish"],
          Resource: [arns.topic(args.scope, args.topicName)],
          Condition: { ArnLike: { "aws:SourceArn": args.ruleArnPattern }, StringEquals: { "aws:SourceAccount": args.scope.account } },
        },
        ...(args.alarmArn
          ? [
              {
                Sid: "CloudWatchPublishesAlarm",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: ["sns:Publish"],
                Resource: [arns.topic(args.scope, args.topicName)],
                Condition: { ArnLike: { "aws:SourceArn": args.alarmArn }, StringEquals: { "aws:SourceAccount": args.scope.account } },
              },
            ]
          : []),
      ]),
    },
    { parent: topic },
  );
  for (const email of [...new Set(args.emails)].sort()) {
    // Email subscriptions stay pending until the recipient confirms the message AWS sends.
    new aws.sns.TopicSubscription(`${name}-${email}`, { topic: topic.arn, protocol: "email", endpoint: email }, { parent: topic });
  }
  return topic;
}

/** How long a failed schedule start waits in the dead-letter queue (SQS's maximum, 14 days). */
const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

export class Alerts extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  /** Every schedule's dead-letter queue: starts EventBridge Scheduler could not deliver. */
  readonly scheduleDeadLetters: aws.sqs.Queue;

  constructor(name: string, args: { ctx: CloudContext; scope: AwsScope }, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:aws:Alerts", name, {}, opts);
    const { ctx, scope } = args;
    // Every pipeline's failure rule is named `<prefix>-<env>-<pipeline>-failed`.
    const rules = arns.rule(scope, ctx.names.anyPipeline("failed"));
    const alarmName = ctx.names.env("schedule-dlq-alarm");
    const tags = ctx.labels();
    this.topic = alertTopic(
      "alerts",
      { topicName: ctx.names.env("alerts"), emails: environmentRecipients(ctx.config.alerts.emails), ruleArnPattern: rules, alarmArn: arns.alarm(scope, alarmName), tags, scope },
      this,
    );
    this.scheduleDeadLetters = new aws.sqs.Queue(
      "schedule-dlq",
      { name: ctx.names.env("schedule-dlq"), messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS, sqsManagedSseEnabled: true, tags },
      { parent: this },
    );
    new aws.cloudwatch.MetricAlarm(
      "schedule-dlq-alarm",
      {
        name: alarmName,
        alarmDescription: `a schedule of ${ctx.names.base} could not start its pipeline: read the message in ${ctx.names.env("schedule-dlq")}`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: this.scheduleDeadLetters.name },
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [this.topic.arn],
        tags,
      },
      { parent: this.scheduleDeadLetters },
    );
    this.registerOutputs({ topic: this.topic.arn, scheduleDeadLetters: this.scheduleDeadLetters.arn });
  }
}

/** The event pattern of a state machine's executions that ended in one of `statuses`. */
function executionStatusPattern(stateMachineArn: string, statuses: readonly string[]): string {
  return JSON.stringify({
    source: ["aws.states"],
    "detail-type": ["Step Functions Execution Status Change"],
    detail: { status: [...statuses], stateMachineArn: [stateMachineArn] },
  });
}

/** The event pattern of a state machine's failed executions. */
export function failedExecutionPattern(stateMachineArn: string): string {
  return executionStatusPattern(stateMachineArn, FAILED_STATUSES);
}

/** The event pattern of a state machine's succeeded executions. */
export function succeededExecutionPattern(stateMachineArn: string): string {
  return executionStatusPattern(stateMachineArn, SUCCEEDED_STATUSES);
}
