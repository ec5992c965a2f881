/**
 * Security and wiring invariants over a whole synthesized GCP environment. Each check returns the
 * violations it found (empty = holds), so tests can also show a check fails on a bad plan.
 */
import { PRIMITIVE_ROLES, projectLevelGrants } from "../../components/cloud/gcp";
import type { ProjectPrincipal } from "../../components/cloud/gcp/iam";
import { Namer } from "../../components/naming";
import type { PlatformConfig } from "../../components/types";
import type { Plan, PlannedResource } from "../../tools/synth/synthesize";
import { email, inputs, ofType, T } from "./harness";

const PUBLIC = ["allUsers", "allAuthenticatedUsers"];
const gcpResources = (plan: Plan) => plan.resources.filter((r) => r.type.startsWith("gcp:"));
const membersOf = (r: PlannedResource): string[] => {
  const i = inputs(r);
  return [...(typeof i.member === "string" ? [i.member] : []), ...(Array.isArray(i.members) ? i.members : [])];
};
const namer = (config: PlatformConfig) => new Namer("gcp", config.prefix, config.environment);

export function publicAccess(plan: Plan): string[] {
  const out: string[] = [];
  for (const r of gcpResources(plan)) for (const m of membersOf(r)) if (PUBLIC.includes(m)) out.push(`${r.type}::${r.name} grants ${m}`);
  for (const b of ofType(plan, T.bucket)) {
    const i = inputs(b);
    if (i.publicAccessPrevention !== "enforced") out.push(`bucket ${b.name}: publicAccessPrevention is ${i.publicAccessPrevention}`);
    if (i.uniformBucketLevelAccess !== true) out.push(`bucket ${b.name}: no uniform bucket-level access`);
  }
  return out;
}

export function primitiveOrAuthoritative(plan: Plan): string[] {
  const out: string[] = [];
  for (const r of gcpResources(plan)) {
    const role = inputs(r).role;
    if ((PRIMITIVE_ROLES as readonly string[]).includes(role)) out.push(`${r.type}::${r.name} grants primitive ${role}`);
    if (/(IAMBinding|IAMPolicy|IamBinding|IamPolicy)$/.test(r.type)) out.push(`${r.type}::${r.name} is authoritative`);
  }
  return out;
}

