import * as fs from "fs";
import * as path from "path";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { ZodType } from "zod";
import { describeFound, type ConfigIssue } from "./errors";

/** A YAML file parsed with its node positions, so that errors can point at a line and column. */
export class YamlFile {
  readonly issues: ConfigIssue[] = [];
  readonly value: unknown;
  private readonly doc: Document;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
    for (const e of [...this.doc.errors, ...this.doc.warnings]) {
      const pos = this.lines.linePos(e.pos[0]);
      this.issues.push({ file, line: pos.line, column: pos.col, path: "", expected: "valid YAML", found: e.message.split("\n")[0] });
    }
    this.value = this.doc.errors.length ? undefined : this.doc.toJS();
  }

  static read(root: string, relative: string): YamlFile {
    return new YamlFile(relative, fs.readFileSync(path.join(root, relative), "utf8"));
  }

  /**
   * Position of the node at `keys`. For a missing key, the position of its parent's key (the line
   * that says `filesystem:` when `filesystem.format` is missing), so the user knows where to add it.
   */
  locate(keys: readonly PropertyKey[], keyNode = false): { line?: number; column?: number } {
    let node: unknown = this.doc.contents;
    let at: Node | undefined = node as Node;
    let parentKey: Node | undefined;
    let complete = true;
    for (const [i, key] of keys.entries()) {
      let next: unknown;
      let keyOfNext: Node | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
        if (pair && isPair(pair)) {
          keyOfNext = pair.key as Node;
          next = keyNode && i === keys.length - 1 ? pair.key : pair.value;
        }
      } else if (isSeq(node)) {
        next = node.items[Number(key)];
      }
      if (!next) {
        complete = false;
        break;
      }
      parentKey = keyOfNext ?? parentKey;
      node = next;
      at = next as Node;
    }
    const target = complete ? at : (parentKey ?? at);
    const offset = target?.range?.[0];
    if (offset === undefined) return {};
    const pos = this.lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }

  issue(keys: readonly PropertyKey[], expected: string, found: string, keyNode = false, display = keys.join(".")): ConfigIssue {
    return { file: this.file, ...this.locate(keys, keyNode), path: display, expected, found };
  }

  /**
   * Validate `value` (by default this file's content) with a zod schema. `where` maps a path inside
   * `value` to the keys of the YAML node it came from and to the path shown to the user.
   * Returns the parsed value, or undefined after recording one issue per problem.
   */
  validate<T>(schema: ZodType<T>, value: unknown = this.value, where: PathMap = (p) => ({ keys: p, display: p.join(".") })): T | undefined {
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return result.data;
    for (const zi of result.error.issues) {
      let input = (zi as { input?: unknown }).input;
      // A discriminated union with no matching member reports the whole mapping as its input, at
      // the discriminator's path: what was found is the discriminator's value (`type: restapi`).
      const discriminator = (zi as { discriminator?: string }).discriminator;
      if (zi.code === "invalid_union" && discriminator && input && typeof input === "object" && !Array.isArray(input)) input = (input as Record<string, unknown>)[discriminator];
      if (zi.code === "unrecognized_keys") {
        for (const k of zi.keys) {
          const w = where([...zi.path, k]);
          this.issues.push(this.issue(w.keys, `one of the known fields (${knownKeys(schema, zi.path)})`, `unknown field "${k}"`, true, w.display));
        }
        continue;
      }
      const w = where(zi.path);
      const expected = zi.code === "invalid_type" ? expectedText(zi.message, zi.expected) : zi.message;
      this.issues.push(this.issue(w.keys, expected, describeFound(input), false, w.display));
    }
    return undefined;
  }
}

/** Maps a path inside a validated value to YAML node keys and to the path shown in messages. */
export type PathMap = (path: PropertyKey[]) => { keys: PropertyKey[]; display: string };

const TYPE_WORDS: Record<string, string> = { array: "a list", object: "a mapping", boolean: "true or false", string: "a string", number: "a number" };

function expectedText(message: string, expected: string): string {
  // zod's default message ("Invalid input: expected string, received number") repeats what we print
  // ourselves; custom messages are already phrased as the expectation.
  return message.startsWith("Invalid input") ? (TYPE_WORDS[expected] ?? `a ${expected}`) : message;
}

/** The field names an object schema accepts at `path`, so "unknown field" errors can list the choices. */
function knownKeys(schema: ZodType, path: PropertyKey[]): string {
  let s: unknown = schema;
  for (const key of path) {
    s = unwrap(s);
    let def = (s as { def?: Record<string, unknown> })?.def;
    if (def?.type === "union") {
      // Follow the union member that has this key (discriminated sources: rest_api, filesystem, ...).
      const member = (def.options as unknown[]).map(unwrap).find((o) => {
        const shape = (o as { def?: { shape?: Record<string, unknown> } }).def?.shape;
        return shape && String(key) in shape;
      });
      def = (member as { def?: Record<string, unknown> } | undefined)?.def;
    }
    if (def?.type === "object") s = (def.shape as Record<string, unknown>)[String(key)];
    else if (def?.type === "record") s = def.valueType;
    else if (def?.type === "array") s = def.element;
    else return "see the schema";
  }
  const def = (unwrap(s) as { def?: { type?: string; shape?: Record<string, unknown> } })?.def;
  return def?.type === "object" && def.shape ? Object.keys(def.shape).join(", ") : "see the schema";
}

function unwrap(s: unknown): unknown {
  let cur = s as { def?: { type?: string; innerType?: unknown; in?: unknown; options?: unknown[] } };
  for (let i = 0; i < 10 && cur?.def; i++) {
    const t = cur.def.type;
    if (t === "optional" || t === "default" || t === "nullable" || t === "prefault" || t === "readonly") cur = cur.def.innerType as typeof cur;
    else if (t === "pipe") cur = cur.def.in as typeof cur;
    else break;
  }
  return cur;
}
