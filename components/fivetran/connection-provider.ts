/**
 * Fivetran connection (formerly "connector"): service, config and destination schema. Its schedule is
 * a resource of its own (`schedule-provider.ts`), applied after the schema config.
 *
 * - create makes a new connection paused, so nothing syncs before its schema config and schedule are
 *   applied; an adopted connection keeps its schedule until the schedule resource sets it;
 * - create adopts a connection already in the group with the same destination schema (same service
 *   required), runs the setup tests and fails with Fivetran's messages, then reads back and fails
 *   when a setting did not take;
 * - update patches the mutable fields; group, service, destination schema (and the config field it
 *   goes in) and permanent config force a replacement;
 * - secrets: outs keep a fingerprint per secret config key, never the value, and Fivetran's "******"
 *   echo is never compared, so masked values do not cause perpetual diffs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { configEnumProblems, describeEnumProblem } from "./config-enums";
import { isFivetranApiError, partialCreateError, scrub, unlessNotFound } from "./errors";
import { createSession, type SessionOptions } from "./session";
import { setupProblem, type SetupTest } from "./setup-tests";
import { asTypeOf, containsMask, containsUnknown, differs, looksSecretKey, plainJson, sameValue, secretFingerprint } from "./values";
import { notTakenMessage, type SentSetting } from "./verify";

export type DestinationSchemaField = "schema" | "schema_prefix";

export interface ConnectionInputs {
  groupId: string;
  /** Fivetran service id, e.g. `postgres`, `google_ads`, `gcs`. */
  service: string;
  /** Schema (or schema prefix, for database sources) in the destination; permanent. */
  destinationSchema: string;
  /** Service settings. Do not put the destination schema here. Secret values may be Pulumi secrets. */
  config: Record<string, unknown>;
  /** Config field the destination schema goes in; defaults to `schema_prefix` for database sources, else `schema`. */
  destinationSchemaField?: DestinationSchemaField;
  /**
   * Config keys whose values the program holds as Pulumi secrets. The provider receives them unwrapped
   * (dynamic providers do not accept secrets), so this is how it knows to scrub them from errors before
   * Fivetran has said what it masks, whatever their names.
   */
  secretConfigKeys?: string[];
}

export interface ConnectionOutputs {
  connectionId: string;
  groupId: string;
  service: string;
  destinationSchema: string;
  destinationSchemaField: DestinationSchemaField;
  /** Non-secret config keys the user set, as Fivetran has them. */
  config: Record<string, unknown>;
  /** Secret config keys the user set → fingerprint of the value sent (rotation detection). */
  configFingerprints: Record<string, string>;
  /** `connected`, `incomplete` or `broken`. */
  setupState: string;
}

interface ApiConnection {
  id: string;
  group_id: string;
  service: string;
  schema?: string;
  status?: { setup_state?: string };
  setup_tests?: SetupTest[];
  config?: Record<string, unknown>;
}

/** Database sources name a schema prefix (`<prefix>_<source schema>`); the rest name one schema. */
const SCHEMA_PREFIX_SERVICES =
  /^(postgres|mysql|maria|sql_server|oracle|aurora|db2|sap_hana|mongo|dynamodb|cosmos|azure_sql|azure_postgres|azure_mysql|google_cloud_(postgresql|mysql|sqlserver)|heroku_postgres|documentdb|cockroach)/;

/** Config fields Fivetran treats as permanent once the connection exists. */
const PERMANENT_CONFIG_KEYS = ["schema", "schema_prefix", "table", "table_group_name"];

export function defaultDestinationSchemaField(service: string): DestinationSchemaField {
  return SCHEMA_PREFIX_SERVICES.test(service) ? "schema_prefix" : "schema";
}

function schemaFieldOf(inputs: ConnectionInputs): DestinationSchemaField {
  return inputs.destinationSchemaField ?? defaultDestinationSchemaField(inputs.service);
}

/**
 * What Fivetran reports as the connection's `schema`: `<schema>`, or `<schema>.<table>` for sources
 * that name one table, or `<schema>.<table_group_name>` for the file services (s3, gcs, sftp, ...).
 */
