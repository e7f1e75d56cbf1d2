import { canonicalNetwork, canonicalNumber, readDate } from "../values";

/** Policy variables (`${aws:username}`) are substituted at request time, so their text is not checked. */
const HAS_VARIABLE = /\$\{/;

// arn:partition:service:region:account:resource, wildcards allowed in each part.
const ARN = /^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/;

/** What a value of the operator must look like, and the fix; undefined when the value fits. */
export function valueProblem(base: string, value: string | number | boolean): { expected: string; example: string } | undefined {
  const text = String(value);
  if (HAS_VARIABLE.test(text)) return undefined;
  // What a number, a date and a network are is values.ts's: the values normalization compares.
  if (base.startsWith("Numeric")) return canonicalNumber(text) !== undefined ? undefined : { expected: "a number", example: '"3600"' };
  if (base.startsWith("Date"))
    return readDate(text) !== undefined ? undefined : { expected: "an ISO 8601 date or epoch seconds", example: '"2026-01-31T00:00:00Z"' };
  if (base === "Bool" || base === "Null")
    return /^(true|false)$/i.test(text) ? undefined : { expected: "true or false", example: '"true"' };
  if (base === "IpAddress" || base === "NotIpAddress")
    return canonicalNetwork(text) !== undefined ? undefined : { expected: "an IP address or CIDR block", example: '"203.0.113.0/24"' };
  if (base.startsWith("Arn"))
    return text === "*" || ARN.test(text)
      ? undefined
      : { expected: "an ARN (arn:partition:service:region:account:resource)", example: '"arn:aws:iam::111122223333:role/app"' };
  return undefined;
}
