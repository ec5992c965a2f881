/**
 * Issue 17.1: deployed digests are remembered. The deploy pins digests in its runner's checkout only;
 * the next preview or drift check must still show no change for unchanged code, and a laptop
 * `pulumi up` of prod must not build its own images.
 *
 * Stands for: the CI flow deploy → later PR preview. What proves it: offline plans compared (the real
 * program under mocks, tools/synth) and the real pin-deployed.sh run with a stand-in `pulumi` that
 * answers `stack output` with the deployed plan's own outputs and records `config set`. What it cannot
 * prove: the real CLI's config handling and the backend's stored outputs (the engine tier's ground),
 * nor what the cloud does with the digests.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { contextHash } from "../../components/build-context";
import { loadPlatformConfig } from "../../stacks/load";
import { unpinnedPrebuiltImages } from "../../stacks/program";
import { diffPlans, isEmpty, renderMarkdown } from "../../tools/plan-diff";
import { planJson } from "../../tools/plan";
import { readStackFile, withPinnedImages } from "../../tools/synth/stack-file";
import { synthesize } from "../../tools/synth/synthesize";

const ROOT = path.resolve(__dirname, "../..");
const REPO = "europe-west1-docker.pkg.dev/acme-data-dev/acme-dev-images";
const DIGEST = (c: string) => `sha256:${c.repeat(64)}`;
const BUILT = { ingestion: `${REPO}/ingestion@${DIGEST("a")}`, dbt: `${REPO}/dbt@${DIGEST("b")}` };

const withImages = (stack: string, images: Record<string, string>) => withPinnedImages(readStackFile(ROOT, stack), images);

async function plan(stack: string, images: Record<string, string> = {}) {
  return planJson(await synthesize({ stack, ...withImages(stack, images) }));
}

/** Run pin-deployed.sh with a stand-in `pulumi`: `stack output --json` prints `outputs`; returns the `config set` calls. */
function pinDeployed(stack: string, outputs: unknown): { code: number | null; out: string; sets: Record<string, string> } {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "dp-pin-deployed-"));
  const log = path.join(bin, "calls.log");
  fs.writeFileSync(path.join(bin, "outputs.json"), outputs === undefined ? "" : JSON.stringify(outputs));
  fs.writeFileSync(
    path.join(bin, "pulumi"),
    `#!/usr/bin/env bash
echo "$*" >> "${log}"
case "$1 $2" in
  "stack output") [ -s "${bin}/outputs.json" ] || { echo "error: no stack named '$4'" >&2; exit 255; }; cat "${bin}/outputs.json" ;;
esac
exit 0
`,
    { mode: 0o755 },
  );
  const r = spawnSync("bash", [path.join(ROOT, ".github/scripts/pin-deployed.sh"), stack, `acme/${stack}`], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  const sets: Record<string, string> = {};
  for (const c of calls) {
    const m = /^config set --path data-platform:images\.(\w+) (\S+) --stack acme\/\S+$/.exec(c);
    if (m) sets[m[1]] = m[2];
    else assert.match(c, /^(login|stack output --json --stack acme\/\S+)/, `unexpected pulumi call: ${c}`);
  }
  return { code: r.status, out: `${r.stdout}${r.stderr}`, sets };
}

