/**
 * The GCP environment as components/platform.ts builds it (the real program, with the warehouse,
 * Fivetran and image components): the same invariants hold, and the platform's wiring reaches GCP.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { PROJECT_ROOT } from "../../stacks/program";
import { readStackFile, withPinnedImages } from "../../tools/synth/stack-file";
import { synthesize, type Plan } from "../../tools/synth/synthesize";
import { inputs, loadConfig, ofType, one, T } from "./harness";
import * as check from "./invariants";
import { examplesRoot } from "../examples";

const plans: Record<string, Plan> = {};
before(async () => {
  plans.dev = await synthesize({ stack: "dev", root: examplesRoot() });
  // prod never builds (images.build: false): planned as the deploy runs it, with the digests CI promotes.
  const promoted = {
    ingestion: `europe-west1-docker.pkg.dev/acme-data-prod/acme-prod-images/ingestion@sha256:${"a".repeat(64)}`,
    dbt: `europe-west1-docker.pkg.dev/acme-data-prod/acme-prod-images/dbt@sha256:${"b".repeat(64)}`,
  };
  plans.prod = await synthesize({ stack: "prod", root: examplesRoot(), ...withPinnedImages(readStackFile(PROJECT_ROOT, "prod"), promoted) });
});

for (const stack of ["dev", "prod"]) {
  describe(`gcp in the full program (${stack})`, () => {
    it("holds every invariant", () => {
      const { config } = loadConfig(stack);
      for (const [name, fn] of Object.entries(check.ALL_CHECKS)) assert.deepEqual(fn(plans[stack], config), [], name);
    });
    it("grants the Snowflake storage integration read access on the raw bucket", () => {
      const readers = ofType(plans[stack], T.bucketIam)
        .map(inputs)
        .filter((g) => g.role === "roles/storage.objectViewer" && !g.condition);
      assert.equal(readers.length, 1);
      assert.match(readers[0].member, /^serviceAccount:mock-.*@gcpuseast4-1234\.iam\.gserviceaccount\.com$/);
    });
    it("runs the images the Deploy component pinned by digest", () => {
      const image = inputs(one(plans[stack], T.job, "jsonplaceholder-ingest-job")).template.template.containers[0].image;
      assert.match(image, new RegExp(`^europe-west1-docker\\.pkg\\.dev/acme-data-${stack}/acme-${stack}-images/ingestion@sha256:[0-9a-f]{64}$`));
    });
  });
}
