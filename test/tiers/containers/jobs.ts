/**
 * What each job runs, read from the synthesized plan (never a hand-written copy): the container's
 * arguments, its plain environment, the names of the variables its cloud fills from a secret store,
 * and the identity it runs as. GCP: the Cloud Run job's container; AWS: the ECS task definition's.
 */
import { synthesize, type Plan } from "../../../tools/synth/synthesize";

export interface JobRun {
  pipeline: string;
  kind: "ingestion" | "dbt";
  cloud: "gcp" | "aws";
  args: string[];
  env: Record<string, string>;
  /** Variables the cloud injects from its secret store at start (the value is not in the plan). */
  secretEnv: string[];
  /** The job's identity: GCP service account e-mail, AWS task role ARN. */
  identity: string;
}

interface Container {
  args?: string[];
  envs?: { name: string; value?: string; valueSource?: unknown }[];
}

function gcpJobs(plan: Plan): JobRun[] {
  return plan.resources
    .filter((r) => r.type === "gcp:cloudrunv2/job:Job")
    .map((r) => {
      const template = (r.inputs.template as { template: { containers: Container[]; serviceAccount: string } }).template;
      const [c] = template.containers;
      const envs = c.envs ?? [];
      const pipeline = (r.inputs.labels as Record<string, string>).pipeline;
      return {
        pipeline,
        kind: r.name.endsWith("-dbt-job") ? "dbt" : "ingestion",
        cloud: "gcp",
        args: c.args ?? [],
        env: Object.fromEntries(envs.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!])),
        secretEnv: envs.filter((e) => e.valueSource).map((e) => e.name),
        identity: template.serviceAccount,
      } as JobRun;
    });
}

function awsJobs(plan: Plan): JobRun[] {
  return plan.resources
    .filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition")
    .map((r) => {
      const [c] = JSON.parse(r.inputs.containerDefinitions as string) as { command: string[]; environment?: { name: string; value: string }[]; secrets?: { name: string }[] }[];
      const pipeline = (r.inputs.tags as Record<string, string>).pipeline;
      return {
        pipeline,
        kind: r.name.endsWith("-dbt-task") ? "dbt" : "ingestion",
        cloud: "aws",
        args: c.command,
        env: Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value])),
        secretEnv: (c.secrets ?? []).map((s) => s.name),
        identity: r.inputs.taskRoleArn as string,
      } as JobRun;
    });
}

/** The jobs of a stack's synthesized plan; `root` is a project root other than this checkout. */
export async function planJobs(stack: string, root?: string): Promise<{ plan: Plan; jobs: JobRun[] }> {
  const plan = await synthesize({ stack, root });
  const jobs = [...gcpJobs(plan), ...awsJobs(plan)];
  if (!jobs.length) throw new Error(`stack ${stack}: the synthesized plan declares no Cloud Run job and no ECS task definition`);
  return { plan, jobs };
}

export function job(jobs: JobRun[], pipeline: string, kind: JobRun["kind"]): JobRun {
  const found = jobs.find((j) => j.pipeline === pipeline && j.kind === kind);
  if (!found) throw new Error(`no ${kind} job for pipeline ${pipeline} in the plan (have: ${jobs.map((j) => `${j.pipeline}/${j.kind}`).join(", ")})`);
  return found;
}

/** The tag the plan gives an image (`<registry>/<kind>:<tag>` of its docker Image resource). */
export function plannedTag(plan: Plan, kind: "ingestion" | "dbt"): string {
  const image = plan.resources.find((r) => r.type === "docker:index/image:Image" && r.name === `${kind}-image`);
  if (!image) throw new Error(`the plan builds no ${kind} image (the stack pins a digest?)`);
  const name = image.inputs.imageName as string;
  return name.slice(name.lastIndexOf(":") + 1);
}
