import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { contextHash } from "../../components/build-context";
import { PROJECT_ROOT } from "../../stacks/program";
import { readStackFile } from "../../tools/synth/stack-file";
import { maskSecrets, synthesize, type Plan } from "../../tools/synth/synthesize";

const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** Every image reference a job or task runs, with where it was found. */
function jobImages(plan: Plan): [string, string][] {
  const out: [string, string][] = [];
  for (const r of plan.resources) {
    const inputs = maskSecrets(r.inputs, true) as Record<string, any>;
    if (r.type === "gcp:cloudrunv2/job:Job") {
      for (const c of inputs.template.template.containers) out.push([r.name, c.image]);
    }
    if (r.type === "aws:ecs/taskDefinition:TaskDefinition") {
      for (const c of JSON.parse(inputs.containerDefinitions)) out.push([r.name, c.image]);
    }
  }
  return out;
}

describe("images", () => {
  for (const stack of ["dev", "dev-aws"]) {
    it(`${stack}: every job runs an image pinned by digest`, async () => {
      const images = jobImages(await synthesize({ stack }));
      assert.ok(images.length >= 5, `found ${images.length} job images`);
      for (const [job, image] of images) assert.match(image, DIGEST, `${job} runs ${image}`);
    });
  }

  it("builds are tagged by the hash of their build context and not built on preview", async () => {
    const plan = await synthesize({ stack: "dev" });
    const builds = plan.resources.filter((r) => r.type === "docker:index/image:Image");
    assert.deepEqual(builds.map((b) => b.name).sort(), ["dbt-image", "ingestion-image"]);
    for (const b of builds) {
      const kind = b.name.replace(/-image$/, "");
      assert.ok(String(b.inputs.imageName).endsWith(`/${kind}:${contextHash(path.join(PROJECT_ROOT, kind))}`), String(b.inputs.imageName));
      assert.equal(b.inputs.buildOnPreview, false);
      // Relative to the project root (the program's cwd), so every checkout plans the same input.
      assert.equal((b.inputs.build as { context: string }).context, kind);
      assert.equal((b.inputs.build as { dockerfile: string }).dockerfile, `${kind}/Dockerfile`);
    }
  });

  it("a stack that pins prebuilt digests builds nothing and runs exactly those digests", async () => {
    const pinned = {
      ingestion: `europe-west1-docker.pkg.dev/acme-ci/images/ingestion@sha256:${"a".repeat(64)}`,
      dbt: `europe-west1-docker.pkg.dev/acme-ci/images/dbt@sha256:${"b".repeat(64)}`,
    };
    const file = readStackFile(PROJECT_ROOT, "prod");
    const plan = await synthesize({ stack: "prod", config: { ...file.config, "data-platform:images": JSON.stringify(pinned) }, secretKeys: file.secretKeys });
    assert.equal(plan.resources.filter((r) => r.type === "docker:index/image:Image").length, 0);
    const used = new Set(jobImages(plan).map(([, image]) => image));
    assert.deepEqual([...used].sort(), [pinned.dbt, pinned.ingestion].sort());
  });
});
