/**
 * Errors raised by the Fivetran client and providers. Plain functions (no classes) keep the provider
 * closures small and serializable; `name` lets callers recognise the error after serialization.
 */

export interface FivetranApiError extends Error {
  name: "FivetranApiError";
  /** HTTP status, or 0 when the request never got an answer (network error). */
  status: number;
  /** Fivetran's `code`, e.g. `InvalidInput`, `NotFound_Connector`, `TooManyRequests`. */
  code: string;
  /** Fivetran's own `message`, secrets removed. */
  apiMessage: string;
  method: string;
  path: string;
}

export function fivetranApiError(method: string, path: string, status: number, code: string, apiMessage: string): FivetranApiError {
  const statusText = status === 0 ? "no response" : String(status);
  const error = new Error(`Fivetran API ${method} ${path} failed: ${statusText} ${code}: ${apiMessage}`) as FivetranApiError;
  error.name = "FivetranApiError";
  error.status = status;
  error.code = code;
  error.apiMessage = apiMessage;
  error.method = method;
  error.path = path;
  return error;
}

export function isFivetranApiError(e: unknown): e is FivetranApiError {
  return e instanceof Error && e.name === "FivetranApiError";
}

/** Fivetran answers a missing object with 404 and a `NotFound*` code (`NotFound_Connector`, `NotFound_Integration`...). */
export function isNotFound(e: unknown): boolean {
  return isFivetranApiError(e) && (e.status === 404 || e.code.startsWith("NotFound"));
}

/**
 * The request's answer, or `undefined` when Fivetran says the object does not exist; any other error
 * is thrown. One rule for every provider: read reports a missing object as gone, delete counts it as done.
 */
export async function unlessNotFound<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Replaces every occurrence of each secret in `text`, so credentials never reach errors or logs. */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would mangle ordinary words; nothing that short is a real credential.
    if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}

/**
 * An error the deploy engine records as "created but not healthy": the object stays in state and the
 * next `up` updates it. The provider host loads the provider from the recorded `__provider` property
 * on every later call (refresh, update, destroy), so it is carried over from the create inputs: without
 * it those calls fail ("code must be a string") and the object is stranded in Fivetran.
 *
 * The engine shows the reasons (not the message) and keeps them in the checkpoint (`initErrors`)
 * unencrypted: `message` must already be scrubbed of every secret the caller knows.
 */
export function partialCreateError(message: string, id: string, properties: Record<string, unknown>, inputs: { __provider?: unknown }): Error {
  return Object.assign(new Error(message), { id, properties: { ...properties, __provider: inputs.__provider }, reasons: [message] });
}
