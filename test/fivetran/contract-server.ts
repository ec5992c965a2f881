/**
 * A local HTTP server that follows Fivetran's REST contract (shared/notes/fivetran-api.md): Basic auth,
 * Accept versioning (406 otherwise), JSON-only writes (415), the `{code,message,data}` envelope, 201 on
 * create, cursor pagination, NotFound_* codes, masked secrets, numbers/booleans echoed as strings,
 * unknown config keys silently dropped, schema config missing until reload, and injectable faults
 * (429 + Retry-After, 5xx, dropped sockets, answers that never come, requests applied but never
 * answered). Bodies are built from the real payloads in shared/fivetran. Every request is checked
 * against Fivetran's OpenAPI definition first (openapi-validator.ts): a violation is answered 400
 * InvalidInput and kept in `specViolations`, which tests assert empty.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { requestViolations } from "./openapi-validator";

/** shared/ sits beside the repository (CI clones to <dir>/main with <dir>/shared). */
export const FIXTURES = path.resolve(__dirname, "../../../shared/fivetran");

export function fixture(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));
}

export const API_KEY = "test-api-key-7f3a";
export const API_SECRET = "test-api-secret-9c1d";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  accept: string | undefined;
  authorization: string | undefined;
  body: any;
}

export interface Fault {
  /** Which requests it hits; all when absent. */
  match?: (method: string, path: string) => boolean;
  /** How many requests it hits before it is used up. */
  times: number;
  status?: number;
  code?: string;
  message?: string;
  retryAfter?: string;
  /** Close the socket without answering (a network error for the client). */
  dropConnection?: boolean;
  /** Never answer (the client's timeout must end it). */
  hang?: boolean;
  /** Handle the request (state changes) but close the socket instead of answering: a lost response. */
  dropAfterHandling?: boolean;
  /** Answer with this envelope (status defaults to 200): e.g. a listing that misses an object, a race. */
  respond?: unknown;
}

type SetupTest = { title: string; status: string; message: string; details?: unknown };

export interface Behaviour {
  /** Setup test results for a connection (default: all pass). */
  connectionSetupTests: (connection: any) => SetupTest[];
  destinationSetupTests: (destination: any) => SetupTest[];
  /** Config keys this fake "service" does not have: accepted and silently dropped, like the real API. */
  droppedConfigKeys: Set<string>;
  /** Connection fields a PATCH accepts with 200 but does not apply (the silent no-op users hit). */
  ignoredConnectionFields: Set<string>;
  /** Keys masked although their name does not look secret (e.g. pendo's integration_key). */
  maskedConfigKeys: Set<string>;
  /** Largest page the server returns, whatever `limit` asks for. */
  maxPageSize: number;
}

export interface ContractServer {
  url: string;
  requests: RecordedRequest[];
  /** Requests that broke Fivetran's OpenAPI definition, `<METHOD> <path template>: <what>`. */
  specViolations: string[];
  faults: Fault[];
  behaviour: Behaviour;
  state: {
    groups: Map<string, any>;
    destinations: Map<string, any>;
    connections: Map<string, any>;
    schemaConfigs: Map<string, any>;
  };
  /** Adds a connection straight into state, as if someone created it in the web UI. */
  seedConnection(fields: Record<string, unknown>): any;
  /** Forgets recorded requests and pending faults and restores the default behaviour; state is kept. */
  reset(): void;
  close(): Promise<void>;
}

const SECRET_KEY = /(password|secret|token|private_key|passphrase|api_key|access_key|credentials)/i;
const TEST_CONTROL = new Set(["run_setup_tests", "trust_certificates", "trust_fingerprints"]);
const PERMANENT = ["schema", "schema_prefix", "table", "table_group_name"];
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: any,
  ) {
    super(body.message);
  }
}
const notFound = (entity: string, id: string) => new HttpError(404, { code: `NotFound_${entity}`, message: `Cannot find entity '${entity}' with id '${id}'` });
const invalid = (message: string) => new HttpError(400, { code: "InvalidInput", message });

