/**
 * The servers the containers talk to, each on 127.0.0.1 and a free port, each stopped by the test
 * that started it:
 *   S3          moto's server (the tier's own venv, pinned in requirements.txt)
 *   GCS         fake-gcs-server (Go, pinned, built once into the cache)
 *   GCE metadata / ECS task credentials: our stand-ins for what Cloud Run and Fargate give every
 *               container (a token for its service account; the task role's keys), so the image finds
 *               credentials the way it does in the cloud, from the runtime and never from its env
 *   PostgreSQL  Debian's server binaries, a throwaway cluster
 *   registry    Debian's docker-registry (distribution), filesystem storage in a temp folder
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { CACHE } from "./engine";

export interface Server {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, child: ChildProcess | undefined, ready: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited ${child.exitCode} before it was ready`);
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} was not ready within ${ms / 1000} s`);
}

async function httpOk(url: string): Promise<boolean> {
  const r = await fetch(url);
  return r.status < 500;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 10_000).unref();
  });
}

function logFile(name: string): number {
  fs.mkdirSync(path.join(CACHE, "logs"), { recursive: true });
  return fs.openSync(path.join(CACHE, "logs", `${name}.log`), "w");
}

// --- tools, installed once per machine -----------------------------------------------------------

const FAKE_GCS_VERSION = "1.56.1";

/** The tier's venv (moto), keyed by its hashed lock (npm run lock:python), created when missing. */
export function toolsVenv(): string {
  const reqs = path.join(__dirname, "requirements.lock");
  const key = crypto.createHash("sha256").update(fs.readFileSync(reqs)).digest("hex").slice(0, 12);
  const venv = path.join(CACHE, `venv-${key}`);
  if (!fs.existsSync(path.join(venv, ".complete"))) {
    fs.rmSync(venv, { recursive: true, force: true });
    for (const [cmd, args] of [
      ["python3", ["-m", "venv", venv]],
      // pip first, from the project's pip lock (requirements-pip.txt says why).
      [path.join(venv, "bin", "pip"), ["install", "--quiet", "--require-hashes", "-r", path.join(__dirname, "..", "..", "..", "requirements-pip.lock")]],
      [path.join(venv, "bin", "pip"), ["install", "--quiet", "--require-hashes", "-r", reqs]],
    ] as const) {
      const r = spawnSync(cmd, [...args], { stdio: ["ignore", "inherit", "inherit"], timeout: 20 * 60_000 });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: the containers tier's tools are not installed`);
    }
    fs.writeFileSync(path.join(venv, ".complete"), "");
  }
  return venv;
}

/** fake-gcs-server, built from its Go module into the cache when missing. */
export function fakeGcsBinary(): string {
  const dir = path.join(CACHE, `fake-gcs-server-${FAKE_GCS_VERSION}`);
  const bin = path.join(dir, "fake-gcs-server");
  if (!fs.existsSync(bin)) {
    const r = spawnSync("go", ["install", `github.com/fsouza/fake-gcs-server@v${FAKE_GCS_VERSION}`], {
      env: { ...process.env, GOBIN: dir },
      stdio: ["ignore", "inherit", "inherit"],
      timeout: 20 * 60_000,
    });
    if (r.status !== 0 || !fs.existsSync(bin)) throw new Error(`go install fake-gcs-server@v${FAKE_GCS_VERSION} exited ${r.status} (Go is needed for the containers tier)`);
  }
  return bin;
}

// --- object stores -------------------------------------------------------------------------------

