/**
 * `npm run bench`: how the program scales with the number of pipelines, and what it costs to load.
 *
 * For 10, 100 and 300 generated pipelines it synthesizes the whole platform under mocks (each run in
 * its own process, so peak memory is that run's), then registers the same resources bare, with no
 * program around them, under the same mocks: the SDK's own floor. It also times loading the program
 * the way `pulumi up` does (tsx, per Pulumi.yaml) against Pulumi's default (ts-node with type-checking).
 * Results go to bench/results.md. A benchmark, not a test: nothing here asserts a speed.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const SIZES = [10, 100, 300];
const REPEAT = 3;
// One pipeline of each shipped kind: the first pipeline of a kind loads that kind's SDK modules and
// serializes its dynamic provider (Fivetran), one-time costs that are not synthesis time.
const WARM_UP = 3;

interface ChildResult {
  /** The warm-up synthesis, first in its process: module loading and first serializations included. */
  warmMs: number;
  synthMs: number;
  maxRssMiB: number;
  resources: number;
}

/** A throwaway project: the dev stack file, N pipelines cycling through the shipped source kinds. */
function generateProject(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dp-bench-${n}-`));
  // Removed when the process exits; `rmSync` removes the symlinks below, not what they point to.
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
  for (const ctx of ["ingestion", "dbt"]) fs.symlinkSync(path.join(ROOT, ctx), path.join(dir, ctx));
  fs.mkdirSync(path.join(dir, "pipelines"));
  const templates = fs
    .readdirSync(path.join(ROOT, "pipelines"))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => ({ name: f.replace(/\.yaml$/, ""), text: fs.readFileSync(path.join(ROOT, "pipelines", f), "utf8") }));
  for (let i = 0; i < n; i++) {
    const t = templates[i % templates.length];
    const name = `p${String(i).padStart(3, "0")}_${t.name.slice(0, 6)}`;
    const text = t.text
      .replace(/^name: .*$/m, `name: ${name}`)
      .replace(/destination_schema: .*$/m, `destination_schema: ${name}`)
      .replace(new RegExp(`tag:${t.name}\\+`, "g"), `tag:${name}+`);
    fs.writeFileSync(path.join(dir, "pipelines", `${name}.yaml`), text);
  }
  return dir;
}

type Mode = "platform" | "bare" | "replay";

/**
 * Runs inside a child process: warm up, synthesize once, print one JSON line.
 * - platform: the real program with `arg` generated pipelines;
 * - replay:   the SDK floor: the very resources the platform declares for `arg` pipelines (same SDK
 *             classes, names and inputs), registered bare with no program around them, so
 *             platform/replay is what our own code adds;
 * - bare:     the minimal floor: `arg` resources of one made-up type with two inputs.
 */
async function child(mode: Mode, arg: number): Promise<void> {
  const { maskSecrets, synthesize } = await import("./synth/synthesize");
  const pulumi = await import("@pulumi/pulumi");
  class Bare extends pulumi.CustomResource {
    constructor(type: string, name: string, props: Record<string, unknown>) {
      super(type, name, props);
    }
  }
  class Group extends pulumi.ComponentResource {}
  // The provider SDK class behind a type token (`gcp:cloudrunv2/job:Job` → gcp.cloudrunv2.Job), so the
  // replay pays what the SDK pays for each real resource type: every declared property becomes an Output.
  const sdkClass = (type: string): (new (name: string, args: unknown) => unknown) | undefined => {
    const m = /^([\w-]+):([^/:]+)\/[^:]+:(\w+)$/.exec(type);
    if (!m || m[1] === "pulumi-nodejs") return undefined;
    // The package is named by the recorded type, so it can only be loaded by name at run time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require(`@pulumi/${m[1]}`);
    return (m[2] === "index" ? pkg : pkg[m[2]])?.[m[3]];
  };
  const recorded = mode === "replay" ? (await synthesize({ stack: "dev", root: generateProject(arg) })).resources : [];
  const roots = new Map(mode === "platform" ? [WARM_UP, arg].map((n) => [n, generateProject(n)] as const) : []);
  const run = (n: number) => {
    if (mode === "platform") return synthesize({ stack: "dev", root: roots.get(n) });
    return synthesize({
      stack: "dev",
      program: async () => {
        if (mode === "bare") for (let i = 0; i < n; i++) new Bare("bench:index:Bare", `r${i}`, { index: i, label: "bare" });
        else {
          for (const r of recorded.slice(0, n)) {
            const inputs = maskSecrets(r.inputs, true) as Record<string, unknown>;
            const Sdk = r.custom ? sdkClass(r.type) : undefined;
            if (Sdk) new Sdk(r.name, inputs);
            else if (r.custom) new Bare(r.type, r.name, inputs);
            else new Group(r.type, r.name);
          }
        }
        return {};
      },
    });
  };
  // Warm up with a small run: module loading (the cloud SDKs are required lazily) and the first
  // closure serialization are one-time costs, reported apart, not as synthesis time.
  const warmStart = performance.now();
  await run(WARM_UP);
  const warmMs = performance.now() - warmStart;
  // Start every measurement from a collected heap: the SDK floor's process still holds the garbage of
  // the synthesis it recorded, which would otherwise be collected on the floor's clock.
  (globalThis as { gc?: () => void }).gc?.();
  const start = performance.now();
  const plan = await run(mode === "replay" ? recorded.length : arg);
  const synthMs = performance.now() - start;
  const result: ChildResult = { warmMs, synthMs, maxRssMiB: process.resourceUsage().maxRSS / 1024, resources: plan.resources.length };
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
}

/**
 * `asPulumiRuns`: also load `source-map-support/register` first, as the Node language host's
 * `@pulumi/pulumi/cmd/run` does, so the SDK's per-promise stack traces are formatted as in `pulumi up`.
 */
function runChild(mode: string, arg: number, asPulumiRuns = false): ChildResult {
  // Resolved from @pulumi/pulumi, whose dependency it is: the copy `cmd/run` would load.
  const preload = asPulumiRuns ? ["--require", require.resolve("source-map-support/register", { paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))] })] : [];
  const r = spawnSync(process.execPath, ["--expose-gc", ...preload, "--import", "tsx", __filename, "--child", mode, String(arg)], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith("BENCH "));
  if (!line) throw new Error(`bench child ${mode} ${arg} failed:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line.slice(6));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall time of `node <args>` loading the entry module, as the language host would. */
