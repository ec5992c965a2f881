/** Temporary project folders with a stack file and pipeline files, for config validation tests. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadPlatformConfig, type Loaded } from "../../stacks/load";
import { readStackFile } from "../../tools/synth/stack-file";

export const ROOT = path.resolve(__dirname, "..", "..");

export const VALID_STACK = `config:
  data-platform:cloud: gcp
  data-platform:environment: dev
  data-platform:prefix: acme
  data-platform:region: europe-west1
  data-platform:gcp:
    project: acme-data-dev
  data-platform:warehouse:
    account: ACME-DATA
`;

export const VALID_PIPELINE = `name: orders
description: Orders
owner: team@example.com
source:
  type: filesystem
  filesystem:
    bucket_path: landing/orders
    format: csv
    table: orders
schedule:
  cron: "0 3 * * *"
`;

/** Write a project (stack `dev` unless named) and load it the way the program does. */
export function project(files: { stack?: string; stackName?: string; pipelines?: Record<string, string> }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-config-"));
  fs.writeFileSync(path.join(dir, `Pulumi.${files.stackName ?? "dev"}.yaml`), files.stack ?? VALID_STACK);
  fs.mkdirSync(path.join(dir, "pipelines"));
  for (const [name, text] of Object.entries(files.pipelines ?? { "orders.yaml": VALID_PIPELINE })) {
    fs.writeFileSync(path.join(dir, "pipelines", name), text);
  }
  return dir;
}

export function load(root: string, stack = "dev"): Loaded {
  return loadPlatformConfig({ root, stack, config: readStackFile(root, stack).config });
}
