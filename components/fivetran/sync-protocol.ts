/**
 * The rules for "sync a connection and wait for it", as data, so the GCP Workflow and the AWS Step
 * Functions definitions encode the same protocol:
 *
 * 1. `POST {base}{triggerPath(id)}` with body `{ "force": false }` and the `accept` header. 200 = triggered.
 * 2. Poll `GET {base}{statusPath(id)}` every `pollIntervalSeconds`.
 * 3. The sync is finished when `succeeded_at` or `failed_at` moves past the trigger time
 *    (Fivetran's documented manual-sync polling rule); it failed when `failed_at` is the later one,
 *    or when the connection is broken.
 */
import { DEFAULT_FIVETRAN_API_URL } from "./session";

export interface ConnectionSyncStatus {
  succeeded_at?: string | null;
  failed_at?: string | null;
  status?: { setup_state?: string; sync_state?: string } | null;
}

function millis(timestamp: string | null | undefined): number {
  if (!timestamp) return Number.NEGATIVE_INFINITY;
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

function isFinished(data: ConnectionSyncStatus, triggeredAt: string | Date): boolean {
  const since = triggeredAt instanceof Date ? triggeredAt.getTime() : Date.parse(triggeredAt);
  return millis(data.succeeded_at) > since || millis(data.failed_at) > since;
}

function isFailed(data: ConnectionSyncStatus, triggeredAt: string | Date): boolean {
  if (String(data.status?.setup_state ?? "").toLowerCase() === "broken") return true;
  const since = triggeredAt instanceof Date ? triggeredAt.getTime() : Date.parse(triggeredAt);
  const failedAt = millis(data.failed_at);
  return failedAt > since && failedAt >= millis(data.succeeded_at);
}

/** A Fivetran API URL for a protocol path: orchestrations call the public API, not FIVETRAN_API_URL. */
export const fivetranEndpoint = (path: string) => `${DEFAULT_FIVETRAN_API_URL}${path}`;

export const FIVETRAN_SYNC = {
  triggerPath: (connectionId: string) => `/connections/${connectionId}/sync`,
  triggerBody: { force: false },
  statusPath: (connectionId: string) => `/connections/${connectionId}`,
  accept: "application/json;version=2",
  pollIntervalSeconds: 60,
  /** Long historical syncs run for hours; orchestration should give up after this. */
  timeoutSeconds: 6 * 60 * 60,
  isFinished,
  isFailed,
} as const;
