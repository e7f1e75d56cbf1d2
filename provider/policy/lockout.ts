import { flattenPrincipal } from "./diff";
import { ACCOUNT_ROOT_ARN, principalAccount, wildcardRegExp } from "./grammar";
import { EngineOptions, normalizePolicy } from "./normalize";
import { NormalizedPolicy, NormalizedStatement, PolicyInput, PolicyProblem } from "./types";

const PUT_KEY_POLICY = "kms:putkeypolicy";

const actionPatternMatches = (pattern: string): boolean => wildcardRegExp(pattern, { ignoreCase: true }).test(PUT_KEY_POLICY);

/** A statement without Action (or NotAction) or without Resource (or NotResource) has no effect. */
function coversPutKeyPolicy(s: NormalizedStatement): boolean {
  if (!s.Resource && !s.NotResource) return false;
  if (s.Action) return s.Action.some(actionPatternMatches);
  return s.NotAction !== undefined && !s.NotAction.some(actionPatternMatches);
}

const EVERYONE = "AWS:*";

/** `partition:account` of a flattened IAM or STS principal (`AWS:arn:...`), else undefined: a root and the identities it delegates to share it. */
function accountInPartition(principal: string): string | undefined {
  const owner = principal.startsWith("AWS:arn:") ? principalAccount(principal.slice(4)) : undefined;
  return owner ? `${owner.partition}:${owner.account}` : undefined;
}

/**
 * Only an AWS principal (an account, user, role or session, or "*") can be the caller of
 * PutKeyPolicy, and KMS's safety check asks whether that caller could call it again: an Allow to a
 * service, federated or canonical-user principal alone keeps nobody able to change the policy.
 */
const canCallPutKeyPolicy = (principal: string) => principal.startsWith("AWS:");

const isRoot = (principal: string) => principal.startsWith("AWS:") && ACCOUNT_ROOT_ARN.test(principal.slice(4));

/**
 * Would some principal still be allowed to call kms:PutKeyPolicy under this policy? If not, nobody
 * could ever change it again. KMS only checks this for the caller, and only at PutKeyPolicy time;
 * this answers at preview, from the document alone.
 *
 * It only calls a policy a lockout when that is certain: a Deny counts only when it has no
 * Condition and names the key as `"*"` (a key policy's own resource); anything it cannot decide,
 * such as a conditional Deny or an Allow through NotPrincipal, counts as still allowing changes.
 * An Allow to an account's root delegates to that account's IAM identities (KMS developer guide,
 * "Allows access to the AWS account and enables IAM policies"), so a Deny through NotPrincipal
 * that excepts any identity of that account may leave it able to change the policy.
 */
export function allowsPolicyChanges(policy: PolicyInput | unknown, options: EngineOptions = {}): boolean {
  return normalizedAllowsPolicyChanges(normalizePolicy(policy, options));
}

/**
 * allowsPolicyChanges of a policy already normalized (normalizePolicy's result): for a caller that
 * needs the canonical form anyway (`kms-policy normalize` and `diff`), so that the document is
 * normalized once.
 */
export function normalizedAllowsPolicyChanges(policy: NormalizedPolicy): boolean {
  const relevant = policy.Statement.filter(coversPutKeyPolicy);
  const certainDenies = relevant.filter((s) => s.Effect === "Deny" && !s.Condition && (s.Resource ?? []).includes("*"));
  const denied = new Set(certainDenies.flatMap((s) => flattenPrincipal(s.Principal)));
  if (denied.has(EVERYONE)) return false;
  // A Deny with NotPrincipal denies everyone but the principals it lists.
  const exceptionLists = certainDenies.filter((s) => s.NotPrincipal).map((s) => flattenPrincipal(s.NotPrincipal));
  const excepted = (principal: string, exceptions: string[]) => {
    // NotPrincipal "*" excepts everyone: such a Deny denies nobody (IAM's NotPrincipal with Deny).
    if (principal === EVERYONE || exceptions.includes(EVERYONE) || exceptions.includes(principal)) return true;
    if (!isRoot(principal)) return false;
    const account = accountInPartition(principal);
    return exceptions.some((e) => accountInPartition(e) === account);
  };
  const stillAllowed = (principal: string) =>
    !denied.has(principal) && exceptionLists.every((exceptions) => excepted(principal, exceptions));
  return relevant.some(
    (s) =>
      s.Effect === "Allow" &&
      (s.NotPrincipal !== undefined || flattenPrincipal(s.Principal).some((p) => canCallPutKeyPolicy(p) && stillAllowed(p))),
  );
}

/**
 * The lockout as a problem, or undefined when some principal can still change the policy. The one
 * wording KeyPolicy's check and `kms-policy validate` both report; `optOut` is the fix each offers
 * for the rare policy meant to be final (a stack setting, a flag).
 */
export function lockoutProblem(policy: PolicyInput | unknown, optOut: string, options: EngineOptions = {}): PolicyProblem | undefined {
  return normalizedLockoutProblem(normalizePolicy(policy, options), optOut);
}

/** lockoutProblem of a policy already normalized (see normalizedAllowsPolicyChanges). */
export function normalizedLockoutProblem(policy: NormalizedPolicy, optOut: string): PolicyProblem | undefined {
  if (normalizedAllowsPolicyChanges(policy)) return undefined;
  return {
    path: "",
    rule: "policy-lockout",
    message:
      "no principal is left allowed to call kms:PutKeyPolicy (no Allow grants it to an AWS account, user or role, or an unconditional Deny takes it back), so after this update nobody could change the policy again (lockout); KMS refuses it unless its safety check is bypassed",
    hint: `allow kms:PutKeyPolicy (or kms:*) to an administrator or the account root and keep it out of every Deny, or ${optOut} if that is really intended`,
  };
}
