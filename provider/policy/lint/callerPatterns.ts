/**
 * Whether a condition value on a key that names the caller (its account, organization, network or
 * identity) leaves anyone out. A pattern limits only if it matches none of a set of made-up values
 * from a foreign account: stripping literal prefixes misses partial ones (`o*`, `vpc*`, `A*`).
 */
import { PARTITIONS, REGION_NAME, arnFields, wildcardRegExp } from "../grammar";

/** How a pattern is matched: StringLike over the whole text, ArnLike (and ArnEquals) per ARN field. */
export type PatternOperator = "StringLike" | "ArnLike";

/** An account no key policy's owner has: AWS never issues 000000000000. */
const FOREIGN_ACCOUNT = "000000000000";
/** Filler for a made-up id: never a character of a real one where ids are hex, digits or lower case. */
const Z = (n: number) => "z".repeat(n);

const foreignPrincipalArns = PARTITIONS.flatMap((p) => [
  `arn:${p}:iam::${FOREIGN_ACCOUNT}:root`,
  `arn:${p}:iam::${FOREIGN_ACCOUNT}:role/zzzz`,
  `arn:${p}:iam::${FOREIGN_ACCOUNT}:role/zzzz/zzzz`,
  `arn:${p}:iam::${FOREIGN_ACCOUNT}:user/zzzz`,
  `arn:${p}:sts::${FOREIGN_ACCOUNT}:assumed-role/zzzz/zzzz`,
]);
const foreignSourceArns = PARTITIONS.flatMap((p) => [
  `arn:${p}:s3:::zzzz`,
  `arn:${p}:sns:us-east-1:${FOREIGN_ACCOUNT}:zzzz`,
  `arn:${p}:cloudtrail:us-east-1:${FOREIGN_ACCOUNT}:trail/zzzz`,
  `arn:${p}:logs:us-east-1:${FOREIGN_ACCOUNT}:log-group:zzzz:*`,
]);
const accounts = [FOREIGN_ACCOUNT];
const orgIds = [`o-${Z(10)}`, `o-${Z(32)}`];
const orgPaths = [`o-${Z(10)}/r-zzzz/ou-zzzz-${Z(8)}/`, `o-${Z(10)}/r-zzzz/`];

/**
 * Made-up values of each limiting key (lower case) for callers from elsewhere, in the formats the
 * IAM condition key reference gives: ids at their shortest and longest, modern VPC ids (`vpc-0` and
 * 16 more), unique ids of a role session and a user (`AROA`/`AIDA` and 17 characters), a root's
 * account id.
 */
const FOREIGN: Record<string, readonly string[]> = {
  "kms:calleraccount": accounts,
  "aws:principalaccount": accounts,
  "aws:sourceaccount": accounts,
  "aws:sourceowner": accounts,
  "aws:principalorgid": orgIds,
  "aws:sourceorgid": orgIds,
  "aws:principalorgpaths": orgPaths,
  "aws:sourceorgpaths": orgPaths,
  "aws:sourcevpc": [`vpc-${Z(8)}`, `vpc-0${Z(16)}`],
  "aws:sourcevpce": [`vpce-${Z(8)}`, `vpce-0${Z(16)}`],
  "aws:userid": [`AROA${Z(17).toUpperCase()}:zzzz`, `AIDA${Z(17).toUpperCase()}`, FOREIGN_ACCOUNT, `${FOREIGN_ACCOUNT}:zzzz`],
  "aws:principalarn": foreignPrincipalArns,
  "aws:sourcearn": foreignSourceArns,
};
const ARN_KEYS = new Set(["aws:principalarn", "aws:sourcearn"]);

/** Stands for a literal character that no made-up value holds. */
const LITERAL = "\u0001";

/**
 * A pattern with its policy variables resolved as far as a caller can choose them: `${*}`, `${?}`,
 * `${$}` are literal characters, `${aws:Resource...}` is the key's own (literal), and any other
 * variable (`${aws:PrincipalAccount}`, `${aws:username}`) is the caller's, so it matches anything.
 */
