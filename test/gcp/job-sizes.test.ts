/**
 * Point 3: Cloud Run's CPU/memory pairs are checked when the config is loaded, with the file, line,
 * field and the range Cloud Run allows for that CPU. Stands for Cloud Run's own refusal at create time;
 * the table is Google's ("Configure CPU limits", "Configure memory limits", the v2 API's
 * ResourceRequirements), proven here against our copy of it: the gcp-emulated tier checks the limits
 * the jobs declare against the API's discovery document.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cloudRunSizeProblem } from "../../components/cloud/gcp/limits";
import { ConfigError } from "../../stacks/errors";
import { load, project, VALID_PIPELINE, VALID_STACK } from "../config/fixture";

function issues(files: Parameters<typeof project>[0]) {
  try {
    load(project(files));
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
}

describe("gcp job sizes: Cloud Run CPU/memory pairs", () => {
  it("follows Google's table", () => {
    for (const [cpu, mem] of [
      [1, 0.5],
      [1, 4],
      [2, 8],
      [4, 2],
      [4, 16],
      [8, 32],
    ])
      assert.equal(cloudRunSizeProblem(cpu, mem), undefined, `${cpu}/${mem}`);
    assert.match(cloudRunSizeProblem(4, 30)!, /memoryGiB from 2 to 16 for cpu 4/);
    assert.match(cloudRunSizeProblem(1, 8)!, /memoryGiB from 0.5 to 4 for cpu 1/);
    assert.match(cloudRunSizeProblem(4, 1)!, /from 2 to 16/);
    assert.match(cloudRunSizeProblem(0.25, 2)!, /cpu 1, 2, 4, 8/);
  });

  it("rejects a stack's pair with the stack file's line and field, and declares nothing", () => {
    const found = issues({ stack: `${VALID_STACK}  data-platform:jobs:\n    ingestion: { cpu: 4, memoryGiB: 30 }\n` });
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0].file, "Pulumi.dev.yaml");
    assert.equal(found[0].line, 11);
    assert.equal(found[0].path, "data-platform:jobs.ingestion.memoryGiB");
    assert.match(found[0].expected, /memoryGiB from 2 to 16 for cpu 4/);
    assert.equal(found[0].found, "memoryGiB 30 with cpu 4");
  });

  it("rejects a pipeline's pair, merged over the stack's, at the layer that set the memory (environment override here)", () => {
    const pipeline = `${VALID_PIPELINE}jobs:\n  dbt: { cpu: 2 }\nenvironments:\n  dev:\n    jobs:\n      dbt: { memoryGiB: 12 }\n`;
    const found = issues({ pipelines: { "orders.yaml": pipeline } });
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0].file, "pipelines/orders.yaml");
    assert.equal(found[0].path, "environments.dev.jobs.dbt.memoryGiB");
    assert.equal(found[0].line, 17);
    assert.match(found[0].expected, /memoryGiB from 0.5 to 8 for cpu 2 .*, in stack dev/);
  });

  it("rejects a fractional CPU on GCP (the v2 API takes whole CPUs), pointing at the cpu the pipeline set", () => {
    const found = issues({ pipelines: { "orders.yaml": `${VALID_PIPELINE}jobs:\n  ingestion: { cpu: 0.25 }\n` } });
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0].path, "jobs.ingestion.cpu");
    assert.match(found[0].expected, /cpu 1, 2, 4, 8/);
  });

  it("accepts the shipped pairs", () => {
    assert.deepEqual(issues({ pipelines: { "orders.yaml": `${VALID_PIPELINE}jobs:\n  ingestion: { cpu: 2, memoryGiB: 8 }\n` } }), []);
  });
});
