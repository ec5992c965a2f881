/**
 * The shipped example pipelines, as fixed fixtures. Tests that assert what those examples declare
 * (a job per pipeline, the Fivetran one without an ingestion job, counts, names) synthesize from a
 * scratch project holding exactly these pipeline files, so a pipeline added to pipelines/ turns none
 * of them red. The invariants, the policy pack and the config tests keep reading pipelines/ itself,
 * so an added pipeline is still checked.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const PROJECT_ROOT = path.resolve(__dirname, "..");

export const EXAMPLE_PIPELINES = ["jsonplaceholder", "orders_files", "shop_postgres"];

/**
 * A scratch project holding the stack files and only `pipelines` of this project's pipeline files;
 * the image build contexts are linked, so their hashes are the project's. Removed at exit.
 */
export function fixtureRoot(pipelines: string[], root = PROJECT_ROOT): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-fixture-"));
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  for (const f of fs.readdirSync(root).filter((x) => /^Pulumi\..+\.yaml$/.test(x))) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  for (const ctx of ["ingestion", "dbt"]) fs.symlinkSync(path.join(root, ctx), path.join(dir, ctx));
  fs.mkdirSync(path.join(dir, "pipelines"));
  for (const p of pipelines) fs.copyFileSync(path.join(root, "pipelines", `${p}.yaml`), path.join(dir, "pipelines", `${p}.yaml`));
  return dir;
}

let examples: string | undefined;
/** The project with exactly the shipped example pipelines (one scratch folder per test process). */
export function examplesRoot(): string {
  examples ??= fixtureRoot(EXAMPLE_PIPELINES);
  return examples;
}
