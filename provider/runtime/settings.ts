import { AssumeRole, checkAssumeRole } from "../aws/access";
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT_SECONDS } from "../aws/client";
import { DEFAULT_GRANT_LISTING_DELAY_SECONDS } from "../aws/grantFacts";
import { DEFAULT_IAM_PROPAGATION_SECONDS } from "../aws/propagation";
import { AccessQuery, LintSuppression, SEVERITIES, Severity, parseSuppressions } from "../policy";

/**
 * Provider-wide settings. The dynamic-provider host calls `configure` once per provider with the
 * stack's configuration, which fills that provider's context (runtime/context.ts); only non-secret
 * AWS settings are read from it, never credentials.
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
  /** Whether a grant's check asks KMS with a CreateGrant dry run before it is created or replaced. */
  dryRun: boolean;
  /** The role every resource assumes unless it names its own role or profile. */
  assumeRole?: AssumeRole;
  /** The stack's `aws:profile`: the credentials' profile (with a role: the source of the credentials that assume it). */
  profile?: string;
  /** How long CreateGrant and PutKeyPolicy refused for a principal IAM has not propagated yet are retried. */
  iamPropagationSeconds: number;
  /** Whether a KeyPolicy writes the pre-stack policy into the key's ownership tags (else only the owner). */
  previousPolicyInTags: boolean;
  /** The lint severity from which findings fail check. */
  failOn: Severity;
  /** `Sid:rule` pairs the lint leaves out. */
  lintIgnore: LintSuppression[];
  /** A KeyPolicy update whose policy may grant access the current one does not fails check. */
  noNewAccess: boolean;
  /** Actions (and optionally principals) no KeyPolicy may grant: one that may fails check. */
  accessNotGranted?: AccessQuery;
}

/** One stack setting: where it is read from, which values it takes, and what it does. */
export interface StackSetting<T> {
  /** The stack configuration key, e.g. `kms-policy:maxAttempts`. */
  key: string;
  /** The value a raw configuration string stands for; undefined when the value is not accepted. */
  parse(raw: string): T | undefined;
  /** The accepted values, in words, for messages and docs/stack-settings.md. */
  accepts: string;
  /** The value when the key is not set. */
  default: T;
  doc: string;
  /** Why a raw value is refused, when refusing it is certain: check then fails with this. */
  problem?(raw: string): string | undefined;
}

function parseAssumeRole(raw: string): { value?: AssumeRole; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return {
      problems: [
        `kms-policy:assumeRole is not a JSON object: set it with \`pulumi config set --path 'kms-policy:assumeRole.roleArn' ARN\``,
      ],
    };
  }
  return checkAssumeRole(value, "kms-policy:assumeRole");
}

/** What `kms-policy:failOn` accepts: a suggestion never fails a preview. */
const FAIL_ON: readonly Severity[] = SEVERITIES.filter((s) => s !== "suggestion");

/**
 * `kms-policy:accessNotGranted`: `{ actions, principals? }` (structured config), or the actions
 * alone as a list or a comma-separated string. The value, or why it is refused.
 */
