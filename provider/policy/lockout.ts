import { flattenPrincipal } from "./diff";
import { ACCOUNT_ROOT_ARN, principalAccount, wildcardRegExp } from "./grammar";
import { EngineOptions, normalizePolicy } from "./normalize";
import { NormalizedStatement, PolicyInput } from "./types";

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
  const relevant = normalizePolicy(policy, options).Statement.filter(coversPutKeyPolicy);
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
  return relevant.some((s) => s.Effect === "Allow" && (s.NotPrincipal !== undefined || flattenPrincipal(s.Principal).some(stillAllowed)));
}
