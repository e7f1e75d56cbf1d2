import { operatorName, parseOperator } from "./grammar";

/*
 * Condition values compared as their operator compares them (IAM JSON policy elements: condition
 * operators). A value an operator cannot read is kept as written: two such values are equal only
 * when their text is. The lint's condition-value-type rule asks these same functions whether a
 * value is a number, a date or a network, so the two never disagree.
 */

/**
 * `-12.50` -> `-12.5`, `007` -> `7`, `3600.0` -> `3600`; undefined when not a decimal number.
 * Numeric operators compare "an integer or decimal value" (IAM User Guide, condition operators),
 * and JSON, whose number the policy grammar takes (IAM JSON policy grammar: "Basic JSON data types
 * ... are defined in RFC 7159"), writes one with an optional minus and digits on both sides of a
 * point: `+5`, `5.` and `.5` are no such text, so they are compared as written and the lint flags them.
 */
export function canonicalNumber(text: string): string | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return undefined;
  const integer = m[2].replace(/^0+(?=\d)/, "");
  const fraction = (m[3] ?? "").replace(/0+$/, "");
  const body = fraction ? `${integer}.${fraction}` : integer;
  return body === "0" ? "0" : `${m[1]}${body}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A Date* value (ISO 8601 as the IAM reference shows it: a date, optionally a time with an offset;
 * or epoch seconds): undefined when it is no date, else its instant as canonicalDate writes it,
 * which is undefined for a time without an offset (a date, but no certain instant).
 */
export function readDate(text: string): { instant: string | undefined } | undefined {
  if (/^\d{1,12}$/.test(text)) return { instant: iso(Number(text) * 1000, "") };
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = "00", mi = "00", s = "00", fraction = "", zone] = m;
  if (+mo < 1 || +mo > 12 || +d < 1 || +d > 31 || +h > 23 || +mi > 59 || +s > 59) return undefined;
  let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  if (new Date(ms).getUTCDate() !== +d) return undefined; // 2021-02-30
  if (zone === undefined) return { instant: m[4] === undefined ? iso(ms, "") : undefined };
  if (zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    // ISO 8601 and RFC 3339 (time-numoffset): an offset's hour is 00-23, its minute 00-59.
    const hours = +digits.slice(0, 2);
    const minutes = +digits.slice(2);
    if (hours > 23 || minutes > 59) return undefined;
    ms -= sign * (hours * 60 + minutes) * 60_000;
  }
  return { instant: iso(ms, fraction.replace(/0+$/, "")) };
}

/**
 * An instant as `YYYY-MM-DDTHH:MM:SS[.f]Z`: ISO 8601 with any offset (or a date alone, midnight
 * UTC) and epoch seconds name the same instant. A time without an offset is left as written,
 * since its zone is not certain.
 */
export function canonicalDate(text: string): string | undefined {
  return readDate(text)?.instant;
}

function iso(ms: number, fraction: string): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const text = new Date(ms).toISOString(); // 2020-01-01T00:00:00.000Z
  return `${text.slice(0, 19)}${fraction ? `.${fraction}` : ""}Z`;
}

/** A network as `address/prefix` with the host bits cleared; a bare address is /32 (IPv4) or /128 (IPv6). */
export function canonicalNetwork(text: string): string | undefined {
  const slash = text.indexOf("/");
  const address = slash >= 0 ? text.slice(0, slash) : text;
  const prefixText = slash >= 0 ? text.slice(slash + 1) : undefined;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const v4 = ipv4(address);
  if (v4 !== undefined) {
    const prefix = prefixText === undefined ? 32 : +prefixText;
    if (prefix > 32) return undefined;
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const n = (v4 & mask) >>> 0;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${prefix}`;
  }
  const v6 = ipv6(address);
  if (v6 === undefined) return undefined;
  const prefix = prefixText === undefined ? 128 : +prefixText;
  if (prefix > 128) return undefined;
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, prefix - i * 16));
    v6[i] &= keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
  }
  return `${formatIpv6(v6)}/${prefix}`;
}

function ipv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || +p > 255) return undefined;
    n = n * 256 + +p;
  }
  return n;
}

function ipv6(text: string): number[] | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = ipv4(p);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIpv6(g: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = g.map((n) => n.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/**
 * Under Version 2012-10-17, `${*}`, `${?}` and `${$}` are the literal characters. Where `*` and `?`
 * are not wildcards (every operator but the Like and Arn ones), `${*}` is the same value as `*`;
 * `$` is never special, so `${$}` is `$` everywhere. Under 2008-10-17 there are no policy
 * variables: the text is literal.
 */
export function literalVariables(value: string, wildcards: boolean): string {
  if (!value.includes("${")) return value;
  const out = value.replace(/\$\{\$\}/g, "$");
  return wildcards ? out : out.replace(/\$\{\*\}/g, "*").replace(/\$\{\?\}/g, "?");
}

/** By version, then operator: both are strings the reader already interned, so a lookup hashes nothing new. */
const canonicalizers = new Map<string, Map<string, (value: string) => string>>();

/** How an operator compares its values, as a function from written text to canonical text. */
export function valueCanonicalizer(operator: string, version: string): (value: string) => string {
  let byOperator = canonicalizers.get(version);
  if (!byOperator) {
    byOperator = new Map();
    if (canonicalizers.size < 16) canonicalizers.set(version, byOperator);
  }
  let f = byOperator.get(operator);
  if (!f) {
    f = makeCanonicalizer(operator, version);
    if (byOperator.size < 1024) byOperator.set(operator, f);
  }
  return f;
}

function makeCanonicalizer(operator: string, version: string): (value: string) => string {
  const { base } = parseOperator(operator);
  const variables = version === "2012-10-17";
  if (base.startsWith("Numeric")) return (v) => canonicalNumber(v) ?? v;
  if (base.startsWith("Date")) return (v) => canonicalDate(v) ?? v;
  if (base === "IpAddress" || base === "NotIpAddress") return (v) => canonicalNetwork(v) ?? v;
  const wildcards = base.endsWith("Like") || base.startsWith("Arn");
  if (base.endsWith("IgnoreCase")) return variables ? (v) => literalVariables(v, wildcards).toLowerCase() : (v) => v.toLowerCase();
  return variables ? (v) => literalVariables(v, wildcards) : (v) => v;
}

/** ArnEquals and ArnLike (and their Not forms) are documented as identical: one canonical name. */
export function canonicalOperator(operator: string): string {
  if (!operator.includes("Arn")) return operator;
  const op = parseOperator(operator);
  const renamed = op.base === "ArnEquals" ? "ArnLike" : op.base === "ArnNotEquals" ? "ArnNotLike" : undefined;
  return renamed ? operatorName({ ...op, base: renamed }) : operator;
}
