import { KMSClient } from "@aws-sdk/client-kms";
import { Access, accessKey } from "./access";
import { CredentialSource } from "./credentials";

/**
 * KMS clients, one per Access (role or profile: the account), Region and retry setting in one
 * KmsClients. Credentials come from the SDK's default chain or a profile, or from STS for an
 * assumed role (aws/credentials.ts); nothing here ever reads, logs or stores them.
 */

export interface ClientSettings {
  /** Region; undefined lets the SDK resolve it (AWS_REGION, profile). */
  region?: string;
  /** Attempts per call, first try included; the SDK backs off with jitter between them. */
  maxAttempts?: number;
  /** Longest one attempt may take, in seconds. */
  requestTimeoutSeconds?: number;
  /** Whose credentials; undefined or empty: the SDK's default chain. */
  access?: Access;
}

export const DEFAULT_MAX_ATTEMPTS = 8;
/**
 * The SDK sets no time limit on an attempt: a connection KMS never answers would hang `pulumi up`.
 * With one, a hung attempt fails with TimeoutError, which the SDK retries like a dropped one.
 */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;

/**
 * A cache of KMS clients and the credentials they use. Whoever needs clients owns one (a
 * provider's context, one drift run): two owners never share a client or a credential.
 */
export class KmsClients {
  private readonly clients = new Map<string, KMSClient>();

  constructor(
    /** The STS side: assumed roles' credentials and the account an Access acts in. */
    readonly credentials: CredentialSource = new CredentialSource(),
  ) {}

  /** The client for these settings, made once and kept. */
  client(settings: ClientSettings = {}): KMSClient {
    const access = settings.access ?? {};
    const key = `${settings.region ?? ""}|${settings.maxAttempts ?? ""}|${settings.requestTimeoutSeconds ?? ""}|${accessKey(access)}`;
    const timeoutMs = (settings.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS) * 1000;
    let client = this.clients.get(key);
    if (!client) {
      const credentials = this.credentials.credentialsFor(access, settings.region);
      client = new KMSClient({
        ...(settings.region ? { region: settings.region } : {}),
        // With a role, the profile is only the source of the credentials that assume it.
        ...(credentials ? { credentials } : access.profile ? { profile: access.profile } : {}),
        // "adaptive" adds client-side rate limiting on top of the standard exponential backoff with
        // jitter, so a burst of grants backs off together instead of each retrying into throttling.
        retryMode: "adaptive",
        maxAttempts: settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        requestHandler: { connectionTimeout: Math.min(5000, timeoutMs), requestTimeout: timeoutMs, throwOnRequestTimeout: true },
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** How many KMS clients this cache holds (one per Access, Region and retry setting). */
  get size(): number {
    return this.clients.size;
  }
}
