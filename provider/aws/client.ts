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
  /** Longest one attempt may take, in seconds. */
  requestTimeoutSeconds?: number;
}

const clients = new Map<string, KMSClient>();

export const DEFAULT_MAX_ATTEMPTS = 8;
/**
 * The SDK sets no time limit on an attempt: a connection KMS never answers would hang `pulumi up`.
 * With one, a hung attempt fails with TimeoutError, which the SDK retries like a dropped one.
 */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;

export function kmsClient(settings: ClientSettings = {}): KMSClient {
  const key = `${settings.region ?? ""}|${settings.maxAttempts ?? ""}|${settings.requestTimeoutSeconds ?? ""}`;
  const timeoutMs = (settings.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS) * 1000;
  let client = clients.get(key);
  if (!client) {
    client = new KMSClient({
      ...(settings.region ? { region: settings.region } : {}),
      // "adaptive" adds client-side rate limiting on top of the standard exponential backoff with
      // jitter, so a burst of grants backs off together instead of each retrying into throttling.
      retryMode: "adaptive",
      maxAttempts: settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      requestHandler: { connectionTimeout: Math.min(5000, timeoutMs), requestTimeout: timeoutMs, throwOnRequestTimeout: true },
    });
    clients.set(key, client);
  }
  return client;
}
