/**
 * Polled connection payloads for checking an orchestration's "sync failed / finished / running"
 * decisions against FIVETRAN_SYNC: every combination of succeeded_at and failed_at (absent, null,
 * before, exactly at, and after the trigger) with setup states including broken in either case.
 */
import type { ConnectionSyncStatus } from "../../components/fivetran/sync-protocol";

/** When the sync was triggered: the orchestrations record it with milliseconds; Fivetran may or may not. */
export const TRIGGERED_AT = "2024-12-01T12:00:00.250Z";

const TIMES = [undefined, null, "2024-12-01T11:00:00Z", TRIGGERED_AT, "2024-12-01T12:30:00.123Z", "2024-12-01T13:00:00Z"];
const STATES = [
  undefined,
  { setup_state: "connected", sync_state: "syncing" },
  { setup_state: "broken" },
  { setup_state: "BROKEN" },
  { setup_state: "incomplete" },
  { sync_state: "scheduled" },
];

export function syncStatusGrid(): ConnectionSyncStatus[] {
  const cases: ConnectionSyncStatus[] = [];
  for (const succeeded_at of TIMES)
    for (const failed_at of TIMES)
      for (const status of STATES) {
        const c: Record<string, unknown> = {};
        if (succeeded_at !== undefined) c.succeeded_at = succeeded_at;
        if (failed_at !== undefined) c.failed_at = failed_at;
        if (status !== undefined) c.status = status;
        cases.push(c as ConnectionSyncStatus);
      }
  return cases;
}
