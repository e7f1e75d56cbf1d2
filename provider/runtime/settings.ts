import { KMSClient } from "@aws-sdk/client-kms";
import { ClientSettings, kmsClient } from "../aws/client";
import { parseKeyRef } from "../aws/keyRef";
import { LintSuppression, SEVERITIES, Severity, parseSuppressions } from "../policy";

/**
 * Provider-wide settings. The dynamic-provider host calls `configure` once per process with the
 * stack's configuration; only non-secret AWS settings are read from it, never credentials.
 */
export interface ProviderSettings {
  /** The stack's `aws:region`, if set. */
  region?: string;
  /** `kms-policy:maxAttempts`: attempts per KMS call (default in aws/client.ts). */
  maxAttempts?: number;
  /** `kms-policy:requestTimeoutSeconds`: the longest one attempt may take (default in aws/client.ts). */
  requestTimeoutSeconds?: number;
  /**
   * `kms-policy:grantListingDelaySeconds`: for this long after creating a grant, a grant that
   * ListGrants does not show yet is taken as not listed yet rather than gone. Default 300 (KMS
   * documents up to five minutes for a grant to be consistent everywhere).
   */
  grantListingDelaySeconds: number;
  /** `kms-policy:failOn`: lint findings this bad or worse fail check (default `error`). */
  failOn: Severity;
  /** `kms-policy:ignore`: `Sid:rule` pairs the lint leaves out. */
  lintIgnore: LintSuppression[];
}

export const DEFAULT_GRANT_LISTING_DELAY_SECONDS = 300;

let settings: ProviderSettings = { grantListingDelaySeconds: DEFAULT_GRANT_LISTING_DELAY_SECONDS, failOn: "error", lintIgnore: [] };

export function providerSettings(): Readonly<ProviderSettings> {
  return settings;
}

export interface StackConfig {
  get(key: string): string | undefined;
}

export function configureFromStack(config: StackConfig): void {
  const attempts = Number(config.get("kms-policy:maxAttempts"));
  const delay = config.get("kms-policy:grantListingDelaySeconds");
  const timeout = Number(config.get("kms-policy:requestTimeoutSeconds"));
  settings = {
    region: config.get("aws:region") || undefined,
    maxAttempts: Number.isInteger(attempts) && attempts > 0 ? attempts : undefined,
    requestTimeoutSeconds: timeout > 0 ? timeout : undefined,
    grantListingDelaySeconds: delay !== undefined && Number(delay) >= 0 ? Number(delay) : DEFAULT_GRANT_LISTING_DELAY_SECONDS,
    ...lintSettings(config.get("kms-policy:failOn"), config.get("kms-policy:ignore")),
  };
}

/**
 * `kms-policy:failOn` and `kms-policy:ignore`, read the same way by the provider's check and by the
 * KeyPolicy resource (which prints the findings below failOn as warnings). A failOn that is not a
 * severity is `error` here, and the resource reports it.
 */
export function lintSettings(failOn: string | undefined, ignore: string | undefined): { failOn: Severity; lintIgnore: LintSuppression[] } {
  const severity = SEVERITIES.includes(failOn as Severity) && failOn !== "suggestion" ? (failOn as Severity) : "error";
  return { failOn: severity, lintIgnore: parseSuppressions(ignore).suppressions };
}

/**
 * The region for a key: the resource's `region`, else the region in a key ARN, else the stack's
 * `aws:region`, else whatever the SDK finds (AWS_REGION, the profile).
 */
export function regionFor(keyId: string, region?: string): string | undefined {
  if (region) return region;
  const ref = parseKeyRef(keyId);
  if (!("error" in ref) && ref.region) return ref.region;
  return settings.region;
}

export function clientFor(keyId: string, region?: string): KMSClient {
  const options: ClientSettings = { region: regionFor(keyId, region), maxAttempts: settings.maxAttempts, requestTimeoutSeconds: settings.requestTimeoutSeconds };
  return kmsClient(options);
}

/** The value Pulumi passes for an input not known until apply (e.g. a key created in the same run). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(isUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(isUnknown);
  return false;
}

/**
 * The provider host serializes check's inputs with protobuf, which cannot carry `undefined`: a
 * missing input must be absent, or the user sees a serialization error instead of the failure.
 */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
