/**
 * Snowflake destination with key-pair authentication. Destination id == group id (one destination per
 * group), so create adopts a destination already in the group, and a new group forces a replacement.
 * The private key never reaches state: outs keep only its fingerprint, to notice rotation.
 */
import type * as pulumi from "@pulumi/pulumi";
import { isFivetranApiError, partialCreateError, scrub, unlessNotFound } from "./errors";
import { FIVETRAN_REGIONS, FIVETRAN_TIME_ZONE_OFFSETS } from "./regions";
import { createSession, type SessionOptions } from "./session";
import { setupProblem, type SetupTest } from "./setup-tests";
import { asTypeOf, containsUnknown, isUnknown, plainJson, secretFingerprint } from "./values";
import { notTakenMessage, type SentSetting } from "./verify";

export interface DestinationInputs {
  groupId: string;
  region: string;
  timeZoneOffset: string;
  /** `<account>.snowflakecomputing.com` */
  host: string;
  database: string;
  user: string;
  role: string;
  warehouse: string;
  /** PEM private key of `user` (unencrypted). Secret; only its fingerprint is kept. */
  privateKey: string;
  port?: number;
}

export interface DestinationOutputs extends Omit<DestinationInputs, "privateKey" | "port"> {
  destinationId: string;
  port: number;
  privateKeyFingerprint: string;
  /** `connected` after passing setup tests; `incomplete` or `broken` otherwise. */
  setupStatus: string;
}

interface ApiDestination {
  id: string;
  group_id: string;
  region?: string;
  time_zone_offset?: string;
  setup_status?: string;
  setup_tests?: SetupTest[];
  config?: Record<string, unknown>;
}

const REQUIRED_TEXT = ["groupId", "host", "database", "user", "role", "warehouse", "privateKey"] as const;
const MUTABLE = ["region", "timeZoneOffset", "host", "database", "user", "role", "warehouse", "port"] as const;
const DEFAULT_PORT = 443;

function snowflakeConfig(inputs: DestinationInputs) {
  return {
    host: inputs.host,
    port: inputs.port ?? DEFAULT_PORT,
    database: inputs.database,
    auth: "KEY_PAIR",
    user: inputs.user,
    role: inputs.role,
    default_virtual_warehouse: inputs.warehouse,
    private_key: inputs.privateKey,
    is_private_key_encrypted: false,
  };
}

function outsOf(api: ApiDestination, privateKeyFingerprint: string, like: DestinationInputs | DestinationOutputs): DestinationOutputs {
  const c = api.config ?? {};
  return plainJson({
    destinationId: api.id,
    groupId: api.group_id,
    region: api.region ?? "",
    timeZoneOffset: api.time_zone_offset ?? "",
    host: String(c.host ?? ""),
    database: String(c.database ?? ""),
    user: String(c.user ?? ""),
    role: String(c.role ?? ""),
    warehouse: String(c.default_virtual_warehouse ?? ""),
    port: Number(asTypeOf(c.port, DEFAULT_PORT) ?? like.port ?? DEFAULT_PORT),
    privateKeyFingerprint,
    setupStatus: String(api.setup_status ?? "unknown").toLowerCase(),
  });
}

