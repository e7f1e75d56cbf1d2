import { AccessRequest, RequestPrincipal } from "./model";

/*
 * An evaluator of one concrete request against one policy document under IAM's evaluation logic
 * (IAM User Guide, "Policy evaluation logic" and "IAM JSON policy elements"), restricted to the
 * model of the access checks: the key policy alone decides, an explicit Deny wins, an Allow is
 * needed. It reads the document as written (JSON.parse), independently of the engine's
 * normalization, so that the checks' soundness can be tested against it.
 *
 * Where IAM leaves a case open, this evaluator picks one reading; the checks must be right under
 * any reading, so their proofs treat such cases as unknown.
 */

type Raw = Record<string, unknown>;

const toList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** Glob match with `*` and `?`, by regular expression (the engine uses automata: two ways to one answer). */
const compiled = new Map<string, RegExp>();
function like(pattern: string, text: string, ignoreCase = false): boolean {
  const cacheKey = `${ignoreCase ? "i" : "s"}${pattern}`;
  const hit = compiled.get(cacheKey);
  if (hit) return hit.test(text);
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[\\s\\S]*")
    .replace(/\?/g, "[\\s\\S]");
  const re = new RegExp(`^${source}$`, ignoreCase ? "i" : "");
  if (compiled.size < 4096) compiled.set(cacheKey, re);
  return re.test(text);
}

interface Identity {
  account?: string;
  /** The role ARN's account and name, for a role or a session of it. */
  role?: { account: string; name: string };
  root: boolean;
}

function identity(arn: string): Identity {
  const m = /^arn:[^:]+:(iam|sts)::(\d{12}):(.*)$/.exec(arn);
  if (!m) return { root: false };
  const [, service, account, rest] = m;
  if (service === "iam" && rest === "root") return { account, root: true };
  if (service === "iam" && rest.startsWith("role/"))
    return { account, role: { account, name: rest.split("/").pop() as string }, root: false };
  if (service === "sts" && rest.startsWith("assumed-role/")) return { account, role: { account, name: rest.split("/")[1] }, root: false };
  return { account, root: false };
}

class Evaluator {
  constructor(
    private readonly partition: string,
    private readonly variables: boolean,
    private readonly request: AccessRequest,
  ) {}

  /** The ARN a principal element's AWS entry stands for: a bare account id is the account's root. */
  private awsEntry(entry: string): string {
    return /^\d{12}$/.test(entry) ? `arn:${this.partition}:iam::${entry}:root` : entry;
  }

  /** Does one entry of a principal element name the caller? `deny` makes an account name every identity in it. */
  private names(type: string, entry: string, deny: boolean): boolean {
    const p = this.request.principal;
    // `{"AWS": "*"}` is everyone, as `"*"` is; `*` of another type is every caller of that type.
    if (entry === "*" && type === "AWS") return true;
    if (entry === "*")
      return (
        (type === "Service" && p.kind === "service") ||
        (type === "Federated" && p.kind === "federated") ||
        (type === "CanonicalUser" && p.kind === "canonical")
      );
    switch (p.kind) {
      case "service":
        return type === "Service" && entry === p.name;
      case "federated":
        return type === "Federated" && entry === p.name;
      case "canonical":
        return type === "CanonicalUser" && entry === p.id;
      case "anonymous":
        return false;
      case "aws": {
        if (type !== "AWS") return false;
        const arn = this.awsEntry(entry);
        if (arn === p.arn) return true;
        const named = identity(arn);
        const caller = identity(p.arn);
        if (named.root) return deny && caller.account === named.account && arnPartition(arn) === arnPartition(p.arn);
        // A role names its sessions.
        if (named.role && !arn.includes(":assumed-role/"))
          return (
            caller.role !== undefined &&
            p.arn.includes(":assumed-role/") &&
            caller.role.account === named.role.account &&
            caller.role.name === named.role.name &&
            arnPartition(arn) === arnPartition(p.arn)
          );
        return false;
      }
    }
  }

  private principalElement(element: unknown, deny: boolean): boolean {
    if (element === "*") return true;
    if (typeof element !== "object" || element === null) return false;
    for (const [type, entries] of Object.entries(element as Raw))
      for (const e of toList(entries)) if (this.names(type, e, deny)) return true;
    return false;
  }

