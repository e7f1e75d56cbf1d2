import { ACCOUNT_ID, DEFAULT_PARTITION, DEFAULT_POLICY_VERSION, PRINCIPAL_TYPES } from "./grammar";
import { JsonNumber } from "./json";
import { parsePolicy } from "./parse";
import { PolicyValidationError, ValidateOptions, validateParsed } from "./validate";
import { canonicalOperator, literalVariables, valueCanonicalizer } from "./values";
import { NormalizedConditions, NormalizedPolicy, NormalizedPrincipal, NormalizedStatement, PolicyInput, PolicyProblem } from "./types";

/** Options every function of the engine takes. */
export interface EngineOptions extends ValidateOptions {
  /**
   * The partition of the key the policy belongs to (from its ARN): a bare account id means
   * `arn:<partition>:iam::<id>:root`. Default `aws`.
   */
  partition?: string;
  /**
   * Read a policy KMS returned (a live policy) rather than one this package is about to write: it
   * is not validated, since KMS already accepted it, and whatever it holds is compared as well
   * as it can be. Only text that is not JSON at all still fails. Default false.
   */
  tolerant?: boolean;
}

/*
 * Each rewrite below removes one way of writing the same meaning. Every statement is built twice
 * in step: the canonical form, which decides equality, and the same form in the words the
 * document used (`kms:Decrypt`, not `kms:decrypt`), which the diff shows.
 */

type Raw = Record<string, unknown>;

/** A normalized document, and the same statements as written, aligned index by index. */
export interface Normalized {
  policy: NormalizedPolicy;
  /** Empty unless asked for (normalizeDocument's `withWritten`). */
  written: NormalizedStatement[];
  /** Canonical text of each statement, aligned with policy.Statement. */
  keys: string[];
}

/** Code-unit order, independent of locale, so the canonical text is the same on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A scalar's text: `3600.0` stays "3600.0", `true` is "true". */
export function scalarText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? String(value);
}

function asTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(scalarText);
  return value === undefined ? [] : [scalarText(value)];
}

/**
 * Sorted, without duplicates (list order and repetition never change what a policy allows).
 * With `written`, also stores there the spelling of each canonical value (the first one met),
 * aligned with the result.
 */
function distinct(values: string[], canonical: (w: string) => string, written?: Record<string, unknown>, field?: string): string[] {
  if (values.length === 1) {
    if (written) written[field as string] = values;
    return [canonical(values[0])];
  }
  const canon = values.map(canonical);
  let ordered = true;
  for (let i = 1; i < canon.length && ordered; i++) ordered = canon[i - 1] < canon[i];
  if (ordered) {
    if (written) written[field as string] = values;
    return canon;
  }
  const seen = new Map<string, string>();
  for (let i = 0; i < canon.length; i++) if (!seen.has(canon[i])) seen.set(canon[i], values[i]);
  const keys = [...seen.keys()].sort(compareStrings);
  if (written) written[field as string] = keys.map((k) => seen.get(k) as string);
  return keys;
}

const identity = (s: string) => s;
/** Action names are case-insensitive in AWS (`KMS:Decrypt` is `kms:decrypt`). */
const lower = (s: string) => s.toLowerCase();

type Loose = Record<string, unknown>;

class Normalizer {
  private readonly awsPrincipal: (p: string) => string;
  private readonly resource: (r: string) => string;

  constructor(
    private readonly version: string,
    partition: string,
    /** Also build each statement in the document's own words (for the diff). */
    private readonly withWritten: boolean,
  ) {
    // A 12-digit account id is `arn:<partition>:iam::<id>:root` in the key's partition; a root
    // ARN of another partition is another principal.
    this.awsPrincipal = (p) => (p.length === 12 && ACCOUNT_ID.test(p) ? `arn:${partition}:iam::${p}:root` : p);
    this.resource = version === "2012-10-17" ? (r) => literalVariables(r, true) : identity;
  }

