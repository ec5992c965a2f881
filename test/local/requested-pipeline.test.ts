/**
 * `npm run local -- --pipeline <name>` for a pipeline that cannot run locally (a Fivetran one, loaded
 * only in the cloud) must not pass silently.
 * Stands for: the exit code a developer or script sees. Proven by: the real tools/local.ts (ran for
 * real; the Fivetran pipeline is skipped before any Python starts). Cannot prove: anything about the
 * pipeline's cloud run.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";

const ROOT = path.resolve(__dirname, "../..");

test("a pipeline asked for with --pipeline that was skipped exits non-zero, with the reason", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-local-skip-"));
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", "tools/local.ts", "--pipeline", "shop_postgres"], {
      cwd: ROOT,
      env: { ...process.env, DP_LOCAL_DIR: dir },
      encoding: "utf8",
    });
    const out = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 1, out);
    assert.match(out, /shop_postgres: SKIPPED: Fivetran loads it in the cloud/);
    assert.match(out, /asked for with --pipeline but skipped: shop_postgres/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a rest_api resource without a fixture fails before the run, naming the file to add", () => {
  // Stands for: a user adding a resource to a scaffolded or shipped rest_api pipeline and running it
  // locally before writing its fixture. Proven by the real tools/local.ts over a scratch project
  // (DP_PROJECT_ROOT: the dev stack file and a jsonplaceholder spec with one more resource), ran for
  // real. Without the check, the user saw dlt's "404 Client Error" for a URL on the fixture server.
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "dp-local-nofixture-"));
  try {
    fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(project, "Pulumi.dev.yaml"));
    fs.mkdirSync(path.join(project, "pipelines"));
    const spec = fs.readFileSync(path.join(ROOT, "pipelines", "jsonplaceholder.yaml"), "utf8");
    assert.match(spec, /^ {6}- users$/m);
    fs.writeFileSync(path.join(project, "pipelines", "jsonplaceholder.yaml"), spec.replace(/^ {6}- users$/m, "      - users\n      - albums"));
    const r = spawnSync(process.execPath, ["--import", "tsx", "tools/local.ts", "--pipeline", "jsonplaceholder", "--skip-dbt"], {
      cwd: ROOT,
      env: { ...process.env, DP_LOCAL_DIR: path.join(project, ".local"), DP_PROJECT_ROOT: project },
      encoding: "utf8",
    });
    const out = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 1, out);
    assert.match(out, /jsonplaceholder: FAILED: no fixture for a resource: expected ingestion\/sample_data\/jsonplaceholder\/albums\.json .*found no such file/, out);
    assert.doesNotMatch(out, /404 Client Error/, out);
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
});

test("a rest_api pipeline with an auth secret runs at once on its fixtures, without the secret", () => {
  // Stands for: a user adding `auth: { type: bearer, token: { secret: ... } }` and running locally
  // before having a token. The fixture server ignores auth, so the local run gives the pipeline's own
  // variable a placeholder instead of skipping it. Proven by the real tools/local.ts and ingestion
  // (dlt into DuckDB) over a scratch project, ran for real, with no DP_SECRET_* in the environment.
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "dp-local-auth-"));
  try {
    fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(project, "Pulumi.dev.yaml"));
    fs.mkdirSync(path.join(project, "pipelines"));
    const spec = fs.readFileSync(path.join(ROOT, "pipelines", "jsonplaceholder.yaml"), "utf8");
    assert.match(spec, /^ {6}base_url: .*$/m);
    fs.writeFileSync(
      path.join(project, "pipelines", "jsonplaceholder.yaml"),
      spec.replace(/^( {6}base_url: .*)$/m, "$1\n      auth: { type: bearer, token: { secret: api_token } }"),
    );
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("DP_SECRET_")));
    const r = spawnSync(process.execPath, ["--import", "tsx", "tools/local.ts", "--pipeline", "jsonplaceholder", "--skip-dbt"], {
      cwd: ROOT,
      env: { ...env, DP_LOCAL_DIR: path.join(project, ".local"), DP_PROJECT_ROOT: project },
      encoding: "utf8",
    });
    const out = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, out);
    assert.match(out, /^\s+jsonplaceholder\s+SUCCESS\s+comments=90 posts=30 users=10/m, out);
    assert.doesNotMatch(out, /local-fixture-server-ignores-this/, "the placeholder is a secret value like any other: redacted");
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
});