export async function startContractServer(): Promise<ContractServer> {
  const connectionTemplate = fixture("gf.connections.get.response.200.json").data;
  const passingDestinationTests = fixture("spec.destinations.create.response.201.snowflake.json").data.setup_tests;
  const requests: RecordedRequest[] = [];
  const specViolations: string[] = [];
  const faults: Fault[] = [];
  const defaultBehaviour = (): Behaviour => ({
    connectionSetupTests: () => [{ title: "Validate Login", status: "PASSED", message: "" }],
    destinationSetupTests: () => clone(passingDestinationTests),
    droppedConfigKeys: new Set(),
    ignoredConnectionFields: new Set(),
    maskedConfigKeys: new Set(),
    maxPageSize: 100,
  });
  const behaviour = defaultBehaviour();
  const state = { groups: new Map<string, any>(), destinations: new Map<string, any>(), connections: new Map<string, any>(), schemaConfigs: new Map<string, any>() };
  let sequence = 0;
  const newId = (kind: string) => `${kind}_${++sequence}_${Math.random().toString(36).slice(2, 8)}`;

  /** Fivetran echoes numbers and booleans as strings and masks secrets. */
  function echoConfig(config: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) {
      if (SECRET_KEY.test(k) || behaviour.maskedConfigKeys.has(k)) out[k] = "******";
      else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
      else out[k] = clone(v);
    }
    return out;
  }

  function keepKnown(config: Record<string, unknown> = {}): Record<string, unknown> {
    return Object.fromEntries(Object.entries(config).filter(([k]) => !behaviour.droppedConfigKeys.has(k)));
  }

  function connectionView(c: any) {
    const view = { ...clone(connectionTemplate), ...clone(c.fields), config: echoConfig(c.config), status: { ...clone(connectionTemplate.status), setup_state: c.setupState } };
    view.setup_tests = clone(c.setupTests);
    // daily_sync_time is only reported with a daily schedule that set it explicitly.
    if (c.fields.sync_frequency !== 1440 || !c.fields.daily_sync_time) delete view.daily_sync_time;
    return view;
  }

  function runConnectionTests(c: any) {
    c.setupTests = behaviour.connectionSetupTests(c);
    c.setupState = c.setupTests.some((t: SetupTest) => t.status === "FAILED" || t.status === "JOB_FAILED") ? "incomplete" : "connected";
  }

  function destinationView(d: any, withTests: boolean) {
    const view: any = { ...clone(d.fields), config: echoConfig(d.config), setup_status: d.setupStatus };
    if (withTests) view.setup_tests = clone(d.setupTests);
    return view;
  }

  function runDestinationTests(d: any) {
    d.setupTests = behaviour.destinationSetupTests(d);
    d.setupStatus = d.setupTests.some((t: SetupTest) => t.status === "FAILED") ? "incomplete" : "connected";
  }

  function page(items: any[], query: Record<string, string>) {
    const limit = Math.min(Number(query.limit ?? 100), behaviour.maxPageSize);
    const offset = query.cursor ? Number(Buffer.from(query.cursor, "base64url").toString()) : 0;
    const slice = items.slice(offset, offset + limit);
    const next = offset + limit < items.length ? Buffer.from(String(offset + limit)).toString("base64url") : undefined;
    return { items: slice, ...(next ? { next_cursor: next } : {}) };
  }

  function applyConnectionWrite(c: any, body: any) {
    for (const k of ["paused", "sync_frequency", "schedule_type", "daily_sync_time", "pause_after_trial"])
      if (k in body && !behaviour.ignoredConnectionFields.has(k)) c.fields[k] = body[k];
    if (body.config) c.config = { ...c.config, ...keepKnown(body.config) };
    if (body.run_setup_tests === true) runConnectionTests(c);
  }

  function route(method: string, parts: string[], query: Record<string, string>, body: any): [number, any] {
    const [collection, id, sub, subsub] = parts;
    if (collection === "groups") {
      if (!id && method === "POST") {
        if (!body.name) throw invalid("Field 'name' is required");
        if ([...state.groups.values()].some((g) => g.name === body.name)) throw new HttpError(409, { code: "Conflict", message: `Group '${body.name}' already exists` });
        const group = { id: newId("group"), name: body.name, created_at: new Date().toISOString() };
        state.groups.set(group.id, group);
        return [201, { code: "Success", message: "Group has been created", data: group }];
      }
      if (!id && method === "GET") return [200, { code: "Success", data: page([...state.groups.values()], query) }];
      const group = state.groups.get(id);
      if (!group) throw notFound("Group", id);
      if (method === "GET") return [200, { code: "Success", data: group }];
      if (method === "PATCH") {
        if (body.name) group.name = body.name;
        return [200, { code: "Success", message: "Group has been updated", data: group }];
      }
      if (method === "DELETE") {
        state.groups.delete(id);
        return [200, fixture("gf.groups.delete.response.200.json")];
      }
    }

    if (collection === "destinations") {
      if (!id && method === "POST") {
        if (!body.group_id) throw new HttpError(400, fixture("spec.destinations.create.response.400.invalid_input_group_id.json"));
        if (!body.service) throw new HttpError(400, fixture("spec.destinations.create.response.400.invalid_input_service.json"));
        if (!state.groups.has(body.group_id)) throw new HttpError(404, fixture("spec.destinations.create.response.404.group_not_found.json"));
        if (state.destinations.has(body.group_id)) throw new HttpError(409, { code: "Conflict", message: "Destination already exists" });
        const d = {
          fields: { id: body.group_id, group_id: body.group_id, service: body.service, region: body.region ?? "GCP_US_EAST4", time_zone_offset: body.time_zone_offset },
          config: keepKnown(body.config),
          setupTests: [] as SetupTest[],
          setupStatus: "incomplete",
        };
        if (body.run_setup_tests === true) runDestinationTests(d);
        state.destinations.set(d.fields.id, d);
        return [201, { code: "Success", message: "Destination has been created", data: destinationView(d, true) }];
      }
      const d = state.destinations.get(id);
      if (!d) throw notFound("Destination", id);
      if (method === "GET" && !sub) return [200, { code: "Success", data: destinationView(d, false) }];
      if (method === "PATCH") {
        if (!body.time_zone_offset) throw invalid("Field 'time_zone_offset' is required");
        for (const k of ["region", "time_zone_offset"]) if (k in body) d.fields[k] = body[k];
        if (body.config) d.config = { ...d.config, ...keepKnown(body.config) };
        if (body.run_setup_tests === true) runDestinationTests(d);
        return [200, { code: "Success", message: "Destination has been updated", data: destinationView(d, true) }];
      }
      if (method === "POST" && sub === "test") {
        runDestinationTests(d);
        return [200, { code: "Success", message: "Setup tests have been completed", data: destinationView(d, true) }];
      }
      if (method === "DELETE") {
        state.destinations.delete(id);
        return [200, fixture("spec.destinations.delete.response.200.json")];
      }
    }

    if (collection === "connections") {
      if (!id && method === "POST") {
        if (!body.group_id) throw invalid("Field 'group_id' is required");
        if (!body.service) throw invalid("Field 'service' is required");
        if (!state.groups.has(body.group_id)) throw notFound("Group", body.group_id);
        const config = body.config ?? {};
        const base = config.schema ?? config.schema_prefix;
        if (!base) throw invalid("Field 'config.schema' is required");
        // Fivetran names a file connection `<schema>.<table_group_name>`, a single-table one `<schema>.<table>`.
        const table = config.table ?? config.table_group_name;
        const schema = table ? `${base}.${table}` : base;
        if ([...state.connections.values()].some((c) => c.fields.group_id === body.group_id && c.fields.schema === schema)) {
          throw new HttpError(409, { code: "Conflict", message: `Schema '${schema}' is already used in group '${body.group_id}'` });
        }
        const c = {
          fields: {
            id: newId("connection"),
            group_id: body.group_id,
            service: body.service,
            schema,
            paused: body.paused ?? false,
            sync_frequency: body.sync_frequency ?? 360,
            schedule_type: body.schedule_type ?? "auto",
            daily_sync_time: body.daily_sync_time,
            succeeded_at: null,
            failed_at: null,
          },
          config: keepKnown(config),
          setupTests: [] as SetupTest[],
          setupState: "incomplete",
        };
        if (body.run_setup_tests === true) runConnectionTests(c);
        state.connections.set(c.fields.id, c);
        return [201, { code: "Success", message: "Connection has been created", data: connectionView(c) }];
      }
      if (!id && method === "GET") {
        const items = [...state.connections.values()]
          .filter((c) => (!query.group_id || c.fields.group_id === query.group_id) && (!query.schema || c.fields.schema === query.schema))
          .map(connectionView);
        return [200, { code: "Success", message: "Operation performed.", data: page(items, query) }];
      }
      const c = state.connections.get(id);
      if (!c) throw new HttpError(404, fixture("gf.connections.delete.response.404.json"));
      if (!sub) {
        if (method === "GET") return [200, { code: "Success", data: connectionView(c) }];
        if (method === "PATCH") {
          if (Object.keys(body).every((k) => TEST_CONTROL.has(k))) throw invalid("At least one persistent field is required besides setup-test controls");
          for (const k of PERMANENT) if (body.config && k in body.config && body.config[k] !== c.config[k]) throw invalid(`Field 'config.${k}' cannot be changed`);
          applyConnectionWrite(c, body);
          return [200, { code: "Success", message: "Connection has been updated", data: connectionView(c) }];
        }
        if (method === "DELETE") {
          state.connections.delete(id);
          state.schemaConfigs.delete(id);
          return [200, fixture("gf.connections.delete.response.200.json")];
        }
      }
      if (sub === "test" && method === "POST") {
        runConnectionTests(c);
        return [200, { code: "Success", message: "Setup tests were completed", data: connectionView(c) }];
      }
      if (sub === "sync" && method === "POST") return [200, { code: "Success", message: `Sync has been successfully triggered for connection with id '${id}'` }];
      if (sub === "schemas") {
        if (subsub === "reload" && method === "POST") {
          state.schemaConfigs.set(id, fixture("tf.schemas.get.data.locked-table-and-column.json"));
          return [200, { code: "Success", data: state.schemaConfigs.get(id) }];
        }
        const config = state.schemaConfigs.get(id);
        if (!config) throw new HttpError(404, { code: "NotFound_SchemaConfig", message: `Schema config for connection '${id}' not found` });
        if (method === "GET") return [200, { code: "Success", data: config }];
        if (method === "PATCH") {
          if (c.setupState !== "connected") throw invalid(`Cannot update schema config: connection setup_state is '${c.setupState}'`);
          if (body.schema_change_handling) config.schema_change_handling = body.schema_change_handling;
          for (const [schemaName, schema] of Object.entries<any>(body.schemas ?? {})) {
            const remote = config.schemas[schemaName];
            if (!remote) throw new HttpError(404, { code: "NotFound_Schema", message: `Schema '${schemaName}' not found` });
            remote.enabled = schema.enabled;
            for (const [tableName, table] of Object.entries<any>(schema.tables ?? {})) {
              const remoteTable = remote.tables?.[tableName];
              if (!remoteTable) throw new HttpError(404, { code: "NotFound_Table", message: `Table '${tableName}' not found` });
              // Locked tables keep their state without an error: exactly the silent refusal the provider must catch.
              if (remoteTable.enabled_patch_settings?.allowed !== false) remoteTable.enabled = table.enabled;
            }
          }
          return [200, { code: "Success", data: config }];
        }
      }
    }
    throw new HttpError(404, { code: "NotFound", message: `No route ${method} /${parts.join("/")}` });
  }

  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const apiPath = url.pathname.replace(/^\/v1/, "");
      const method = req.method ?? "GET";
      let body: any;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      requests.push({ method, path: apiPath, query: Object.fromEntries(url.searchParams), accept: req.headers.accept, authorization: req.headers.authorization, body });
      const send = (status: number, payload: any, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "Content-Type": "application/json", ...headers });
        res.end(JSON.stringify(payload));
      };
      const fault = faults.find((f) => f.times > 0 && (!f.match || f.match(method, apiPath)));
      if (fault) fault.times--;
      if (fault?.hang) return;
      if (fault && !fault.dropAfterHandling) {
        if (fault.dropConnection) return void req.socket.destroy();
        if (fault.respond !== undefined) return send(fault.status ?? 200, fault.respond);
        const status = fault.status ?? 500;
        const code = fault.code ?? (status === 429 ? "TooManyRequests" : "InternalServerError");
        return send(status, { code, message: fault.message ?? "injected fault" }, fault.retryAfter !== undefined ? { "Retry-After": fault.retryAfter } : {});
      }
      const expected = "Basic " + Buffer.from(`${API_KEY}:${API_SECRET}`).toString("base64");
      if (req.headers.authorization !== expected) return send(401, { code: "AuthFailed", message: "Invalid API key or secret" });
      if (req.headers.accept !== "application/json" && req.headers.accept !== "application/json;version=2") {
        return send(406, { code: "NotAcceptable", message: `Unsupported Accept header '${req.headers.accept}'` });
      }
      if ((method === "POST" || method === "PATCH") && !String(req.headers["content-type"] ?? "").startsWith("application/json")) {
        return send(415, { code: "UnsupportedMediaType", message: "Only application/json bodies are accepted" });
      }
      const parts = apiPath.split("/").filter(Boolean);
      const service = parts[0] === "connections" && parts[1] && method === "PATCH" && !parts[2] ? state.connections.get(parts[1])?.fields.service : undefined;
      const violations = requestViolations(method, apiPath, Object.fromEntries(url.searchParams), body, service);
      if (violations.length) {
        specViolations.push(...violations);
        return send(400, { code: "InvalidInput", message: `Request does not match Fivetran's API definition: ${violations.join("; ")}` });
      }
      try {
        const [status, payload] = route(method, parts, Object.fromEntries(url.searchParams), body ?? {});
        if (fault?.dropAfterHandling) return void req.socket.destroy();
        send(status, payload);
      } catch (e) {
        if (e instanceof HttpError) send(e.status, e.body);
        else send(500, { code: "InternalServerError", message: String(e) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    specViolations,
    faults,
    behaviour,
    state,
    seedConnection(fields) {
      const c = {
        fields: { id: newId("connection"), paused: false, sync_frequency: 360, schedule_type: "auto", succeeded_at: null, failed_at: null, ...fields },
        config: {},
        setupTests: [] as SetupTest[],
        setupState: "connected",
      };
      state.connections.set(c.fields.id as string, c);
      return c;
    },
    reset() {
      requests.length = 0;
      specViolations.length = 0;
      faults.length = 0;
      Object.assign(behaviour, defaultBehaviour());
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Points the providers at the server through the environment, as the provider host would see it. */
export function useServerEnvironment(server: ContractServer): void {
  process.env.FIVETRAN_API_URL = server.url;
  process.env.FIVETRAN_API_KEY = API_KEY;
  process.env.FIVETRAN_API_SECRET = API_SECRET;
}
