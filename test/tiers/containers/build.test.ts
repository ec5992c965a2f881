/**
 * Containers tier: both images built for real, by Docker's engine, from their real Dockerfiles and
 * build contexts (on the stand-in base, since upstream bases cannot be pulled here).
 *
 * Stands for: `docker build` as CI (.github/scripts/build-image.sh) and `pulumi up` (components/
 * deploy.ts) run it. Proven by: a real engine and builder (ran for real), the tag read from the
 * synthesized plan. Cannot prove: the upstream base (its digest is pinned, not pulled here), BuildKit
 * behaviour (Debian's engine has the classic builder), multi-platform builds.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { contextHash } from "../../../components/build-context";
import { docker, startEngine, type Engine } from "./engine";
import { build, copyTree, ensureBase, layers, ROOT, type Built } from "./images";
import { planJobs, plannedTag } from "./jobs";

const KINDS = ["ingestion", "dbt"] as const;
// Files a careless context would ship: each holds CANARY, and the .dockerignore of both images must
// keep every one of them out of every layer.
const CANARY = `dp-canary-${process.pid}-do-not-ship`;
const PEM = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(CANARY).toString("base64")}\n-----END PRIVATE KEY-----\n`;
const PLANTED: Record<string, string> = {
  ".local/secrets.env": `SNOWFLAKE_PRIVATE_KEY=${CANARY}\n`,
  ".env": `TOKEN=${CANARY}\n`,
  "snowflake_key.pem": PEM,
  "rsa_key.p8": PEM,
  "deploy.key": PEM,
  ".dlt/secrets.toml": `[sources]\ntoken = "${CANARY}"\n`,
  ".user.yml": `id: ${CANARY}\n`,
};
/** A key one level down, in a folder the image copies: ignore rules must hold at any depth. */
const NESTED = { ingestion: "sources/dev_key.pem", dbt: "models/dev_key.pem" };
/** Code a code-only change touches in each image: a module the image imports at run time. */
const CODE_FILE = { ingestion: "cli.py", dbt: "dbt_runner/cli.py" };

let engine: Engine | undefined;
let skip: string | undefined;
let base = "";
const work = fs.mkdtempSync(path.join(os.tmpdir(), "dp-build-"));
const built: Partial<Record<(typeof KINDS)[number], Built>> = {};
let tags: Record<string, string> = {};

before(async () => {
  const e = startEngine();
  if ("skip" in e) skip = e.skip;
  else engine = e;
  if (skip) return;
  base = ensureBase();
  const { plan } = await planJobs("dev");
  tags = Object.fromEntries(KINDS.map((k) => [k, plannedTag(plan, k)]));
});

