/**
 * A connection's sync schedule: paused, sync_frequency, daily_sync_time, schedule_type.
 *
 * It is a resource of its own, applied after the connection's schema config (the Pipeline component
 * orders them), because a connection starts syncing as soon as it is unpaused on an `auto` schedule:
 * the connection provider creates every new connection paused, and only this resource unpauses it,
 * once the schema config says which schemas and tables may sync. (Fivetran's Terraform provider
 * splits `fivetran_connector_schedule` off the connector for the same reason.)
 *
 * - create and update PATCH the schedule onto the connection and read it back; a setting that did not
 *   take fails the step;
 * - a new connection id replaces it (the new connection gets its schedule);
 * - delete leaves the connection as it is: the schedule is removed with its connection, and a schedule
 *   removed on its own must not stop or start syncs as a side effect.
 */
import type * as pulumi from "@pulumi/pulumi";
import { unlessNotFound } from "./errors";
import { FIVETRAN_SYNC_FREQUENCIES } from "./regions";
import { createSession, type SessionOptions } from "./session";
import { containsUnknown, differs, plainJson } from "./values";
import { notTakenMessage, type SentSetting } from "./verify";

export interface ScheduleInputs {
  connectionId: string;
  paused: boolean;
  /** Minutes; one of 1, 5, 15, 30, 60, 120, 180, 360, 480, 720, 1440. Ignored by Fivetran when scheduleType is manual. */
  syncFrequency: number;
  /** "HH:00", only with syncFrequency 1440. */
  dailySyncTime?: string;
  /** `manual`: only API calls (the platform's orchestration) start syncs. */
  scheduleType: "auto" | "manual";
}

export interface ScheduleOutputs {
  connectionId: string;
  paused: boolean;
  syncFrequency: number;
  dailySyncTime: string | null;
  scheduleType: string;
}

interface ApiSchedule {
  paused?: boolean;
  sync_frequency?: number | null;
  daily_sync_time?: string | null;
  schedule_type?: string;
}

/** What Fivetran gets on every write; daily_sync_time only means something with 1440. */
function scheduleBody(inputs: ScheduleInputs) {
  return {
    paused: inputs.paused,
    sync_frequency: inputs.syncFrequency,
    schedule_type: inputs.scheduleType,
    ...(inputs.syncFrequency === 1440 && inputs.dailySyncTime ? { daily_sync_time: inputs.dailySyncTime } : {}),
  };
}

/** The schedule as Fivetran reports it; `known` fills what Fivetran leaves out. */
function outsOf(api: ApiSchedule, connectionId: string, known: { syncFrequency: number; scheduleType: string }): ScheduleOutputs {
  return plainJson({
    connectionId,
    paused: Boolean(api.paused),
    syncFrequency: Number(api.sync_frequency ?? known.syncFrequency),
    dailySyncTime: api.daily_sync_time ?? null,
    scheduleType: api.schedule_type ?? known.scheduleType,
  });
}

function sentSettings(body: ReturnType<typeof scheduleBody>, back: ApiSchedule): SentSetting[] {
  const settings: SentSetting[] = [
    { name: "paused", sent: body.paused, got: back.paused },
    { name: "sync_frequency", sent: body.sync_frequency, got: back.sync_frequency },
    { name: "schedule_type", sent: body.schedule_type, got: back.schedule_type },
  ];
  if (body.daily_sync_time) settings.push({ name: "daily_sync_time", sent: body.daily_sync_time, got: back.daily_sync_time });
  return settings;
}

function changedFields(olds: ScheduleOutputs, news: ScheduleInputs): string[] {
  const changed: string[] = [];
  if (differs(olds.paused, news.paused)) changed.push("paused");
  if (differs(olds.syncFrequency, news.syncFrequency)) changed.push("syncFrequency");
  if (differs(olds.scheduleType, news.scheduleType)) changed.push("scheduleType");
  // Fivetran returns daily_sync_time only with 1440 and only when it was set, so compare only what the user asks for.
  if (news.dailySyncTime !== undefined && differs(olds.dailySyncTime, news.dailySyncTime)) changed.push("dailySyncTime");
  return changed;
}

export function createScheduleProvider(options: SessionOptions = {}): pulumi.dynamic.ResourceProvider<ScheduleInputs, ScheduleOutputs> {
  const session = createSession(options);
  const path = (connectionId: string) => `/connections/${connectionId}`;

  async function apply(inputs: ScheduleInputs): Promise<ScheduleOutputs> {
    const client = session.client();
    const body = scheduleBody(inputs);
    await client.request("PATCH", path(inputs.connectionId), { body });
    const back = (await client.request<ApiSchedule>("GET", path(inputs.connectionId))).data;
    const problem = notTakenMessage(`the schedule of connection ${inputs.connectionId}`, sentSettings(body, back));
    if (problem) throw new Error(problem);
    return outsOf(back, inputs.connectionId, inputs);
  }

  return {
    configure: (req) => session.configure(req),

    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      const known = (v: unknown) => !containsUnknown(v);
      if (known(news.connectionId) && (typeof news.connectionId !== "string" || !news.connectionId))
        failures.push({ property: "connectionId", reason: "connectionId must be a non-empty string" });
      if (known(news.syncFrequency) && !(FIVETRAN_SYNC_FREQUENCIES as readonly number[]).includes(news.syncFrequency)) {
        failures.push({
          property: "syncFrequency",
          reason: `syncFrequency must be one of ${FIVETRAN_SYNC_FREQUENCIES.join(", ")} (minutes), got ${JSON.stringify(news.syncFrequency)}`,
        });
      }
      if (news.dailySyncTime !== undefined && known(news.dailySyncTime)) {
        if (typeof news.dailySyncTime !== "string" || !/^([01]\d|2[0-3]):00$/.test(news.dailySyncTime)) {
          failures.push({ property: "dailySyncTime", reason: `dailySyncTime must be on the hour, "00:00" to "23:00", got ${JSON.stringify(news.dailySyncTime)}` });
        } else if (known(news.syncFrequency) && news.syncFrequency !== 1440) {
          failures.push({ property: "dailySyncTime", reason: "dailySyncTime only applies with syncFrequency 1440; remove it or set syncFrequency: 1440" });
        }
      }
      if (known(news.scheduleType) && news.scheduleType !== "auto" && news.scheduleType !== "manual") {
        failures.push({ property: "scheduleType", reason: `scheduleType must be "auto" or "manual", got ${JSON.stringify(news.scheduleType)}` });
      }
      if (known(news.paused) && typeof news.paused !== "boolean") failures.push({ property: "paused", reason: "paused must be true or false" });
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      const replaces = differs(olds.connectionId, news.connectionId) ? ["connectionId"] : [];
      return { changes: replaces.length > 0 || changedFields(olds, news).length > 0, replaces };
    },

    async create(inputs) {
      return { id: `${inputs.connectionId}/schedule`, outs: await apply(inputs) };
    },

    async read(id, props) {
      const olds = props as ScheduleOutputs;
      const found = await unlessNotFound(session.client().request<ApiSchedule>("GET", path(olds.connectionId)));
      if (!found) return {};
      return { id, props: outsOf(found.data, olds.connectionId, olds) };
    },

    async update(_id, _olds, news) {
      return { outs: await apply(news) };
    },

    async delete() {
      // Nothing to undo: see the module comment.
    },
  };
}

export const scheduleProvider = createScheduleProvider();
