/**
 * The offline plan diff on the real program: temp project roots made from the shipped Pulumi.dev.yaml
 * and pipelines/ (image contexts linked), one modified, both planned with `synthesize` and compared.
 * Base and head live in different temp dirs, so "nothing else changed" also shows that a plan does
 * not depend on where the project root is. These need the whole program to synthesize.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parseDocument } from "yaml";
import { diffPlans, isEmpty, planRoot, renderMarkdown } from "../../tools/plan-diff";

const ROOT = path.resolve(__dirname, "../..");
const STACK = "dev";

/** A temp root with the stack file, a copy of pipelines/, and links to the image contexts. */
function tempRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-stack-"));
  fs.copyFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), path.join(dir, `Pulumi.${STACK}.yaml`));
  fs.cpSync(path.join(ROOT, "pipelines"), path.join(dir, "pipelines"), { recursive: true });
  for (const ctx of ["ingestion", "dbt"]) fs.symlinkSync(path.join(ROOT, ctx), path.join(dir, ctx), "dir");
  return dir;
}

function editPipeline(root: string, file: string, edit: (doc: ReturnType<typeof parseDocument>) => void, to = file): void {
  const doc = parseDocument(fs.readFileSync(path.join(root, "pipelines", file), "utf8"));
  edit(doc);
  fs.writeFileSync(path.join(root, "pipelines", to), doc.toString());
}

describe(`plan diff on the ${STACK} stack`, () => {
  it("adding a pipeline shows exactly that pipeline's resources, and nothing else", async () => {
    const base = tempRoot();
    const head = tempRoot();
    editPipeline(head, "jsonplaceholder.yaml", (d) => d.set("name", "jp_extra"), "jp_extra.yaml");
    const [b, h] = [await planRoot(STACK, base), await planRoot(STACK, head)];
    const d = diffPlans(b, h);
    assert.ok(d.added.length >= 3, `a pipeline declares several resources, got ${d.added.length}`);
    assert.deepEqual([...new Set(d.added.map((c) => c.group))], ["jp_extra"], renderMarkdown(d));
    // Exactly the head's resources named after the new pipeline (its own, and the grants and accounts
    // the environment adds for it) are in the diff.
    const ofPipeline = h.resources.filter((r) => r.name.includes("jp_extra")).map((r) => r.urn);
    assert.deepEqual(d.added.map((c) => c.urn).sort(), ofPipeline.sort());
    assert.deepEqual(d.removed, []);
    assert.deepEqual(
      d.changed.map((c) => `${c.type}::${c.name} ${c.inputs?.map((i) => i.path).join(",")}`),
      [],
      renderMarkdown(d),
    );
  });

  it("changing a schedule shows one changed input on one resource", async () => {
    const base = tempRoot();
    const head = tempRoot();
    editPipeline(head, "jsonplaceholder.yaml", (d) => d.setIn(["schedule", "cron"], "15 3 * * *"));
    const d = diffPlans(await planRoot(STACK, base), await planRoot(STACK, head));
    assert.deepEqual(d.added, []);
    assert.deepEqual(d.removed, []);
    assert.equal(d.changed.length, 1, renderMarkdown(d));
    assert.equal(d.changed[0].group, "jsonplaceholder");
    assert.equal(d.changed[0].inputs?.length, 1, renderMarkdown(d));
    assert.ok(JSON.stringify(d.changed[0].inputs?.[0].after).includes("15 3 * * *"));
  });

  it("a change that alters nothing (comments, key order) shows nothing", async () => {
    const base = tempRoot();
    const head = tempRoot();
    const file = path.join(head, "pipelines", "jsonplaceholder.yaml");
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    const owner = doc.get("owner");
    doc.delete("owner");
    doc.set("owner", owner);
    fs.writeFileSync(file, `# reformatted\n${doc.toString()}\n# end\n`);
    const d = diffPlans(await planRoot(STACK, base), await planRoot(STACK, head));
    assert.ok(isEmpty(d), renderMarkdown(d));
    assert.match(renderMarkdown(d), /No resource changes/);
  });

  it("a stack with no stack file at the base is all additions", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-empty-"));
    const h = await planRoot(STACK, tempRoot());
    const d = diffPlans(await planRoot(STACK, empty), h);
    assert.equal(d.added.length, h.resources.length);
  });
});