describe("deployed digests are remembered (pin-deployed.sh)", () => {
  it("after a deploy, a preview of unchanged code plans no change; without the pin it plans builds and job changes", { timeout: 120_000 }, async () => {
    const deployed = await plan("dev", BUILT);
    assert.deepEqual((deployed.outputs as any).images, BUILT);
    assert.deepEqual((deployed.outputs as any).imageSources, { ingestion: contextHash(path.join(ROOT, "ingestion")), dbt: contextHash(path.join(ROOT, "dbt")) });

    // What the issue replayed: the stack file in git pins nothing, so the next preview builds again.
    const unpinned = diffPlans(deployed, await plan("dev"));
    assert.equal(unpinned.added.filter((c) => c.type === "docker:index/image:Image").length, 2, renderMarkdown(unpinned));
    assert.ok(unpinned.changed.length > 0);

    const r = pinDeployed("dev", deployed.outputs);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.sets, BUILT);
    const d = diffPlans(deployed, await plan("dev", r.sets));
    assert.ok(isEmpty(d), renderMarkdown(d));
  });

  it("an image whose sources changed since the deploy is not pinned, so the preview shows it", () => {
    const r = pinDeployed("dev", { images: BUILT, imageSources: { ingestion: "0000000000000000", dbt: contextHash(path.join(ROOT, "dbt")) } });
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.sets, { dbt: BUILT.dbt });
    assert.match(r.out, /ingestion: sources changed since the deploy \(0000000000000000 -> [0-9a-f]{16}\)/);
  });

  it("a stack never deployed, or deployed before imageSources existed, pins nothing", () => {
    assert.deepEqual(pinDeployed("dev", undefined).sets, {});
    const old = pinDeployed("dev", { images: BUILT });
    assert.deepEqual(old.sets, {});
    assert.match(old.out, /sources changed since the deploy \(unknown ->/);
  });

  it("refuses an output that is not a digest reference", () => {
    const r = pinDeployed("dev", {
      images: { ingestion: `${REPO}/ingestion:latest`, dbt: BUILT.dbt },
      imageSources: { ingestion: contextHash(path.join(ROOT, "ingestion")), dbt: contextHash(path.join(ROOT, "dbt")) },
    });
    assert.deepEqual(r.sets, { dbt: BUILT.dbt });
    assert.match(r.out, /ingestion: acme\/dev runs no digest-pinned image yet/);
  });
});

describe("prod never builds its images (images.build: false)", () => {
  const prodConfig = (images: Record<string, string> = {}) => loadPlatformConfig({ root: ROOT, stack: "prod", config: withImages("prod", images).config }).config;

  it("`pulumi up` of prod without both digests stops before any resource, naming the file, field and fix", () => {
    const issues = unpinnedPrebuiltImages(prodConfig({ dbt: BUILT.dbt }), "prod", false);
    assert.deepEqual(
      issues.map((i) => [i.file, i.path, i.found]),
      [["Pulumi.prod.yaml", "data-platform:images.ingestion", "not set"]],
    );
    assert.match(issues[0].expected, /pin-deployed\.sh prod/);
    assert.deepEqual(unpinnedPrebuiltImages(prodConfig(BUILT), "prod", false), []);
    // Previews may plan it (they build nothing); dev builds as before.
    assert.deepEqual(unpinnedPrebuiltImages(prodConfig(), "prod", true), []);
    assert.equal(loadPlatformConfig({ root: ROOT, stack: "dev", config: readStackFile(ROOT, "dev").config }).config.images.build, true);
  });

  it("the real program refuses an unpinned prod `up` (mocks with preview off), and declares nothing", () => {
    // In a child process: the program's RunError ends the Pulumi run, as it ends `pulumi up`.
    const script = `require("./tools/synth/synthesize").synthesize({ stack: "prod", preview: false })
      .then((p) => { console.log("declared " + p.resources.length); process.exit(0); }, (e) => { console.error(e.message); process.exit(1); });`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 1, `${r.stdout}${r.stderr}`);
    assert.match(
      r.stderr,
      /2 configuration errors; nothing was declared:\n {2}Pulumi\.prod\.yaml {2}data-platform:images\.ingestion: expected a digest reference[\s\S]*data-platform:images\.dbt/,
    );
    assert.doesNotMatch(r.stdout, /declared/);
  });

  it("prod's preview declares no image build: the jobs show the content-tagged reference CI would promote", { timeout: 120_000 }, async () => {
    const p = await plan("prod");
    assert.equal(p.resources.filter((r) => r.type === "docker:index/image:Image").length, 0);
    const tag = contextHash(path.join(ROOT, "ingestion"));
    assert.equal((p.outputs as any).images.ingestion, `europe-west1-docker.pkg.dev/acme-data-prod/acme-prod-images/ingestion:${tag}`);
  });
});
