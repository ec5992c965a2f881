/**
 * Fargate task sizing and container definitions. Pure helpers: the PipelineRuntime turns them into
 * `aws.ecs.TaskDefinition`s.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { JobSize } from "../../types";

/** Fargate's CPU units and the memory (MiB) each allows: [min, max, step]. */
export const FARGATE_SIZES: { cpu: number; memory: [number, number, number] }[] = [
  { cpu: 256, memory: [512, 2048, 512] },
  { cpu: 512, memory: [1024, 4096, 1024] },
  { cpu: 1024, memory: [2048, 8192, 1024] },
  { cpu: 2048, memory: [4096, 16384, 1024] },
  { cpu: 4096, memory: [8192, 30720, 1024] },
];

/**
 * The smallest valid Fargate combination with at least the requested CPU and memory: memory is
 * rounded up to the CPU's step and minimum; a CPU that cannot hold the memory is raised.
 */
export function fargateSize(job: Pick<JobSize, "cpu" | "memoryGiB">): { cpu: string; memory: string } {
  const wantCpu = Math.round(job.cpu * 1024);
  const wantMemory = Math.ceil(job.memoryGiB * 1024);
  for (const size of FARGATE_SIZES) {
    if (size.cpu < wantCpu) continue;
    const [min, max, step] = size.memory;
    const memory = Math.max(min, Math.ceil(wantMemory / step) * step);
    if (memory <= max) return { cpu: String(size.cpu), memory: String(memory) };
  }
  throw new Error(`no Fargate size has ${job.cpu} vCPU and ${job.memoryGiB} GiB (at most 4 vCPU / 30 GiB)`);
}

export interface ContainerArgs {
  name: string;
  image: pulumi.Input<string>;
  command: string[];
  environment: Record<string, pulumi.Input<string>>;
  /** env var → Secrets Manager ARN */
  secrets: Record<string, pulumi.Input<string>>;
  logGroup: string;
  region: string;
}

export function containerDefinition(c: ContainerArgs): Record<string, unknown> {
  const sorted = <T>(o: Record<string, T>) =>
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]] as const);
  return {
    name: c.name,
    image: c.image,
    essential: true,
    command: c.command,
    environment: sorted(c.environment).map(([name, value]) => ({ name, value })),
    secrets: sorted(c.secrets).map(([name, valueFrom]) => ({ name, valueFrom })),
    logConfiguration: {
      logDriver: "awslogs",
      options: { "awslogs-group": c.logGroup, "awslogs-region": c.region, "awslogs-stream-prefix": c.name },
    },
  };
}

/** `<acct>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag|@digest]` → the repository ARN, or undefined for other registries. */
export function ecrRepositoryArn(image: string): string | undefined {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9._/-]+?)(?::[\w.-]+)?(?:@sha256:[0-9a-f]{64})?$/.exec(image);
  return m ? `arn:aws:ecr:${m[2]}:${m[1]}:repository/${m[3]}` : undefined;
}
