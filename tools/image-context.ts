/**
 * `tsx tools/image-context.ts <stack> <ingestion|dbt>`: the build context a stack configures for an
 * image (`images.<kind>Context`, defaults applied) and the tag `components/deploy.ts` gives it (the
 * content hash of that context), as one JSON line `{"context": "...", "tag": "..."}`.
 * `.github/scripts/build-image.sh` builds exactly this, so CI and the program agree on both.
 */
import * as path from "path";
import { contextHash } from "../components/build-context";
import { IMAGE_KINDS, type ImageKind } from "../components/types";
import { ConfigError, formatIssue } from "../stacks/errors";
import { loadPlatformConfig } from "../stacks/load";
import { readStackFile } from "./synth/stack-file";

const ROOT = path.resolve(__dirname, "..");

export function imageContext(root: string, stack: string, kind: ImageKind): { context: string; tag: string } {
  const { config } = loadPlatformConfig({ root, stack, config: readStackFile(root, stack).config });
  const context = kind === "ingestion" ? config.images.ingestionContext : config.images.dbtContext;
  return { context, tag: contextHash(path.resolve(root, context)) };
}

if (require.main === module) {
  const [stack, kind] = process.argv.slice(2);
  if (!stack || !IMAGE_KINDS.includes(kind as ImageKind)) {
    console.error(`usage: tsx tools/image-context.ts <stack> <${IMAGE_KINDS.join("|")}>`);
    process.exit(2);
  }
  try {
    process.stdout.write(`${JSON.stringify(imageContext(ROOT, stack, kind as ImageKind))}\n`);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`stack ${stack} or its pipeline files are invalid:\n  ${e.issues.map(formatIssue).join("\n  ")}`);
    process.exit(1);
  }
}
