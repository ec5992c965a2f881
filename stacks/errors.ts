/**
 * Configuration errors. Every problem found in the stack file and the pipeline files is collected
 * first and reported together, so a pipeline author fixes them all in one pass instead of one per run.
 */

export interface ConfigIssue {
  /** Path of the file, relative to the project root (e.g. `pipelines/orders.yaml`). */
  file: string;
  /** 1-based line and column, when the problem can be pinned to a YAML node. */
  line?: number;
  column?: number;
  /** Dotted field path inside the file (e.g. `source.rest_api.client.base_url`); empty for the whole file. */
  path: string;
  expected: string;
  found: string;
}

export function formatIssue(i: ConfigIssue): string {
  const where = i.line ? `${i.file}:${i.line}:${i.column ?? 1}` : i.file;
  const field = i.path ? `${i.path}: ` : "";
  return `${where}  ${field}expected ${i.expected}, found ${i.found}`;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(`${issues.length} configuration error${issues.length === 1 ? "" : "s"}; nothing was declared:\n` + issues.map((i) => `  ${formatIssue(i)}`).join("\n"));
    this.name = "ConfigError";
  }
}

/** Describe a value as it appeared in the input, short enough for one error line. */
export function describeFound(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
  if (typeof value === "object") return "a mapping";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}
