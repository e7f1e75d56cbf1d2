import { Access, knownAccount } from "../aws/access";
import { parseKeyRef } from "../aws/keyRef";
import { KEY_POLICY_NAME } from "../aws/keyPolicyFacts";
import { LintSuppression, atLeast, parsePolicy } from "../policy";
import { lintParsed } from "../policy/lint";
import { normalizeParsed } from "../policy/normalize";
import {
  CheckFailure,
  KEY_POLICY_KEY_ID_MESSAGES,
  checkAccess,
  checkKeyId,
  checkRegion,
  isUnknown,
  plainInputs,
  withoutUndefined,
} from "./check";
import { KEY_POLICY_FIELDS } from "../fields/keyPolicy";
import { normalizedLockoutProblem } from "../policy/lockout";
import { ProviderSettings, defaultSettings } from "./settings";

export type OnDelete = "restore" | "default" | "retain";
export const ON_DELETE_CHOICES: readonly OnDelete[] = ["restore", "default", "retain"];
export const DEFAULT_READ_BACK_TIMEOUT_SECONDS = 60;

/** Inputs of a KeyPolicy after check: defaults filled, the policy as JSON text. */
export interface KeyPolicyInputs extends Access {
  keyId: string;
  policy: string;
  policyName: string;
  bypassPolicyLockoutSafetyCheck: boolean;
  onDelete: OnDelete;
  region?: string;
  readBackTimeoutSeconds: number;
}

/**
 * The account a key given by bare id is in, if check can tell (aws/access.ts's knownAccount, as the
 * program's lint warnings use): the account of the role assumed. While the resource's own
 * assumeRole or profile is not known yet (preview), neither is the account: not the stack's.
 * `stack`: the stack's `kms-policy:assumeRole` and `aws:profile`.
 */
export function keyAccountOf(news: Record<string, unknown>, stack: Access): string | undefined {
  if (isUnknown(news.assumeRole) || isUnknown(news.profile)) return undefined;
  const role = news.assumeRole;
  const own = typeof role === "object" && role !== null && typeof (role as { roleArn?: unknown }).roleArn === "string";
  const profile = typeof news.profile === "string" ? news.profile : undefined;
  return knownAccount({ ...(own ? { assumeRole: role as Access["assumeRole"] } : {}), ...(profile ? { profile } : {}) }, stack);
}

/** The stack settings a policy's check reads: the lint's, and the stack's access (for the key's account). */
export type CheckSettings = Pick<ProviderSettings, "failOn" | "assumeRole" | "profile"> & { lintIgnore: readonly LintSuppression[] };

/**
 * Validates KeyPolicy inputs without calling AWS. Every failure names the property, the rule and
 * the fix; unknown values (not yet computed during preview) are checked at the next check.
 * `lint`: the stack's settings (its provider context's), the defaults when left out.
 */
export function checkKeyPolicy(
  news: Record<string, unknown>,
  lint: CheckSettings = defaultSettings(),
): { inputs: KeyPolicyInputs; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });

  const keyId = news.keyId;
  checkKeyId(news, fail, KEY_POLICY_KEY_ID_MESSAGES);

  let policyText = "";
  const policy = news.policy;
  if (!isUnknown(policy)) {
    if (policy === undefined || policy === null || policy === "") {
      fail("policy", "policy is required: a JSON string or a PolicyDocument object");
    } else if (typeof policy !== "string" && (typeof policy !== "object" || Array.isArray(policy))) {
      fail("policy", `policy must be a JSON string or a PolicyDocument object, not ${Array.isArray(policy) ? "an array" : typeof policy}`);
    } else {
      policyText = typeof policy === "string" ? policy : JSON.stringify(policy, null, 2);
      // Findings below failOn are the program's to show (resources/lintWarnings.ts): check cannot name the resource.
      const ref = typeof keyId === "string" ? parseKeyRef(keyId) : undefined;
      const account =
        (ref && !("error" in ref) ? ref.account : undefined) ?? keyAccountOf(news, { assumeRole: lint.assumeRole, profile: lint.profile });
      // Read once: the lint and the lockout check share what was read (as kms-policy validate does).
      const parsed = parsePolicy(policyText);
      const findings = lintParsed(parsed, { ignore: lint.lintIgnore, account }).findings.filter((f) => atLeast(f.severity, lint.failOn));
      const failing = (p: (typeof findings)[number]) =>
        p.severity === "error" ? "" : `, ${p.severity}; kms-policy:failOn is ${lint.failOn}`;
      for (const p of findings) fail("policy", `${p.path ? `${p.path}: ` : ""}${p.message} [${p.rule}${failing(p)}]. Fix: ${p.hint}`);
      const lockout =
        findings.some((f) => f.severity === "error") || news.bypassPolicyLockoutSafetyCheck === true
          ? undefined
          : // No error finding: the grammar accepts the document, so it needs no second validation to be normalized.
            normalizedLockoutProblem(
              normalizeParsed(parsed, { partition: ref && !("error" in ref) ? ref.partition : undefined }, false).policy,
              "set bypassPolicyLockoutSafetyCheck: true",
            );
      if (lockout) fail("policy", `${lockout.message}. Fix: ${lockout.hint}`);
    }
  } else {
    policyText = policy as string;
  }

  const policyName = news.policyName ?? KEY_POLICY_NAME;
  if (!isUnknown(policyName) && policyName !== KEY_POLICY_NAME) {
    fail(
      "policyName",
      `policyName "${String(policyName)}" is not accepted by KMS: the only key policy name is "${KEY_POLICY_NAME}". Remove policyName or set it to "${KEY_POLICY_NAME}"`,
    );
  }

  const onDelete = news.onDelete ?? "restore";
  if (!isUnknown(onDelete) && !ON_DELETE_CHOICES.includes(onDelete as OnDelete)) {
    fail(
      "onDelete",
      `onDelete "${String(onDelete)}" is not one of ${ON_DELETE_CHOICES.map((c) => `"${c}"`).join(", ")}: "restore" puts back the policy the key had before, "default" writes AWS's default key policy, "retain" leaves the policy as it is`,
    );
  }

  const region = news.region;
  checkRegion(region, fail);
  const access = checkAccess(news, fail);

  const timeout = news.readBackTimeoutSeconds ?? DEFAULT_READ_BACK_TIMEOUT_SECONDS;
  if (!isUnknown(timeout) && (typeof timeout !== "number" || !(timeout >= 0 && timeout <= 3600))) {
    fail("readBackTimeoutSeconds", "readBackTimeoutSeconds must be a number of seconds from 0 to 3600");
  }

  const inputs: KeyPolicyInputs = {
    ...plainInputs(KEY_POLICY_FIELDS, news, fail),
    keyId: keyId as string,
    policy: policyText,
    policyName: policyName as string,
    onDelete: onDelete as OnDelete,
    readBackTimeoutSeconds: timeout as number,
    ...(region !== undefined ? { region: region as string } : {}),
    ...access,
  };
  return { inputs: withoutUndefined(inputs), failures };
}
