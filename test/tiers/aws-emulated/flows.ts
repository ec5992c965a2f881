/**
 * Jobs for sfn_emulator.py, built from the plan: a pipeline's state machine definition, its task
 * definitions as RegisterTaskDefinition requests, its failure rule and alert transformer.
 */
import type { Plan, PlannedResource } from "../../../tools/synth/synthesize";
import { byType, json, runPython, T } from "./tools";

/** A Pulumi aws.ecs.TaskDefinition's inputs as the RegisterTaskDefinition request the provider sends. */
export function registerTaskDefinition(td: PlannedResource): Record<string, unknown> {
  const i = td.inputs as any;
  return {
    family: i.family,
    containerDefinitions: json(i.containerDefinitions),
    cpu: i.cpu,
    memory: i.memory,
    networkMode: i.networkMode,
    requiresCompatibilities: i.requiresCompatibilities,
    executionRoleArn: i.executionRoleArn,
    taskRoleArn: i.taskRoleArn,
    runtimePlatform: i.runtimePlatform,
    tags: Object.entries(i.tags ?? {}).map(([key, value]) => ({ key, value })),
  };
}

export interface FlowRun {
  status: string;
  error?: string;
  cause?: string;
  events: string[];
  runTasks: { family: string; requested: string; revision: number; status: string; outcome: string; parameters: any }[];
  retryWaits: number[];
  waits: number[];
  http: { method: string; url: string; connection?: string; headers: Record<string, string>; body?: unknown }[];
  alerts: string[];
  /** Messages the success rule delivered (with `notify`). */
  successNotices: string[];
}

export interface Scenario {
  /** Outcomes of successive RunTask calls per task family: ok, hold, exit:<code>, capacity, server. */
  ecs?: Record<string, string[]>;
  /** Fivetran stand-in: trigger answers (ok or an HTTP status) and poll answers (running, succeeded, failed, broken). */
  fivetran?: { trigger?: string[]; polls?: string[] };
  /** While a task of `whileFamily` runs, deploy a new revision of `redeployFamily` and deregister the old. */
  deployDuringRun?: { whileFamily: string; redeployFamily: string };
  /** Rewrites the definition before the run (negative controls). */
  definition?: (d: string) => string;
  /** Publish the plan's failure alert for the ended execution. */
  alert?: boolean;
  /** Publish the plan's success notice (the pipeline's `-succeeded` rule, declared for notify.onSuccess) for the ended execution. */
  notify?: boolean;
  /** The execution's input; default the plan's schedule target input (what EventBridge Scheduler sends). */
  input?: unknown;
}

export function pipelineFlow(plan: Plan, pipeline: string) {
  const base = `acmeaws-dev-${pipeline.replace(/_/g, "-")}`;
  const sm = byType(plan, T.stateMachine).find((r) => r.inputs.name === `${base}-flow`);
  if (!sm) throw new Error(`no state machine ${base}-flow in the plan`);
  const tasks = byType(plan, T.task).filter((r) => String(r.inputs.family).startsWith(`${base}-`));
  const rule = byType(plan, T.rule).find((r) => r.inputs.name === `${base}-failed`)!;
  const target = byType(plan, T.target).find((r) => r.name === `${pipeline}-failed-owner`)!;
  const schedule = byType(plan, T.schedule).find((r) => r.inputs.name === `${base}-schedule`);
  if (!schedule) throw new Error(`no schedule ${base}-schedule in the plan`);
  const succeeded = byType(plan, T.rule).find((r) => r.inputs.name === `${base}-succeeded`);
  const succeededTarget = byType(plan, T.target).find((r) => r.name === `${pipeline}-succeeded-success`);
  return { base, sm, tasks, rule, target, succeeded, succeededTarget, schedule, definition: String(sm.inputs.definition) };
}

export function runFlow(plan: Plan, pipeline: string, scenario: Scenario = {}): FlowRun {
  const f = pipelineFlow(plan, pipeline);
  const def = json(f.definition);
  const ecsStates = Object.values(def.States as Record<string, any>).filter((s) => String(s.Resource).includes(":ecs:"));
  const net = ecsStates[0]?.Arguments.NetworkConfiguration.AwsvpcConfiguration;
  const cluster = String(ecsStates[0]?.Arguments.Cluster).split("/").pop();
  const it = f.target.inputs.inputTransformer as any;
  return runPython<FlowRun>("sfn_emulator.py", {
    region: "eu-west-1",
    timeScale: 1000,
    name: f.sm.inputs.name,
    roleArn: f.sm.inputs.roleArn,
    definition: scenario.definition ? scenario.definition(f.definition) : f.definition,
    cluster,
    subnets: net.Subnets,
    securityGroups: net.SecurityGroups,
    taskDefinitions: f.tasks.map(registerTaskDefinition),
    ecs: scenario.ecs ?? {},
    fivetran: scenario.fivetran ?? {},
    deployDuringRun: scenario.deployDuringRun,
    input: JSON.stringify(scenario.input === undefined ? json((f.schedule.inputs.target as any).input) : scenario.input),
    failedRule: scenario.alert ? { eventPattern: f.rule.inputs.eventPattern, inputTransformer: { InputPathsMap: it.inputPaths, InputTemplate: it.inputTemplate } } : undefined,
    succeededRule: scenario.notify ? succeededRule(f) : undefined,
  });
}

function succeededRule(f: ReturnType<typeof pipelineFlow>) {
  if (!f.succeeded || !f.succeededTarget) throw new Error(`no ${f.base}-succeeded rule and target in the plan (the pipeline has no notify.onSuccess?)`);
  const st = f.succeededTarget.inputs.inputTransformer as any;
  return { eventPattern: f.succeeded.inputs.eventPattern, inputTransformer: { InputPathsMap: st.inputPaths, InputTemplate: st.inputTemplate } };
}
