/**
 * Cloud Run's CPU/memory pairs, as Google documents them ("Configure CPU limits" and "Configure memory
 * limits" for Cloud Run): below 0.5 vCPU at most 512 MiB, below 1 vCPU at most 1 GiB; more than 4 GiB
 * needs 2 vCPU, more than 8 GiB 4 vCPU, more than 16 GiB 6 vCPU, more than 24 GiB 8 vCPU; 4 vCPU need at
 * least 2 GiB; the second-generation execution environment (which the jobs use) needs at least 512 MiB.
 * And the Cloud Run Admin API v2 (its discovery document, `ResourceRequirements.limits`) takes only whole
 * CPUs, "1", "2", "4" or "8", whatever the services' pages say about fractions.
 * Cloud Run rejects any other pair when the job is created, so the config loader checks them first.
 * Pure data and arithmetic: no @pulumi/gcp here, so `stacks/` may import it.
 */

/** Allowed memory (GiB) for one CPU setting. */
export interface MemoryRange {
  minGiB: number;
  maxGiB: number;
}

/** The allowed memory range for `cpu` vCPU. */
export function cloudRunMemoryRange(cpu: number): MemoryRange {
  const minGiB = cpu >= 6 ? 4 : cpu >= 4 ? 2 : 0.5;
  const maxGiB = cpu < 0.5 ? 0.5 : cpu < 1 ? 1 : cpu < 2 ? 4 : cpu < 4 ? 8 : cpu < 6 ? 16 : cpu < 8 ? 24 : 32;
  return { minGiB, maxGiB };
}

/** The CPU values a Cloud Run job's `limits.cpu` takes. */
export const CLOUD_RUN_JOB_CPUS = [1, 2, 4, 8] as const;

/** Undefined when Cloud Run accepts `cpu` with `memoryGiB`, else what it accepts for that CPU. */
export function cloudRunSizeProblem(cpu: number, memoryGiB: number): string | undefined {
  if (!(CLOUD_RUN_JOB_CPUS as readonly number[]).includes(cpu)) return `cpu ${CLOUD_RUN_JOB_CPUS.join(", ")} (Cloud Run jobs take whole vCPUs)`;
  const { minGiB, maxGiB } = cloudRunMemoryRange(cpu);
  if (memoryGiB >= minGiB && memoryGiB <= maxGiB) return undefined;
  return `memoryGiB from ${minGiB} to ${maxGiB} for cpu ${cpu} (Cloud Run's CPU/memory pairs)`;
}

/** A job size as the Cloud Run Admin API takes it: whole CPUs as "1".."8", memory in MiB. */
export function cloudRunLimits(size: { cpu: number; memoryGiB: number }): { cpu: string; memory: string } {
  return { cpu: String(size.cpu), memory: `${Math.round(size.memoryGiB * 1024)}Mi` };
}
