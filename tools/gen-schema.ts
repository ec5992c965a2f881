/**
 * Generate the JSON Schemas editors use (yaml-language-server) from the zod schemas, so the two can
 * never disagree. `npm run schema` writes them; a test fails when the committed files are stale.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { PROJECT, stackConfigSchema } from "../stacks/config";
import { pipelineSpecSchema } from "../stacks/pipeline-spec";

export const SCHEMA_DIR = path.resolve(__dirname, "..", "schemas");

/** File name → generated content. */
export function generateSchemas(): Record<string, string> {
  const pipeline = z.toJSONSchema(pipelineSpecSchema, { io: "input", unrepresentable: "any" });
  // The stack file nests our keys as `config: { "data-platform:<key>": ... }` beside provider keys.
  const stack = z.toJSONSchema(stackConfigSchema, { io: "input", unrepresentable: "any" }) as {
    properties: Record<string, unknown>;
    required?: string[];
  };
  const stackFile = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "data-platform stack file (Pulumi.<stack>.yaml)",
    type: "object",
    properties: {
      config: {
        description: "Stack config: provider keys (gcp:project, aws:region, snowflake:*) and this project's keys under data-platform:.",
        type: "object",
        properties: Object.fromEntries(Object.entries(stack.properties).map(([k, v]) => [`${PROJECT}:${k}`, v])),
        required: (stack.required ?? []).map((k) => `${PROJECT}:${k}`),
        additionalProperties: true,
      },
    },
  };
  const render = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  return { "pipeline.schema.json": render(pipeline), "stack.schema.json": render(stackFile) };
}

if (require.main === module) {
  fs.mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const [file, content] of Object.entries(generateSchemas())) {
    fs.writeFileSync(path.join(SCHEMA_DIR, file), content);
    console.log(`wrote schemas/${file}`);
  }
}
