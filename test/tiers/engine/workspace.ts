/**
 * One home for how the engine tier drives the real Pulumi CLI: the pinned CLI (built once per machine by
 * install-pulumi.sh), a throwaway file backend and PULUMI_HOME, and the dynamic-provider plugin on PATH,
 * then an inline program through the Automation API's LocalWorkspace (the Node language host is not
 * served here; inline programs get the language runtime from the SDK itself).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";

const ROOT = path.resolve(__dirname, "../../..");

/** Builds (once per machine) or finds the pinned CLI; a missing Go fails the tier, as it must. */
export function pulumiCli(): string {
  const r = spawnSync("bash", [path.join(__dirname, "install-pulumi.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  assert.equal(r.status, 0, "test/tiers/engine/install-pulumi.sh could not provide the Pulumi CLI (see its output above)");
  return r.stdout.trim().split("\n").pop()!;
}

export interface EngineStack {
  stack: Stack;
  /** The scratch folder holding the backend (its checkpoint), PULUMI_HOME and the work dir; `dispose` removes it. */
  tmp: string;
  dispose(): void;
}

/**
 * A stack of `program` on a fresh file backend with passphrase secrets. `env` adds variables the
 * program's providers read (e.g. FIVETRAN_API_URL); `config` is set on the stack before the first run.
 */
export async function engineStack(opts: {
  stackName: string;
  program: () => unknown;
  env?: Record<string, string>;
  config?: Record<string, { value: string; secret?: boolean }>;
}): Promise<EngineStack> {
  const cli = pulumiCli();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `dp-engine-${opts.stackName}-`));
  const bin = path.join(tmp, "bin");
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(tmp, "backend"));
  // The SDK documents the dynamic-provider plugin as this script: the engine finds it on PATH.
  const plugin = path.join(bin, "pulumi-resource-pulumi-nodejs");
  fs.writeFileSync(plugin, `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/dynamic-provider")}" "$@"\n`, { mode: 0o755 });
  const envVars = {
    PATH: `${bin}:${path.dirname(cli)}:${path.dirname(process.execPath)}:${process.env.PATH}`,
    PULUMI_HOME: path.join(tmp, "pulumi-home"),
    PULUMI_BACKEND_URL: `file://${path.join(tmp, "backend")}`,
    PULUMI_CONFIG_PASSPHRASE: "engine-tier-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "false",
    ...opts.env,
  };
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(path.dirname(cli)) });
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: "data-platform", stackName: opts.stackName, program: opts.program as () => Promise<Record<string, unknown>> },
    { pulumiCommand, envVars, secretsProvider: "passphrase", projectSettings: { name: "data-platform", runtime: "nodejs" }, workDir: fs.mkdtempSync(path.join(tmp, "work-")) },
  );
  if (opts.config) await stack.setAllConfig(opts.config);
  return { stack, tmp, dispose: () => fs.rmSync(tmp, { recursive: true, force: true }) };
}
