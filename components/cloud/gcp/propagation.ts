/**
 * IAM propagation: a wait between the grants a pipeline's jobs need and the jobs themselves, like
 * Terraform's `time_sleep`, so that the first `pulumi up` of a fresh project (or of a new pipeline)
 * succeeds without a rerun.
 *
 * Why: Cloud Run checks, when it creates a job, that the job's account can read every secret version
 * the job names, and IAM is eventually consistent: "Changes to allow or deny policies typically
 * propagate in 2 minutes, but could potentially take 7 minutes or longer"
 * (cloud.google.com/iam/docs/access-change-propagation). A grant created a second before the job may
 * not be effective yet, and the job's create fails with a permission error.
 *
 * What it does: a Pulumi dynamic resource that sleeps `seconds` when it is created and at no other
 * time. The engine never calls `create` in a preview; an update (say, `seconds` changed) returns at
 * once; an unchanged resource is not called at all. Its `waitsFor` are the URNs of the grants (and
 * secret versions) it waits for: when that set changes (a job reads a new secret), it is replaced, so the new grant gets its wait
 * too, before the job's update. The jobs depend on it; it depends on the grants and versions.
 */
import * as pulumi from "@pulumi/pulumi";

export interface IamPropagationInputs {
  /** How long `create` sleeps. */
  seconds: number;
  /** URNs of the grants (and secret versions) this waits for: a change of the set replaces it, so it waits again. */
  waitsFor: string[];
}

export interface IamPropagationOutputs extends IamPropagationInputs {
  /** When the wait ended (ISO 8601), and how long it lasted: both from `create`, kept by updates. */
  waitedUntil: string;
  waitedSeconds: number;
}

/** Where a wrong input goes: the message names the field, what was expected and what was found. */
function problems(news: Partial<IamPropagationInputs>): pulumi.dynamic.CheckFailure[] {
  const out: pulumi.dynamic.CheckFailure[] = [];
  const { seconds, waitsFor } = news;
  if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0 || seconds > 900)
    out.push({ property: "seconds", reason: `expected a whole number of seconds from 0 to 900, found ${JSON.stringify(seconds)}` });
  if (!Array.isArray(waitsFor) || waitsFor.some((g) => typeof g !== "string"))
    out.push({ property: "waitsFor", reason: `expected a list of URNs, found ${JSON.stringify(waitsFor)}` });
  return out;
}

/** The same set of grants, whatever the order. */
function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = [...(a ?? [])].sort();
  const y = [...(b ?? [])].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

export const iamPropagationProvider: pulumi.dynamic.ResourceProvider<IamPropagationInputs, IamPropagationOutputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: problems(news) };
  },

  async diff(_id, olds, news) {
    const replaces = sameSet(olds.waitsFor, news.waitsFor) ? [] : ["waitsFor"];
    // Create the replacement (and wait) before the old one goes: nothing depends on its id.
    return { changes: replaces.length > 0 || olds.seconds !== news.seconds, replaces, deleteBeforeReplace: false };
  },

  async create(inputs) {
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, inputs.seconds * 1000));
    const ended = Date.now();
    return {
      id: `iam-propagation-${started.toString(36)}`,
      outs: { seconds: inputs.seconds, waitsFor: [...inputs.waitsFor], waitedUntil: new Date(ended).toISOString(), waitedSeconds: Math.round((ended - started) / 100) / 10 },
    };
  },

  // No wait: the grants it stands for did not change (a changed set replaces, see diff).
  async update(_id, olds, news) {
    return { outs: { seconds: news.seconds, waitsFor: [...news.waitsFor], waitedUntil: olds.waitedUntil, waitedSeconds: olds.waitedSeconds } };
  },

  async delete() {
    // Nothing exists outside Pulumi's state.
  },
};

/** Type token `pulumi-nodejs:dynamic/gcp:IamPropagation`. */
export class IamPropagation extends pulumi.dynamic.Resource {
  declare readonly waitedUntil: pulumi.Output<string>;
  declare readonly waitedSeconds: pulumi.Output<number>;

  constructor(name: string, args: { seconds: number; waitsFor: pulumi.Resource[] }, opts?: pulumi.CustomResourceOptions) {
    super(
      iamPropagationProvider,
      name,
      { seconds: args.seconds, waitsFor: args.waitsFor.map((g) => g.urn), waitedUntil: undefined, waitedSeconds: undefined },
      pulumi.mergeOptions(opts, { dependsOn: args.waitsFor }),
      "gcp",
      "IamPropagation",
    );
  }
}
