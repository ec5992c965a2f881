/**
 * The contract between each job's environment (components/pipeline.ts, as the synthesized plan declares it
 * on both clouds, orchestration overrides included) and what the images read (ingestion/, the dbt runner,
 * dbt's profiles and models): a variable renamed or dropped on either side fails here.
 *
 * - every variable a job sets is read by its image's code (else it is dead, or the two sides disagree on
 *   its name);
 * - every variable the image's code requires (checked for missing, named by a raise, env_var without a
 *   default) is set by every job running that image.
 *
 * Stands for: the container starting with what it needs. Proof: declaration under mocks (the plan) against
 * a static read of the Python and Jinja sources (test/contract/env_reads.py, stdlib ast). Cannot prove:
 * reads the parser does not recognise (dynamic names beyond a literal-prefixed f-string), values being
 * right, or dlt's own configuration lookups; the containers tier runs the images with each job's env.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { readStackFile } from "../../tools/synth/stack-file";
import { maskSecrets, synthesize, type Plan } from "../../tools/synth/synthesize";
import { PROJECT_ROOT } from "../../stacks/program";

type Image = "ingestion" | "dbt";
interface Reads {
  reads: Record<string, string>;
  prefixes: Record<string, string>;
  required: Record<string, string>;
}

function walk(dir: string, ok: (f: string) => boolean): string[] {
  return fs.readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "tests" || e.name === "tests_runner" || e.name === "__pycache__" ? [] : walk(rel, ok);
    return ok(e.name) ? [rel] : [];
  });
}

/** The sources each image runs: its Python package, and for dbt its profile, models and macros. */
const SOURCES: Record<Image, () => string[]> = {
  ingestion: () => walk("ingestion", (f) => f.endsWith(".py")),
  dbt: () => [
    ...walk("dbt/dbt_runner", (f) => f.endsWith(".py")),
    "dbt/profiles.yml",
    ...walk("dbt/models", (f) => /\.(ya?ml|sql)$/.test(f)),
    ...walk("dbt/macros", (f) => f.endsWith(".sql")),
  ],
};

function readsOf(image: Image): Reads {
  const python = ["python3", "python"].find((p) => spawnSync(p, ["--version"]).status === 0);
  assert.ok(python, "a Python 3 interpreter is needed to read the image sources");
  const r = spawnSync(python, [path.join(__dirname, "env_reads.py"), ...SOURCES[image]()], { cwd: PROJECT_ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Each job of the plan: its image and the variables it gets (plain and secret, plus orchestration overrides). */
function jobsOf(plan: Plan): { job: string; image: Image; env: string[] }[] {
  const out: { job: string; image: Image; env: string[] }[] = [];
  const imageOf = (name: string): Image => (/-ingest-(job|task)$/.test(name) ? "ingestion" : /-dbt-(job|task)$/.test(name) ? "dbt" : assert.fail(`unknown job ${name}`));
  const overrides: Record<string, Set<string>> = { ingestion: new Set(), dbt: new Set() };
  // The GCP workflows start every job through one `run_job` subworkflow: its env overrides reach each job.
  const workflowOverrides = new Set<string>();
  for (const r of plan.resources) {
    const i = maskSecrets(r.inputs, true) as any;
    if (r.type === "gcp:cloudrunv2/job:Job") {
      out.push({ job: i.name, image: imageOf(i.name), env: i.template.template.containers.flatMap((c: any) => (c.envs ?? []).map((e: any) => e.name)) });
    } else if (r.type === "aws:ecs/taskDefinition:TaskDefinition") {
      const defs = JSON.parse(i.containerDefinitions);
      out.push({ job: i.family, image: imageOf(i.family), env: defs.flatMap((d: any) => [...(d.environment ?? []), ...(d.secrets ?? [])].map((e: any) => e.name)) });
    } else if (r.type === "gcp:workflows/workflow:Workflow") {
      for (const step of parseYaml(String(i.sourceContents)).run_job.steps as Record<string, any>[]) {
        for (const o of step.start?.try?.args?.body?.overrides?.containerOverrides ?? []) for (const e of o.env ?? []) workflowOverrides.add(e.name);
      }
    } else if (r.type === "aws:sfn/stateMachine:StateMachine") {
      for (const s of Object.values<any>(JSON.parse(i.definition).States)) {
        for (const o of s.Arguments?.Overrides?.ContainerOverrides ?? []) for (const e of o.Environment ?? []) overrides[o.Name === "dbt" ? "dbt" : "ingestion"].add(e.Name);
      }
    }
  }
  // Step Functions and the workflows add the run id and type to the containers they start: part of what the job gets.
  for (const j of out) if (j.job.endsWith("-task")) j.env.push(...overrides[j.image]);
  for (const j of out) if (j.job.endsWith("-job")) j.env.push(...workflowOverrides);
  return out;
}

const IMAGES: Image[] = ["ingestion", "dbt"];

for (const stack of ["dev", "dev-aws"]) {
  describe(`job environment against what the images read: ${stack}`, () => {
    let jobs: ReturnType<typeof jobsOf>;
    const reads = {} as Record<Image, Reads>;
    before(async () => {
      const file = readStackFile(PROJECT_ROOT, stack);
      const secrets = { "data-platform:pipelineSecrets": JSON.stringify({ shop_postgres: { db_password: "x" } }) };
      jobs = jobsOf(await synthesize({ stack, config: { ...file.config, ...secrets }, secretKeys: [...file.secretKeys, ...Object.keys(secrets)] }));
      for (const image of IMAGES) reads[image] = readsOf(image);
    });

    for (const image of IMAGES) {
      it(`every variable a ${image} job sets is read by the ${image} image`, () => {
        const mine = jobs.filter((j) => j.image === image);
        assert.ok(mine.length > 0, `${stack} runs ${image} jobs`);
        const unread = mine.flatMap((j) =>
          j.env.filter((v) => !(v in reads[image].reads) && !Object.keys(reads[image].prefixes).some((p) => v.startsWith(p))).map((v) => `${j.job}: ${v}`),
        );
        assert.deepEqual(unread, [], `set by the job, read by no code of the ${image} image`);
      });

      it(`every variable the ${image} image requires is set by each ${image} job`, () => {
        const required = Object.entries(reads[image].required);
        assert.ok(required.length > 0, "the parser found required variables");
        const unset = jobs.filter((j) => j.image === image).flatMap((j) => required.filter(([v]) => !j.env.includes(v)).map(([v, why]) => `${j.job}: ${v} (${why})`));
        assert.deepEqual(unset, [], `required by the ${image} image, set by no job`);
      });
    }
  });
}
