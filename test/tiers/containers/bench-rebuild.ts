/**
 * `npm run bench:images`: how long an image rebuild takes after a code-only change (the dependency
 * layers come from the cache), against a rebuild with nothing changed, for both images, on the
 * containers tier's engine and stand-in base. Prints a Markdown table; bench/images.md keeps the
 * latest numbers with the machine they ran on. A benchmark, not a test: nothing here is asserted.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startEngine } from "./engine";
import { build, copyTree, ensureBase, ROOT } from "./images";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CODE_FILE = { ingestion: "cli.py", dbt: "dbt_runner/cli.py" } as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  const engine = startEngine();
  if ("skip" in engine) throw new Error(engine.skip);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dp-bench-images-"));
  try {
    const base = ensureBase();
    const rows: string[] = [];
    for (const kind of ["ingestion", "dbt"] as const) {
      const context = path.join(work, kind);
      copyTree(path.join(ROOT, kind), context);
      const first = build(kind, context, base); // warm: dependencies cached from here on
      const unchanged: number[] = [];
      const code: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        unchanged.push(build(kind, context, base).seconds);
        fs.appendFileSync(path.join(context, CODE_FILE[kind]), `\n# bench change ${i}\n`);
        code.push(build(kind, context, base).seconds);
      }
      rows.push(`| ${kind} | ${first.seconds.toFixed(1)} | ${median(unchanged).toFixed(1)} | ${median(code).toFixed(1)} |`);
    }
    const cpu = os.cpus();
    process.stdout.write(
      [
        `Image rebuilds, median of ${RUNS} (${cpu.length} x ${cpu[0]?.model ?? "cpu"}, load ${os.loadavg()[0].toFixed(1)}):`,
        "",
        "| image | first build in this run (s) | nothing changed (s) | code-only change (s) |",
        "|---|---|---|---|",
        ...rows,
        "",
      ].join("\n"),
    );
  } finally {
    engine.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