export async function startMotoS3(): Promise<Server> {
  const port = await freePort();
  const child = spawn(path.join(toolsVenv(), "bin", "moto_server"), ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", logFile("moto"), logFile("moto.err")] });
  const url = `http://127.0.0.1:${port}`;
  await waitFor("moto_server", child, () => httpOk(`${url}/moto-api/`));
  return { url, port, stop: () => stopChild(child) };
}

export async function startFakeGcs(): Promise<Server> {
  const port = await freePort();
  const child = spawn(
    fakeGcsBinary(),
    ["-scheme", "http", "-host", "127.0.0.1", "-port", String(port), "-backend", "memory", "-public-host", `127.0.0.1:${port}`, "-log-level", "warn"],
    { stdio: ["ignore", logFile("fake-gcs"), logFile("fake-gcs.err")] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor("fake-gcs-server", child, () => httpOk(`${url}/storage/v1/b`));
  return { url, port, stop: () => stopChild(child) };
}

// --- what the cloud runtime gives a container ------------------------------------------------------

async function listen(handler: http.RequestListener): Promise<Server> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, stop: () => new Promise((r) => server.close(() => r())) };
}

/**
 * Stand-in for the GCE metadata server Cloud Run serves each job: google-auth finds it through
 * GCE_METADATA_HOST/GCE_METADATA_IP and gets the job's service account token from it.
 */
export function startGceMetadata(serviceAccount: string, project: string): Promise<Server> {
  return listen((req, res) => {
    const url = req.url ?? "/";
    if (req.headers["metadata-flavor"] !== "Google") {
      res.writeHead(403).end("Missing Metadata-Flavor: Google");
      return;
    }
    const send = (body: string, type = "text/plain") => res.writeHead(200, { "Metadata-Flavor": "Google", "Content-Type": type }).end(body);
    if (url === "/" || url.startsWith("/computeMetadata/v1/?")) send("computeMetadata/");
    else if (url.startsWith("/computeMetadata/v1/project/project-id")) send(project);
    else if (/\/service-accounts\/default\/token/.test(url))
      send(JSON.stringify({ access_token: "metadata-token-for-" + serviceAccount.split("@")[0], expires_in: 3600, token_type: "Bearer" }), "application/json");
    else if (/\/service-accounts\/default\/email/.test(url)) send(serviceAccount);
    else if (/\/service-accounts\/default\/?(\?.*)?$/.test(url))
      send(JSON.stringify({ email: serviceAccount, aliases: ["default"], scopes: ["https://www.googleapis.com/auth/cloud-platform"] }), "application/json");
    else res.writeHead(404, { "Metadata-Flavor": "Google" }).end();
  });
}

/** Stand-in for the ECS task credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI): the task role's keys. */
export function startEcsCredentials(roleArn: string): Promise<Server> {
  return listen((_req, res) => {
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    res.writeHead(200, { "Content-Type": "application/json" }).end(
      JSON.stringify({
        RoleArn: roleArn,
        AccessKeyId: "ASIATASKROLESTANDIN",
        SecretAccessKey: "task-role-secret-standin",
        Token: "task-role-session-standin",
        Expiration: expiration,
      }),
    );
  });
}

// --- PostgreSQL ----------------------------------------------------------------------------------

export interface Postgres extends Server {
  /** SQLAlchemy URL with the password, for the pipeline's secret. */
  sqlalchemyUrl: string;
  psql(sql: string): string;
}

function pgBin(name: string): string {
  for (const dir of ["/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin"]) if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  throw new Error(`PostgreSQL's ${name} is not installed (apt-get install postgresql): the containers tier needs it`);
}

/**
 * A throwaway PostgreSQL cluster on 127.0.0.1 (password auth, so the URL carries a real secret).
 * initdb refuses to run as root: the cluster belongs to the `postgres` user Debian's package creates.
 */
export async function startPostgres(): Promise<Postgres> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-pg-"));
  const data = path.join(dir, "data");
  const password = crypto.randomBytes(12).toString("hex");
  fs.writeFileSync(path.join(dir, "pw"), password);
  fs.chmodSync(dir, 0o755);
  const asPg = (cmd: string, args: string[]) => {
    const r = spawnSync("runuser", ["-u", "postgres", "--", cmd, ...args], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  };
  spawnSync("chown", ["-R", "postgres", dir]);
  asPg(pgBin("initdb"), ["-D", data, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${path.join(dir, "pw")}`, "-E", "UTF8"]);
  asPg(pgBin("pg_ctl"), ["-D", data, "-l", path.join(dir, "server.log"), "-w", "-o", `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir}`, "start"]);
  const psql = (sql: string) => {
    const r = spawnSync(pgBin("psql"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-Atc", sql], {
      encoding: "utf8",
      env: { ...process.env, PGPASSWORD: password },
    });
    if (r.status !== 0) throw new Error(`psql exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  };
  return {
    url: `postgresql://127.0.0.1:${port}/postgres`,
    port,
    sqlalchemyUrl: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
    psql,
    stop: async () => {
      spawnSync("runuser", ["-u", "postgres", "--", pgBin("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --- registry ------------------------------------------------------------------------------------

/** Debian's docker-registry (CNCF distribution) on 127.0.0.1, storage in a temp folder. */
export async function startRegistry(): Promise<Server> {
  const bin = "/usr/bin/docker-registry";
  if (!fs.existsSync(bin)) {
    const r = spawnSync("apt-get", ["install", "-y", "-qq", "docker-registry"], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (r.status !== 0) throw new Error(`apt-get install docker-registry exited ${r.status}`);
  }
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-registry-"));
  const config = path.join(dir, "config.yml");
  fs.writeFileSync(
    config,
    [
      "version: 0.1",
      "log: { level: warn }",
      "storage:",
      `  filesystem: { rootdirectory: ${dir}/data }`,
      "  delete: { enabled: true }",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  const child = spawn(bin, ["serve", config], { stdio: ["ignore", logFile("registry"), logFile("registry.err")] });
  const url = `127.0.0.1:${port}`;
  await waitFor("docker-registry", child, () => httpOk(`http://${url}/v2/`));
  return {
    url,
    port,
    stop: async () => {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