export function createDestinationProvider(options: SessionOptions = {}): pulumi.dynamic.ResourceProvider<DestinationInputs, DestinationOutputs> {
  const session = createSession(options);
  const fingerprint = (inputs: DestinationInputs) => secretFingerprint("private_key", inputs.privateKey);

  /**
   * Sends the full desired state (create, adopt or update), then checks setup tests and reads back.
   * A POST answered 409 means the group already has its destination (a timed-out POST that arrived, or
   * one made since the lookup): a Snowflake destination in our group is ours and is adopted in the same
   * run; any other service there fails, naming it.
   */
  async function apply(existingId: string | undefined, inputs: DestinationInputs): Promise<{ id: string; outs: DestinationOutputs; problem?: string }> {
    // Setup-test messages and errors can quote what was sent (the key, or a line of it): kept out of both.
    const secrets = [inputs.privateKey, ...inputs.privateKey.split("\n").filter((line) => line.length >= 16 && !line.startsWith("-----"))];
    const client = session.client(secrets);
    const common = { region: inputs.region, time_zone_offset: inputs.timeZoneOffset, run_setup_tests: true, config: snowflakeConfig(inputs) };
    let targetId = existingId;
    let written: ApiDestination | undefined;
    if (!targetId) {
      try {
        written = (await client.request<ApiDestination>("POST", "/destinations", { body: { group_id: inputs.groupId, service: "snowflake", ...common } })).data;
      } catch (e) {
        if (!isFivetranApiError(e) || e.status !== 409) throw e;
        const there = (await unlessNotFound(client.request<ApiDestination & { service?: string }>("GET", `/destinations/${inputs.groupId}`)))?.data;
        if (!there || there.group_id !== inputs.groupId || there.service !== "snowflake") {
          throw new Error(
            `${e.message}\nGroup ${inputs.groupId} ${there ? `holds a ${there.service} destination` : "reports no destination"}, not a Snowflake one this stack can adopt; ` +
              "delete it in Fivetran or point the stack at another group.",
            { cause: e },
          );
        }
        targetId = there.id;
      }
    }
    if (!written) written = (await client.request<ApiDestination>("PATCH", `/destinations/${targetId}`, { body: common })).data;
    const id = written?.id ?? targetId ?? inputs.groupId;
    const back = (await client.request<ApiDestination>("GET", `/destinations/${id}`)).data;
    const outs = outsOf({ ...back, setup_status: back.setup_status ?? written?.setup_status }, fingerprint(inputs), inputs);
    const sent = common.config;
    const got = back.config ?? {};
    const what = `destination ${id} (Snowflake ${inputs.host})`;
    const state = written?.setup_status ?? back.setup_status;
    const settings: SentSetting[] = [
      { name: "region", sent: inputs.region, got: back.region },
      { name: "time_zone_offset", sent: inputs.timeZoneOffset, got: back.time_zone_offset },
      ...(["host", "port", "database", "auth", "user", "role", "default_virtual_warehouse"] as const).map((k) => ({ name: `config.${k}`, sent: sent[k], got: got[k] })),
      { name: "config.private_key", sent: sent.private_key, got: got.private_key, secret: true },
    ];
    const setup = setupProblem(what, written?.setup_tests, state);
    const notTaken = notTakenMessage(`destination ${id}`, settings);
    const found = setup ?? notTaken;
    const problem = found === undefined ? undefined : scrub(found, secrets);
    return { id, outs, problem };
  }

  return {
    configure: (req) => session.configure(req),

    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      for (const key of REQUIRED_TEXT) {
        const v = news[key];
        if (!isUnknown(v) && (typeof v !== "string" || v.trim() === "")) failures.push({ property: key, reason: `${key} must be a non-empty string` });
      }
      if (!isUnknown(news.region) && !(FIVETRAN_REGIONS as readonly string[]).includes(news.region)) {
        failures.push({ property: "region", reason: `region must be a Fivetran region such as GCP_EUROPE_WEST3 or AWS_EU_WEST_1, got ${JSON.stringify(news.region)}` });
      }
      if (!isUnknown(news.timeZoneOffset) && !(FIVETRAN_TIME_ZONE_OFFSETS as readonly string[]).includes(news.timeZoneOffset)) {
        failures.push({ property: "timeZoneOffset", reason: `timeZoneOffset must be one of "-11".."0".."+12", got ${JSON.stringify(news.timeZoneOffset)}` });
      }
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      const replaces = isUnknown(news.groupId) || news.groupId !== olds.groupId ? ["groupId"] : [];
      const changed = MUTABLE.filter((k) => containsUnknown(news[k]) || (news[k] ?? (k === "port" ? DEFAULT_PORT : undefined)) !== olds[k]);
      const rotated = containsUnknown(news.privateKey) || fingerprint(news) !== olds.privateKeyFingerprint;
      // One destination per group: the old one must go before its replacement can exist.
      return { changes: replaces.length > 0 || changed.length > 0 || rotated, replaces, deleteBeforeReplace: true };
    },

    async create(inputs) {
      const existing = await unlessNotFound(session.client().request<ApiDestination>("GET", `/destinations/${inputs.groupId}`));
      const { id, outs, problem } = await apply(existing?.data.id, inputs);
      // The destination exists in Fivetran now: record it, so the next `up` fixes it instead of creating another.
      if (problem) throw partialCreateError(problem, id, outs as unknown as Record<string, unknown>, inputs as { __provider?: unknown });
      return { id, outs };
    },

    async read(id, props) {
      const found = await unlessNotFound(session.client().request<ApiDestination>("GET", `/destinations/${id}`));
      return found ? { id, props: outsOf(found.data, props?.privateKeyFingerprint ?? "", props ?? ({} as DestinationOutputs)) } : {};
    },

    async update(id, _olds, news) {
      const { outs, problem } = await apply(id, news);
      if (problem) throw new Error(problem);
      return { outs };
    },

    async delete(id) {
      await unlessNotFound(session.client().request("DELETE", `/destinations/${id}`));
    },
  };
}

export const destinationProvider = createDestinationProvider();
