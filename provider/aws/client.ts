import { KMSClient } from "@aws-sdk/client-kms";

/**
 * One KMS client per region and process. Credentials come only from the SDK's default chain
 * (environment, shared files, SSO, instance roles); nothing here ever reads or stores them.
 */

export interface ClientSettings {
  /** Region; undefined lets the SDK resolve it (AWS_REGION, profile). */
  region?: string;
  /** Attempts per call, first try included; the SDK backs off with jitter between them. */
  maxAttempts?: number;
}

const clients = new Map<string, KMSClient>();

export const DEFAULT_MAX_ATTEMPTS = 8;

export function kmsClient(settings: ClientSettings = {}): KMSClient {
  const key = `${settings.region ?? ""}|${settings.maxAttempts ?? ""}`;
  let client = clients.get(key);
  if (!client) {
    client = new KMSClient({
      ...(settings.region ? { region: settings.region } : {}),
      // "adaptive" adds client-side rate limiting on top of the standard exponential backoff with
      // jitter, so a burst of grants backs off together instead of each retrying into throttling.
      retryMode: "adaptive",
      maxAttempts: settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    });
    clients.set(key, client);
  }
  return client;
}