  /** `"*"` and `{"AWS": "*"}` are the same principal: everyone. */
  private principal(value: unknown, written: Loose | undefined, field: string): NormalizedPrincipal {
    if (value === "*") {
      if (written) written[field] = { AWS: ["*"] };
      return { AWS: ["*"] };
    }
    const canon: NormalizedPrincipal = {};
    const w: Loose | undefined = written ? {} : undefined;
    if (written) written[field] = w;
    if (typeof value === "string") value = { AWS: value }; // only a tolerant read gets here
    if (typeof value !== "object" || value === null) return canon;
    const raw = value as Raw;
    for (const type of PRINCIPAL_TYPES) {
      if (raw[type] === undefined) continue;
      canon[type] = distinct(asTexts(raw[type]), type === "AWS" ? this.awsPrincipal : identity, w, type);
    }
    return canon;
  }

  /**
   * Condition key names are case-insensitive; values compare as their operator compares them.
   * An empty Condition, or an operator with no keys, constrains nothing.
   */
  private conditions(value: unknown, written: Loose | undefined): NormalizedConditions | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const block = value as Raw;
    const operators = Object.keys(block);
    if (operators.length === 0) return undefined;
    const renamed = operators.map((op) => {
      const c = canonicalOperator(op);
      // Renaming into an operator the statement also has would merge two conditions into one.
      return c !== op && block[c] !== undefined ? op : c;
    });
    const order = operators.map((_, i) => i);
    if (order.length > 1) order.sort((a, b) => compareStrings(renamed[a], renamed[b]));
    const canon: NormalizedConditions = {};
    const w: Record<string, Loose> | undefined = written ? {} : undefined;
    let any = false;
    for (const i of order) {
      const keysBlock = block[operators[i]];
      if (typeof keysBlock !== "object" || keysBlock === null || Array.isArray(keysBlock)) continue;
      const valueOf = valueCanonicalizer(operators[i], this.version);
      const keys = Object.keys(keysBlock);
      if (keys.length === 0) continue;
      const byKey = new Map<string, [string, string[]]>();
      for (const key of keys) {
        const k = key.toLowerCase();
        const entry = byKey.get(k);
        const values = asTexts((keysBlock as Raw)[key]);
        if (entry) entry[1] = entry[1].concat(values);
        else byKey.set(k, [key, values]);
      }
      const c: Record<string, string[]> = {};
      const wk: Loose | undefined = w ? {} : undefined;
      const sorted = byKey.size === 1 ? [...byKey.keys()] : [...byKey.keys()].sort(compareStrings);
      for (const k of sorted) {
        const [writtenKey, values] = byKey.get(k) as [string, string[]];
        c[k] = distinct(values, valueOf, wk, writtenKey);
      }
      canon[renamed[i]] = c;
      if (w) w[operators[i]] = wk as Loose;
      any = true;
    }
    if (!any) return undefined;
    if (written) written.Condition = w;
    return canon;
  }

  statement(raw: Raw): [NormalizedStatement, NormalizedStatement | undefined] {
    // Built in one fixed key order, so that JSON.stringify of the result is canonical text.
    const sid = typeof raw.Sid === "string" && raw.Sid !== "" ? raw.Sid : undefined;
    const effect = (typeof raw.Effect === "string" ? raw.Effect : scalarText(raw.Effect)) as "Allow" | "Deny";
    const canon: NormalizedStatement = sid !== undefined ? { Sid: sid, Effect: effect } : { Effect: effect };
    const written: Loose | undefined = this.withWritten
      ? sid !== undefined
        ? { Sid: sid, Effect: effect }
        : { Effect: effect }
      : undefined;
    if (raw.Principal !== undefined) canon.Principal = this.principal(raw.Principal, written, "Principal");
    if (raw.NotPrincipal !== undefined) canon.NotPrincipal = this.principal(raw.NotPrincipal, written, "NotPrincipal");
    if (raw.Action !== undefined) canon.Action = distinct(asTexts(raw.Action), lower, written, "Action");
    if (raw.NotAction !== undefined) canon.NotAction = distinct(asTexts(raw.NotAction), lower, written, "NotAction");
    if (raw.Resource !== undefined) canon.Resource = distinct(asTexts(raw.Resource), this.resource, written, "Resource");
    if (raw.NotResource !== undefined) canon.NotResource = distinct(asTexts(raw.NotResource), this.resource, written, "NotResource");
    if (raw.Condition !== undefined) {
      const conditions = this.conditions(raw.Condition, written);
      if (conditions) canon.Condition = conditions;
    }
    return [canon, written as NormalizedStatement | undefined];
  }
}

