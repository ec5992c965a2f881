import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DataPlatform, type PlatformSecrets } from "../components/platform";
import { IMAGE_KINDS, type PlatformConfig } from "../components/types";
import { ConfigError, type ConfigIssue } from "./errors";
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
  const unpinned = unpinnedPrebuiltImages(config, pulumi.getStack(), pulumi.runtime.isDryRun());
  if (unpinned.length) throw new pulumi.RunError(new ConfigError(unpinned).message);
  const platform = new DataPlatform(`${config.prefix}-${config.environment}`, { config, secrets: asPulumiSecrets(secrets), root });
  return platform.outputs;
}

/**
 * A stack with `images.build: false` runs only digests CI built and promoted: `pulumi up` (not a
 * preview) without both pinned stops here, before any resource, instead of building on a laptop.
 */
export function unpinnedPrebuiltImages(config: PlatformConfig, stack: string, dryRun: boolean): ConfigIssue[] {
  if (config.images.build || dryRun) return [];
  return IMAGE_KINDS.filter((k) => !config.images[k]).map((k) => ({
    file: `Pulumi.${stack}.yaml`,
    path: `data-platform:images.${k}`,
    expected: `a digest reference (images.build is false: this stack runs what CI built; keep what it runs with \`.github/scripts/pin-deployed.sh ${stack}\`, or deploy through CI)`,
    found: "not set",
  }));
}

/** Secret values leave the loader as plain strings; wrap them before anything else can see them. */
function asPulumiSecrets(s: StackSecrets): PlatformSecrets {
  const wrap = (v: string | undefined) => (v === undefined ? undefined : pulumi.secret(v));
  return {
    fivetranApiKey: wrap(s.fivetranApiKey),
    fivetranApiSecret: wrap(s.fivetranApiSecret),
    snowflakeCredentials: Object.fromEntries(Object.entries(s.snowflakeCredentials).map(([k, v]) => [k, pulumi.secret(v)])),
    pipelineSecrets: Object.fromEntries(
      Object.entries(s.pipelineSecrets).map(([p, values]) => [p, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, pulumi.secret(v)]))]),
    ),
  };
}