function expectedApiSchema(inputs: ConnectionInputs): string {
  for (const key of ["table", "table_group_name"]) {
    const name = inputs.config?.[key];
    if (typeof name === "string" && name) return `${inputs.destinationSchema}.${name}`;
  }
  return inputs.destinationSchema;
}

function isSecretKey(key: string, remote: unknown, inputs: ConnectionInputs): boolean {
  return looksSecretKey(key) || containsMask(remote) || (inputs.secretConfigKeys ?? []).includes(key);
}

/**
 * The values to keep out of every error and message: those of the keys the program marked secret
 * (`secretConfigKeys`), of the keys Fivetran masks (`maskedKeys`: seen as "******" in a response now,
 * or recorded as secret in state), and of keys named like credentials.
 */
function secretStrings(inputs: ConnectionInputs, maskedKeys: readonly string[] = []): string[] {
  const config = inputs.config;
  const marked = [...maskedKeys, ...(inputs.secretConfigKeys ?? [])];
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") out.push(v);
    else if (typeof v === "number") out.push(String(v));
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  for (const [k, v] of Object.entries(config ?? {})) if (looksSecretKey(k) || marked.includes(k)) walk(v);
  return out;
}

/** Config keys whose value, or part of it, Fivetran echoed masked. */
function maskedKeysOf(remote: Record<string, unknown> | undefined): string[] {
  return Object.entries(remote ?? {})
    .filter(([, v]) => containsMask(v))
    .map(([k]) => k);
}

const setupStateOf = (api: ApiConnection) => String(api.status?.setup_state ?? "unknown").toLowerCase();

/**
 * The outputs, from what Fivetran has and what only we know (names, config as the user wrote it,
 * secret fingerprints). Every field is named, none spread from old state: state written before the
 * schedule became its own resource still carries paused/syncFrequency/..., and a refresh drops them.
 */
function outputs(api: ApiConnection, ours: Pick<ConnectionOutputs, "destinationSchema" | "destinationSchemaField" | "config" | "configFingerprints">): ConnectionOutputs {
  return plainJson({ connectionId: api.id, groupId: api.group_id, service: api.service, ...ours, setupState: setupStateOf(api) });
}

function outsOf(api: ApiConnection, inputs: ConnectionInputs): ConnectionOutputs {
  const remote = api.config ?? {};
  const config: Record<string, unknown> = {};
  const configFingerprints: Record<string, string> = {};
  for (const [key, sent] of Object.entries(inputs.config ?? {})) {
    if (isSecretKey(key, remote[key], inputs)) configFingerprints[key] = secretFingerprint(key, sent);
    else config[key] = asTypeOf(remote[key], sent);
  }
  return outputs(api, { destinationSchema: inputs.destinationSchema, destinationSchemaField: schemaFieldOf(inputs), config, configFingerprints });
}

function sentSettings(inputs: ConnectionInputs, back: ApiConnection): SentSetting[] {
  const remote = back.config ?? {};
  const settings: SentSetting[] = Object.entries(inputs.config ?? {}).map(([key, sent]) => ({
    name: `config.${key}`,
    sent,
    got: remote[key],
    secret: isSecretKey(key, remote[key], inputs),
  }));
  settings.push({ name: "schema", sent: expectedApiSchema(inputs), got: back.schema });
  return settings;
}

/** Fields whose change needs a new connection, as diff reports them. */
function replacedFields(olds: ConnectionOutputs, news: ConnectionInputs): string[] {
  const replaces: string[] = [];
  if (differs(olds.groupId, news.groupId)) replaces.push("groupId");
  if (differs(olds.service, news.service)) replaces.push("service");
  if (differs(olds.destinationSchema, news.destinationSchema)) replaces.push("destinationSchema");
  if (!containsUnknown(news.service) && olds.destinationSchemaField !== schemaFieldOf(news)) replaces.push("destinationSchemaField");
  const permanentChanged = PERMANENT_CONFIG_KEYS.some((k) => !sameValue(news.config?.[k] ?? null, olds.config?.[k] ?? null));
  if (permanentChanged) replaces.push("config");
  return replaces;
}