  /**
   * A Deny with NotPrincipal spares a caller only when the caller itself is listed and, unless it is
   * the root, so is its account (IAM's documented advice for NotPrincipal with Deny).
   */
  private spared(element: unknown): boolean {
    if (!this.principalElement(element, false)) return false;
    const p = this.request.principal;
    if (p.kind !== "aws") return true;
    const caller = identity(p.arn);
    if (caller.root || caller.account === undefined) return true;
    const root = `arn:${arnPartition(p.arn)}:iam::${caller.account}:root`;
    const rootNamed = (typeof element === "object" && element !== null ? toList((element as Raw).AWS) : [String(element)]).some(
      (e) => e === "*" || this.awsEntry(e) === root,
    );
    return rootNamed;
  }

  private principalMatches(s: Raw, deny: boolean): boolean {
    if (s.Principal !== undefined) return this.principalElement(s.Principal, deny);
    if (s.NotPrincipal !== undefined) return deny ? !this.spared(s.NotPrincipal) : !this.principalElement(s.NotPrincipal, false);
    return false;
  }

  private actionMatches(s: Raw): boolean {
    const action = this.request.action;
    if (s.Action !== undefined) return toList(s.Action).some((a) => like(a, action, true));
    if (s.NotAction !== undefined) return !toList(s.NotAction).some((a) => like(a, action, true));
    return false;
  }

  private resourceMatches(s: Raw): boolean {
    const key = this.request.resource;
    const matches = (r: string) => {
      const v = this.substitute(r, true);
      return v !== undefined && like(v, key);
    };
    if (s.Resource !== undefined) return toList(s.Resource).some(matches);
    if (s.NotResource !== undefined) return !toList(s.NotResource).some(matches);
    return false;
  }

  /**
   * A value with its policy variables replaced by the request's values; undefined when a variable
   * is absent from the request (such a value matches nothing). In a Like or Arn pattern the
   * substituted text is literal.
   */
  private substitute(value: string, pattern: boolean): string | undefined {
    if (!this.variables || !value.includes("${")) return value;
    let missing = false;
    const out = value.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
      if (name === "*" || name === "?" || name === "$") return pattern && name !== "$" ? `\u0000${name}` : name;
      const values = this.context(name);
      if (!values || values.length !== 1) {
        missing = true;
        return "";
      }
      return pattern ? values[0].replace(/[*?]/g, (c) => `\u0000${c}`) : values[0];
    });
    if (missing) return undefined;
    // Escaped wildcards become one-character literals the glob cannot confuse with its own.
    return out;
  }

  private context(key: string): string[] | undefined {
    const lower = key.toLowerCase();
    for (const [k, v] of Object.entries(this.request.context)) if (k.toLowerCase() === lower) return v;
    return undefined;
  }

  private conditionMatches(s: Raw): boolean {
    const block = s.Condition;
    if (block === undefined) return true;
    for (const [operator, keys] of Object.entries(block as Raw))
      for (const [key, values] of Object.entries(keys as Raw)) if (!this.entry(operator, key, toList(values))) return false;
    return true;
  }

  private entry(operator: string, key: string, policyValues: string[]): boolean {
    const values = this.context(key);
    const absent = values === undefined || values.length === 0;
    if (operator === "Null") return policyValues.some((v) => (v.toLowerCase() === "true") === absent);
    const set = /^(ForAllValues|ForAnyValue):/.exec(operator)?.[1];
    let base = set ? operator.slice(set.length + 1) : operator;
    const ifExists = base.endsWith("IfExists");
    if (ifExists) base = base.slice(0, -"IfExists".length);
    const negated = /Not/.test(base);
    const positive = base.replace("Not", "").replace("ArnEquals", "ArnLike");
    const one = (v: string) => policyValues.some((p) => this.compare(positive, v, p));
    if (set === "ForAllValues") {
      if (absent) return true;
      return negated ? values.every((v) => !one(v)) : values.every(one);
    }
    if (set === "ForAnyValue") {
      if (absent) return ifExists;
      return negated ? values.some((v) => !one(v)) : values.some(one);
    }
    if (absent) return ifExists || negated;
    const any = values.some(one);
    return negated ? !any : any;
  }

  /** One request value against one policy value under a positive operator. */
  private compare(base: string, value: string, written: string): boolean {
    const wildcards = base === "StringLike" || base === "ArnLike";
    const p = this.substitute(written, wildcards);
    if (p === undefined) return false;
    switch (base) {
      case "StringEquals":
        return value === unescape(p);
      case "StringEqualsIgnoreCase":
        return value.toLowerCase() === unescape(p).toLowerCase();
      case "StringLike":
        return likeEscaped(p, value);
      case "ArnLike":
        return arnLike(p, value);
      case "NumericEquals":
      case "NumericLessThan":
      case "NumericLessThanEquals":
      case "NumericGreaterThan":
      case "NumericGreaterThanEquals":
        return ordered(base.slice("Numeric".length), parseNumber(value), parseNumber(p));
      case "DateEquals":
      case "DateLessThan":
      case "DateLessThanEquals":
      case "DateGreaterThan":
      case "DateGreaterThanEquals":
        return ordered(base.slice("Date".length), parseDate(value), parseDate(p));
      case "Bool":
        return value.toLowerCase() === p.toLowerCase();
      case "BinaryEquals":
        return value === p;
      case "IpAddress":
        return inNetwork(value, p);
      default:
        return false;
    }
  }

  allows(policy: Raw): { allowed: boolean; denied: boolean; allowedBy: boolean } {
    const statements = Array.isArray(policy.Statement) ? (policy.Statement as Raw[]) : [policy.Statement as Raw];
    let allow = false;
    for (const s of statements) {
      const deny = s.Effect === "Deny";
      if (!this.principalMatches(s, deny) || !this.actionMatches(s) || !this.resourceMatches(s) || !this.conditionMatches(s)) continue;
      if (deny) return { allowed: false, denied: true, allowedBy: allow };
      allow = true;
    }
    return { allowed: allow, denied: false, allowedBy: allow };
  }
}

