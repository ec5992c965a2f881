/**
 * Layering: data flows `stacks/` → `components/` (DESIGN.md, Layout and data flow), so no file under
 * components/ imports stacks/, and only the cloud's own folder imports its provider SDK.
 *
 * Stands for: the arrows of the program's import graph pointing one way, which keeps components
 * usable with any config front end and keeps a GCP stack from loading @pulumi/aws.
 * Proof: ESLint's own `no-restricted-imports` (configured once, in eslint.config.mjs) run on files that
 * import the wrong way, so the rule is shown to bite; then every import, `require` and dynamic import
 * of components/ resolved by path, which also covers what the lint rule does not see (`require`).
 * Cannot prove: arrows through files outside the program (tools/, test/), which may import both.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ESLint } from "eslint";

const ROOT = path.resolve(__dirname, "../..");

function tsFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(rel);
    return e.name.endsWith(".ts") ? [rel] : [];
  });
}

/** Every module specifier a file names: static imports and re-exports, `require(...)`, `import(...)`. */
function specifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/g)) out.push(m[1]);
  for (const m of source.matchAll(/\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]);
  return out;
}

describe("layering: stacks → components, one way", () => {
  const eslint = new ESLint({ cwd: ROOT });
  const lint = async (file: string, code: string) =>
    (await eslint.lintText(code, { filePath: path.join(ROOT, file) }))[0].messages.filter((m) => m.ruleId === "no-restricted-imports");

  it("the lint rule rejects a component importing stacks/, also as a type", async () => {
    const found = await lint("components/warehouse/probe.ts", 'import type { StackConfig } from "../../stacks/config";\nexport type X = StackConfig;\n');
    assert.equal(found.length, 1, "components/ → stacks/ must be a lint error");
    assert.match(found[0].message, /must not import stacks/);
    assert.equal((await lint("components/cloud/gcp/probe.ts", 'import { PROJECT } from "../../../stacks/config";\nexport const p = PROJECT;\n')).length, 1);
  });

  it("the lint rule rejects a cloud SDK outside its cloud's folder, and allows it inside", async () => {
    const code = (sdk: string) => `import * as sdk from "${sdk}";\nexport const s = sdk;\n`;
    assert.equal((await lint("components/pipeline.ts", code("@pulumi/gcp"))).length, 1);
    assert.equal((await lint("components/cloud/gcp/probe.ts", code("@pulumi/aws"))).length, 1);
    assert.equal((await lint("components/cloud/aws/probe.ts", code("@pulumi/gcp/storage"))).length, 1);
    assert.equal((await lint("stacks/probe.ts", code("@pulumi/aws"))).length, 1);
    assert.equal((await lint("components/cloud/gcp/probe.ts", code("@pulumi/gcp"))).length, 0);
    assert.equal((await lint("components/cloud/aws/probe.ts", code("@pulumi/aws"))).length, 0);
  });

  it("the lint rule allows stacks/ importing components/ (the right way)", async () => {
    assert.equal((await lint("stacks/probe.ts", 'import type { PlatformConfig } from "../components/types";\nexport type P = PlatformConfig;\n')).length, 0);
  });

  it("no file under components/ reaches stacks/, by any kind of import", () => {
    const files = tsFiles("components");
    assert.ok(files.length > 50, `components/ has its files (found ${files.length})`);
    const wrong: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(fs.readFileSync(path.join(ROOT, file), "utf8"))) {
        if (!spec.startsWith(".")) continue;
        const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec));
        if (target === "stacks" || target.startsWith(`stacks${path.sep}`)) wrong.push(`${file} imports ${spec}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("the import scan sees each kind of import it claims to", () => {
    const found = specifiers(
      'import { a } from "../stacks/a";\nimport type { B } from "../stacks/b";\nexport * from "../stacks/c";\nconst d = require("../stacks/d");\nawait import("../stacks/e");\n',
    );
    assert.deepEqual(found, ["../stacks/a", "../stacks/b", "../stacks/c", "../stacks/d", "../stacks/e"]);
  });
});
