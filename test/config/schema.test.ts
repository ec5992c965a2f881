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
});
