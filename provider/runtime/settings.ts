import { KMSClient } from "@aws-sdk/client-kms";
import { ClientSettings, DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT_SECONDS, kmsClient } from "../aws/client";
import { DEFAULT_GRANT_LISTING_DELAY_SECONDS } from "../aws/grantFacts";
import { parseKeyRef } from "../aws/keyRef";
import { LintSuppression, SEVERITIES, Severity, parseSuppressions } from "../policy";

/**
 * Provider-wide settings. The dynamic-provider host calls `configure` once per process with the
 * stack's configuration; only non-secret AWS settings are read from it, never credentials.
 */
export interface ProviderSettings {
  /** The stack's `aws:region`, if set. */
  region?: string;
  /** Attempts per KMS call; undefined leaves the default to aws/client.ts. */
  maxAttempts?: number;
  /** The longest one attempt may take; undefined leaves the default to aws/client.ts. */
  requestTimeoutSeconds?: number;
  /** How long a new grant that ListGrants does not show yet counts as not listed yet rather than gone. */
  grantListingDelaySeconds: number;
  /** The lint severity from which findings fail check. */
  failOn: Severity;
  /** `Sid:rule` pairs the lint leaves out. */
  lintIgnore: LintSuppression[];
}

/** One stack setting: where it is read from, which values it takes, and what it does. */
export interface StackSetting<T> {
  /** The stack configuration key, e.g. `kms-policy:maxAttempts`. */
  key: string;
  /** The value a raw configuration string stands for; undefined when the value is not accepted. */
  parse(raw: string): T | undefined;
  /** The accepted values, in words, for messages and the README. */
  accepts: string;
  /** The value when the key is not set. */
  default: T;
  doc: string;
}

/** What `kms-policy:failOn` accepts: a suggestion never fails a preview. */
const FAIL_ON: readonly Severity[] = SEVERITIES.filter((s) => s !== "suggestion");

const positiveNumber = (raw: string) => (Number(raw) > 0 ? Number(raw) : undefined);

/**
 * Every stack setting the providers read, one row each. A new setting is a field of
 * ProviderSettings and a row here; the compiler asks for both.
 */
export const STACK_SETTINGS: { readonly [F in keyof ProviderSettings]-?: StackSetting<ProviderSettings[F]> } = {
  region: {
    key: "aws:region",
    parse: (raw) => raw || undefined,
    accepts: "a Region name such as us-east-1",
    default: undefined,
    doc: "the Region of a key given by id, when the resource sets no region",
  },
  maxAttempts: {
    key: "kms-policy:maxAttempts",
    parse: (raw) => (Number.isInteger(Number(raw)) && Number(raw) > 0 ? Number(raw) : undefined),
    accepts: "a whole number of 1 or more",
    default: undefined,
    doc: `attempts per KMS call, first try included (default ${DEFAULT_MAX_ATTEMPTS})`,
  },
  requestTimeoutSeconds: {
    key: "kms-policy:requestTimeoutSeconds",
    parse: positiveNumber,
    accepts: "a number of seconds greater than 0",
    default: undefined,
    doc: `the longest one attempt of a KMS call may take; the SDK retries a timed-out attempt (default ${DEFAULT_REQUEST_TIMEOUT_SECONDS})`,
  },
  grantListingDelaySeconds: {
    key: "kms-policy:grantListingDelaySeconds",
    parse: (raw) => (Number(raw) >= 0 ? Number(raw) : undefined),
    accepts: "a number of seconds, 0 or more",
    default: DEFAULT_GRANT_LISTING_DELAY_SECONDS,
    doc: "for this long after creating a grant, a grant that ListGrants does not show yet is taken as not listed yet rather than gone",
  },
  failOn: {
    key: "kms-policy:failOn",
    parse: (raw) => FAIL_ON.find((s) => s === raw),
    accepts: FAIL_ON.join(", "),
    default: "error",
    doc: "the lint severity that fails `pulumi preview`; milder findings are warnings on the resource",
  },
  lintIgnore: {
    key: "kms-policy:ignore",
    parse: (raw) => parseSuppressions(raw).suppressions,
    accepts: "Sid:rule pairs, comma-separated or a list",
    default: [],
    doc: "lint rules left out for one statement each",
  },
};

const defaults = (): ProviderSettings =>
  Object.fromEntries(Object.entries(STACK_SETTINGS).map(([field, setting]) => [field, setting.default])) as unknown as ProviderSettings;

let settings: ProviderSettings = defaults();

export function providerSettings(): Readonly<ProviderSettings> {
  return settings;
}

export interface StackConfig {
  get(key: string): string | undefined;
}

/**
 * Reads every stack setting. A value a setting does not accept is refused, naming the key, the
 * value and what it accepts: silently running with the default would hide the mistake.
 */
export function configureFromStack(config: StackConfig): void {
  const next: Record<string, unknown> = {};
  const refused: string[] = [];
  for (const [field, setting] of Object.entries(STACK_SETTINGS) as Array<[string, StackSetting<unknown>]>) {
    const raw = config.get(setting.key);
    const value = raw === undefined ? undefined : setting.parse(raw);
    if (raw !== undefined && value === undefined)
      refused.push(
        `${setting.key} is "${raw}", but it takes ${setting.accepts}: fix it with \`pulumi config set ${setting.key} VALUE\` or remove it with \`pulumi config rm ${setting.key}\``,
      );
    next[field] = value ?? setting.default;
  }
  if (refused.length > 0) throw new Error(`invalid stack configuration:\n  ${refused.join("\n  ")}`);
  settings = next as unknown as ProviderSettings;
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
  const options: ClientSettings = {
    region: regionFor(keyId, region),
    maxAttempts: settings.maxAttempts,
    requestTimeoutSeconds: settings.requestTimeoutSeconds,
  };
  return kmsClient(options);
}
