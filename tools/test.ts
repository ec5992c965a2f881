/**
 * `npm test`: every suite of the repository, one after another, ending with one line
 * `N passed, N failed` that sums them all. Exits non-zero when anything failed or a suite crashed.
 *
 *   npm test                    all suites
 *   npm test -- --only ts       only the named suites (comma-separated: typecheck,ts,python,dbt,actionlint,...)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const PY = path.join(ROOT, ".venv", "bin", "python");

interface SuiteResult {
  passed: number;
  failed: number;
  /** The suite ran but its output could not be counted, or it exited non-zero with no failures counted. */
  crashed?: string;
}

interface Suite {
  name: string;
  run: () => SuiteResult;
}

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { code: number; out: string } {
  process.stdout.write(`\n$ ${[cmd, ...args].join(" ")}\n`);
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  process.stdout.write(out);
  return { code: r.status ?? 1, out };
}

function testFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      // test/tiers/<tier>/ holds the emulated, engine and container tiers: each is its own suite below.
      if (e.isDirectory()) {
        if (path.relative(ROOT, p) !== path.join("test", "tiers")) walk(p);
      } else if (e.name.endsWith(".test.ts")) out.push(path.relative(ROOT, p));
    }
  };
  walk(path.join(ROOT, "test"));
  return out.sort();
}

/** Turn a runner's exit code and counts into a result; a non-zero exit with no failure counted is a crash. */
function result(code: number, passed: number, failed: number, what: string): SuiteResult {
  if (code !== 0 && failed === 0) return { passed, failed: 1, crashed: `${what} exited ${code}` };
  return { passed, failed };
}

/** node's test runner over some test files; counts its closing `ℹ pass`/`ℹ fail` lines. */
function nodeTests(files: string[], env?: NodeJS.ProcessEnv): SuiteResult {
  if (!files.length) return { passed: 0, failed: 1, crashed: "no test files" };
  const r = sh(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...files], { env });
  const pass = Number(r.out.match(/ℹ pass (\d+)/)?.[1] ?? 0);
  const fail = Number(r.out.match(/ℹ fail (\d+)/)?.[1] ?? 0);
  return result(r.code, pass, fail, "node --test");
}

/** The `*.test.ts` files of one tier folder, `test/tiers/<tier>/`. */
function tierFiles(tier: string): string[] {
  const dir = path.join(ROOT, "test", "tiers", tier);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".test.ts"))
    .sort()
    .map((f) => path.join("test", "tiers", tier, f));
}

function pytest(dir: string): SuiteResult {
  const r = sh(PY, ["-m", "pytest", dir, "-q", "-p", "no:cacheprovider"]);
  const count = (word: string) => Number(r.out.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0);
  // pytest exits 5 when it collected nothing: that is a broken suite here, not a pass.
  return result(r.code, count("passed"), count("failed") + count("error"), "pytest");
}

/** Files under the repository with one of `exts`, outside installed and generated folders. */
function sourceFiles(exts: string[]): string[] {
  const skip = new Set(["node_modules", ".venv", ".tools", ".local", ".git", "schemas", "target", "dbt_packages", "__pycache__"]);
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (!skip.has(e.name)) walk(path.join(dir, e.name));
      } else if (exts.some((x) => e.name.endsWith(x))) out.push(path.relative(ROOT, path.join(dir, e.name)));
    }
  };
  walk(ROOT);
  return out.sort();
}

/** A lint suite's result: 1 passed per clean file, 1 failed per file with findings. */
function perFile(files: string[], bad: Set<string>): SuiteResult {
  return { passed: files.filter((f) => !bad.has(f)).length, failed: bad.size };
}

const venvTool = (name: string) => path.join(ROOT, ".venv", "bin", name);
const missing = (what: string): SuiteResult => ({ passed: 0, failed: 1, crashed: `${what} is not installed (run tools/bootstrap.sh)` });

