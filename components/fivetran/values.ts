/**
 * Value helpers shared by the providers: Pulumi's unknown sentinel, plain-JSON outs, Fivetran's
 * masked secrets ("******") and loose comparison of what was sent with what Fivetran echoes back.
 */

/** What the engine passes to check/diff for a value not known during preview (any type). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** How Fivetran echoes a secret value. */
export const MASK = "******";

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

/** True when the value, or anything nested in it, is still unknown. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** Whether a desired scalar differs from state, for diff; a value still unknown (preview) counts as different. */
export function differs(old: unknown, desired: unknown): boolean {
  return containsUnknown(desired) || old !== desired;
}

/** True when Fivetran masked the value, or any part of it. */
export function containsMask(value: unknown): boolean {
  if (value === MASK) return true;
  if (Array.isArray(value)) return value.some(containsMask);
  if (value && typeof value === "object") return Object.values(value).some(containsMask);
  return false;
}

/** Outs must be plain JSON: `undefined` makes the engine fail with "Unexpected struct type". */
export function plainJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * A one-way fingerprint of a secret input, so rotation is detected without keeping the secret in state.
 * The key name is mixed in so equal secrets under different keys do not share a fingerprint.
 */
export function secretFingerprint(key: string, value: unknown): string {
  // Required here, not imported: the dynamic provider is serialized, and a module captured at the top would be too.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const crypto = require("crypto") as typeof import("crypto");
  return (
    "sha256:" +
    crypto
      .createHash("sha256")
      .update(`fivetran-secret\0${key}\0${JSON.stringify(value)}`)
      .digest("hex")
  );
}

/** Config keys that hold credentials even when Fivetran happens to echo them unmasked. */
export function looksSecretKey(key: string): boolean {
  return /(password|secret|token|private_key|passphrase|api_key|access_key|credentials|client_secret)/i.test(key);
}

/**
 * Does what Fivetran returned match what we sent? Fivetran echoes numbers and booleans as strings
 * ("443", "true"), masks secrets and may add fields of its own, so: scalars compare by text, a masked
 * echo counts as a match (it cannot be checked), objects compare only on the keys we sent.
 */
export function sameValue(sent: unknown, got: unknown): boolean {
  if (got === MASK) return true;
  if (sent === null || sent === undefined) return got === null || got === undefined;
  if (Array.isArray(sent)) {
    return Array.isArray(got) && got.length === sent.length && sent.every((item, i) => sameValue(item, got[i]));
  }
  if (typeof sent === "object") {
    if (!got || typeof got !== "object" || Array.isArray(got)) return false;
    return Object.entries(sent as Record<string, unknown>).every(([k, v]) => sameValue(v, (got as Record<string, unknown>)[k]));
  }
  if (got === null || got === undefined || typeof got === "object") return false;
  return String(sent) === String(got);
}

/** Remote scalars come back as strings; give them the type the user wrote so diffs compare like with like. */
export function asTypeOf(remote: unknown, like: unknown): unknown {
  if (typeof like === "number" && typeof remote === "string" && remote.trim() !== "" && !Number.isNaN(Number(remote))) return Number(remote);
  if (typeof like === "boolean" && (remote === "true" || remote === "false")) return remote === "true";
  return remote === undefined ? null : remote;
}
