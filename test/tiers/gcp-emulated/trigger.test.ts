/**
 * `npm run trigger -- --stack dev --pipeline <p>`: the Workflow Executions API call that starts a run now.
 *
 * Stands for: `projects.locations.workflows.executions.create` on the workflow the stack deploys, with the
 * argument the workflow reads its run type from ({"trigger": "manual"} → DP_RUN_TYPE=MANUAL, the
 * `classify_trigger` step of gcp/workflow.ts, which workflows.test.ts runs in workflows-emulator).
 * What proves it (third-party validator rank): the real CLI and the official client (@google-cloud/
 * workflows ExecutionsClient, REST transport) send their request to a stand-in HTTP server on 127.0.0.1,
 * which checks it against Google's discovery document for Workflow Executions v1 (as shipped in
 * google-api-python-client): HTTP method, path and its `parent` pattern, and the body against the
 * `Execution` schema (check_shapes.py); the workflow named is the plan's own workflow resource.
 * What it cannot prove: authentication and IAM (no credentials go to the stand-in; the caller needs
 * roles/workflows.invoker), and Google's answer beyond the shape the stand-in returns.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as http from "node:http";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { ofType, plan, runPython } from "./tier";

const ROOT = path.resolve(__dirname, "../../..");

interface Method {
  httpMethod: string;
  path: string;
  request: string;
  parameters: Record<string, { location: string; required: boolean; pattern?: string }>;
}
interface Seen {
  method: string;
  url: string;
  body: unknown;
  authorization?: string;
}

const cli = (args: string[], env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "tools", "trigger.ts"), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });

describe("npm run trigger (dev) against a stand-in checked by the Workflow Executions discovery document", () => {
  let server: http.Server;
  let host: string;
  const seen: Seen[] = [];
  const create = runPython<Method>("discovery_method.py", { api: "workflowexecutions.v1", method: "projects.locations.workflows.executions.create" });

  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        const parsed = body ? JSON.parse(body) : undefined;
        seen.push({ method: req.method ?? "", url: req.url ?? "", body: parsed, authorization: req.headers.authorization });
        const parent = /^\/v1\/(.+)\/executions/.exec(new URL(req.url ?? "/", "http://x").pathname)?.[1] ?? "";
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({ name: `${parent}/executions/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9`, state: "ACTIVE", argument: parsed?.argument, startTime: "2026-12-01T12:00:00Z" }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    host = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  it("creates an execution of the pipeline's planned workflow, with trigger=manual, as the discovery document defines the call", async () => {
    const r = await cli(["--stack", "dev", "--pipeline", "orders_files"], { WORKFLOWS_EMULATOR_HOST: host });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(seen.length, 1, JSON.stringify(seen));
    const [req] = seen;

    const workflow = ofType(await plan("dev"), "gcp:workflows/workflow:Workflow").find((w) => (w.inputs.labels as Record<string, string>).pipeline === "orders_files")!;
    const parent = `projects/${workflow.inputs.project}/locations/${workflow.inputs.region}/workflows/${workflow.inputs.name}`;
    assert.equal(req.method, create.httpMethod);
    assert.equal(decodeURIComponent(new URL(req.url, host).pathname), `/${create.path.replace("{+parent}", parent)}`);
    assert.match(parent, new RegExp(create.parameters.parent.pattern!));
    assert.deepEqual(
      runPython<{ problems: string[] }>("check_shapes.py", { requests: [{ what: "executions.create", api: "workflowexecutions.v1", schema: create.request, body: req.body }] })
        .problems,
      [],
    );
    assert.deepEqual(JSON.parse((req.body as { argument: string }).argument), { trigger: "manual" });
    assert.equal(req.authorization, undefined, "no credentials are sent to a stand-in");
    assert.match(r.stdout, /run 0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9 \(MANUAL\)/);
  });

  it("refuses the local stack and unknown pipelines without calling the API", async () => {
    const before = seen.length;
    const local = await cli(["--stack", "local", "--pipeline", "orders_files"], { WORKFLOWS_EMULATOR_HOST: host });
    assert.equal(local.code, 2);
    assert.match(local.stderr, /--stack local: a local run starts with `npm run local -- --pipeline <name>`/);
    const unknown = await cli(["--stack", "dev", "--pipeline", "nosuch"], { WORKFLOWS_EMULATOR_HOST: host });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--pipeline nosuch: expected one of jsonplaceholder, orders_files, shop_postgres/);
    assert.equal(seen.length, before);
  });
});
