import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DataPlatform, type PlatformSecrets } from "../components/platform";
import { ConfigError } from "./errors";
import { loadPlatformConfig, type StackSecrets } from "./load";

/** Project root: where `Pulumi.yaml`, the stack files and `pipelines/` live. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

/**
 * Read and validate the stack's config and the pipeline files under `root`, then declare the platform.
 * Bad input throws a ConfigError before any resource is declared.
 */
export async function createPlatform(root: string = PROJECT_ROOT): Promise<Record<string, unknown>> {
  let loaded;
  try {
    loaded = loadPlatformConfig({ root, stack: pulumi.getStack(), config: pulumi.runtime.allConfig() });
  } catch (e) {
    // RunError ends `pulumi up` with just the message: the list of problems, not a stack trace.
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
  const { config, secrets } = loaded;
  const platform = new DataPlatform(`${config.prefix}-${config.environment}`, { config, secrets: asPulumiSecrets(secrets), root });
  return platform.outputs;
}

/** Secret values leave the loader as plain strings; wrap them before anything else can see them. */
function asPulumiSecrets(s: StackSecrets): PlatformSecrets {
  const wrap = (v: string | undefined) => (v === undefined ? undefined : pulumi.secret(v));
  return {
    fivetranApiKey: wrap(s.fivetranApiKey),
    fivetranApiSecret: wrap(s.fivetranApiSecret),
    pipelineSecrets: Object.fromEntries(
      Object.entries(s.pipelineSecrets).map(([p, values]) => [p, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, pulumi.secret(v)]))]),
    ),
  };
}
