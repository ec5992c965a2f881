/**
 * `npm run trigger -- --stack <s> --pipeline <p> [--outputs <file>]`: start one pipeline's cloud run now,
 * through the cloud's official SDK client, recorded as MANUAL: the execution's input is
 * `{"trigger": "manual"}`, which both orchestrations turn into DP_RUN_TYPE=MANUAL for every step
 * (components/cloud/run-context.ts; gcp/workflow.ts `classify_trigger`, aws/flow.ts RUN_TYPE).
 *
 * - GCP: Workflow Executions API `projects.locations.workflows.executions.create` (@google-cloud/workflows
 *   ExecutionsClient, REST transport), as Application Default Credentials (`gcloud auth application-default
 *   login`); the caller needs `workflows.executions.create` on the workflow (roles/workflows.invoker).
 * - AWS: Step Functions StartExecution (@aws-sdk/client-sfn), as the default credential chain; the caller
 *   needs `states:StartExecution` on the state machine.
 * The workflow / state machine comes from the stack's outputs (tools/ops/stack-targets.ts), never restated.
 * The run id is the execution's own id (GCP) or name (AWS), the one every step records.
 *
 * Stand-ins: WORKFLOWS_EMULATOR_HOST=http://127.0.0.1:<port> points the GCP client at a local server
 * (no credentials are sent there); the AWS SDK's own AWS_ENDPOINT_URL_SFN does the same for Step Functions.
 * Exit codes: 0 started, 1 the cloud refused or failed, 2 usage.
 */
import * as path from "node:path";
import { MANUAL_TRIGGER } from "../components/cloud/run-context";
import { orchestrationOf, parseFlags, stackTargets, UsageError, type StackTargets } from "./ops/stack-targets";

const ROOT = path.resolve(__dirname, "..");
const USAGE = "usage: npm run trigger -- --stack <stack> --pipeline <pipeline> [--outputs <pulumi stack output --json file>]";

export interface Started {
  pipeline: string;
  runId: string;
  runType: "MANUAL";
  execution: string;
}

/** The execution input both orchestrations read the run type from. */
export const manualInput = (): string => JSON.stringify({ trigger: MANUAL_TRIGGER });

async function startGcp(workflow: string): Promise<{ runId: string; execution: string }> {
  const { ExecutionsClient } = await import("@google-cloud/workflows");
  const { googleAuthLibrary } = await import("google-gax");
  const emulator = process.env.WORKFLOWS_EMULATOR_HOST;
  const client = emulator
    ? (() => {
        const url = new URL(emulator);
        // A local stand-in: plain HTTP, and no credentials to send.
        return new ExecutionsClient({
          fallback: true,
          apiEndpoint: url.hostname,
          port: Number(url.port),
          protocol: url.protocol.replace(":", ""),
          authClient: new googleAuthLibrary.PassThroughClient(),
        } as never);
      })()
    : new ExecutionsClient({ fallback: true });
  try {
    const [execution] = await client.createExecution({ parent: workflow, execution: { argument: manualInput() } });
    const name = execution.name ?? "";
    const runId = name.split("/").pop() ?? "";
    if (!runId) throw new Error(`Workflow Executions answered without an execution name: ${JSON.stringify(execution)}`);
    return { runId, execution: name };
  } finally {
    await client.close();
  }
}

async function startAws(stateMachineArn: string): Promise<{ runId: string; execution: string }> {
  const { SFNClient, StartExecutionCommand } = await import("@aws-sdk/client-sfn");
  const region = stateMachineArn.split(":")[3];
  const client = new SFNClient({ region });
  try {
    const out = await client.send(new StartExecutionCommand({ stateMachineArn, input: manualInput() }));
    const execution = out.executionArn ?? "";
    const runId = execution.split(":").pop() ?? "";
    if (!runId) throw new Error(`StartExecution answered without an execution ARN: ${JSON.stringify(out)}`);
    return { runId, execution };
  } finally {
    client.destroy();
  }
}

export async function trigger(targets: StackTargets, pipeline: string): Promise<Started> {
  const orchestration = orchestrationOf(targets, pipeline);
  const started = targets.cloud === "gcp" ? await startGcp(orchestration) : await startAws(orchestration);
  return { pipeline, runType: "MANUAL", ...started };
}

async function main(): Promise<void> {
  let flags: Record<string, string | true>;
  try {
    flags = parseFlags(process.argv.slice(2), { stack: "value", pipeline: "value", outputs: "value", help: "switch" });
    if (flags.help) {
      console.log(USAGE);
      return;
    }
    if (typeof flags.stack !== "string" || typeof flags.pipeline !== "string")
      throw new UsageError("--stack and --pipeline: expected both, found " + (flags.stack ? "no --pipeline" : "no --stack"));
    if (flags.stack === "local") throw new UsageError("--stack local: a local run starts with `npm run local -- --pipeline <name>` (it records MANUAL too)");
    const targets = await stackTargets(ROOT, flags.stack, typeof flags.outputs === "string" ? flags.outputs : undefined);
    const started = await trigger(targets, flags.pipeline);
    console.log(`started ${started.pipeline} on ${flags.stack} (${targets.cloud}): run ${started.runId} (MANUAL)`);
    console.log(`  execution ${started.execution}`);
    console.log(`  follow it with: npm run runs -- --stack ${flags.stack} --pipeline ${started.pipeline}`);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(`trigger failed: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
