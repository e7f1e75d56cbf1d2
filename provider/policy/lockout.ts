import { PolicyInput } from "../policy";
import { normalizePolicy } from "../policy/normalize";
import { NormalizedPrincipal, NormalizedStatement } from "../policy/types";

const PUT_KEY_POLICY = "kms:putkeypolicy";

function actionPatternMatches(pattern: string): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`).test(PUT_KEY_POLICY);
}

function coversPutKeyPolicy(s: NormalizedStatement): boolean {
  return s.Action ? s.Action.some(actionPatternMatches) : !(s.NotAction ?? []).some(actionPatternMatches);
}

/** `type:value` for each principal named, so that an AWS and a Service principal never collide. */
function principalsOf(p: NormalizedPrincipal | undefined): string[] {
  return Object.entries(p ?? {}).flatMap(([type, values]) => (values as string[]).map((v) => `${type}:${v}`));
}

const EVERYONE = "AWS:*";

/**
 * Would some principal still be allowed to call kms:PutKeyPolicy under this policy? If not, nobody
 * could ever change it again. KMS only checks this for the caller, and only at PutKeyPolicy time;
 * this answers at preview, from the document alone.
 *
 * It only calls a policy a lockout when that is certain: a Deny counts only when it has no
 * Condition and names the key as `"*"` (a key policy's own resource); anything it cannot decide,
 * such as a conditional Deny or an Allow through NotPrincipal, counts as still allowing changes.
 */
export function allowsPolicyChanges(policy: PolicyInput): boolean {
  const relevant = normalizePolicy(policy).Statement.filter(coversPutKeyPolicy);
  const certainDenies = relevant.filter((s) => s.Effect === "Deny" && !s.Condition && (s.Resource ?? []).includes("*"));
  const denied = new Set(certainDenies.flatMap((s) => principalsOf(s.Principal)));
  if (denied.has(EVERYONE)) return false;
  // A Deny with NotPrincipal denies everyone but the principals it lists.
  const exceptionLists = certainDenies.filter((s) => s.NotPrincipal).map((s) => new Set(principalsOf(s.NotPrincipal)));
  const stillAllowed = (principal: string) =>
    !denied.has(principal) && exceptionLists.every((exceptions) => principal === EVERYONE || exceptions.has(principal));
  return relevant.some(
    (s) => s.Effect === "Allow" && (s.NotPrincipal !== undefined || principalsOf(s.Principal).some(stillAllowed)),
  );
}
