/**
 * The site tier's browser: Debian's chromium, pinned, installed once per machine. Its packages are
 * downloaded into `${DP_CACHE_DIR:-~/.cache/data-platform}/site/chromium-<version>/debs` the first time
 * (apt-get update + install --download-only), and installed from there (`--no-download`), so a second
 * run, or a rebuilt machine with the cache, installs without the mirror, and a mirror that moved on
 * to a newer chromium does not change the browser under test. Needs root (apt) on a Debian 12 base:
 * elsewhere the tier fails, saying why.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Debian 12's chromium (bookworm-security); bump with the mirror, then the cache key follows. */
export const CHROMIUM_VERSION = "156.0.8078.114-1~deb12u1";
export const CHROMIUM = "/usr/bin/chromium";

function cacheDir(): string {
  return process.env.DP_CACHE_DIR ?? path.join(os.homedir(), ".cache", "data-platform");
}

function installedVersion(): string | undefined {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Version}", "chromium"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (r.status !== 0) throw new Error(`site tier: ${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${(r.stdout + r.stderr).slice(-4000)}`);
}

/** The pinned chromium's path, installing it first when missing. Throws with the reason when it cannot. */
export function ensureChromium(): string {
  if (installedVersion() === CHROMIUM_VERSION && fs.existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0)
    throw new Error(`site tier: chromium ${CHROMIUM_VERSION} is not installed and installing it needs root (apt-get); found ${installedVersion() ?? "none"}`);
  if (spawnSync("apt-get", ["--version"]).status !== 0) throw new Error("site tier: no apt-get on this machine: the tier runs Debian 12's chromium");
  const debs = path.join(cacheDir(), "site", `chromium-${CHROMIUM_VERSION}`, "debs");
  const stamp = path.join(debs, ".downloaded");
  const pkg = `chromium=${CHROMIUM_VERSION}`;
  if (!fs.existsSync(stamp)) {
    process.stderr.write(`site tier: downloading chromium ${CHROMIUM_VERSION} into ${debs} (once per machine)\n`);
    fs.mkdirSync(path.join(debs, "partial"), { recursive: true });
    run("apt-get", ["update"]);
    run("apt-get", ["install", "-y", "--download-only", "-o", `Dir::Cache::Archives=${debs}`, pkg]);
    fs.writeFileSync(stamp, CHROMIUM_VERSION);
  }
  run("apt-get", ["install", "-y", "--no-download", "--no-install-recommends", "-o", `Dir::Cache::Archives=${debs}`, pkg]);
  const v = installedVersion();
  if (v !== CHROMIUM_VERSION) throw new Error(`site tier: installed chromium ${v ?? "none"}, expected ${CHROMIUM_VERSION}`);
  return CHROMIUM;
}

/**
 * The DOM after the page's scripts ran (`--dump-dom`; `--virtual-time-budget` lets dbt docs' Angular
 * app render before the dump). A fresh profile per call; no sandbox, as root in a container must.
 */
export function dumpDom(browser: string, file: string, budgetMs = 15_000): string {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "dp-chromium-"));
  try {
    const r = spawnSync(
      browser,
      ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", `--user-data-dir=${profile}`, `--virtual-time-budget=${budgetMs}`, "--dump-dom", `file://${file}`],
      { encoding: "utf8", timeout: 120_000, maxBuffer: 256 * 1024 * 1024 },
    );
    if (r.status !== 0) throw new Error(`chromium exited ${r.status ?? r.signal} on ${file}:\n${r.stderr.slice(-3000)}`);
    return r.stdout;
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