/*
 * Stable text of one normalized statement: equal text means equal meaning. Built by hand rather
 * than with JSON.stringify (the largest cost of a compare): each element is tagged, and each value
 * ends with a NUL, which policy text cannot hold (KMS refuses control characters other than tab,
 * LF and CR). A text that spells one as an escape, or a tolerant read of a raw one, falls back
 * to JSON.
 */
const END = "\u0000";
function listText(tag: string, values: string[] | undefined): string {
  return values === undefined ? "" : `${tag}${values.join(END)}${END}|`;
}
function principalText(tag: string, p: NormalizedPrincipal | undefined): string {
  if (p === undefined) return "";
  let out = tag;
  for (const type of PRINCIPAL_TYPES) out += listText(type, p[type]);
  return `${out}|`;
}
export function statementKey(s: NormalizedStatement, mayHoldNul = true): string {
  if (mayHoldNul) return JSON.stringify(s);
  let key = `${s.Sid ?? ""}${END}${s.Effect}${END}${principalText("P", s.Principal)}${principalText("NP", s.NotPrincipal)}${listText("A", s.Action)}${listText("NA", s.NotAction)}${listText("R", s.Resource)}${listText("NR", s.NotResource)}`;
  if (s.Condition) {
    for (const operator in s.Condition) {
      key += `C${operator}${END}`;
      const keys = s.Condition[operator];
      for (const k in keys) key += `${k}${END}${listText("=", keys[k])}`;
    }
  }
  return key;
}

const isRaw = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);

/** Parses, validates (unless tolerant) and normalizes; throws PolicyValidationError. */
export function normalizeDocument(input: PolicyInput | unknown, options: EngineOptions = {}, withWritten = true): Normalized {
  const tolerant = options.tolerant === true;
  const parsed = parsePolicy(input, tolerant);
  if (parsed.value === undefined && parsed.problems.length > 0) throw new PolicyValidationError(parsed.problems);
  if (!tolerant) {
    const problems = validateParsed(parsed, options);
    if (problems.length > 0) throw new PolicyValidationError(problems);
  }
  const doc = isRaw(parsed.value) ? parsed.value : {};
  const version = typeof doc.Version === "string" ? doc.Version : DEFAULT_POLICY_VERSION;
  const normalizer = new Normalizer(version, options.partition ?? DEFAULT_PARTITION, withWritten);
  // JSON spells the escape with a lower-case u only.
  const mayHoldNul = parsed.text.includes("\u0000") || parsed.text.includes("\\u0000");
  const rawStatements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
  const entries: Array<{ key: string; sid: string; canon: NormalizedStatement; written: NormalizedStatement | undefined }> = [];
  const seen = new Set<string>();
  for (const raw of rawStatements) {
    if (!isRaw(raw)) continue; // only a tolerant read gets here
    const [canon, written] = normalizer.statement(raw);
    const key = statementKey(canon, mayHoldNul);
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push({ key, sid: canon.Sid ?? "\uffff", canon, written });
  }
  // Sorted by Sid, then by content; statements without a Sid last.
  entries.sort((a, b) => compareStrings(a.sid, b.sid) || compareStrings(a.key, b.key));
  return {
    policy: {
      Version: version,
      ...(typeof doc.Id === "string" && doc.Id !== "" ? { Id: doc.Id } : {}),
      Statement: entries.map((e) => e.canon),
    },
    written: withWritten ? entries.map((e) => e.written as NormalizedStatement) : [],
    keys: entries.map((e) => e.key),
  };
}

