/**
 * Facts of the AWS policy language and of KMS's limits that validation and normalization share.
 * Sources: IAM JSON policy element reference; KMS PutKeyPolicy API reference (2014-11-01).
 */

export const DOCUMENT_KEYS = ["Version", "Id", "Statement"] as const;

export const STATEMENT_KEYS = [
  "Sid",
  "Effect",
  "Principal",
  "NotPrincipal",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
] as const;

export const PRINCIPAL_TYPES = ["AWS", "Service", "Federated", "CanonicalUser"] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

export const POLICY_VERSIONS = ["2012-10-17", "2008-10-17"] as const;
/** A document without Version is evaluated as the oldest language version. */
export const DEFAULT_POLICY_VERSION = "2008-10-17";

/** PutKeyPolicy: "The key policy cannot exceed 32 kilobytes (32768 bytes)." */
export const KMS_POLICY_MAX_BYTES = 32_768;

/** PutKeyPolicy's Policy pattern: tab, LF, CR and U+0020 through U+00FF. */
export const KMS_POLICY_CHARACTERS = /^[\t\n\r\u0020-\u00FF]*$/;

const BASE_CONDITION_OPERATORS = [
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
  "Bool",
  "BinaryEquals",
  "IpAddress",
  "NotIpAddress",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
];

/** The set operators that qualify a condition operator for multivalued keys (`ForAnyValue:StringLike`). */
export const SET_OPERATORS = ["ForAllValues", "ForAnyValue"] as const;
const SET_PREFIXES = ["", ...SET_OPERATORS.map((set) => `${set}:`)];

/** A condition operator taken apart: `ForAnyValue:StringLikeIfExists` -> set `ForAnyValue`, base `StringLike`, ifExists. */
export interface Operator {
  set?: (typeof SET_OPERATORS)[number];
  base: string;
  ifExists: boolean;
}

/** Takes an operator name apart (see Operator); text before a colon that is no set operator stays in `base`. */
export function parseOperator(operator: string): Operator {
  const colon = operator.indexOf(":");
  const set = SET_OPERATORS.find((s) => s.length === colon && operator.startsWith(s));
  let base = set ? operator.slice(colon + 1) : operator;
  const ifExists = base.endsWith("IfExists");
  if (ifExists) base = base.slice(0, -"IfExists".length);
  return set ? { set, base, ifExists } : { base, ifExists };
}

/** The operator name of its parts: the inverse of parseOperator. */
export function operatorName(op: Operator): string {
  return `${op.set ? `${op.set}:` : ""}${op.base}${op.ifExists ? "IfExists" : ""}`;
}

/** Every operator name AWS accepts: base, `...IfExists`, set-qualified forms, and `Null`. */
export const CONDITION_OPERATORS: ReadonlySet<string> = new Set([
  ...BASE_CONDITION_OPERATORS.flatMap((op) => SET_PREFIXES.flatMap((p) => [p + op, `${p}${op}IfExists`])),
  "Null",
]);

/** `service:ActionName` with `*`/`?` wildcards, or `*` alone. */
export const ACTION_PATTERN = /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;

/** The partitions AWS has; a key ARN names one. */
export const PARTITIONS = ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"] as const;
export const DEFAULT_PARTITION = "aws";
/** A Region name's shape, the Region field of an ARN: us-east-1, us-gov-west-1, cn-north-1. */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** `arn:<partition>:iam::<account>:root` */
export const ACCOUNT_ROOT_ARN = new RegExp(`^arn:(${PARTITIONS.join("|")}):iam::(\\d{12}):root$`);
export const ACCOUNT_ID = /^\d{12}$/;
/** The start of an IAM or STS principal ARN, any partition, up to the resource. */
const PRINCIPAL_ARN_START = "arn:aws[a-z-]*:(?:iam|sts)::(?:\\d{12}|aws):";
/** IAM and STS principal ARNs, any partition. */
export const AWS_PRINCIPAL_ARN = new RegExp(`^${PRINCIPAL_ARN_START}[^\\s]+$`);
/** An IAM or STS principal ARN of an account (not of `aws` itself): its partition and account. */
const ACCOUNT_PRINCIPAL_ARN = /^arn:(aws[a-z-]*):(?:iam|sts)::(\d{12}):[^\s]+$/;

/**
 * The account an AWS principal belongs to: a bare account id's, or an IAM or STS ARN's (a root,
 * role, user, assumed role...), with the ARN's partition. Undefined for `*`, a unique id, or an
 * ARN of no account.
 */
export function principalAccount(principal: string): { account: string; partition?: string } | undefined {
  if (ACCOUNT_ID.test(principal)) return { account: principal };
  const m = ACCOUNT_PRINCIPAL_ARN.exec(principal);
  return m ? { partition: m[1], account: m[2] } : undefined;
}
/**
 * A service principal is a DNS name: most end in amazonaws.com, but not all (Route 53 DNSSEC's
 * documented key policy names `api-service.dnssec.route53.aws.internal`). PutKeyPolicy accepts any.
 */
export const SERVICE_PRINCIPAL =
  /^(\*|(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)$/;

/**
 * The unique id AWS shows in place of a principal's ARN once the role (`AROA...`) or user
 * (`AIDA...`) it named was deleted: in a key policy and as a grant's grantee. Only roles and users
 * are principals that get one; the other unique-id prefixes (groups, policies, access keys, ...)
 * never stand for a principal. Sources: IAM User Guide, "IAM identifiers", section "Understanding
 * unique ID prefixes"; and "AWS JSON policy elements: Principal" (a deleted role or user breaks the
 * link, and the policy shows its unique id).
 */
export const AWS_UNIQUE_ID = /^A(ROA|IDA)[A-Z0-9]{12,}$/;

/**
 * Every AWS principal KMS accepts, in one test: `"*"`, an account id, a principal ARN without a
 * wildcard, or a unique id. The same as the checks above one by one (which name what is wrong),
 * in a fraction of their time.
 */
export const VALID_AWS_PRINCIPAL = new RegExp(
  `^(?:\\*|${ACCOUNT_ID.source.slice(1, -1)}|${PRINCIPAL_ARN_START}[^\\s*?]+|${AWS_UNIQUE_ID.source.slice(1, -1)})$`,
);

/** An ARN's (or ARN pattern's) six fields: `arn`, partition, service, region, account, resource; the resource may hold colons. Fewer when the text has fewer. */
export function arnFields(text: string): string[] {
  const parts = text.split(":");
  return parts.length <= 6 ? parts : [...parts.slice(0, 5), parts.slice(5).join(":")];
}

/**
 * A policy pattern as an anchored regular expression: `*` is any run of characters and `?` any one
 * character, colons and newlines included; everything else is literal. `ignoreCase` is for what AWS
 * compares without case, action names above all ("kms:decrypt" is kms:Decrypt: IAM JSON policy
 * elements, Action); a condition value matched by StringLike or ArnLike is compared with case.
 */
export function wildcardRegExp(pattern: string, options: { ignoreCase: boolean }): RegExp {
  let body = "";
  for (const c of pattern) body += c === "*" ? "[\\s\\S]*" : c === "?" ? "[\\s\\S]" : c.replace(/[.+^${}()|[\]\\/-]/g, "\\$&");
  return new RegExp(`^${body}$`, options.ignoreCase ? "i" : "");
}

/** The closest candidate by edit distance, for "did you mean" hints; undefined if nothing is close. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}
