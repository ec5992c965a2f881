/**
 * Generated sections of README.md, rendered from the code that defines them, so the docs cannot
 * drift from the defaults (the data-solutions-framework lesson in shared/notes/anchors.md).
 * `npm run docs` rewrites them; a test fails when the committed README is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { STACK_DEFAULTS } from "../stacks/config";

export const README = path.resolve(__dirname, "..", "README.md");

/** Every leaf of STACK_DEFAULTS as a `data-platform:` config path with its default. */
export function defaultsTable(): string {
  const rows: string[] = [];
  const walk = (v: unknown, at: string[]): void => {
    if (v && typeof v === "object" && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
    else rows.push(`| \`${at.join(".")}\` | \`${JSON.stringify(v)}\` |`);
  };
  walk(STACK_DEFAULTS, []);
  return ["| config key (under `data-platform:`) | default |", "|---|---|", ...rows].join("\n");
}

const SECTIONS: Record<string, () => string> = { "stack-defaults": defaultsTable };

/** README text with every generated section replaced by its current rendering. */
export function renderReadme(text: string): string {
  let out = text;
  for (const [name, render] of Object.entries(SECTIONS)) {
    const begin = `<!-- generated:${name} -->`;
    const end = `<!-- /generated:${name} -->`;
    const i = out.indexOf(begin);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`README.md lacks the markers ${begin} … ${end}`);
    out = `${out.slice(0, i + begin.length)}\n${render()}\n${out.slice(j)}`;
  }
  return out;
}

if (require.main === module) {
  fs.writeFileSync(README, renderReadme(fs.readFileSync(README, "utf8")));
  console.log("README.md generated sections updated");
}