/**
 * The canonical form of a policy: statements normalized, duplicates dropped, sorted by Sid and then
 * by content. Throws PolicyValidationError if the document is invalid (unless `tolerant`).
 */
export function normalizePolicy(input: PolicyInput | unknown, options: EngineOptions = {}): NormalizedPolicy {
  return normalizeDocument(input, options, false).policy;
}

/** Pretty, stable JSON of the canonical form: identical text for any two policies that mean the same. */
export function canonicalPolicyJson(input: PolicyInput | unknown, options?: EngineOptions): string {
  return JSON.stringify(normalizePolicy(input, options), null, 2);
}

/** True when the two policies mean the same thing; throws PolicyValidationError if either is invalid. */
export function policiesEquivalent(a: PolicyInput | unknown, b: PolicyInput | unknown, options?: EngineOptions): boolean {
  return canonicalKey(a, "first", options) === canonicalKey(b, "second", options);
}

/*
 * A refresh compares the same declared (and usually the same live) text again and again, so the
 * canonical key of each recent text is kept: one Map per set of options, keyed by the text
 * itself, least recently used first out. An invalid text keeps its problems. Objects are not
 * cached: they can change between calls. The bound is in characters (text and key), so that a
 * stream of large unseen texts neither grows memory nor burdens the garbage collector.
 */
const CACHE_CHARS = 1 << 20;
const keyCaches = new Map<string, Map<string, string | PolicyProblem[]>>();
let cachedChars = 0;

/** Empties the cache of canonical keys that policiesEquivalent keeps (for benchmarks and tests). */
export function clearPolicyCache(): void {
  keyCaches.clear();
  cachedChars = 0;
}

const entryChars = (text: string, key: string | PolicyProblem[]) => text.length + (typeof key === "string" ? key.length : 256);

function computeKey(input: PolicyInput | unknown, options?: EngineOptions): string | PolicyProblem[] {
  try {
    const { policy, keys } = normalizeDocument(input, options, false);
    return `${policy.Version}\n${policy.Id ?? ""}\n${keys.join("\n")}`;
  } catch (err) {
    if (err instanceof PolicyValidationError) return err.problems;
    throw err;
  }
}

function cachedKey(text: string, options?: EngineOptions): string | PolicyProblem[] {
  const optionsKey = `${options?.tolerant === true ? "t" : "s"}${options?.keyPolicy === false ? "g" : "k"}${options?.partition ?? DEFAULT_PARTITION}`;
  let cache = keyCaches.get(optionsKey);
  if (!cache) keyCaches.set(optionsKey, (cache = new Map()));
  const hit = cache.get(text);
  if (hit !== undefined) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const key = computeKey(text, options);
  const size = entryChars(text, key);
  if (size > CACHE_CHARS / 4) return key;
  while (cachedChars + size > CACHE_CHARS) evictOldest();
  cache.set(text, key);
  cachedChars += size;
  return key;
}

function evictOldest(): void {
  for (const c of keyCaches.values()) {
    const oldest = c.keys().next();
    if (!oldest.done) {
      cachedChars -= entryChars(oldest.value, c.get(oldest.value) as string | PolicyProblem[]);
      c.delete(oldest.value);
      return;
    }
  }
  cachedChars = 0;
}

function canonicalKey(input: PolicyInput | unknown, which: string, options?: EngineOptions): string {
  const key = typeof input === "string" ? cachedKey(input, options) : computeKey(input, options);
  if (typeof key !== "string") throw new PolicyValidationError(key, `${which} policy`);
  return key;
}