/** Config keys whose desired value differs from state; secrets compare by fingerprint, never by Fivetran's echo. */
function changedConfigKeys(olds: ConnectionOutputs, news: ConnectionInputs): string[] {
  if (containsUnknown(news.config)) return ["*"];
  const changed: string[] = [];
  const newConfig = news.config ?? {};
  for (const [key, value] of Object.entries(newConfig)) {
    const fingerprint = olds.configFingerprints?.[key];
    if (fingerprint !== undefined) {
      if (secretFingerprint(key, value) !== fingerprint) changed.push(key);
    } else if (!(key in (olds.config ?? {})) || !sameValue(value, olds.config[key])) {
      changed.push(key);
    }
  }
  for (const key of [...Object.keys(olds.config ?? {}), ...Object.keys(olds.configFingerprints ?? {})]) {
    if (!(key in newConfig)) changed.push(key);
  }
  return changed;
}

export function createConnectionProvider(options: SessionOptions = {}): pulumi.dynamic.ResourceProvider<ConnectionInputs, ConnectionOutputs> {
  const session = createSession(options);

  async function findAdoptable(inputs: ConnectionInputs): Promise<ApiConnection | undefined> {
    const schema = expectedApiSchema(inputs);
    const candidates = await session.client().listAll<ApiConnection>("/connections", { group_id: inputs.groupId, schema });
    const match = candidates.find((c) => c.group_id === inputs.groupId && c.schema === schema);
    if (match && match.service !== inputs.service) {
      throw new Error(
        `Fivetran connection ${match.id} in group ${inputs.groupId} already writes to destination schema "${schema}" with service "${match.service}", ` +
          `not "${inputs.service}". Choose another destinationSchema, or delete that connection in Fivetran first.`,
      );
    }
    return match;
  }

  /**
   * Writes the desired state (POST for a new connection, PATCH otherwise), then reads back. Returns
   * the problem (scrubbed: the engine keeps it in the checkpoint) instead of throwing so create can
   * record a half-made connection in state.
   *
   * A POST answered 409 (the connection exists: a timed-out POST that did arrive, or one made since the
   * lookup) adopts the connection in the same run when it is provably ours: same group, same destination
   * schema, same service. Anything else there fails, naming it.
   */
  async function apply(existingId: string | undefined, inputs: ConnectionInputs, runSetupTests: boolean, knownMasked: readonly string[] = []) {
    let masked = [...knownMasked];
    const client = () => session.client(secretStrings(inputs, masked));
    const field = schemaFieldOf(inputs);
    let id = existingId;
    let written: ApiConnection | undefined;
    if (!id) {
      const body = {
        group_id: inputs.groupId,
        service: inputs.service,
        destination_schema_names: "FIVETRAN_NAMING",
        // Paused until the schedule resource, applied after the schema config, says otherwise.
        paused: true,
        run_setup_tests: runSetupTests,
        config: { ...inputs.config, [field]: inputs.destinationSchema },
      };
      try {
        written = (await client().request<ApiConnection>("POST", "/connections", { body })).data;
      } catch (e) {
        if (!isFivetranApiError(e) || e.status !== 409) throw e;
        const ours = await findAdoptable(inputs);
        if (!ours) {
          throw new Error(
            `${e.message}\nNo connection in group ${inputs.groupId} writes to destination schema "${expectedApiSchema(inputs)}", so there is nothing of ours to adopt; ` +
              "find the conflicting object in Fivetran (another schema name, or a connection being deleted) and run `pulumi up` again.",
            { cause: e },
          );
        }
        id = ours.id;
      }
    }
    if (!written) {
      // Permanent naming fields are not sent again: Fivetran rejects changes to them. The schedule
      // (paused included) is the schedule resource's.
      const config = Object.fromEntries(Object.entries(inputs.config ?? {}).filter(([k]) => !PERMANENT_CONFIG_KEYS.includes(k)));
      written = (await client().request<ApiConnection>("PATCH", `/connections/${id}`, { body: { run_setup_tests: runSetupTests, config } })).data;
    }
    id = written?.id ?? id;
    if (!id) throw new Error(`Fivetran did not return an id for the new connection ${inputs.destinationSchema}`);
    masked = [...masked, ...maskedKeysOf(written?.config)];
    const back = (await client().request<ApiConnection>("GET", `/connections/${id}`)).data;
    masked = [...masked, ...maskedKeysOf(back.config)];
    const outs = outsOf(back, inputs);
    const what = `connection ${id} (${inputs.service} → ${inputs.destinationSchema})`;
    const state = written?.status?.setup_state ?? back.status?.setup_state;
    const secrets = secretStrings(inputs, masked);
    const setup = runSetupTests ? setupProblem(what, written?.setup_tests, state) : undefined;
    const notTaken = notTakenMessage(what, sentSettings(inputs, back));
    // Fivetran's setup-test messages can quote what was sent: scrubbed by what Fivetran masks.
    const found = setup ?? notTaken;
    const problem = found === undefined ? undefined : scrub(found, secrets);
    return { id, outs, problem };
  }

  return {
    configure: (req) => session.configure(req),

    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      const known = (v: unknown) => !containsUnknown(v);
      for (const key of ["groupId", "service", "destinationSchema"] as const) {
        if (known(news[key]) && (typeof news[key] !== "string" || news[key].trim() === "")) failures.push({ property: key, reason: `${key} must be a non-empty string` });
      }
      if (known(news.config) && (news.config === null || typeof news.config !== "object" || Array.isArray(news.config))) {
        failures.push({ property: "config", reason: "config must be an object of the service's settings" });
      } else if (known(news.config)) {
        for (const key of ["schema", "schema_prefix"]) {
          if (key in news.config) failures.push({ property: "config", reason: `config.${key} is set from destinationSchema; remove it from config` });
        }
        if (known(news.service) && typeof news.service === "string") {
          for (const p of configEnumProblems(news.service, news.config)) failures.push({ property: `config.${p.key}`, reason: describeEnumProblem(news.service, p) });
        }
      }
      const keys = news.secretConfigKeys;
      if (keys !== undefined && known(keys) && (!Array.isArray(keys) || keys.some((k) => typeof k !== "string"))) {
        failures.push({ property: "secretConfigKeys", reason: "secretConfigKeys must be a list of config key names" });
      }
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      const replaces = replacedFields(olds, news);
      const changes = replaces.length > 0 || changedConfigKeys(olds, news).length > 0;
      // Two connections cannot share a destination schema in one group: delete first, then create.
      return { changes, replaces, deleteBeforeReplace: true };
    },

    async create(inputs) {
      const adopted = await findAdoptable(inputs);
      const { id, outs, problem } = await apply(adopted?.id, inputs, true);
      // The connection exists in Fivetran now: record it, so the next `up` updates it instead of creating another.
      if (problem) throw partialCreateError(problem, id, outs as unknown as Record<string, unknown>, inputs as { __provider?: unknown });
      return { id, outs };
    },

    async read(id, props) {
      const found = await unlessNotFound(session.client().request<ApiConnection>("GET", `/connections/${id}`));
      if (!found) return {};
      const api = found.data;
      const olds = props as ConnectionOutputs;
      const remote = api.config ?? {};
      const config: Record<string, unknown> = {};
      for (const [key, old] of Object.entries(olds.config ?? {})) {
        // A masked echo says nothing about the value: keep what state has rather than invent a change.
        config[key] = containsMask(remote[key]) ? old : asTypeOf(remote[key], old);
      }
      const schema = api.schema ?? olds.destinationSchema;
      const sameSchema = schema === olds.destinationSchema || schema.startsWith(`${olds.destinationSchema}.`);
      const refreshed = outputs(
        { ...api, id: api.id ?? id },
        {
          destinationSchema: sameSchema ? olds.destinationSchema : schema.split(".")[0],
          destinationSchemaField: olds.destinationSchemaField,
          config,
          configFingerprints: olds.configFingerprints ?? {},
        },
      );
      return { id, props: refreshed };
    },

    async update(id, olds, news) {
      // Setup tests cost rate-limit budget: run them when the config changed or the last run left the connection unusable.
      const runSetupTests = changedConfigKeys(olds, news).length > 0 || olds.setupState !== "connected";
      const { outs, problem } = await apply(id, news, runSetupTests, Object.keys(olds.configFingerprints ?? {}));
      if (problem) throw new Error(problem);
      return { outs };
    },

    async delete(id) {
      await unlessNotFound(session.client().request("DELETE", `/connections/${id}`));
    },
  };
}

export const connectionProvider = createConnectionProvider();
