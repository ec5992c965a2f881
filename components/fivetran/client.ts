/**
 * A small HTTP client for Fivetran's REST API (v1): Basic auth, the right `Accept` version per path,
 * the `{code, message, data}` envelope, cursor pagination and bounded retries.
 *
 * Retries: 429 waits for `Retry-After` (capped); 5xx but 501 (Not Implemented is permanent: the same
 * request never succeeds) and network errors back off exponentially with
 * jitter, and so does 409 on a request that opts in (`retryConflict`: schema-config writes, where a
 * concurrent write to the same connection conflicts and trying again is the fix); every other error
 * fails at once with Fivetran's code and message. All waiting goes through `sleep`, which tests replace.
 *
 * Time bounds: each attempt is aborted after `requestTimeoutMs` (a server that never answers would
 * otherwise hold `pulumi up` for Node's 300 s socket default, times the retries), and the whole call,
 * retries and waits included, stops at `callTimeoutMs`; both are named in the error. A timed-out
 * attempt is retried like a network error: a create it may have applied is adopted by the provider.
 */
import { fivetranApiError, scrub } from "./errors";

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface FivetranClientOptions {
  /** e.g. `https://api.fivetran.com/v1` (no trailing slash needed). */
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  /** Attempts per request, first one included. */
  maxAttempts?: number;
  /** First 5xx/network backoff; doubles per attempt up to `backoffMaxMs`. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest `Retry-After` we honour; a server asking for more gets this. */
  retryAfterMaxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /** 0..1, for jitter; tests pin it. */
  random?: () => number;
  /** Values never to show in errors besides the credentials themselves (e.g. secret config values). */
  redact?: string[];
  /** One attempt's limit: no complete answer within it aborts the attempt (retried like a network error). */
  requestTimeoutMs?: number;
  /** The whole call's limit, retries and waits included. */
  callTimeoutMs?: number;
  /** Clock for the call deadline; tests pin it. */
  now?: () => number;
}

export interface FivetranResponse<T> {
  status: number;
  code: string;
  message?: string;
  data: T;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Retry 409 Conflict like a 5xx: only for writes that are safe to repeat and conflict transiently. */
  retryConflict?: boolean;
}

export interface FivetranClient {
  request<T = unknown>(method: HttpMethod, path: string, options?: RequestOptions): Promise<FivetranResponse<T>>;
  /** Follows `next_cursor` until the last page and returns every item. */
  listAll<T = unknown>(path: string, query?: Record<string, string | number | undefined>): Promise<T[]>;
}

export const DEFAULT_RETRY = { maxAttempts: 5, backoffBaseMs: 500, backoffMaxMs: 8_000, retryAfterMaxMs: 120_000 } as const;

/** Fivetran answers in well under a second; setup tests (run synchronously by create/PATCH/test) can take a minute or two. */
export const DEFAULT_TIMEOUTS = { requestTimeoutMs: 120_000, callTimeoutMs: 300_000 } as const;

/**
 * Fivetran versions destinations and connections with `Accept: application/json;version=2`; groups and
 * schema-config endpoints use plain JSON (see shared/notes/fivetran-api.md §1).
 */
export function acceptHeaderFor(path: string): string {
  const bare = path.split("?")[0];
  if (bare.includes("/schemas")) return "application/json";
  if (bare.startsWith("/destinations") || bare.startsWith("/connections")) return "application/json;version=2";
  return "application/json";
}

/** `Retry-After` is either seconds or an HTTP date; anything unreadable means "retry soon". */
export function parseRetryAfterMs(header: string | null, now: number = Date.now()): number {
  if (!header) return 1_000;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1_000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 1_000 : Math.max(0, date - now);
}

