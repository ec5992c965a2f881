import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { generateSchemas, SCHEMA_DIR } from "../../tools/gen-schema";
import { ROOT } from "./fixture";

describe("editor schemas", () => {
  for (const [file, content] of Object.entries(generateSchemas())) {
    it(`schemas/${file} is up to date with the zod schema (run: npm run schema)`, () => {
      const committed = fs.readFileSync(path.join(SCHEMA_DIR, file), "utf8");
      assert.equal(committed, content, `schemas/${file} is stale: run npm run schema and commit the result`);
    });
  }

  it("every pipeline file points its editor at the generated schema", () => {
    const dir = path.join(ROOT, "pipelines");
    for (const f of fs.readdirSync(dir).filter((x) => /\.ya?ml$/.test(x))) {
      const first = fs.readFileSync(path.join(dir, f), "utf8").split("\n")[0];
      assert.equal(first, "# yaml-language-server: $schema=../schemas/pipeline.schema.json", `pipelines/${f}`);
    }
  });

  it("the pipeline schema rejects unknown fields, like the zod schema", () => {
    const schema = JSON.parse(generateSchemas()["pipeline.schema.json"]);
    assert.equal(schema.additionalProperties, false);
    assert.ok(schema.required.includes("source"));
  });

  // Stands for: editor hover text on every field (yaml-language-server shows `description`).
  // Proven on the generated schemas themselves; cannot prove the text is helpful, only present.
  it("every field of both editor schemas has a description (hover text), from the zod schemas", () => {
    const missing: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (!node || typeof node !== "object") return;
      if (Array.isArray(node)) return node.forEach((n) => walk(n, at));
      const s = node as Record<string, unknown>;
      for (const [key, v] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        const alternatives = (v.anyOf ?? v.oneOf ?? []) as Record<string, unknown>[];
        if (!v.description && !alternatives.some((x) => x.description)) missing.push(`${at}.${key}`);
        walk(v, `${at}.${key}`);
      }
      for (const k of ["anyOf", "oneOf", "allOf"]) if (s[k]) walk(s[k], at);
      if (s.items) walk(s.items, `${at}[]`);
      if (s.additionalProperties && typeof s.additionalProperties === "object") walk(s.additionalProperties, `${at}.*`);
    };
    for (const [file, content] of Object.entries(generateSchemas())) walk(JSON.parse(content), file);
    assert.deepEqual(missing, [], `fields without a description (add .describe() in the zod schema, then npm run schema):\n${missing.join("\n")}`);
  });
});