after(() => {
  engine?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("containers: build", () => {
  for (const kind of KINDS) {
    test(`${kind}: builds from ${kind}/Dockerfile; the tag is the plan's content hash; planted secrets change neither`, (t) => {
      if (skip) return t.skip(skip);
      const context = path.join(work, kind);
      copyTree(path.join(ROOT, kind), context);
      for (const [file, body] of Object.entries({ ...PLANTED, [NESTED[kind]]: PEM })) {
        fs.mkdirSync(path.dirname(path.join(context, file)), { recursive: true });
        fs.writeFileSync(path.join(context, file), body);
      }
      // The planted files are ignored, so the hash equals the real folder's, which is the plan's tag.
      assert.equal(contextHash(path.join(ROOT, kind)), tags[kind], `plan tag of ${kind} is not contextHash(${kind}/)`);
      const b = build(kind, context, base);
      assert.equal(b.tag, tags[kind]);
      built[kind] = b;
      t.diagnostic(`${kind}: built ${b.ref} in ${b.seconds.toFixed(1)} s`);
    });

    test(`${kind}: no planted secret, key or .local file in any layer, the config or the history`, (t) => {
      if (skip) return t.skip(skip);
      const b = built[kind];
      assert.ok(b, "the build test did not produce an image");
      const dir = path.join(work, `${kind}-saved`);
      fs.mkdirSync(dir);
      const tar = path.join(dir, "image.tar");
      docker(["save", "--output", tar, b.ref]);
      run("tar", ["-xf", tar, "-C", dir]);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as { Config: string; Layers: string[] }[];
      const baseLayers = new Set(layers(base));
      const own = manifest[0].Layers.slice(baseLayers.size); // the base's layers come first
      assert.ok(own.length >= 2, `${kind}: expected the image's own layers above the base, found ${own.length}`);
      const names = /(^|\/)(\.local\/|\.env$|secrets\.env$|secrets\.toml$|\.user\.yml$|[^/]*\.(pem|p8|key)$)/;
      const findings: string[] = [];
      for (const layer of own) {
        const members = run("tar", ["-tf", path.join(dir, layer)])
          .split("\n")
          .filter(Boolean);
        // Our own context's planted names; third-party packages' test certificates are not ours to judge,
        // so names are checked under /app only, contents everywhere.
        for (const m of members) if (m.startsWith("app/") && names.test(m)) findings.push(`${layer}: file ${m}`);
        const grep = spawnSync("sh", ["-c", `tar -xOf "$1" | grep -c -a -F -e "$2" -e "$3"`, "sh", path.join(dir, layer), CANARY, Buffer.from(CANARY).toString("base64")], {
          encoding: "utf8",
        });
        if (Number(grep.stdout.trim()) > 0) findings.push(`${layer}: ${grep.stdout.trim()} line(s) hold the canary`);
      }
      const config = fs.readFileSync(path.join(dir, manifest[0].Config), "utf8");
      if (config.includes(CANARY)) findings.push("image config holds the canary");
      if (/PRIVATE_KEY=|PASSWORD=|TOKEN=/.test(config))
        findings.push(`image config sets a secret-looking variable: ${config.match(/"[A-Z_]*(PRIVATE_KEY|PASSWORD|TOKEN)=[^"]*"/)?.[0]}`);
      assert.deepEqual(findings, []);
    });

    test(`${kind}: a code-only change rebuilds only the code layers`, (t) => {
      if (skip) return t.skip(skip);
      const first = built[kind];
      assert.ok(first, "the build test did not produce an image");
      const context = path.join(work, kind);
      fs.appendFileSync(path.join(context, CODE_FILE[kind]), `\n# code-only change ${Date.now()}\n`);
      const second = build(kind, context, base);
      assert.notEqual(second.tag, first.tag, "a code change must change the tag (or nothing would redeploy)");
      // The classic builder reports each step as taken from its cache or run again.
      const steps = buildSteps(second.log);
      const pip = steps.findIndex((s) => /^RUN pip install/.test(s.instruction));
      assert.ok(pip >= 0, `${kind}: no RUN pip install step in the build`);
      const rerun = steps.filter((s) => !s.cached).map((s) => s.instruction);
      assert.deepEqual(
        steps
          .slice(0, pip + 1)
          .filter((s) => !s.cached)
          .map((s) => s.instruction),
        [],
        `${kind}: steps up to the dependency install ran again`,
      );
      assert.ok(
        rerun.some((i) => /^COPY/.test(i)),
        `${kind}: no COPY of the code ran again, so the change did not reach the image`,
      );
      // And the layers agree: the image shares every layer below the re-run steps, the base and the
      // dependencies among them, and differs in at most one layer per re-run step.
      const [a, b] = [layers(first.ref), layers(second.ref)];
      const diverge = a.findIndex((l, i) => l !== b[i]);
      assert.ok(diverge > layers(base).length, `${kind}: layers differ from index ${diverge}, inside or right above the base`);
      assert.ok(b.length - diverge <= rerun.length, `${kind}: ${b.length - diverge} layers differ, but only ${rerun.length} steps ran again`);
      t.diagnostic(
        `${kind}: code-only rebuild ${second.seconds.toFixed(1)} s (first build ${first.seconds.toFixed(1)} s); reran ${rerun.length} of ${steps.length} steps (${rerun.join(" | ")}); ${diverge}/${b.length} layers shared`,
      );
    });
  }

  // Stands for: dbt/Dockerfile's `snowflake-parse` stage, which parses the project for the Snowflake
  // target so a model only Snowflake enables (shop_postgres) breaks the build, not the first
  // scheduled run; its placeholder credentials stay out of the final image (the secret scan above
  // reads the final image's config and history). Proven by: a real `docker build` with the classic
  // builder (ran for real). Cannot prove: BuildKit's stage pruning (the final stage COPYs the stage's
  // marker so it cannot be pruned), nor errors only Snowflake reports when the SQL runs.
  test("dbt: a Snowflake-only model that does not compile fails the image build at the Snowflake parse", (t) => {
    if (skip) return t.skip(skip);
    const good = built.dbt;
    assert.ok(good, "the dbt build test did not produce an image");
    const marker = docker(["run", "--rm", "--network", "none", "--entrypoint", "cat", good.ref, "/app/.snowflake-parsed"]).stdout;
    assert.match(marker, /dbt parse --target snowflake passed/);

    const context = path.join(work, "dbt-broken");
    copyTree(path.join(ROOT, "dbt"), context);
    fs.writeFileSync(path.join(context, "models", "staging", "shop_postgres", "stg_shop_postgres__broken.sql"), "select * from {{ ref('no_such_model') }}\n");
    const r = docker(["build", "--network", "host", "--build-arg", `BASE_IMAGE=${base}`, "--tag", "dp/dbt:broken", "--file", path.join(context, "Dockerfile"), context], {
      allowFail: true,
    });
    const log = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, "the image built with a broken Snowflake-only model");
    const failedStep = buildSteps(log).pop()?.instruction ?? "";
    assert.match(failedStep, /dbt parse --target snowflake/, `the build failed elsewhere than the Snowflake parse: ${failedStep}`);
    assert.match(log, /no_such_model/);
  });
});

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** The classic builder's `Step i/n : INSTRUCTION` lines, each with whether ` ---> Using cache` followed. */
function buildSteps(log: string): { instruction: string; cached: boolean }[] {
  return log
    .split(/^Step \d+\/\d+ : /m)
    .slice(1)
    .map((chunk) => ({ instruction: chunk.split("\n")[0].trim(), cached: /^ ---> Using cache$/m.test(chunk) }))
    .filter((s) => !/^(ARG|FROM) /.test(s.instruction)); // these select the base; the builder caches no layer for them
}