/** Exponential backoff with full jitter between half and all of the step, capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const step = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + (step / 2) * random());
}

export function createFivetranClient(options: FivetranClientOptions): FivetranClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const maxAttempts = options.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  const backoffBaseMs = options.backoffBaseMs ?? DEFAULT_RETRY.backoffBaseMs;
  const backoffMaxMs = options.backoffMaxMs ?? DEFAULT_RETRY.backoffMaxMs;
  const retryAfterMaxMs = options.retryAfterMaxMs ?? DEFAULT_RETRY.retryAfterMaxMs;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const doFetch = options.fetch ?? ((input: string | URL | Request, init?: RequestInit) => fetch(input, init));
  const random = options.random ?? Math.random;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUTS.requestTimeoutMs;
  const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_TIMEOUTS.callTimeoutMs;
  const now = options.now ?? Date.now;
  const authorization = "Basic " + Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString("base64");
  const secrets = [options.apiKey, options.apiSecret, authorization, authorization.slice(6), ...(options.redact ?? [])];
  const clean = (text: string) => scrub(text, secrets);

  async function attempt<T>(
    method: HttpMethod,
    path: string,
    url: string,
    body: unknown,
    retryConflict: boolean,
    timeoutMs: number,
  ): Promise<FivetranResponse<T> | { retryInMs: number; error: Error }> {
    const headers: Record<string, string> = {
      Authorization: authorization,
      Accept: acceptHeaderFor(path),
      "User-Agent": "data-platform-pulumi-fivetran/1",
    };
    // The signal covers headers and body alike: a server that sends headers and then stalls is caught too.
    const init: RequestInit = { method, headers, signal: AbortSignal.timeout(timeoutMs) };
    if (method === "POST" || method === "PATCH") {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body ?? {});
    }
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, init);
      text = await response.text();
    } catch (e) {
      // Network failure or timeout: no answer came back, so trying again is safe to the same degree a 5xx is.
      if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) {
        return {
          retryInMs: -1,
          error: fivetranApiError(
            method,
            path,
            0,
            "Timeout",
            `no complete response within ${timeoutMs / 1000} s (${timeoutMs < requestTimeoutMs ? `what was left of the ${callTimeoutMs / 1000} s limit for one call` : "per-request timeout"})`,
          ),
        };
      }
      const reason = e instanceof Error ? ((e as Error & { cause?: { code?: string } }).cause?.code ?? e.message) : String(e);
      return { retryInMs: -1, error: fivetranApiError(method, path, 0, "NetworkError", clean(String(reason))) };
    }
    let envelope: { code?: string; message?: string; data?: unknown };
    try {
      envelope = text ? JSON.parse(text) : {};
    } catch {
      envelope = { message: text.slice(0, 200) };
    }
    if (response.ok) {
      return { status: response.status, code: envelope.code ?? "Success", message: envelope.message, data: envelope.data as T };
    }
    const error = fivetranApiError(method, path, response.status, envelope.code ?? `HTTP${response.status}`, clean(envelope.message ?? response.statusText));
    if (response.status === 429) return { retryInMs: Math.min(parseRetryAfterMs(response.headers.get("retry-after")), retryAfterMaxMs), error };
    if ((response.status >= 500 && response.status !== 501) || (response.status === 409 && retryConflict)) return { retryInMs: -1, error };
    throw error;
  }

  async function request<T>(method: HttpMethod, path: string, requestOptions: RequestOptions = {}): Promise<FivetranResponse<T>> {
    const url = new URL(baseUrl + path);
    for (const [k, v] of Object.entries(requestOptions.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const started = now();
    for (let n = 1; ; n++) {
      // An attempt never runs past the call's deadline either.
      const timeoutMs = Math.max(1, Math.min(requestTimeoutMs, callTimeoutMs - (now() - started)));
      const outcome = await attempt<T>(method, path, url.toString(), requestOptions.body, requestOptions.retryConflict ?? false, timeoutMs);
      if (!("retryInMs" in outcome)) return outcome;
      if (n >= maxAttempts) {
        outcome.error.message += ` (gave up after ${n} attempts)`;
        throw outcome.error;
      }
      const wait = outcome.retryInMs >= 0 ? outcome.retryInMs : backoffMs(n, backoffBaseMs, backoffMaxMs, random);
      const elapsed = now() - started;
      // Waiting past the deadline would only end in the same error later.
      if (elapsed + wait >= callTimeoutMs) {
        outcome.error.message += ` (gave up after ${n} attempts in ${Math.round(elapsed / 1000)} s: the next try would pass the ${callTimeoutMs / 1000} s limit for one call)`;
        throw outcome.error;
      }
      await sleep(wait);
    }
  }

  async function listAll<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await request<{ items?: T[]; next_cursor?: string | null }>("GET", path, { query: { ...query, limit: query.limit ?? 1000, cursor } });
      items.push(...(page.data?.items ?? []));
      cursor = page.data?.next_cursor ?? undefined;
    } while (cursor);
    return items;
  }

  return { request, listAll };
}
