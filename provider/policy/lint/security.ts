/**
 * The `security` rules: statements KMS accepts that give the key away. Each rule refuses to guess:
 * a condition that may limit the callers, or an account it cannot place, keeps it quiet.
 */
import { ACCOUNT_ID, ACCOUNT_ROOT_ARN, parseOperator, principalAccount } from "../grammar";
import { PatternOperator, patternIdentifies, patternLimits } from "./callerPatterns";
import { KmsAction } from "./catalog";
import { joinPath } from "./path";
import { isJsonObject as isObject } from "../json";
import { Obj, RawFinding, StatementView, strings } from "./statements";

/**
 * Keys that limit a request to one account, organization or network of the caller's
 * (IAM condition key reference; KMS's kms:CallerAccount). Lower case.
 */
const LIMITING_KEYS = new Set([
  "kms:calleraccount",
  "aws:principalaccount",
  "aws:principalarn",
  "aws:principalorgid",
  "aws:principalorgpaths",
  "aws:sourceaccount",
  "aws:sourcearn",
  "aws:sourceowner",
  "aws:sourceorgid",
  "aws:sourceorgpaths",
  "aws:sourcevpc",
  "aws:sourcevpce",
  "aws:userid",
]);
/** Keys that name the calling identity, so a wildcard principal is not "everyone in the account". */
const IDENTIFYING_KEYS = new Set(["aws:principalarn", "aws:userid", "aws:username"]);
/** Operators that require the key to have one of the values: the negated ones and IfExists do not. */
const POSITIVE = new Set(["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"]);

/**
 * The lower-cased condition keys the statement requires to match values that limit who calls
 * (callerPatterns.ts: patternLimits), and those whose values name some identities (patternIdentifies).
 */
function requiredKeys(value: Obj): { limiting: Set<string>; identifying: Set<string> } {
  const limiting = new Set<string>();
  const identifying = new Set<string>();
  if (!isObject(value.Condition)) return { limiting, identifying };
  for (const [operator, block] of Object.entries(value.Condition)) {
    const op = parseOperator(operator);
    if (!isObject(block) || op.ifExists || op.set === "ForAllValues" || !POSITIVE.has(op.base)) continue;
    // ArnEquals takes wildcards as ArnLike does, field by field; StringLike's `*` also spans colons.
    const matching: PatternOperator | undefined =
      op.base === "StringLike" ? "StringLike" : op.base.startsWith("Arn") ? "ArnLike" : undefined;
    for (const [key, v] of Object.entries(block)) {
      const k = key.toLowerCase();
      const values = (Array.isArray(v) ? v : [v]).map(String);
      if (values.length === 0) continue;
      // Exact operators compare text: even "*" is only the literal star, which no caller's account is.
      if (!matching || values.every((text) => patternLimits(k, text, matching))) limiting.add(k);
      if (!matching || values.every((text) => patternIdentifies(k, text, matching))) identifying.add(k);
    }
  }
  return { limiting, identifying };
}

/** A Bool condition that the grant is for an AWS resource (or that it comes through a service). */
function grantLimitedToServices(value: Obj): boolean {
  if (!isObject(value.Condition)) return false;
  for (const [operator, block] of Object.entries(value.Condition)) {
    if (!isObject(block)) continue;
    const op = parseOperator(operator);
    for (const [key, v] of Object.entries(block)) {
      const k = key.toLowerCase();
      if (k === "kms:grantisforawsresource" && op.base === "Bool" && String(Array.isArray(v) ? v[0] : v).toLowerCase() === "true")
        return true;
      if (k === "kms:viaservice" && POSITIVE.has(op.base) && !op.ifExists) return true;
    }
  }
  return false;
}

const isWildcardPrincipal = (principal: unknown): boolean =>
  principal === "*" || (isObject(principal) && strings(principal.AWS, "").some(([p]) => p === "*"));

const covers = (actions: KmsAction[] | undefined, name: string) => actions?.some((a) => a.name === name) ?? false;

/**
 * The account that owns the key: given (from the key's ARN), or inferred from the policy. Only
 * the owner's principals can use kms:PutKeyPolicy (another account's permission for it has no
 * effect: KMS developer guide, "Allowing users in other accounts to use a KMS key"), so an account
 * allowed it may be the owner, and the default key policy allows it to the owner's root. The
 * inference names an owner only when the policy leaves one candidate; see keyOwner.
 */
export interface KeyOwner {
  account: string;
  /** Taken from the policy, not given: the findings say so, and how to give it. */
  inferred: boolean;
  /** For an inferred owner, why it was taken, in words for the findings. */
  basis?: string;
}

