/**
 * Containers tier: .github/scripts/build-image.sh and pin-images.sh against a real registry (Debian's
 * docker-registry, CNCF distribution, on loopback).
 *
 * Stands for: the deploy workflow building each image once, pushing it, skipping the build when the
 * content-hash tag is already in the registry, and pinning the stack to the pushed digests.
 * Proven by: the scripts themselves, run for real with Docker's engine, buildx (built from its Go
 * module, pinned) and the registry's own manifests (ran for real). Stand-in: the base image
 * (BASE_IMAGE, as everywhere in this tier). Cannot prove: the cloud registries' auth (Artifact
 * Registry, ECR), BuildKit's newer features missing from Debian's engine, the Pulumi Cloud backend
 * (a file backend is used).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { CACHE, DOCKER_ENV, startEngine, type Engine } from "./engine";
import { ensureBase, ROOT } from "./images";
import { startRegistry, type Server } from "./servers";
import { contextHash } from "../../../components/build-context";

const BUILDX_VERSION = "0.15.1";
const PULUMI_VERSION = "3.248.0";

let engine: Engine | undefined;
let skip: string | undefined;
let registry: Server;
let base = "";
const work = fs.mkdtempSync(path.join(os.tmpdir(), "dp-registry-test-"));
const dockerConfig = path.join(work, "docker-config");

/** buildx, built once from its Go module into the cache; Debian's engine does not ship it. */
function buildx(): string {
  const dir = path.join(CACHE, `buildx-${BUILDX_VERSION}`);
  const bin = path.join(dir, "buildx");
  if (!fs.existsSync(bin)) {
    const r = spawnSync("go", ["install", `github.com/docker/buildx/cmd/buildx@v${BUILDX_VERSION}`], {
      env: { ...process.env, GOBIN: dir },
      stdio: ["ignore", "inherit", "inherit"],
      timeout: 40 * 60_000,
    });
    if (r.status !== 0 || !fs.existsSync(bin)) throw new Error(`go install buildx@v${BUILDX_VERSION} exited ${r.status}: the registry tests need buildx`);
  }
  return bin;
}

/** The Pulumi CLI the engine tier installs (same cache convention and pinned version). */
function pulumiBin(): string {
  const dir = path.join(path.dirname(CACHE), `pulumi-v${PULUMI_VERSION}`, "bin");
  if (!fs.existsSync(path.join(dir, "pulumi"))) throw new Error(`no Pulumi CLI v${PULUMI_VERSION} in ${dir}: run the engine tier first (npm test -- --only engine), it builds it`);
  return dir;
}

function sh(script: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT) {
  return spawnSync("bash", [script, ...args], { cwd, env: { ...DOCKER_ENV, DOCKER_BUILDKIT: "1", DOCKER_CONFIG: dockerConfig, ...env }, encoding: "utf8", timeout: 30 * 60_000 });
}

async function manifestDigest(repo: string, tag: string): Promise<string | undefined> {
  const r = await fetch(`http://${registry.url}/v2/${repo}/manifests/${tag}`, {
    method: "HEAD",
    headers: {
      accept:
        "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json",
    },
  });
  return r.ok ? (r.headers.get("docker-content-digest") ?? undefined) : undefined;
}

before(async () => {
  const e = startEngine();
  if ("skip" in e) {
    skip = e.skip;
    return;
  }
  engine = e;
  base = ensureBase();
  fs.mkdirSync(path.join(dockerConfig, "cli-plugins"), { recursive: true });
  fs.symlinkSync(buildx(), path.join(dockerConfig, "cli-plugins", "docker-buildx"));
  registry = await startRegistry();
});

after(async () => {
  await registry?.stop();
  engine?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("containers: build-image.sh and pin-images.sh against a registry", () => {
  const refs: Record<string, string> = {};

  for (const kind of ["ingestion", "dbt"] as const) {
    test(`build-image.sh ${kind}: pushes the content-hash tag once, then skips the build`, async (t) => {
      if (skip) return t.skip(skip);
      const out = path.join(work, `${kind}.out`);
      const env = { IMAGE_REPOSITORY: `${registry.url}/dp`, GITHUB_OUTPUT: out, BASE_IMAGE: base, BUILD_NETWORK: "host" };
      const first = sh(".github/scripts/build-image.sh", [kind, "dev"], env);
      assert.equal(first.status, 0, `${first.stdout}\n${first.stderr}`);
      const tag = contextHash(path.join(ROOT, kind));
      const digest = await manifestDigest(`dp/${kind}`, tag);
      assert.ok(digest, `no dp/${kind}:${tag} in the registry after the push`);
      const ref = fs.readFileSync(out, "utf8").match(/^ref=(.*)$/m)?.[1];
      assert.equal(ref, `${registry.url}/dp/${kind}@${digest}`, "the printed ref is not the registry's digest");
      refs[kind] = ref!;

      fs.writeFileSync(out, "");
      const second = sh(".github/scripts/build-image.sh", [kind, "dev"], env);
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stderr, /exists \(sha256:[0-9a-f]{64}\): not rebuilding/);
      assert.doesNotMatch(second.stdout + second.stderr, /naming to|exporting layers|pushing layers/i, "the second run built again");
      assert.equal(fs.readFileSync(out, "utf8").trim(), `ref=${ref}`);
    });
  }

  test("pin-images.sh: the stack's config holds exactly the pushed digests; a tag reference is refused", (t) => {
    if (skip) return t.skip(skip);
    assert.ok(refs.ingestion && refs.dbt, "the build-image.sh tests produced no refs");
    const project = path.join(work, "project");
    fs.mkdirSync(project);
    for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml"]) fs.copyFileSync(path.join(ROOT, f), path.join(project, f));
    const backend = `file://${path.join(work, "state")}`;
    fs.mkdirSync(path.join(work, "state"));
    const env = {
      PATH: `${pulumiBin()}:${process.env.PATH}`,
      PULUMI_BACKEND_URL: backend,
      PULUMI_CONFIG_PASSPHRASE: "containers-tier",
      PULUMI_SKIP_UPDATE_CHECK: "1",
      PULUMI_HOME: path.join(work, "pulumi-home"),
    };
    const init = spawnSync("pulumi", ["stack", "init", "dev", "--non-interactive"], { cwd: project, env: { ...process.env, ...env }, encoding: "utf8" });
    assert.equal(init.status, 0, init.stderr);
    const script = path.join(ROOT, ".github", "scripts", "pin-images.sh");
    const before = fs.readFileSync(path.join(project, "Pulumi.dev.yaml"), "utf8");
    const bad = sh(script, ["dev"], { ...env, INGESTION_IMAGE: refs.ingestion.replace(/@sha256:.*/, ":latest"), DBT_IMAGE: refs.dbt }, project);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout + bad.stderr, /not a digest reference/);
    assert.equal(fs.readFileSync(path.join(project, "Pulumi.dev.yaml"), "utf8"), before, "a refused pin changed the stack file");

    const ok = sh(script, ["dev"], { ...env, INGESTION_IMAGE: refs.ingestion, DBT_IMAGE: refs.dbt }, project);
    assert.equal(ok.status, 0, `${ok.stdout}\n${ok.stderr}`);
    const get = (key: string) =>
      spawnSync("pulumi", ["config", "get", "--path", `data-platform:images.${key}`, "--stack", "dev"], {
        cwd: project,
        env: { ...process.env, ...env },
        encoding: "utf8",
      }).stdout.trim();
    assert.equal(get("ingestion"), refs.ingestion);
    assert.equal(get("dbt"), refs.dbt);
  });
});
