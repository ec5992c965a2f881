/**
 * Operating dev-aws from a laptop: `npm run trigger` starts a state machine with the official Step
 * Functions client, and `npm run runs` lists the pipeline-run records from the artifacts bucket with the
 * official S3 client.
 *
 * Stands for: StartExecution on the pipeline's real state machine with the input the flow reads its run
 * type from ({"trigger": "manual"} → DP_RUN_TYPE=MANUAL), and ListObjectsV2/GetObject on `runs/`.
 * What proves it (emulator rank): moto's server on 127.0.0.1 (its Step Functions and S3 implement the
 * APIs from botocore's service models, and validate names, ARNs and parameters), reached by the real CLIs
 * (tools/trigger.ts, tools/runs.ts) through the SDKs' own endpoint variables; the state machine is created
 * in moto from the plan's name and definition, and the ARN moto gives it must be the one the plan's stack
 * outputs name (so the tool starts the machine the stack deploys). The records in the bucket are written
 * by the real Python module (ingestion/pipeline_run.py).
 * What it cannot prove: IAM (iam.test.ts simulates who may start a flow), the execution itself (see
 * state-machines.test.ts for moto's interpreter running the flows), and credentials discovery on a laptop.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Plan } from "../../../tools/synth/synthesize";
import { writeRecords } from "../../local/run-records";
import { byType, devAwsPlan, ROOT, tierPython } from "./tools";

const REGION = "eu-west-1";
const CREDS = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: REGION };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) =>
      net
        .connect(port, "127.0.0.1")
        .once("connect", function (this: net.Socket) {
          this.destroy();
          resolve(true);
        })
        .once("error", () => resolve(false)),
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`moto's server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

const cli = (tool: string, args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools", tool), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...CREDS, ...env },
    timeout: 120_000,
  });

describe("dev-aws operations against moto", () => {
  let moto: ChildProcess;
  let endpoint: string;
  let plan: Plan;
  before(async () => {
    const python = tierPython();
    const port = await freePort();
    moto = spawn(python, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    endpoint = `http://127.0.0.1:${port}`;
    plan = await devAwsPlan();
    await waitForPort(port);
  });
  after(() => {
    moto?.kill();
  });

  it("npm run trigger starts the pipeline's planned state machine with trigger=manual, and the run id is the execution's name", async () => {
    const planned = byType(plan, "aws:sfn/stateMachine:StateMachine").find((r) => (r.inputs.tags as Record<string, string>).pipeline === "jsonplaceholder")!;
    const sfn = new SFNClient({ region: REGION, endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: String(planned.inputs.name),
        definition: String(planned.inputs.definition),
        roleArn: "arn:aws:iam::123456789012:role/acmeaws-dev-jsonplaceholder-orchestrator",
      }),
    );
    const outputs = plan.outputs.pipelines as Record<string, { orchestration: string }>;
    assert.equal(outputs.jsonplaceholder.orchestration, created.stateMachineArn, "the stack output the tool reads is the ARN AWS gives the planned machine");

    const r = cli("trigger.ts", ["--stack", "dev-aws", "--pipeline", "jsonplaceholder"], { AWS_ENDPOINT_URL_SFN: endpoint });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const runId = /run (\S+) \(MANUAL\)/.exec(r.stdout)?.[1];
    const executionArn = /execution (\S+)/.exec(r.stdout)?.[1];
    assert.ok(runId && executionArn, r.stdout);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    assert.equal(execution.stateMachineArn, created.stateMachineArn);
    assert.equal(execution.name, runId, "the run id every step records ($states.context.Execution.Name)");
    assert.deepEqual(JSON.parse(execution.input ?? "null"), { trigger: "manual" });
    sfn.destroy();
  });

  it("npm run trigger names the known pipelines when asked for another, and starts nothing", () => {
    const r = cli("trigger.ts", ["--stack", "dev-aws", "--pipeline", "nosuch"], { AWS_ENDPOINT_URL_SFN: endpoint });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--pipeline nosuch: expected one of jsonplaceholder, orders_files, shop_postgres \(from the offline plan of Pulumi.dev-aws.yaml\)/);
  });

  it("npm run runs lists the records in the stack's artifacts bucket, newest first", async () => {
    const bucket = String(plan.outputs.artifactsBucket).replace("s3://", "");
    const s3 = new S3Client({ region: REGION, endpoint, forcePathStyle: true, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "aws-runs-"));
    const part = (status: string, minute: number, extra: Record<string, unknown> = {}) => ({
      status,
      run_type: "SCHEDULED",
      started_at: `2026-12-01T03:${minute}:00.000Z`,
      finished_at: `2026-12-01T03:${minute}:30.000Z`,
      ...extra,
    });
    writeRecords(folder, [
      ["orders_files", "exec-1", "ingestion", part("SUCCESS", 10, { rows: { orders: 5 } })],
      ["orders_files", "exec-1", "dbt", part("PARTIAL", 11, { models_built: 3, tests_passed: 20, tests_failed: 1, error: "test unique_orders_order_id fail (2 failing rows)" })],
      ["orders_files", "exec-2", "ingestion", part("SUCCESS", 40, { rows: { orders: 2 } })],
    ]);
    for (const file of fs.readdirSync(folder, { recursive: true }) as string[]) {
      const full = path.join(folder, file);
      if (fs.statSync(full).isFile()) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: file.split(path.sep).join("/"), Body: fs.readFileSync(full) }));
    }
    s3.destroy();
    const r = cli("runs.ts", ["--stack", "dev-aws", "--pipeline", "orders_files", "--json"], { AWS_ENDPOINT_URL_S3: endpoint });
    assert.equal(r.status, 0, r.stderr);
    const records = JSON.parse(r.stdout) as { run_id: string; status: string; failed_step: string | null; error: string | null }[];
    assert.deepEqual(
      records.map((x) => [x.run_id, x.status, x.failed_step]),
      [
        ["exec-2", "RUNNING", null],
        ["exec-1", "PARTIAL", "dbt"],
      ],
    );
    assert.match(records[1].error ?? "", /2 failing rows/);
  });
});
