/**
 * A connection's schema config: how new schemas/tables/columns are handled, and which schemas and
 * tables sync. Only the schemas and tables declared here are managed and compared; everything else
 * follows `schemaChangeHandling`, so Fivetran-side additions do not show up as drift.
 *
 * A new connection has no schema config (404 `NotFound_SchemaConfig`) until its source was read once,
 * so create reloads it first. Fivetran keeps some tables on whatever you ask (`enabled_patch_settings.
 * allowed = false`); the read-back check turns that silent refusal into an error naming the reason.
 * Delete does nothing: schema config has no delete; it goes away with its connection.
 */
import type * as pulumi from "@pulumi/pulumi";
import { unlessNotFound } from "./errors";
import { createSession, type SessionOptions } from "./session";
import { containsUnknown, isUnknown, plainJson } from "./values";
import { notTakenMessage, type SentSetting } from "./verify";

const HANDLING = ["ALLOW_ALL", "ALLOW_COLUMNS", "BLOCK_ALL"] as const;
export type SchemaChangeHandling = (typeof HANDLING)[number];
export type SchemaSelection = Record<string, { enabled: boolean; tables?: Record<string, { enabled: boolean }> }>;

export interface SchemaConfigInputs {
  connectionId: string;
  schemaChangeHandling: SchemaChangeHandling;
  schemas?: SchemaSelection;
}

export interface SchemaConfigOutputs {
  connectionId: string;
  schemaChangeHandling: string;
  /** The declared schemas and tables as Fivetran has them; a declared one Fivetran lacks is absent. */
  schemas: SchemaSelection;
}

interface ApiTable {
  enabled?: boolean;
  enabled_patch_settings?: { allowed?: boolean; reason_code?: string; reason?: string };
}
interface ApiSchemaConfig {
  schema_change_handling?: string;
  schemas?: Record<string, { enabled?: boolean; tables?: Record<string, ApiTable> }>;
}

/** Fivetran's config, cut down to what the user declared (so undeclared tables never cause diffs). */
function project(api: ApiSchemaConfig, declared: SchemaSelection | undefined): SchemaSelection {
  const out: SchemaSelection = {};
  for (const [schemaName, schema] of Object.entries(declared ?? {})) {
    const remote = api.schemas?.[schemaName];
    if (!remote) continue;
    const entry: SchemaSelection[string] = { enabled: Boolean(remote.enabled) };
    if (schema.tables) {
      entry.tables = {};
      for (const tableName of Object.keys(schema.tables)) {
        const table = remote.tables?.[tableName];
        if (table) entry.tables[tableName] = { enabled: Boolean(table.enabled) };
      }
    }
    out[schemaName] = entry;
  }
  return out;
}

function outsOf(connectionId: string, api: ApiSchemaConfig, declared: SchemaSelection | undefined): SchemaConfigOutputs {
  return plainJson({ connectionId, schemaChangeHandling: api.schema_change_handling ?? "", schemas: project(api, declared) });
}

function lockNote(table: ApiTable | undefined): string {
  const lock = table?.enabled_patch_settings;
  return lock && lock.allowed === false ? ` (Fivetran does not allow changing it: ${lock.reason ?? lock.reason_code ?? "locked"})` : "";
}

function sentSettings(inputs: SchemaConfigInputs, back: ApiSchemaConfig): SentSetting[] {
  const settings: SentSetting[] = [{ name: "schema_change_handling", sent: inputs.schemaChangeHandling, got: back.schema_change_handling }];
  for (const [schemaName, schema] of Object.entries(inputs.schemas ?? {})) {
    const remote = back.schemas?.[schemaName];
    settings.push({ name: `schemas.${schemaName}.enabled`, sent: schema.enabled, got: remote?.enabled });
    for (const [tableName, table] of Object.entries(schema.tables ?? {})) {
      const remoteTable = remote?.tables?.[tableName];
      settings.push({ name: `schemas.${schemaName}.tables.${tableName}.enabled${lockNote(remoteTable)}`, sent: table.enabled, got: remoteTable?.enabled });
    }
  }
  return settings;
}