const unescape = (s: string) => s.split("\u0000").join("");
function likeEscaped(pattern: string, text: string): boolean {
  // \u0000x is a literal x.
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\u0000") source += escapeRegex(pattern[++i] ?? "");
    else if (c === "*") source += "[\\s\\S]*";
    else if (c === "?") source += "[\\s\\S]";
    else source += escapeRegex(c);
  }
  let re = compiled.get(`e${pattern}`);
  if (!re) {
    re = new RegExp(`^${source}$`);
    if (compiled.size < 4096) compiled.set(`e${pattern}`, re);
  }
  return re.test(text);
}
const escapeRegex = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** ArnLike: the six colon-separated parts compared one by one (the last may hold colons). */
function arnLike(pattern: string, value: string): boolean {
  if (pattern === "*") return true;
  const split = (s: string) => {
    const parts = s.split(":");
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(":")];
  };
  const p = split(pattern);
  const v = split(value);
  if (!p || !v) return false;
  return p.every((part, i) => likeEscaped(part, v[i]));
}

function parseNumber(text: string): number | undefined {
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
}
function parseDate(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
function ordered(relation: string, value: number | undefined, bound: number | undefined): boolean {
  if (value === undefined || bound === undefined) return false;
  switch (relation) {
    case "Equals":
      return value === bound;
    case "LessThan":
      return value < bound;
    case "LessThanEquals":
      return value <= bound;
    case "GreaterThan":
      return value > bound;
    case "GreaterThanEquals":
      return value >= bound;
    default:
      return false;
  }
}

function ipv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || +p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + +p, 0);
}
function inNetwork(address: string, network: string): boolean {
  const [base, bits = "32"] = network.split("/");
  const a = ipv4(address);
  const b = ipv4(base);
  if (a === undefined || b === undefined || !/^\d+$/.test(bits) || +bits > 32) return false;
  const size = 2 ** (32 - +bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

const arnPartition = (arn: string) => arn.split(":")[1];

/**
 * Whether `policy` allows `request`: some Allow statement applies and no Deny does. Statements
 * without a Resource (or NotResource) or without an Action (or NotAction) apply to nothing.
 */
export function evaluateRequest(policy: unknown, request: AccessRequest, options: { partition?: string } = {}): boolean {
  const doc = (typeof policy === "string" ? JSON.parse(policy) : policy) as Raw;
  const evaluator = new Evaluator(options.partition ?? "aws", doc.Version === "2012-10-17", request);
  return evaluator.allows(doc).allowed;
}

export type { RequestPrincipal };
