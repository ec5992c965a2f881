/**
 * IamPropagation (components/cloud/gcp/propagation.ts) through the real Pulumi engine: the CLI built
 * from its Go module (install-pulumi.sh), the Automation API's inline program, the SDK's dynamic-provider
 * host, a local file backend.
 *
 * Stands for: the first `pulumi up` of a GCP stack waiting, once, between the IAM grants a Cloud Run job
 * needs and the job, so that Google's IAM has applied them (typically 2 min, possibly 7: Google's
 * "Access change propagation"); and later `up`s not waiting again. Proven by running the engine for
 * real ("ran for real"): the grants and the job are stand-in dynamic resources that record when the
 * engine created them, so the order and the wait are measured, not assumed. It waits on create (the
 * job is created at least `seconds` after the grant), not on a no-op `up` (nothing is called), not on
 * an update (a 600 s setting applies at once: the test's timeout would fail it otherwise), not in a
 * preview, and again when the set of grants changes (replacement). Cannot prove: that the configured
 * time is enough for Google's IAM, nor anything of Cloud Run or IAM themselves.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import { IamPropagation } from "../../../components/cloud/gcp/propagation";
import { engineStack } from "./workspace";

/** A stand-in for a grant or a job: records, in its outputs, when the engine created it. */
const stampProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return { id: `stamp-${inputs.label}`, outs: { label: inputs.label, createdAtMs: Date.now() } };
  },
  async diff(_id, olds, news) {
    return { changes: olds.label !== news.label };
  },
};
class Stamp extends pulumi.dynamic.Resource {
  declare readonly createdAtMs: pulumi.Output<number>;
  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(stampProvider, name, { label: name, createdAtMs: undefined }, opts, "test", "Stamp");
  }
}

/** What the program declares; the test changes it between runs. */
const desired = { seconds: 3, grants: ["grant-a"] };

function program() {
  const grants = desired.grants.map((g) => new Stamp(g));
  const wait = new IamPropagation("wait", { seconds: desired.seconds, waitsFor: grants });
  const job = new Stamp("job", { dependsOn: [wait] });
  return Promise.resolve({
    grantCreatedAtMs: grants[grants.length - 1].createdAtMs,
    waitedUntil: wait.waitedUntil,
    waitedSeconds: wait.waitedSeconds,
    jobCreatedAtMs: job.createdAtMs,
  });
}

describe("engine tier: IamPropagation waits on create only, between the grants and the job", { timeout: 20 * 60_000 }, () => {
  let stack: Stack;
  let tmp: string;
  const log: string[] = [];
  const onOutput = (s: string) => void log.push(s);

  before(async () => {
    ({ stack, tmp } = await engineStack({
      stackName: "propagation",
      program,
    }));
  });

  after(async () => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  let first: { waitedUntil: string; jobCreatedAtMs: number };

  it("a first up creates the grant, waits, then creates the job", async () => {
    const r = await stack.up({ onOutput });
    assert.equal(r.summary.result, "succeeded", log.join(""));
    const o = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.value]));
    assert.ok(o.waitedSeconds >= desired.seconds, `waited ${o.waitedSeconds} s`);
    const gap = o.jobCreatedAtMs - o.grantCreatedAtMs;
    assert.ok(gap >= desired.seconds * 1000, `the job was created ${gap} ms after the grant, expected at least ${desired.seconds} s`);
    assert.ok(Date.parse(o.waitedUntil) <= o.jobCreatedAtMs, "the job after the wait ended");
    first = { waitedUntil: o.waitedUntil, jobCreatedAtMs: o.jobCreatedAtMs };
  });

  it("an up with nothing changed calls no provider: no wait", async () => {
    const r = await stack.up({ onOutput });
    assert.deepEqual(Object.keys(r.summary.resourceChanges ?? {}), ["same"], JSON.stringify(r.summary.resourceChanges));
    assert.equal(r.outputs.waitedUntil.value, first.waitedUntil);
  });

  it("an update of the wait's length applies without waiting (600 s would time the test out), and a preview never waits", { timeout: 120_000 }, async () => {
    desired.seconds = 600;
    const preview = await stack.preview({ onOutput });
    assert.equal(preview.changeSummary.update, 1, preview.stdout);
    const r = await stack.up({ onOutput });
    assert.equal(r.summary.resourceChanges?.update, 1, JSON.stringify(r.summary.resourceChanges));
    assert.equal(r.outputs.waitedUntil.value, first.waitedUntil, "the create's record is kept");
    assert.equal(r.outputs.jobCreatedAtMs.value, first.jobCreatedAtMs, "the job is untouched");
  });

  it("a new grant replaces the wait: it waits again, after the new grant", async () => {
    desired.seconds = 2;
    desired.grants = ["grant-a", "grant-b"];
    const preview = await stack.preview({ onOutput, diff: true });
    assert.equal(preview.changeSummary.replace, 1, preview.stdout);
    const r = await stack.up({ onOutput });
    assert.equal(r.summary.result, "succeeded");
    const o = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.value]));
    assert.ok(o.waitedSeconds >= 2, `waited ${o.waitedSeconds} s`);
    assert.ok(Date.parse(o.waitedUntil) - o.grantCreatedAtMs >= 2000, "the new wait ended at least 2 s after the new grant");
    assert.notEqual(o.waitedUntil, first.waitedUntil);
  });

  it("refuses a bad length with the field, what it expects and what it found, before creating anything", async () => {
    desired.seconds = -5;
    await assert.rejects(stack.up({ onOutput }), /seconds.*expected a whole number of seconds from 0 to 900, found -5/s);
    desired.seconds = 2;
  });

  it("destroy removes it", async () => {
    const r = await stack.destroy({ onOutput });
    assert.equal(r.summary.result, "succeeded");
    assert.equal(r.summary.resourceChanges?.delete, 5, JSON.stringify(r.summary.resourceChanges));
  });
});