export function parseAccessNotGranted(raw: string): { value?: AccessQuery; problems: string[] } {
  const fix =
    "set it with `pulumi config set --path 'kms-policy:accessNotGranted.actions[0]' kms:Decrypt` (and `.principals[0]` for a principal)";
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // A plain string: the actions, comma-separated.
  }
  if (typeof value === "string")
    value = {
      actions: value
        .split(",")
        .map((a) => a.trim())
        .filter(Boolean),
    };
  if (Array.isArray(value)) value = { actions: value };
  if (typeof value !== "object" || value === null) return { problems: [`kms-policy:accessNotGranted is not an object: ${fix}`] };
  const { actions, principals, ...rest } = value as Record<string, unknown>;
  const problems: string[] = [];
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string" && x.trim() !== "");
  if (!strings(actions) || (actions as string[]).length === 0)
    problems.push(`kms-policy:accessNotGranted.actions must be a list of one or more actions (kms:Decrypt, kms:*): ${fix}`);
  else
    for (const a of actions as string[])
      if (!/^(kms|\*)(:|$)/i.test(a) && a !== "*")
        problems.push(`kms-policy:accessNotGranted.actions: "${a}" is not a KMS action (kms:Decrypt, kms:ReEncrypt*, kms:*)`);
  if (principals !== undefined && !strings(principals))
    problems.push("kms-policy:accessNotGranted.principals must be a list of principals (ARNs, account ids, service names)");
  for (const key of Object.keys(rest)) problems.push(`kms-policy:accessNotGranted has no "${key}": it takes actions and principals`);
  if (problems.length > 0) return { problems };
  return {
    value: {
      actions: actions as string[],
      ...(principals !== undefined && (principals as string[]).length > 0 ? { principals: principals as string[] } : {}),
    },
    problems,
  };
}

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
  dryRun: {
    key: "kms-policy:dryRun",
    parse: (raw) => (raw === "true" ? true : raw === "false" ? false : undefined),
    accepts: "true or false",
    default: false,
    doc: "preview asks KMS, with CreateGrant's DryRun, whether each grant it would create or replace can be created; a refusal fails the preview",
  },
  assumeRole: {
    key: "kms-policy:assumeRole",
    parse: (raw) => parseAssumeRole(raw).value,
    problem: (raw) => parseAssumeRole(raw).problems.join("; ") || undefined,
    accepts: "an object { roleArn, externalId?, sessionName?, durationSeconds? }",
    default: undefined,
    doc: "the IAM role every KeyPolicy and Grant assumes (through STS, from the default credentials or aws:profile) unless it sets assumeRole or profile itself",
  },
  profile: {
    key: "aws:profile",
    parse: (raw) => raw || undefined,
    accepts: "a profile name of the shared AWS config files",
    default: undefined,
    doc: "the profile whose credentials the resources use (with a role: the credentials that assume it) unless a resource sets its own",
  },
  iamPropagationSeconds: {
    key: "kms-policy:iamPropagationSeconds",
    parse: (raw) => (raw.trim() !== "" && Number(raw) >= 0 ? Number(raw) : undefined),
    accepts: "a number of seconds, 0 or more",
    default: DEFAULT_IAM_PROPAGATION_SECONDS,
    doc: "for this long, a CreateGrant refused with InvalidArnException and a PutKeyPolicy refused for invalid principals are retried, since a role or user created moments ago may not have reached KMS yet (Terraform waits 2 minutes too); 0 turns the retry off",
  },
  previousPolicyInTags: {
    key: "kms-policy:previousPolicyInTags",
    parse: (raw) => (raw === "true" ? true : raw === "false" ? false : undefined),
    accepts: "true or false",
    default: true,
    doc: "a KeyPolicy records the policy the key had before the stack in the key's tags, readable by anyone allowed kms:ListResourceTags or tag:GetResources; false keeps it out of the tags (only the owner is recorded), at the cost of the restore after a killed create and after a rename without an alias",
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
    // An entry that suppresses nothing is certainly a mistake (an old space-separated list, a rule id
    // misspelt): running without it would bring the finding back unannounced.
    problem: (raw) => {
      const { problems } = parseSuppressions(raw);
      return problems.length > 0
        ? `kms-policy:ignore: ${problems.join("; ")}. Fix it with \`pulumi config set kms-policy:ignore "Sid:rule,Sid:rule"\` or remove it with \`pulumi config rm kms-policy:ignore\``
        : undefined;
    },
    accepts: "Sid:rule pairs (the rule after the last colon, a lint rule id or *), separated by commas or newlines, or a list",
    default: [],
    doc: "lint rules left out for one statement each",
  },
  noNewAccess: {
    key: "kms-policy:noNewAccess",
    parse: (raw) => (raw === "true" ? true : raw === "false" ? false : undefined),
    accepts: "true or false",
    default: false,
    doc: "a KeyPolicy update whose new policy may grant access the current policy does not (checkNoNewAccess) fails `pulumi preview`, naming the statement, principals and actions; widening then needs the setting off in the same change",
  },
  accessNotGranted: {
    key: "kms-policy:accessNotGranted",
    parse: (raw) => parseAccessNotGranted(raw).value,
    problem: (raw) => parseAccessNotGranted(raw).problems.join("; ") || undefined,
    accepts: "an object { actions, principals? }, or the actions as a list or comma-separated",
    default: undefined,
    doc: "a KeyPolicy whose policy may allow any of these actions (to any principal, or to one of these principals) fails `pulumi preview` (checkAccessNotGranted)",
  },
};

/** The settings of a stack that sets none: every row's default. */
export function defaultSettings(): ProviderSettings {
  return Object.fromEntries(
    Object.entries(STACK_SETTINGS).map(([field, setting]) => [field, setting.default]),
  ) as unknown as ProviderSettings;
}

export interface StackConfig {
  get(key: string): string | undefined;
}

/** A stack setting refused by its row: every resource's check reports it. */
export interface SettingProblem {
  property: string;
  reason: string;
}

/** Why a setting refuses a value: the key, the value, what it takes and the fix. */
function refusal(setting: StackSetting<unknown>, raw: string): string {
  return `${setting.key} is "${raw}", but it takes ${setting.accepts}: fix it with \`pulumi config set ${setting.key} VALUE\` or remove it with \`pulumi config rm ${setting.key}\``;
}

/**
 * Reads every stack setting. A value a setting does not take is a problem that every resource's
 * check reports at preview, naming the key, the value and what it takes: silently running with
 * the default would hide the mistake. Pure: the provider's context keeps the result.
 */
export function readStackSettings(config: StackConfig): { settings: ProviderSettings; problems: SettingProblem[] } {
  const next: Record<string, unknown> = {};
  const problems: SettingProblem[] = [];
  for (const [field, setting] of Object.entries(STACK_SETTINGS) as Array<[string, StackSetting<unknown>]>) {
    const raw = config.get(setting.key);
    const value = raw === undefined ? undefined : setting.parse(raw);
    next[field] = value ?? setting.default;
    // A value the row does not take is refused, never silently replaced by the default.
    const problem = raw === undefined ? undefined : (setting.problem?.(raw) ?? (value === undefined ? refusal(setting, raw) : undefined));
    if (problem) problems.push({ property: setting.key, reason: problem });
  }
  return { settings: next as unknown as ProviderSettings, problems };
}
