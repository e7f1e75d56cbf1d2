/**
 * The `security` rules: statements KMS accepts that give the key away. Each rule refuses to guess:
 * a condition that may limit the callers, or an account it cannot place, keeps it quiet.
 */
import { ACCOUNT_ID, ACCOUNT_ROOT_ARN, AWS_PRINCIPAL_ARN } from "../grammar";
import { KmsAction } from "./catalog";
import { parseOperator } from "./operators";
import { joinPath } from "./path";
import { Obj, RawFinding, StatementView, isObject, strings } from "./statements";

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

/** The lower-cased condition keys the statement requires to match values that are not just `*`. */
function requiredKeys(value: Obj): Set<string> {
  const keys = new Set<string>();
  if (!isObject(value.Condition)) return keys;
  for (const [operator, block] of Object.entries(value.Condition)) {
    const op = parseOperator(operator);
    if (!isObject(block) || op.ifExists || op.set === "ForAllValues" || !POSITIVE.has(op.base)) continue;
    for (const [key, v] of Object.entries(block)) {
      const values = (Array.isArray(v) ? v : [v]).map(String);
      if (values.length > 0 && !values.includes("*")) keys.add(key.toLowerCase());
    }
  }
  return keys;
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

/** The account of an AWS principal (id, root ARN or IAM/STS ARN); undefined for `*` or a unique id. */
export function accountOf(principal: string): string | undefined {
  if (ACCOUNT_ID.test(principal)) return principal;
  const root = ACCOUNT_ROOT_ARN.exec(principal);
  if (root) return root[2];
  if (AWS_PRINCIPAL_ARN.test(principal)) return /^arn:[^:]+:[^:]+::(\d{12}):/.exec(principal)?.[1];
  return undefined;
}

/** The accounts whose principals are allowed kms:PutKeyPolicy: the key's administrators, so its own account. */
export function administeringAccounts(statements: StatementView[]): Set<string> {
  const accounts = new Set<string>();
  for (const s of statements) {
    if (s.value.Effect !== "Allow" || !covers(s.actions, "PutKeyPolicy") || !isObject(s.value.Principal)) continue;
    for (const [p] of strings(s.value.Principal.AWS, "")) {
      const account = accountOf(p);
      if (account) accounts.add(account);
    }
  }
  return accounts;
}

export function securityRules(s: StatementView, keyAccounts: ReadonlySet<string>, report: (f: RawFinding) => void): void {
  const { value, at, sid } = s;
  if (value.Effect !== "Allow" || !("Principal" in value)) return;
  const principalAt = joinPath(at, "Principal");
  const required = requiredKeys(value);
  if (isWildcardPrincipal(value.Principal)) {
    if (![...required].some((k) => LIMITING_KEYS.has(k))) {
      report({
        path: principalAt,
        rule: "public-access",
        message:
          'this Allow names everyone ("*") and no condition limits the caller to an account or organization, so any AWS account may use the key',
        hint: 'add "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}} (or aws:PrincipalOrgID), or name the principals',
        sid,
      });
    }
    const identified = [...required].some((k) => IDENTIFYING_KEYS.has(k));
    const admin = covers(s.actions, "PutKeyPolicy");
    const grants = covers(s.actions, "CreateGrant") && !grantLimitedToServices(value);
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
  if (!covers(s.actions, "CreateGrant") || grantLimitedToServices(value) || keyAccounts.size === 0 || !isObject(value.Principal)) return;
  for (const [p, path] of strings(value.Principal.AWS, joinPath(principalAt, "AWS"))) {
    const account = accountOf(p);
    if (account && !keyAccounts.has(account)) {
      report({
        path,
        rule: "cross-account-create-grant",
        message: `account ${account} may call kms:CreateGrant without kms:GrantIsForAWSResource, so it can grant this key to any principal, which this policy never names`,
        hint: 'add "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}} so that only AWS services integrated with KMS create grants for it',
        sid,
      });
    }
  }
}
