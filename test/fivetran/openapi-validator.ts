/**
 * Checks a request against Fivetran's published OpenAPI definition (shared/fivetran/open-api-spec.json,
 * vendored by Fivetran's Terraform provider): the operation must exist, query parameters must be
 * declared ones of the right type, and the body must match the operation's request schema, with the
 * service's own schema picked by the `service` discriminator (so `config.update_method: "XMIN"` on a
 * postgres connection is caught, as the real API would refuse or ignore it).
 *
 * A subset of JSON Schema, the one the definition uses: $ref, allOf, anyOf/oneOf, enum, type, required,
 * properties, items, nullable. The definition types some enum fields `object` while listing strings:
 * there the enum decides. Unknown properties pass, as OpenAPI allows (the contract server drops them,
 * like Fivetran).
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** shared/ sits beside the repository (CI clones to <dir>/main with <dir>/shared). */
const SPEC_FILE = path.resolve(__dirname, "../../../shared/fivetran/open-api-spec.json");

type Schema = Record<string, any>;
interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  literalParts: number;
  op: Schema;
}

let loaded: { spec: Schema; operations: Operation[] } | undefined;

function load() {
  if (loaded) return loaded;
  const spec = JSON.parse(fs.readFileSync(SPEC_FILE, "utf8"));
  const operations: Operation[] = [];
  for (const [template, ops] of Object.entries<Schema>(spec.paths)) {
    for (const [method, op] of Object.entries<Schema>(ops)) {
      if (!["get", "post", "patch", "delete", "put"].includes(method)) continue;
      const pattern = new RegExp("^" + template.replace(/\{[^}]+\}/g, "[^/]+") + "$");
      operations.push({ method: method.toUpperCase(), template, pattern, literalParts: template.split("/").filter((p) => p && !p.startsWith("{")).length, op });
    }
  }
  // A literal segment beats a parameter: /v1/connections/{id}/schemas/reload before .../schemas/{schemaName}.
  operations.sort((a, b) => b.literalParts - a.literalParts);
  loaded = { spec, operations };
  return loaded;
}

function resolve(schema: Schema | undefined): Schema | undefined {
  let s = schema;
  while (s && s.$ref) s = load().spec.components.schemas[String(s.$ref).replace("#/components/schemas/", "")];
  return s;
}

export function specSchema(name: string): Schema | undefined {
  return load().spec.components.schemas[name];
}

const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** Violations of `schema` by `value`, each `<where>: <what>`. */
export function validate(schemaIn: Schema | undefined, value: unknown, where: string): string[] {
  const schema = resolve(schemaIn);
  if (!schema || value === undefined) return [];
  if (value === null) return schema.nullable || !schema.type ? [] : [`${where}: null where ${schema.type} is expected`];
  const out: string[] = [];
  for (const part of schema.allOf ?? []) out.push(...validate(part, value, where));
  for (const key of ["anyOf", "oneOf"]) {
    const options: Schema[] = schema[key] ?? [];
    if (options.length && !options.some((o) => validate(o, value, where).length === 0)) out.push(`${where}: matches none of the ${key} options`);
  }
  if (Array.isArray(schema.enum)) {
    // The definition lists integer enums as strings (sync_frequency: type integer, enum ["1", "5", ...]).
    const numeric = schema.type === "integer" || schema.type === "number";
    if (numeric && typeof value !== "number") out.push(`${where}: ${typeOf(value)} ${JSON.stringify(value)} where ${schema.type} is expected`);
    else if (!schema.enum.some((e: unknown) => e === value || (numeric && String(e) === String(value)))) {
      out.push(`${where}: ${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`);
    }
    return out;
  }
  const t = typeOf(value);
  const ok: Record<string, boolean> = {
    string: t === "string",
    integer: t === "number" && Number.isInteger(value),
    number: t === "number",
    boolean: t === "boolean",
    array: t === "array",
    object: t === "object",
  };
  if (schema.type && schema.type in ok && !ok[schema.type]) {
    out.push(`${where}: ${t} ${JSON.stringify(value)} where ${schema.type} is expected`);
    return out;
  }
  if (t === "object") {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) out.push(`${where}.${key}: required, missing`);
    for (const [key, sub] of Object.entries<Schema>(schema.properties ?? {})) if (key in obj) out.push(...validate(sub, obj[key], `${where}.${key}`));
  }
  if (t === "array" && schema.items) (value as unknown[]).forEach((item, i) => out.push(...validate(schema.items, item, `${where}[${i}]`)));
  return out;
}

/**
 * Violations of Fivetran's definition by one request. `service` names the connection's service for
 * a PATCH, whose schema does not carry the discriminator.
 */
export function requestViolations(method: string, apiPath: string, query: Record<string, string>, body: unknown, service?: string): string[] {
  const fullPath = "/v1" + apiPath;
  const operation = load().operations.find((o) => o.method === method && o.pattern.test(fullPath));
  if (!operation) return [`${method} ${fullPath}: no such operation in Fivetran's OpenAPI definition`];
  const where = `${method} ${operation.template}`;
  const out: string[] = [];
  const params: Schema[] = operation.op.parameters ?? [];
  for (const [name, raw] of Object.entries(query)) {
    const declared = params.find((p) => p.in === "query" && p.name === name);
    if (!declared) out.push(`${where}: query parameter ${name} is not defined`);
    else if (declared.schema?.type === "integer" && !/^-?\d+$/.test(raw)) out.push(`${where}: query ${name}=${raw} is not an integer`);
  }
  const content = operation.op.requestBody?.content?.["application/json"];
  if (!content) {
    if (body !== undefined && method !== "GET" && method !== "DELETE" && Object.keys(body as object).length) out.push(`${where}: takes no request body`);
    return out;
  }
  let schema = resolve(content.schema);
  const discriminator = schema?.discriminator;
  if (discriminator && body && typeof body === "object") {
    const key = (body as Record<string, unknown>)[discriminator.propertyName];
    const mapped = discriminator.mapping?.[String(key)];
    if (key !== undefined && !mapped) out.push(`${where}: ${discriminator.propertyName} ${JSON.stringify(key)} is not a service the definition knows`);
    if (mapped) schema = resolve({ $ref: mapped });
  }
  out.push(...validate(schema, body ?? {}, "body"));
  // PATCH /connections/{id} leaves `config` open; the service's config schema still applies.
  if (service && body && typeof body === "object" && "config" in body) {
    const config = specSchema(`${service}_config_V1`)?.properties?.config;
    out.push(...validate(config, (body as Record<string, unknown>).config, "body.config"));
  }
  return out.map((v) => (v.startsWith(method) ? v : `${where}: ${v}`));
}
