/**
 * Where a stack's runs start and land, for the operations commands (`npm run trigger`, `npm run runs`):
 * each pipeline's orchestration (the GCP workflow's id or the state machine's ARN) and the artifacts
 * bucket, read from the stack's outputs (`pipelines.<name>.orchestration`, `artifactsBucket`).
 *
 * By default those outputs are the offline plan's (tools/synth: the real program and stack file under
 * Pulumi's mocks, whose ids and ARNs follow each provider's format), so nothing is restated here and no
 * Pulumi CLI or state is needed; `--outputs <file>` reads a deployed stack's real outputs instead
 * (`pulumi stack output --json --stack <s> > outputs.json`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { synthesize } from "../synth/synthesize";

export interface StackTargets {
  stack: string;
  cloud: "gcp" | "aws";
  /** `gs://<bucket>` or `s3://<bucket>`. */
  artifactsBucket: string;
  /** pipeline → `projects/<p>/locations/<r>/workflows/<name>` (GCP) or `arn:aws:states:<r>:<account>:stateMachine:<name>` (AWS). */
  orchestrations: Record<string, string>;
  /** Where the values came from, for messages. */
  source: string;
}

export class UsageError extends Error {}

interface StackOutputs {
  cloud?: unknown;
  artifactsBucket?: unknown;
  pipelines?: Record<string, { orchestration?: unknown }>;
}

export async function stackTargets(root: string, stack: string, outputsFile?: string): Promise<StackTargets> {
  let outputs: StackOutputs;
  let source: string;
  if (outputsFile) {
    try {
      outputs = JSON.parse(fs.readFileSync(path.resolve(outputsFile), "utf8")) as StackOutputs;
    } catch (e) {
      throw new UsageError(`--outputs ${outputsFile}: expected the JSON of \`pulumi stack output --json\`, found ${(e as Error).message}`);
    }
    source = `stack outputs in ${outputsFile}`;
  } else {
    if (!fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`))) {
      const known = fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
      throw new UsageError(`--stack ${stack}: expected one of ${["local", ...known].join(", ")}, found no Pulumi.${stack}.yaml`);
    }
    // Without an engine, pulumi.log.info goes to console.log; keep stdout for the command's own output (it may be JSON).
    const log = console.log;
    console.log = (...line: unknown[]) => console.error(...line);
    try {
      outputs = (await synthesize({ stack, root })).outputs as StackOutputs;
    } finally {
      console.log = log;
    }
    source = `the offline plan of Pulumi.${stack}.yaml`;
  }
  const cloud = outputs.cloud;
  const bucket = outputs.artifactsBucket;
  if ((cloud !== "gcp" && cloud !== "aws") || typeof bucket !== "string" || !/^(gs|s3):\/\/[^/]+$/.test(bucket) || !outputs.pipelines) {
    throw new UsageError(
      `${source}: expected outputs cloud (gcp|aws), artifactsBucket (gs://… or s3://…) and pipelines, found ${JSON.stringify({ cloud, artifactsBucket: bucket, pipelines: !!outputs.pipelines })}`,
    );
  }
  const orchestrations = Object.fromEntries(Object.entries(outputs.pipelines).flatMap(([name, p]) => (typeof p?.orchestration === "string" ? [[name, p.orchestration]] : [])));
  return { stack, cloud, artifactsBucket: bucket, orchestrations, source };
}

/** The orchestration of one pipeline, or a usage error naming the known ones. */
export function orchestrationOf(targets: StackTargets, pipeline: string): string {
  const id = targets.orchestrations[pipeline];
  if (!id)
    throw new UsageError(`--pipeline ${pipeline}: expected one of ${Object.keys(targets.orchestrations).sort().join(", ")} (from ${targets.source}), found no such pipeline`);
  return id;
}

/** `--name value` flags, every problem at once; unknown flags and missing values are usage errors. */
export function parseFlags(argv: string[], known: Record<string, "value" | "switch">): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith("--") ? a.slice(2) : undefined;
    if (!name || !(name in known)) {
      problems.push(
        `${a}: expected one of ${Object.keys(known)
          .map((k) => `--${k}`)
          .join(", ")}`,
      );
      continue;
    }
    if (known[name] === "switch") out[name] = true;
    else if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) problems.push(`--${name}: expected a value, found nothing`);
    else out[name] = argv[++i];
  }
  if (problems.length) throw new UsageError(problems.join("\n"));
  return out;
}
