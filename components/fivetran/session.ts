/**
 * Where a provider gets its credentials and client. Credentials come from stack config secrets (read in
 * the provider's `configure`) or the environment, never from resource inputs, so they never land in
 * state. The provider host inherits the CLI's environment, which is also how tests point the provider
 * at a local server (FIVETRAN_API_URL).
 */
import { createFivetranClient, type FivetranClient, type FivetranClientOptions } from "./client";

/**
 * The stack config keys the provider reads. Spelled out, not imported from `stacks/` (components do
 * not depend on the program, and this module is serialized into the provider); a test checks them
 * against the project name and the config schema.
 */
export const FIVETRAN_CONFIG_KEYS = { apiKey: "data-platform:fivetranApiKey", apiSecret: "data-platform:fivetranApiSecret" } as const;
export const FIVETRAN_ENV = { apiKey: "FIVETRAN_API_KEY", apiSecret: "FIVETRAN_API_SECRET", baseUrl: "FIVETRAN_API_URL" } as const;
export const DEFAULT_FIVETRAN_API_URL = "https://api.fivetran.com/v1";

/** Retry/timing knobs a test may override; credentials and base URL are never passed this way. */
export type SessionOptions = Pick<
  FivetranClientOptions,
  "maxAttempts" | "backoffBaseMs" | "backoffMaxMs" | "retryAfterMaxMs" | "sleep" | "random" | "requestTimeoutMs" | "callTimeoutMs" | "now"
>;

export interface ConfigureRequestLike {
  config: { get(key: string): string | undefined };
}

export interface FivetranSession {
  /** Called by the provider host once, with the whole stack config (secrets decrypted). */
  configure(req: ConfigureRequestLike): Promise<void>;
  /** A client for one provider call; `redact` adds values (secret config) to keep out of errors. */
  client(redact?: string[]): FivetranClient;
}

export function createSession(options: SessionOptions = {}): FivetranSession {
  const fromConfig: { apiKey?: string; apiSecret?: string } = {};
  return {
    async configure(req) {
      fromConfig.apiKey = req.config.get(FIVETRAN_CONFIG_KEYS.apiKey) || undefined;
      fromConfig.apiSecret = req.config.get(FIVETRAN_CONFIG_KEYS.apiSecret) || undefined;
    },
    client(redact = []) {
      const apiKey = fromConfig.apiKey ?? process.env[FIVETRAN_ENV.apiKey];
      const apiSecret = fromConfig.apiSecret ?? process.env[FIVETRAN_ENV.apiSecret];
      if (!apiKey || !apiSecret) {
        throw new Error(
          `Fivetran API credentials are missing: run \`pulumi config set --secret ${FIVETRAN_CONFIG_KEYS.apiKey} <key>\` and ` +
            `\`pulumi config set --secret ${FIVETRAN_CONFIG_KEYS.apiSecret} <secret>\`, or export ${FIVETRAN_ENV.apiKey} and ${FIVETRAN_ENV.apiSecret}.`,
        );
      }
      const baseUrl = process.env[FIVETRAN_ENV.baseUrl] || DEFAULT_FIVETRAN_API_URL;
      return createFivetranClient({ ...options, baseUrl, apiKey, apiSecret, redact });
    },
  };
}