/** Every account allowed kms:PutKeyPolicy, and those whose root (ARN or bare id) is. */
export function administeringAccounts(statements: StatementView[]): { all: Set<string>; roots: Set<string> } {
  const all = new Set<string>();
  const roots = new Set<string>();
  for (const s of statements) {
    if (s.value.Effect !== "Allow" || !covers(s.actions, "PutKeyPolicy") || !isObject(s.value.Principal)) continue;
    for (const [p] of strings(s.value.Principal.AWS, "")) {
      const account = principalAccount(p)?.account;
      if (!account) continue;
      all.add(account);
      if (ACCOUNT_ID.test(p) || ACCOUNT_ROOT_ARN.test(p)) roots.add(account);
    }
  }
  return { all, roots };
}

const only = (set: Set<string>) => (set.size === 1 ? [...set][0] : undefined);

/**
 * The key's owner: `account` when given. Otherwise the one account whose root is allowed
 * kms:PutKeyPolicy (the default key policy's "Enable IAM User Permissions" statement), else the one
 * account allowed it at all. Several candidates and no way to tell them apart: undefined, and the
 * rules that need the owner stay quiet rather than guess (document order says nothing about it).
 */
export function keyOwner(statements: StatementView[], account?: string): KeyOwner | undefined {
  if (account) return { account, inferred: false };
  const { all, roots } = administeringAccounts(statements);
  const root = only(roots);
  if (root !== undefined) return { account: root, inferred: true, basis: "the only account whose root the policy allows kms:PutKeyPolicy" };
  const sole = only(all); // two roots or more are two accounts or more: no sole one either
  return sole === undefined ? undefined : { account: sole, inferred: true, basis: "the only account the policy allows kms:PutKeyPolicy" };
}

export function securityRules(s: StatementView, owner: KeyOwner | undefined, report: (f: RawFinding) => void): void {
  const { value, at, sid } = s;
  if (value.Effect !== "Allow" || !("Principal" in value)) return;
  const principalAt = joinPath(at, "Principal");
  const required = requiredKeys(value);
  const admin = covers(s.actions, "PutKeyPolicy");
  const grants = covers(s.actions, "CreateGrant") && !grantLimitedToServices(value);
  if (isWildcardPrincipal(value.Principal)) {
    if (![...required.limiting].some((k) => LIMITING_KEYS.has(k))) {
      report({
        path: principalAt,
        rule: "public-access",
        message:
          'this Allow names everyone ("*") and no condition limits the caller to an account or organization, so any AWS account may use the key',
        hint: 'add "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}} (or aws:PrincipalOrgID), or name the principals',
        sid,
      });
    }
    const identified = [...required.identifying].some((k) => IDENTIFYING_KEYS.has(k));
    if (!identified && (admin || grants)) {
      const what = admin ? "kms:PutKeyPolicy (it can rewrite this policy)" : "kms:CreateGrant (it can grant the key to anyone)";
      report({
        path: joinPath(at, "Action" in value ? "Action" : "NotAction"),
        rule: "wildcard-principal-admin",
        message: `a wildcard principal is allowed ${what}: every identity the conditions admit gets it, without any IAM policy`,
        hint: admin
          ? "allow kms:PutKeyPolicy to named administrator roles or the account root only"
          : 'name the grantees, or add "Bool": {"kms:GrantIsForAWSResource": "true"} or a kms:ViaService condition',
        sid,
      });
    }
    return;
  }
  if (!owner || !grants || !isObject(value.Principal)) return;
  const whose = owner.inferred
    ? `account ${owner.account}, taken as the key's owner: ${owner.basis ?? "inferred from the policy"} (only the owner's principals can use that permission)`
    : `account ${owner.account}, the key's owner`;
  for (const [p, path] of strings(value.Principal.AWS, joinPath(principalAt, "AWS"))) {
    const account = principalAccount(p)?.account;
    if (!account || account === owner.account) continue;
    report({
      path,
      rule: "cross-account-create-grant",
      message: `account ${account} may call kms:CreateGrant without kms:GrantIsForAWSResource, and is not ${whose}: it can grant this key to any principal, which this policy never names`,
      hint:
        'add "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}} so that only AWS services integrated with KMS create grants for it' +
        (owner.inferred
          ? `; if ${account} owns the key, say so (a key ARN as keyId, lintPolicy's account option, kms-policy validate --account ${account})`
          : ""),
      sid,
    });
  }
}
