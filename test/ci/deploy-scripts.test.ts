/**
 * The shell scripts deploy.yml runs, run for real with stand-ins for `docker` and `pulumi` on PATH
 * (no Docker engine or Pulumi CLI here): each stand-in logs its arguments and answers like the tool.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { contextHash } from "../../components/build-context";
import { imageContext } from "../../tools/image-context";

const ROOT = path.resolve(__dirname, "../..");
const DIGEST = `sha256:${"ab".repeat(32)}`;
const REPO = "europe-west1-docker.pkg.dev/acme/acme-dev-images";

/** A folder of executable stand-ins; every call is appended to `calls.log` as one line of arguments. */
function standIns(scripts: Record<string, string>): { bin: string; calls: () => string[] } {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "dp-standins-"));
  const log = path.join(bin, "calls.log");
  for (const [name, body] of Object.entries(scripts)) {
    fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n${body}\n`, { mode: 0o755 });
  }
  return { bin, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []) };
}

function run(script: string, args: string[], bin: string, env: Record<string, string>) {
  const output = path.join(bin, "github-output");
  const r = spawnSync("bash", [path.join(ROOT, ".github/scripts", script), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, GITHUB_OUTPUT: output, ...env },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, githubOutput: fs.existsSync(output) ? fs.readFileSync(output, "utf8") : "" };
}

describe("pin-images.sh", () => {
  const good = { INGESTION_IMAGE: `${REPO}/ingestion@${DIGEST}`, DBT_IMAGE: `${REPO}/dbt@${DIGEST}` };

  it("sets both image config paths on the stack to the digest references", () => {
    const { bin, calls } = standIns({ pulumi: "" });
    const r = run("pin-images.sh", ["acme/prod"], bin, good);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(calls().slice(1), [
      `pulumi config set --path data-platform:images.ingestion ${good.INGESTION_IMAGE} --stack acme/prod`,
      `pulumi config set --path data-platform:images.dbt ${good.DBT_IMAGE} --stack acme/prod`,
    ]);
  });

  it("refuses a tag (it could move) before touching the stack", () => {
    const { bin, calls } = standIns({ pulumi: "" });
    const r = run("pin-images.sh", ["dev"], bin, { ...good, DBT_IMAGE: `${REPO}/dbt:latest` });
    assert.equal(r.code, 1);
    assert.match(r.out, /::error::not a digest reference: '.*\/dbt:latest'/);
    assert.deepEqual(calls(), []);
  });
});

describe("build-image.sh", () => {
  const docker = (inspect: string) => `
case "$1 $2" in
  "buildx imagetools") ${inspect} ;;
  "buildx build") for ((i=1; i<=$#; i++)); do [ "\${!i}" = "--metadata-file" ] && { j=$((i+1)); echo '{"containerimage.digest":"${DIGEST}"}' > "\${!j}"; }; done ;;
esac
exit 0`;

  it("builds the stack's context, tagged by its content hash, and outputs the digest reference", () => {
    const { bin, calls } = standIns({ docker: docker("exit 1") });
    const r = run("build-image.sh", ["dbt", "dev"], bin, { IMAGE_REPOSITORY: REPO });
    assert.equal(r.code, 0, r.out);
    const tag = contextHash(path.join(ROOT, "dbt"));
    const build = calls().find((c) => c.startsWith("docker buildx build"));
    assert.ok(build, calls().join("\n"));
    assert.match(build, new RegExp(`--tag ${REPO}/dbt:${tag} `));
    assert.ok(build.endsWith(" dbt"), `builds the context dbt: ${build}`);
    assert.equal(r.githubOutput, `ref=${REPO}/dbt@${DIGEST}\n`);
  });

  it("does not rebuild a tag the registry already has, and outputs its digest", () => {
    // What `imagetools inspect --format '{{json .Manifest}}'` prints (the containers tier runs the real one).
    const { bin, calls } = standIns({ docker: docker(`echo '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${DIGEST}","size":1234}'`) });
    const r = run("build-image.sh", ["ingestion", "dev"], bin, { IMAGE_REPOSITORY: REPO });
    assert.equal(r.code, 0, r.out);
    assert.ok(!calls().some((c) => c.startsWith("docker buildx build")), calls().join("\n"));
    assert.equal(r.githubOutput, `ref=${REPO}/ingestion@${DIGEST}\n`);
  });
});

describe("tools/image-context.ts", () => {
  it("follows images.<kind>Context from the stack file, as components/deploy.ts does", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dp-context-"));
    fs.cpSync(path.join(ROOT, "pipelines"), path.join(root, "pipelines"), { recursive: true });
    fs.cpSync(path.join(ROOT, "ingestion"), path.join(root, "ingestion"), { recursive: true, filter: (src) => !src.includes("__pycache__") });
    fs.mkdirSync(path.join(root, "analytics"));
    fs.writeFileSync(path.join(root, "analytics", "Dockerfile"), "FROM scratch\n");
    const stackFile = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    fs.writeFileSync(path.join(root, "Pulumi.dev.yaml"), `${stackFile.trimEnd()}\n  data-platform:images:\n    dbtContext: analytics\n`);
    assert.deepEqual(imageContext(root, "dev", "dbt"), { context: "analytics", tag: contextHash(path.join(root, "analytics")) });
    assert.deepEqual(imageContext(root, "dev", "ingestion").context, "ingestion");
  });
});

describe("record-images.sh", () => {
  const given = { INGESTION_IMAGE: `${REPO}/ingestion@${DIGEST}`, DBT_IMAGE: `${REPO}/dbt@${DIGEST}` };
  const pulumi = (images: object) => `[ "$1 $2" = "stack output" ] && echo '${JSON.stringify(images)}'`;

  it("outputs what the stack runs when it is what it was given", () => {
    const { bin } = standIns({ pulumi: pulumi({ ingestion: given.INGESTION_IMAGE, dbt: given.DBT_IMAGE }) });
    const r = run("record-images.sh", ["acme/dev"], bin, given);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.githubOutput, `ingestion=${given.INGESTION_IMAGE}\ndbt=${given.DBT_IMAGE}\n`);
  });

  it("fails, and outputs nothing to promote, when the stack runs something else", () => {
    const { bin } = standIns({ pulumi: pulumi({ ingestion: given.INGESTION_IMAGE, dbt: `${REPO}/dbt@sha256:${"cd".repeat(32)}` }) });
    const r = run("record-images.sh", ["acme/dev"], bin, given);
    assert.equal(r.code, 1);
    assert.match(r.out, /::error::acme\/dev runs/);
    assert.equal(r.githubOutput, "");
  });
});
