import { isIP } from "net";
import { ACCOUNT_PLACEHOLDER } from "../grammar";

/** A condition operator taken apart: `ForAnyValue:StringLikeIfExists` -> set `ForAnyValue`, base `StringLike`, ifExists. */
export interface Operator {
  set?: "ForAllValues" | "ForAnyValue";
  base: string;
  ifExists: boolean;
}

export function parseOperator(operator: string): Operator {
  const set = /^(ForAllValues|ForAnyValue):/.exec(operator)?.[1] as Operator["set"];
  let base = set ? operator.slice(set.length + 1) : operator;
  const ifExists = base.endsWith("IfExists");
  if (ifExists) base = base.slice(0, -"IfExists".length);
  return { ...(set ? { set } : {}), base, ifExists };
}

/** Policy variables (`${aws:username}`) are substituted at request time, so their text is not checked. */
const HAS_VARIABLE = /\$\{/;

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;
// ISO 8601 as the IAM reference shows it (a date, optionally a time with an offset), or epoch seconds.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH = /^\d+$/;
// arn:partition:service:region:account:resource, wildcards allowed in each part.
const ARN = /^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/;

/** What a value of the operator must look like, and the fix; undefined when the value fits. */
export function valueProblem(base: string, value: string | number | boolean): { expected: string; example: string } | undefined {
  const text = String(value);
  if (HAS_VARIABLE.test(text)) return undefined;
  if (base.startsWith("Numeric")) return NUMBER.test(text) ? undefined : { expected: "a number", example: '"3600"' };
  if (base.startsWith("Date")) {
    const ok = EPOCH.test(text) || (ISO_DATE.test(text) && !Number.isNaN(Date.parse(text)));
    return ok ? undefined : { expected: "an ISO 8601 date or epoch seconds", example: '"2026-01-31T00:00:00Z"' };
  }
  if (base === "Bool" || base === "Null")
    return /^(true|false)$/i.test(text) ? undefined : { expected: "true or false", example: '"true"' };
  if (base === "IpAddress" || base === "NotIpAddress")
    return isNetwork(text) ? undefined : { expected: "an IP address or CIDR block", example: '"203.0.113.0/24"' };
  if (base.startsWith("Arn"))
    return text === "*" || ARN.test(text)
      ? undefined
      : { expected: "an ARN (arn:partition:service:region:account:resource)", example: `"arn:aws:iam::${ACCOUNT_PLACEHOLDER}:role/app"` };
  return undefined;
}

function isNetwork(text: string): boolean {
  const [address, bits, ...rest] = text.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}