function withoutVariables(pattern: string): string {
  return pattern.replace(/\$\{([^}]*)\}/g, (_all, name: string) =>
    name === "*" || name === "?" || name === "$" || /^aws:resource/i.test(name) ? LITERAL : "*",
  );
}

const WILDCARD = /[*?]/;

/** StringLike and ArnLike compare with case. */
const glob = (pattern: string): RegExp => wildcardRegExp(pattern, { ignoreCase: false });

/**
 * ArnLike: each field is matched on its own, so a `*` in the service never stands for the account.
 * A pattern with fewer fields (`*`, `arn:aws:iam::*`) is read broadly: its last field takes the rest
 * of the value, colons included.
 */
function arnLike(pattern: string, value: string): boolean {
  const p = arnFields(pattern);
  const v = arnFields(value);
  if (p.length > v.length) return false;
  const fields = p.length < v.length ? [...v.slice(0, p.length - 1), v.slice(p.length - 1).join(":")] : v;
  return p.every((field, i) => glob(field).test(fields[i]));
}

/** The pattern made concrete in a foreign account: its account field replaced, its wildcards filled. */
function foreignInstance(pattern: string): string | undefined {
  const fields = arnFields(pattern);
  if (fields.length < 5 || fields[4] === "") return undefined;
  // With a literal region that is no region (StringLike's `arn:aws:*:111122223333:*`), the fields do
  // not line up with an ARN's, and the account id may stand in that slot: no instance.
  if (!WILDCARD.test(fields[3]) && fields[3] !== "" && !REGION_NAME.test(fields[3])) return undefined;
  const filled = fields.map((f, i) => (i === 4 ? FOREIGN_ACCOUNT : f.replace(/[*?]/g, "z")));
  return (fields.length === 5 ? [...filled, "zzzz"] : filled).join(":");
}

/**
 * Whether a pattern (`StringLike`, `ArnLike`, `ArnEquals`) on a key of FOREIGN leaves out callers
 * from other accounts, organizations or networks: it does unless it matches one of the key's
 * made-up foreign values (for an ARN key also the pattern itself, moved to a foreign account:
 * `arn:aws:*:*:*:role/111122223333` names a role in any account). A key it has no values for:
 * any literal text may limit.
 */
export function patternLimits(key: string, pattern: string, operator: PatternOperator): boolean {
  const p = withoutVariables(pattern);
  if (!WILDCARD.test(p)) return true;
  const foreign = FOREIGN[key];
  if (!foreign) return p.replace(/[*?]/g, "") !== "";
  const instance = ARN_KEYS.has(key) ? foreignInstance(p) : undefined;
  const candidates = instance ? [...foreign, instance] : foreign;
  const re = glob(p);
  const matches = operator === "StringLike" ? (v: string) => re.test(v) : (v: string) => arnLike(p, v);
  return !candidates.some(matches);
}

/**
 * Whether a pattern on an identifying key (aws:PrincipalArn, aws:userid, aws:username) names some
 * identities rather than everyone the other conditions admit. An ARN pattern does when it is
 * literal, or when its resource part names a role, user or path beyond the type before its first
 * wildcard (`role/Admin*`, `assumed-role/KeyAdmin/*`, `role/admins/*`); `:*` or `:role/*` admit every
 * principal of the account. A unique id pattern does when it matches no foreign one; a user name
 * pattern when it has any literal text.
 */
export function patternIdentifies(key: string, pattern: string, operator: PatternOperator): boolean {
  const p = withoutVariables(pattern);
  if (!WILDCARD.test(p)) return true;
  if (key === "aws:principalarn") {
    const fields = arnFields(p);
    const named = fields.length === 6 ? fields[5].split(/[*?]/)[0] : "";
    return /\/[^/]/.test(named);
  }
  if (key === "aws:userid") return patternLimits(key, pattern, operator);
  return p.replace(/[*?]/g, "") !== "";
}