/** Project-level grants must be exactly the justified list (PROJECT_LEVEL_GRANTS, plus the options'), for the principals that exist. */
export function projectGrants(plan: Plan, config: PlatformConfig): string[] {
  const names = namer(config);
  const accounts: Record<ProjectPrincipal, string> = {
    orchestrator: names.env("orchestrator"),
    ciPreview: names.env("ci-preview"),
    ciDeploy: names.env("ci-deploy"),
  };
  const expected = new Set<string>();
  for (const [principal, roles] of Object.entries(projectLevelGrants(config)) as [ProjectPrincipal, Record<string, string>][]) {
    if (principal !== "orchestrator" && !config.ci) continue;
    for (const role of Object.keys(roles)) expected.add(`serviceAccount:${email(config, accounts[principal])} ${role}`);
  }
  const actual = new Set(ofType(plan, T.projectIam).map((r) => `${inputs(r).member} ${inputs(r).role}`));
  const out: string[] = [];
  for (const a of actual) if (!expected.has(a)) out.push(`project-level grant not in PROJECT_LEVEL_GRANTS: ${a}`);
  for (const e of expected) if (!actual.has(e)) out.push(`PROJECT_LEVEL_GRANTS lists a grant the stack does not make: ${e}`);
  for (const r of plan.resources) if (/^gcp:(organizations|folder)\//.test(r.type) && /iam/i.test(r.type)) out.push(`${r.type}::${r.name}: grant above the project`);
  return out;
}

/** Each ingestion job runs as its pipeline's own account, each dbt job as the dbt account; nothing else runs jobs. */
export function jobIdentities(plan: Plan, config: PlatformConfig): string[] {
  const names = namer(config);
  const out: string[] = [];
  const jobs = new Map(ofType(plan, T.job).map((r) => [inputs(r).name as string, inputs(r)]));
  const ingestionAccounts = new Set<string>();
  for (const p of config.pipelines) {
    const ingest = jobs.get(names.pipeline(p.name, "ingest-job"));
    if (p.source.type === "fivetran") {
      if (ingest) out.push(`${p.name}: a Fivetran pipeline has an ingestion job`);
    } else {
      const want = email(config, names.pipeline(p.name, "ing"));
      const got = ingest?.template.template.serviceAccount;
      if (got !== want) out.push(`${p.name}: ingestion job runs as ${got}, not ${want}`);
      if (ingestionAccounts.has(got)) out.push(`${p.name}: ingestion account ${got} shared with another pipeline`);
      ingestionAccounts.add(got);
    }
    const dbt = jobs.get(names.pipeline(p.name, "dbt-job"))?.template.template.serviceAccount;
    if (dbt !== email(config, names.env("dbt"))) out.push(`${p.name}: dbt job runs as ${dbt}`);
  }
  const expectedJobs = config.pipelines.length * 2 - config.pipelines.filter((p) => p.source.type === "fivetran").length;
  if (jobs.size !== expectedJobs) out.push(`${jobs.size} jobs, expected ${expectedJobs}`);
  return out;
}

/** Every schedule starts its own pipeline's workflow, as the orchestrator; one schedule per pipeline. */
export function scheduleTargets(plan: Plan, config: PlatformConfig): string[] {
  const names = namer(config);
  const out: string[] = [];
  const schedules = ofType(plan, T.schedule).map(inputs);
  const workflows = new Map(ofType(plan, T.workflow).map((r) => [inputs(r).name as string, inputs(r)]));
  if (schedules.length !== config.pipelines.length) out.push(`${schedules.length} schedules for ${config.pipelines.length} pipelines`);
  for (const p of config.pipelines) {
    const s = schedules.find((x) => x.name === names.pipeline(p.name, "schedule"));
    const flow = names.pipeline(p.name, "flow");
    const uri = `https://workflowexecutions.googleapis.com/v1/projects/${config.gcp!.project}/locations/${config.region}/workflows/${flow}/executions`;
    if (!s) out.push(`${p.name}: no schedule`);
    else {
      if (s.httpTarget?.uri !== uri) out.push(`${p.name}: schedule targets ${s.httpTarget?.uri}`);
      if (s.httpTarget?.oauthToken?.serviceAccountEmail !== email(config, names.env("orchestrator"))) out.push(`${p.name}: schedule token is not the orchestrator's`);
      if (s.schedule !== p.schedule.cron || s.timeZone !== p.schedule.timezone || s.paused !== p.schedule.paused) out.push(`${p.name}: schedule timing differs from the pipeline`);
    }
    if (!workflows.has(flow)) out.push(`${p.name}: no workflow ${flow}`);
  }
  return out;
}

/** Every secret a job reads is granted to the job's account; every accessor grant is used by who holds it. */
export function secretAccess(plan: Plan): string[] {
  const out: string[] = [];
  const accessors = ofType(plan, T.secretIam)
    .map(inputs)
    .filter((g) => g.role === "roles/secretmanager.secretAccessor")
    .map((g) => `${g.secretId} ${g.member}`);
  const used = new Set<string>();
  for (const job of ofType(plan, T.job).map(inputs)) {
    const sa = `serviceAccount:${job.template.template.serviceAccount}`;
    for (const e of job.template.template.containers[0].envs) {
      const ref = e.valueSource?.secretKeyRef?.secret;
      if (!ref) continue;
      const key = `${String(ref).split("/").pop()} ${sa}`;
      used.add(key);
      if (!accessors.includes(key)) out.push(`${job.name} reads ${ref} as ${sa} without an accessor grant`);
    }
  }
  for (const wf of ofType(plan, T.workflow).map(inputs)) {
    const secretId = wf.userEnvVars?.FIVETRAN_API_SECRET_ID;
    if (secretId) used.add(`${secretId} serviceAccount:${wf.serviceAccount}`);
  }
  for (const a of accessors) if (!used.has(a)) out.push(`accessor grant nobody uses: ${a}`);
  return out;
}

/**
 * Every GCP resource's direct parent is a data-platform component. (Unique type+name pairs and the
 * platform labels are checked over every stack by test/stacks/invariants.test.ts.)
 */
export function structure(plan: Plan): string[] {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  return gcpResources(plan)
    .filter((r) => !(r.parent && byUrn.get(r.parent)?.type.startsWith("data-platform:")))
    .map((r) => `${r.type}::${r.name} has no data-platform parent`);
}

export const ALL_CHECKS = { publicAccess, primitiveOrAuthoritative, projectGrants, jobIdentities, scheduleTargets, secretAccess, structure } as const;
