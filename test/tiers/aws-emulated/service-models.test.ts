/**
 * The requests the plan's resources turn into, validated against AWS's service models as botocore ships
 * them: task definitions (ECS RegisterTaskDefinition), the flows' RunTask calls (ECS RunTask, as Step
 * Functions sends them), schedules (EventBridge Scheduler CreateSchedule) and lifecycle rules (S3
 * PutBucketLifecycleConfiguration); and the ECS errors the flows retry, against RunTask's declared errors.
 *
 * Rank: third-party validator (botocore's ParamValidator and the models' enums). Proves: members exist,
 * required ones are present, types, lengths, ranges and enum values are the service's.
 * Cannot prove: the provider maps its inputs to these requests the way our conversion does (a
 * camelCase → PascalCase rename, the Terraform provider's convention, is ours), nor rules the models do
 * not carry (valid Fargate cpu/memory pairs: test/aws/units.test.ts checks those against AWS's table).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ECS_TRANSIENT_ERRORS } from "../../../components/cloud/aws/flow";
import type { Plan } from "../../../tools/synth/synthesize";
import { registerTaskDefinition } from "./flows";
import { byType, devAwsPlan, json, runPython, T } from "./tools";

interface Answer {
  botocore: string;
  requests: { where: string; errors: string[] }[];
  errorsOf: { service: string; operation: string; errors: string[] }[];
}
interface Request {
  where: string;
  service: string;
  operation: string;
  params: unknown;
}

let plan: Plan;
before(async () => {
  plan = await devAwsPlan();
});

/** Pulumi's camelCase input names as the API's PascalCase members (`id` → `ID`, as S3 spells it). */
function pascal(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pascal);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k === "id" ? "ID" : k[0].toUpperCase() + k.slice(1), pascal(x)]));
  return v;
}

/** Step Functions' RunTask Arguments as the ECS API's camelCase members; JSONata templates replaced by a sample value. */
function ecsArgs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(ecsArgs);
  if (typeof v === "string" && v.startsWith("{%")) return "run-1";
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k[0].toLowerCase() + k.slice(1), ecsArgs(x)]));
  return v;
}

function requests(): Request[] {
  const out: Request[] = [];
  for (const td of byType(plan, T.task)) out.push({ where: `task ${td.inputs.family}`, service: "ecs", operation: "RegisterTaskDefinition", params: registerTaskDefinition(td) });
  for (const sm of byType(plan, T.stateMachine)) {
    for (const [state, s] of Object.entries(json(sm.inputs.definition).States as Record<string, any>)) {
      if (s.Resource === "arn:aws:states:::ecs:runTask.sync")
        out.push({ where: `${sm.inputs.name} ${state}`, service: "ecs", operation: "RunTask", params: { ...(ecsArgs(s.Arguments) as object), startedBy: "AWS Step Functions" } });
    }
  }
  for (const s of byType(plan, T.schedule)) {
    const i = s.inputs as any;
    out.push({
      where: `schedule ${i.name}`,
      service: "scheduler",
      operation: "CreateSchedule",
      params: {
        Name: i.name,
        Description: i.description,
        ScheduleExpression: i.scheduleExpression,
        ScheduleExpressionTimezone: i.scheduleExpressionTimezone,
        State: i.state,
        FlexibleTimeWindow: pascal(i.flexibleTimeWindow),
        Target: pascal(i.target),
      },
    });
  }
  for (const l of byType(plan, T.lifecycle)) {
    out.push({
      where: `lifecycle ${l.name}`,
      service: "s3",
      operation: "PutBucketLifecycleConfiguration",
      params: { Bucket: "acmeaws-dev-bucket", LifecycleConfiguration: { Rules: pascal(l.inputs.rules) } },
    });
  }
  return out;
}

describe("the plan's requests fit AWS's service models (botocore)", () => {
  it("task definitions, RunTask calls, schedules and lifecycle rules validate", () => {
    const rs = requests();
    const kinds = new Set(rs.map((r) => r.operation));
    assert.deepEqual([...kinds].sort(), ["CreateSchedule", "PutBucketLifecycleConfiguration", "RegisterTaskDefinition", "RunTask"]);
    const a = runPython<Answer>("service_models.py", { requests: rs });
    assert.deepEqual(
      a.requests.filter((r) => r.errors.length),
      [],
    );
  });

  it("would refuse a bad request (the validator can fail): a wrong enum, a missing member, a wrong type", () => {
    const a = runPython<Answer>("service_models.py", {
      requests: [
        { where: "enum", service: "ecs", operation: "RunTask", params: { taskDefinition: "x", launchType: "LAMBDA" } },
        { where: "required", service: "scheduler", operation: "CreateSchedule", params: { Name: "x", ScheduleExpression: "rate(1 hour)", Target: { Arn: "a" } } },
        {
          where: "type",
          service: "s3",
          operation: "PutBucketLifecycleConfiguration",
          params: { Bucket: "b", LifecycleConfiguration: { Rules: [{ Status: "Enabled", Expiration: { Days: "90" } }] } },
        },
      ],
    });
    for (const r of a.requests) assert.ok(r.errors.length > 0, r.where);
  });
});

describe("the ECS errors the flows retry are ones RunTask raises (botocore's ECS model)", () => {
  it("every ECS.<exception> retried is a declared RunTask error; AmazonECS.Unknown (RunTask failures) is retried; the unmodelled ones are gone", () => {
    const a = runPython<Answer>("service_models.py", { errorsOf: [{ service: "ecs", operation: "RunTask" }] });
    const declared = a.errorsOf[0].errors;
    assert.ok(declared.includes("ServerException"), declared.join());
    // ECS.AmazonECSException is Step Functions' name for an ECS error without a modelled type, not a model shape.
    const named = ECS_TRANSIENT_ERRORS.filter((e) => e.startsWith("ECS.") && e !== "ECS.AmazonECSException").map((e) => e.slice(4));
    assert.deepEqual(
      named.filter((e) => !declared.includes(e)),
      [],
      "retried but never raised by RunTask",
    );
    for (const gone of ["ThrottlingException", "LimitExceededException"]) assert.ok(!declared.includes(gone), `${gone} is not a RunTask error`);
    assert.ok(ECS_TRANSIENT_ERRORS.includes("AmazonECS.Unknown"), "Fargate capacity (RunTask failures) is retried");
  });
});