function loadTime(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, TS_NODE_CACHE: "false" } });
    if (r.status !== 0) throw new Error(`loading failed: ${r.stderr}`);
    times.push(performance.now() - t);
  }
  return median(times);
}

function main(): void {
  const rows: string[] = [];
  const measured: { n: number; ms: number; floorMs: number; ratio: number }[] = [];
  const warmUps: number[] = [];
  for (const n of SIZES) {
    const platform = Array.from({ length: REPEAT }, () => runChild("platform", n));
    const resources = platform[0].resources;
    const replay = Array.from({ length: REPEAT }, () => runChild("replay", n));
    const bare = Array.from({ length: REPEAT }, () => runChild("bare", resources));
    const p = median(platform.map((x) => x.synthMs));
    const r = median(replay.map((x) => x.synthMs));
    const b = median(bare.map((x) => x.synthMs));
    warmUps.push(...platform.map((x) => x.warmMs));
    const previous = measured[measured.length - 1];
    const marginal = (now: number, before: number | undefined) => (previous && before !== undefined ? `${((now - before) / (n - previous.n)).toFixed(1)} ms` : "");
    measured.push({ n, ms: p, floorMs: r, ratio: p / r });
    const rss = (xs: ChildResult[]) => `${Math.max(...xs.map((x) => x.maxRssMiB)).toFixed(0)} MiB`;
    rows.push(
      `| ${n} | ${resources} | ${(p / 1000).toFixed(2)} s | ${rss(platform)} | ${(r / 1000).toFixed(2)} s | **${(p / r).toFixed(2)}** | ${marginal(p, previous?.ms)} | ${marginal(r, previous?.floorMs)} | ${(b / 1000).toFixed(2)} s | ${(p / b).toFixed(2)} |`,
    );
    process.stdout.write(`${rows[rows.length - 1]}\n`);
  }

  // The same comparison, at one size, with stack traces formatted as under `pulumi up`.
  const realSize = 100;
  const real = {
    platform: median(Array.from({ length: REPEAT }, () => runChild("platform", realSize, true).synthMs)),
    floor: median(Array.from({ length: REPEAT }, () => runChild("replay", realSize, true).synthMs)),
  };
  const realRow = `| ${realSize} | ${(real.platform / 1000).toFixed(2)} s | ${(real.floor / 1000).toFixed(2)} s | **${(real.platform / real.floor).toFixed(2)}** |`;
  process.stdout.write(`${realRow}\n`);

  const entry = "require('./stacks/index.ts')";
  const tsx = loadTime(["--import", "tsx", "-e", entry]);
  const tsNodeDir = fs.readdirSync(path.join(ROOT, "node_modules/@pulumi/pulumi/vendor")).find((d) => d.startsWith("ts-node@"));
  const tsNode = (typeCheck: boolean) =>
    loadTime(["-e", `require('@pulumi/pulumi/vendor/${tsNodeDir}').register({ typeCheck: ${typeCheck}, transpileOnly: ${!typeCheck}, compiler: 'typescript' }); ${entry}`]);
  const loads = [
    `| tsx transpile (this project's Pulumi.yaml: nodeargs --import tsx) | ${(tsx / 1000).toFixed(2)} s |`,
    `| ts-node transpile only (PULUMI_NODEJS_TRANSPILE_ONLY=true) | ${(tsNode(false) / 1000).toFixed(2)} s |`,
    `| ts-node with type-check (Pulumi's default, cold cache) | ${(tsNode(true) / 1000).toFixed(2)} s |`,
  ];

  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
  const worst = Math.max(...measured.map((m) => m.ratio));
  const report = [
    "# Benchmarks: synthesis and load time",
    "",
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Machine: ${machine}.`,
    `Each synthesis runs in its own process; the median of ${REPEAT} runs is shown, peak RSS is the maximum.`,
    "",
    "## Synthesis under mocks, by number of pipelines",
    "",
    "- **platform**: the real program (config, pipeline files, components) declaring everything for N generated",
    "  pipelines, cycling through the shipped source kinds.",
    "- **SDK floor**: the very resources the platform declared (same SDK classes, names and inputs), registered",
    "  bare, one after another, with no program around them. **ratio** = platform ÷ SDK floor: what our code adds.",
    "- **minimal floor**: as many resources of one made-up type with two inputs. The SDK's cost per resource",
    "  grows with the properties its type declares (four promises per property, each capturing a stack trace),",
    "  so this floor says what the resource *types* cost, not what the program adds: no program that declares",
    "  these resource types can come near it.",
    "- **per pipeline**: the marginal cost, (time − previous time) ÷ (pipelines − previous pipelines), of the",
    "  platform and of its SDK floor: growth is linear when it stays flat.",
    "",
    "Every measurement follows a warm-up in its own process, so module loading and the Fivetran provider's",
    `serialization are not counted: the platform first synthesizes ${WARM_UP} pipelines, one of each shipped kind; the SDK floor`,
    "first synthesizes the platform whose resources it replays. The platform's warm-up, the first synthesis in its",
    `process, takes ${(median(warmUps) / 1000).toFixed(2)} s (median): add it to the times below for a cold run.`,
    "",
    `Goal: ratio at most 1.3, growth linear. Largest ratio measured: ${worst.toFixed(2)}.`,
    "",
    "| pipelines | resources | platform | peak RSS | SDK floor | ratio | per pipeline | SDK floor per pipeline | minimal floor | ÷ minimal |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    "### As `pulumi up` runs it",
    "",
    "The language host (`@pulumi/pulumi/cmd/run`) loads `source-map-support/register` before the program, so every",
    "stack trace the SDK captures is formatted through it. The same comparison, with that loaded:",
    "",
    "| pipelines | platform | SDK floor | ratio |",
    "|---:|---:|---:|---:|",
    realRow,
    "",
    "## Loading the program (module load of `stacks/index.ts`, median of 3, cold caches)",
    "",
    "| loader | time |",
    "|---|---:|",
    ...loads,
    "",
  ].join("\n");
  fs.mkdirSync(path.join(ROOT, "bench"), { recursive: true });
  fs.writeFileSync(path.join(ROOT, "bench", "results.md"), report);
  process.stdout.write(`\n${report}\nwritten to bench/results.md\n`);
}

if (process.argv[2] === "--child") {
  child(process.argv[3] as Mode, Number(process.argv[4])).catch((e) => {
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exit(1);
  });
} else if (require.main === module) {
  main();
}