function sameSelection(a: SchemaSelection | undefined, b: SchemaSelection | undefined): boolean {
  const canonical = (s: SchemaSelection | undefined) =>
    JSON.stringify(
      Object.keys(s ?? {})
        .sort()
        .map((name) => {
          const schema = s![name];
          const tables = schema.tables
            ? Object.keys(schema.tables)
                .sort()
                .map((t) => [t, Boolean(schema.tables![t].enabled)])
            : null;
          return [name, Boolean(schema.enabled), tables];
        }),
    );
  return canonical(a) === canonical(b);
}

export function createSchemaConfigProvider(options: SessionOptions = {}): pulumi.dynamic.ResourceProvider<SchemaConfigInputs, SchemaConfigOutputs> {
  const session = createSession(options);
  const path = (connectionId: string) => `/connections/${connectionId}/schemas`;

  async function apply(inputs: SchemaConfigInputs): Promise<SchemaConfigOutputs> {
    const client = session.client();
    // A PATCH replaces the declared settings outright, so repeating it after a 409 (another write to
    // this connection's schema config got there first) is safe.
    await client.request("PATCH", path(inputs.connectionId), {
      body: plainJson({ schema_change_handling: inputs.schemaChangeHandling, schemas: inputs.schemas }),
      retryConflict: true,
    });
    // The PATCH answer holds only the applied difference, so read the whole config back.
    const back = (await client.request<ApiSchemaConfig>("GET", path(inputs.connectionId))).data;
    const problem = notTakenMessage(`the schema config of connection ${inputs.connectionId}`, sentSettings(inputs, back));
    if (problem) throw new Error(problem);
    return outsOf(inputs.connectionId, back, inputs.schemas);
  }

  return {
    configure: (req) => session.configure(req),

    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      if (!isUnknown(news.connectionId) && (typeof news.connectionId !== "string" || news.connectionId === "")) {
        failures.push({ property: "connectionId", reason: "connectionId must be the id of a Fivetran connection" });
      }
      if (!isUnknown(news.schemaChangeHandling) && !(HANDLING as readonly string[]).includes(news.schemaChangeHandling)) {
        failures.push({ property: "schemaChangeHandling", reason: `schemaChangeHandling must be one of ${HANDLING.join(", ")}, got ${JSON.stringify(news.schemaChangeHandling)}` });
      }
      if (!containsUnknown(news.schemas)) {
        for (const [name, schema] of Object.entries(news.schemas ?? {})) {
          if (typeof schema?.enabled !== "boolean") failures.push({ property: `schemas.${name}.enabled`, reason: "enabled must be true or false" });
          for (const [table, t] of Object.entries(schema?.tables ?? {})) {
            if (typeof t?.enabled !== "boolean") failures.push({ property: `schemas.${name}.tables.${table}.enabled`, reason: "enabled must be true or false" });
          }
        }
      }
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      const replaces = isUnknown(news.connectionId) || news.connectionId !== olds.connectionId ? ["connectionId"] : [];
      const changed =
        containsUnknown(news.schemaChangeHandling) ||
        containsUnknown(news.schemas) ||
        news.schemaChangeHandling !== olds.schemaChangeHandling ||
        !sameSelection(news.schemas ?? {}, olds.schemas);
      return { changes: replaces.length > 0 || changed, replaces };
    },

    async create(inputs) {
      const client = session.client();
      if (!(await unlessNotFound(client.request("GET", path(inputs.connectionId))))) {
        // No schema config before the first sync: have Fivetran read the source's schemas now.
        await client.request("POST", `${path(inputs.connectionId)}/reload`, { body: { exclude_mode: "PRESERVE" } });
      }
      return { id: `${inputs.connectionId}/schemas`, outs: await apply(inputs) };
    },

    async read(id, props) {
      const olds = props as SchemaConfigOutputs;
      const found = await unlessNotFound(session.client().request<ApiSchemaConfig>("GET", path(olds.connectionId)));
      return found ? { id, props: outsOf(olds.connectionId, found.data, olds.schemas) } : {};
    },

    async update(_id, _olds, news) {
      return { outs: await apply(news) };
    },

    async delete() {
      // Nothing to delete: Fivetran has no "delete schema config"; it is removed with the connection.
    },
  };
}

export const schemaConfigProvider = createSchemaConfigProvider();
