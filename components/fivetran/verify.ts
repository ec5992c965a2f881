/**
 * Read-back verification. Fivetran drops settings it does not know without an error (the s3
 * `folder_path` case): after every create and update the provider reads the object back and fails
 * when something it sent did not take.
 */
import { sameValue } from "./values";

export interface SentSetting {
  /** Dotted name as the user knows it, e.g. `config.prefix` or `sync_frequency`. */
  name: string;
  sent: unknown;
  got: unknown;
  /** Secret values are never printed. */
  secret?: boolean;
}

function show(value: unknown): string {
  return value === undefined ? "nothing (the field is absent)" : JSON.stringify(value);
}

/** Why the write did not fully take (the caller throws it, or records a partial create), or undefined when all did. */
export function notTakenMessage(what: string, settings: SentSetting[]): string | undefined {
  const missing = settings.filter((s) => !sameValue(s.sent, s.got));
  if (missing.length === 0) return undefined;
  const lines = missing.map((s) =>
    s.secret ? `  - ${s.name}: Fivetran did not keep the value that was sent` : `  - ${s.name}: sent ${show(s.sent)}, Fivetran has ${show(s.got)}`,
  );
  return [
    `Fivetran accepted the request for ${what} but these settings did not take:`,
    ...lines,
    "Fivetran ignores fields a service does not have; check the field names against the service's config reference (for example s3 uses `prefix`, not `folder_path`).",
  ].join("\n");
}