/** The lint suites (eslint, prettier, ruff, mypy): configured in eslint.config.mjs, .prettierrc, ruff.toml, mypy.ini. */
const LINT_SUITES: Suite[] = [
  {
    name: "eslint",
    run: () => {
      const bin = path.join(ROOT, "node_modules", ".bin", "eslint");
      if (!fs.existsSync(bin)) return missing("eslint");
      const r = spawnSync(bin, ["-f", "json", "."], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
      if (r.status !== 0 && r.status !== 1) return { passed: 0, failed: 1, crashed: `eslint exited ${r.status}: ${r.stderr}` };
      const report = JSON.parse(r.stdout) as { filePath: string; messages: unknown[] }[];
      const bad = new Set(report.filter((f) => f.messages.length).map((f) => path.relative(ROOT, f.filePath)));
      if (bad.size) sh(bin, [...bad]); // again, readable
      return perFile(
        report.map((f) => path.relative(ROOT, f.filePath)),
        bad,
      );
    },
  },
  {
    name: "prettier",
    run: () => {
      const bin = path.join(ROOT, "node_modules", ".bin", "prettier");
      if (!fs.existsSync(bin)) return missing("prettier");
      const files = sourceFiles([".ts", ".mjs", ".cjs"]);
      const r = sh(bin, ["--list-different", ...files]);
      if (r.code !== 0 && r.code !== 1) return { passed: 0, failed: 1, crashed: `prettier exited ${r.code}` };
      return perFile(
        files,
        new Set(
          r.out
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => files.includes(l)),
        ),
      );
    },
  },
  {
    name: "ruff",
    run: () => {
      const bin = venvTool("ruff");
      if (!fs.existsSync(bin)) return missing("ruff");
      const files = sh(bin, ["check", "--show-files", "."])
        .out.split("\n")
        .map((l) => l.trim())
        .filter((l) => l.endsWith(".py"))
        .map((l) => path.relative(ROOT, l));
      const lint = spawnSync(bin, ["check", "--output-format", "json", "."], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      if (lint.status !== 0 && lint.status !== 1) return { passed: 0, failed: 1, crashed: `ruff check exited ${lint.status}: ${lint.stderr}` };
      const bad = new Set((JSON.parse(lint.stdout) as { filename: string }[]).map((f) => path.relative(ROOT, f.filename)));
      if (bad.size) sh(bin, ["check", "."]); // again, readable
      const format = sh(bin, ["format", "--check", "--output-format", "concise", "."]);
      for (const m of format.out.matchAll(/^(.+\.py):\d+:\d+: unformatted/gm)) bad.add(path.relative(ROOT, path.resolve(ROOT, m[1].trim())));
      if (!files.length) return { passed: 0, failed: 1, crashed: "ruff found no Python files" };
      return perFile(files, bad);
    },
  },
  {
    name: "mypy",
    run: () => {
      const py = venvTool("python");
      if (!fs.existsSync(py) || spawnSync(py, ["-m", "mypy", "--version"]).status !== 0) return missing("mypy");
      const r = sh(py, ["-m", "mypy"]);
      const checked = Number(r.out.match(/(?:checked|in) (\d+) source files?/)?.[1] ?? NaN);
      if (Number.isNaN(checked) || (r.code !== 0 && r.code !== 1)) return { passed: 0, failed: 1, crashed: `mypy exited ${r.code} without a summary` };
      const bad = new Set([...r.out.matchAll(/^([^\s:]+\.py):\d+: error:/gm)].map((m) => m[1]));
      return { passed: checked - bad.size, failed: bad.size };
    },
  },
];

const SUITES: Suite[] = [
  {
    name: "typecheck",
    run: () => {
      const r = sh(path.join(ROOT, "node_modules", ".bin", "tsc"), ["-p", "."]);
      return r.code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
    },
  },
  {
    name: "ts",
    run: () => {
      const r = sh(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...testFiles()]);
      const pass = Number(r.out.match(/ℹ pass (\d+)/)?.[1] ?? 0);
      const fail = Number(r.out.match(/ℹ fail (\d+)/)?.[1] ?? 0);
      return result(r.code, pass, fail, "node --test");
    },
  },
  {
    name: "python",
    run: () => pytest("ingestion/tests"),
  },
  {
    // The README's first command, end to end on the shipped sample data: dlt loads into DuckDB, then
    // `dbt build` per pipeline. Counts dbt's models and data tests; a scratch folder keeps .local/ as is.
    name: "local",
    run: () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-local-"));
      const r = sh(process.execPath, ["--import", "tsx", "tools/local.ts"], { env: { DP_LOCAL_DIR: dir } });
      const built = r.out.match(/(\d+) models built, (\d+) tests passed/);
      const failedTests = [...r.out.matchAll(/\((\d+) failed\)/g)].reduce((n, m) => n + Number(m[1]), 0);
      fs.rmSync(dir, { recursive: true, force: true });
      if (!built) return { passed: 0, failed: 1, crashed: `tools/local.ts printed no summary (exit ${r.code})` };
      return result(r.code, Number(built[1]) + Number(built[2]), failedTests, "tools/local.ts");
    },
  },
  {
    name: "dbt",
    run: () => pytest("dbt/tests_runner"),
  },
  {
    // Every workflow under .github/workflows passes actionlint: 1 passed per clean file, 1 failed per file with findings.
    name: "actionlint",
    run: () => {
      const bin = path.join(ROOT, ".tools", "bin", "actionlint");
      const dir = path.join(ROOT, ".github", "workflows");
      const files = fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(".github", "workflows", f));
      if (!fs.existsSync(bin)) return { passed: 0, failed: Math.max(files.length, 1), crashed: "no .tools/bin/actionlint (run tools/bootstrap.sh --with-actionlint; it needs Go)" };
      const r = sh(bin, ["-format", "{{range $err := .}}{{$err.Filepath}}\n{{end}}", ...files]);
      if (r.code !== 0 && r.code !== 1) return { passed: 0, failed: Math.max(files.length, 1), crashed: `actionlint exited ${r.code}` };
      const bad = new Set(
        r.out
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean)
          .map((l) => path.relative(ROOT, path.resolve(ROOT, l))),
      );
      if (bad.size) sh(bin, [...bad]); // again, readable
      return { passed: files.filter((f) => !bad.has(f)).length, failed: files.filter((f) => bad.has(f)).length };
    },
  },
  {
    // GCP's own rules, offline once installed: predefined roles, workflows-emulator runs, discovery documents (test/tiers/gcp-emulated/).
    name: "gcp-emulated",
    run: () => nodeTests(tierFiles("gcp-emulated")),
  },
  {
    // AWS's own rules and behaviour over the dev-aws plan: parliament, iam-simulate, asl-validator, moto's
    // Step Functions interpreter on loopback, botocore's service models (test/tiers/aws-emulated/).
    name: "aws-emulated",
    run: () => nodeTests(tierFiles("aws-emulated")),
  },
  {
    // The ingestion CLI and dbt runner with each job's plan env against fakesnow's server (its venv is
    // cached per machine by test/tiers/snowflake-emulated/toolchain.ts), plus the grants against
    // Snowflake's documented privileges.
    name: "snowflake-emulated",
    run: () => nodeTests(tierFiles("snowflake-emulated")),
  },
  {
    // The Fivetran resources through the real Pulumi CLI (built from its Go module, cached per machine
    // by test/tiers/engine/install-pulumi.sh) and the Automation API, against the contract server.
    name: "engine",
    run: () => nodeTests(tierFiles("engine")),
  },
  {
    // Docker's engine (started by the tier), both images built from their Dockerfiles and run as their
    // jobs run them against fake-gcs-server, moto, PostgreSQL and a registry: test/tiers/containers/.
    name: "containers",
    run: () => nodeTests(tierFiles("containers")),
  },
  {
    // The docs and data-quality site (`npm run site`) after a local run with a failing test, read by
    // Debian's chromium headless (pinned, installed once per machine by test/tiers/site/chromium.ts).
    name: "site",
    run: () => nodeTests(tierFiles("site")),
  },
  ...LINT_SUITES,
];

function main(): void {
  const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1].split(",") : undefined;
  let passed = 0;
  let failed = 0;
  const summary: string[] = [];
  for (const suite of SUITES) {
    if (only && !only.includes(suite.name)) continue;
    const r = suite.run();
    passed += r.passed;
    failed += r.failed;
    summary.push(`  ${suite.name}: ${r.passed} passed, ${r.failed} failed${r.crashed ? ` (${r.crashed})` : ""}`);
  }
  process.stdout.write(`\nSuites:\n${summary.join("\n")}\n${passed} passed, ${failed} failed\n`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

main();
