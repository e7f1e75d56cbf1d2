import { ACCOUNT_ID, DEFAULT_PARTITION, DEFAULT_POLICY_VERSION, PRINCIPAL_TYPES } from "./grammar";
import { JsonNumber, isJsonObject } from "./json";
import { ParsedPolicy, readPolicy } from "./parse";
import { PolicyValidationError, ValidateOptions, validateParsed } from "./validate";
import { OptionsKey, TextCache, TextCacheStats } from "./textCache";
import { canonicalOperator, literalVariables, valueCanonicalizer } from "./values";
import { engineWork } from "./work";
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
  /** Canonical text of each statement, aligned with policy.Statement; empty unless `withWritten` (the diff pairs statements by it). */
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

/** The texts of a value; a list of strings is returned as it is (the engine never changes what it read). */
function asTexts(value: unknown): string[] {
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item !== "string") return value.map(scalarText);
    return value as string[];
  }
  return value === undefined ? [] : [scalarText(value)];
}

/**
 * The indices of `texts` in code-unit order of the texts, equal texts in list order. Lists in a
 * policy are short: an insertion sort of the indices makes no closure, Map or copy of the texts.
 */
function stableOrder(texts: string[]): number[] {
  const order = texts.map((_, i) => i);
  if (texts.length > 16) return order.sort((a, b) => compareStrings(texts[a], texts[b]));
  for (let i = 1; i < order.length; i++) {
    const at = order[i];
    let j = i;
    for (; j > 0 && texts[order[j - 1]] > texts[at]; j--) order[j] = order[j - 1];
    order[j] = at;
  }
  return order;
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
  const keys: string[] = [];
  // The spellings only when asked for: a compare never is.
  const spellings: string[] | undefined = written ? [] : undefined;
  for (const i of stableOrder(canon)) {
    if (keys.length > 0 && keys[keys.length - 1] === canon[i]) continue;
    keys.push(canon[i]);
    spellings?.push(values[i]);
  }
  if (written) written[field as string] = spellings;
  return keys;
}

/** distinct of a written value (a string or a list): a lone string needs no list of its texts first. */
function distinctOf(value: unknown, canonical: (w: string) => string, written?: Record<string, unknown>, field?: string): string[] {
  if (typeof value === "string") {
    if (written) written[field as string] = [value];
    return [canonical(value)];
  }
  return distinct(asTexts(value), canonical, written, field);
}

const identity = (s: string) => s;
/** Action names are case-insensitive in AWS (`KMS:Decrypt` is `kms:decrypt`). */
const lower = (s: string) => s.toLowerCase();

/*
 * Condition key names, lower-cased, by name: the names are property names of the document read,
 * so finding one costs no hashing, and the lower-cased name comes back as the one string already
 * used as a property name, not a new one the canonical object must intern again.
 */
const lowerKeys = new Map<string, string>();
function lowerKey(key: string): string {
  let lowered = lowerKeys.get(key);
  if (lowered === undefined) {
    lowered = key.toLowerCase();
    if (lowerKeys.size < 1024) lowerKeys.set(key, lowered);
  }
  return lowered;
}

type Loose = Record<string, unknown>;

const hasOwn = Object.prototype.hasOwnProperty;

/** An object (not a list) with at least one key: an operator block that constrains something. */
function holdsKeys(value: unknown): value is Raw {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  for (const key in value) if (hasOwn.call(value, key)) return true;
  return false;
}

/** Both blocks name one key (in any case) with different sets of values. */
function conflict(a: Raw, b: Raw, valueOf: (value: string) => string): boolean {
  for (const ka in a) {
    for (const kb in b) {
      if (lowerKey(ka) !== lowerKey(kb)) continue;
      const va = distinct(asTexts(a[ka]), valueOf);
      const vb = distinct(asTexts(b[kb]), valueOf);
      if (va.length !== vb.length || va.some((v, i) => v !== vb[i])) return true;
    }
  }
  return false;
}

/** The order of a list of one. */
const ONLY: readonly number[] = [0];

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
    let only: string | undefined;
    let count = 0;
    for (const type in raw) {
      only = type;
      count++;
    }
    if (count === 1 && (only === "AWS" || only === "Service")) {
      // The common case, one type: no lookup of the others.
      canon[only] = distinctOf(raw[only], only === "AWS" ? this.awsPrincipal : identity, w, only);
      return canon;
    }
    for (const type of PRINCIPAL_TYPES) {
      if (raw[type] === undefined) continue;
      canon[type] = distinctOf(raw[type], type === "AWS" ? this.awsPrincipal : identity, w, type);
    }
    return canon;
  }

  /**
   * Condition key names are case-insensitive; values compare as their operator compares them.
   * An empty Condition, or an operator with no keys, constrains nothing. Operators documented as
   * identical (ArnEquals and ArnLike) are one block, unless that would change its meaning (see
   * keepApart).
   */
  private conditions(value: unknown, written: Loose | undefined): NormalizedConditions | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const block = value as Raw;
    const operators: string[] = [];
    for (const op in block) if (holdsKeys(block[op])) operators.push(op);
    if (operators.length === 0) return undefined;
    const names = operators.length === 1 ? [canonicalOperator(operators[0])] : operators.map(canonicalOperator);
    if (operators.length > 1) this.keepApart(block, operators, names);
    // Blocks in canonical order; blocks of one canonical name stay in written order, merged.
    const order = operators.length === 1 ? ONLY : stableOrder(names);
    const canon: NormalizedConditions = {};
    const w: Record<string, Loose> | undefined = written ? {} : undefined;
    for (let g = 0; g < order.length;) {
      const first = operators[order[g]];
      const name = names[order[g]];
      const valueOf = valueCanonicalizer(first, this.version);
      const keys: string[] = [];
      const values: unknown[] = [];
      for (; g < order.length && names[order[g]] === name; g++) {
        const keysBlock = block[operators[order[g]]] as Raw;
        for (const key in keysBlock) {
          keys.push(key);
          values.push(keysBlock[key]);
        }
      }
      const c: Record<string, string[]> = {};
      const wk: Loose | undefined = w ? {} : undefined;
      canon[name] = c;
      if (w) w[first] = wk as Loose;
      if (keys.length === 1) {
        c[lowerKey(keys[0])] = distinctOf(values[0], valueOf, wk, keys[0]);
        continue;
      }
      // Keys in canonical order; keys that differ only in case stay in written order, merged
      // under the first one written.
      const lowered = keys.map(lowerKey);
      const byKey = stableOrder(lowered);
      for (let j = 0; j < byKey.length; j++) {
        const at = byKey[j];
        let texts = asTexts(values[at]);
        while (j + 1 < byKey.length && lowered[byKey[j + 1]] === lowered[at]) texts = texts.concat(asTexts(values[byKey[++j]]));
        c[lowered[at]] = distinct(texts, valueOf, wk, keys[at]);
      }
    }
    if (written) written.Condition = w;
    return canon;
  }

  /**
   * Two operators of one canonical name (`ArnEquals` and `ArnLike`) merge into one block, except
   * when both name one key with different values: two conditions on one key are ANDed, and one
   * key with both lists would OR them. Such operators keep their written names.
   */
  private keepApart(block: Raw, operators: string[], names: string[]): void {
    for (let i = 0; i < operators.length; i++) {
      if (names[i] === operators[i]) continue;
      const j = names.indexOf(names[i]);
      const other = j === i ? names.indexOf(names[i], i + 1) : j;
      if (other < 0) continue;
      if (conflict(block[operators[i]] as Raw, block[operators[other]] as Raw, valueCanonicalizer(operators[i], this.version))) {
        names[i] = operators[i];
        names[other] = operators[other];
      }
    }
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
    // The elements are read in one walk of the statement's keys: statements written in other
    // key orders have other shapes, and a lookup by name in an object of an unknown shape is
    // slow. The canonical statement is still built in its fixed order.
    let principal: unknown;
    let notPrincipal: unknown;
    let action: unknown;
    let notAction: unknown;
    let resource: unknown;
    let notResource: unknown;
    let condition: unknown;
    for (const key in raw) {
      switch (key) {
        case "Principal":
          principal = raw[key];
          break;
        case "NotPrincipal":
          notPrincipal = raw[key];
          break;
        case "Action":
          action = raw[key];
          break;
        case "NotAction":
          notAction = raw[key];
          break;
        case "Resource":
          resource = raw[key];
          break;
        case "NotResource":
          notResource = raw[key];
          break;
        case "Condition":
          condition = raw[key];
          break;
      }
    }
    if (principal !== undefined) canon.Principal = this.principal(principal, written, "Principal");
    if (notPrincipal !== undefined) canon.NotPrincipal = this.principal(notPrincipal, written, "NotPrincipal");
    if (action !== undefined) canon.Action = distinctOf(action, lower, written, "Action");
    if (notAction !== undefined) canon.NotAction = distinctOf(notAction, lower, written, "NotAction");
    if (resource !== undefined) canon.Resource = distinctOf(resource, this.resource, written, "Resource");
    if (notResource !== undefined) canon.NotResource = distinctOf(notResource, this.resource, written, "NotResource");
    if (condition !== undefined) {
      const conditions = this.conditions(condition, written);
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

interface Entry {
  sid: string;
  canon: NormalizedStatement;
  written: NormalizedStatement | undefined;
  /** statementKey of canon, made only when needed (see keyOf). */
  key?: string;
}

/** A normalized document and what comparing it with another needs. */
interface Form {
  normalized: Normalized;
  /** Whether the statements' keys are JSON (see statementKey); two forms with keys of different kinds never match. */
  holdsNul: boolean;
}

function normalizeForm(input: PolicyInput | unknown, options: EngineOptions, withWritten: boolean): Form {
  const tolerant = options.tolerant === true;
  const parsed = readPolicy(input, tolerant, { deferKeyCheck: !tolerant });
  if (parsed.value === undefined && parsed.problems.length > 0) throw new PolicyValidationError(parsed.problems);
  if (!tolerant) {
    const problems = validateParsed(parsed, options);
    if (problems.length > 0) throw new PolicyValidationError(problems);
  }
  return buildForm(parsed, options, withWritten);
}

/** The form of a document already read, and validated unless tolerant. */
function buildForm(parsed: ParsedPolicy, options: EngineOptions, withWritten: boolean): Form {
  engineWork.normalizations++;
  const doc = isJsonObject(parsed.value) ? parsed.value : {};
  const version = typeof doc.Version === "string" ? doc.Version : DEFAULT_POLICY_VERSION;
  const normalizer = new Normalizer(version, options.partition ?? DEFAULT_PARTITION, withWritten);
  const mayHoldNul = parsed.holdsNul;
  const keyOf = (e: Entry) => (e.key ??= statementKey(e.canon, mayHoldNul));
  const rawStatements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
  const all: Entry[] = [];
  for (const raw of rawStatements) {
    if (!isJsonObject(raw)) continue; // only a tolerant read gets here
    const [canon, written] = normalizer.statement(raw);
    all.push({ sid: canon.Sid ?? "\uffff", canon, written });
  }
  // Sorted by Sid, then by content; statements without a Sid last. The sort is stable, so a
  // repeated statement lands next to its first occurrence, which is the one kept. Statements'
  // texts are made only where Sids tie: distinct Sids settle both the order and the duplicates.
  all.sort((a, b) => compareStrings(a.sid, b.sid) || compareStrings(keyOf(a), keyOf(b)));
  const entries: Entry[] = [];
  for (let i = 0; i < all.length; i++) {
    const e = all[i];
    if (i === 0 || e.sid !== all[i - 1].sid || keyOf(e) !== keyOf(all[i - 1])) entries.push(e);
  }
  const statements: NormalizedStatement[] = new Array<NormalizedStatement>(entries.length);
  for (let i = 0; i < entries.length; i++) statements[i] = entries[i].canon;
  const policy: NormalizedPolicy =
    typeof doc.Id === "string" && doc.Id !== ""
      ? { Version: version, Id: doc.Id, Statement: statements }
      : { Version: version, Statement: statements };
  const normalized: Normalized = {
    policy,
    written: withWritten ? entries.map((e) => e.written as NormalizedStatement) : [],
    keys: withWritten ? entries.map(keyOf) : [],
  };
  return { normalized, holdsNul: mayHoldNul };
}

/** Parses, validates (unless tolerant) and normalizes; throws PolicyValidationError. */
export function normalizeDocument(input: PolicyInput | unknown, options: EngineOptions = {}, withWritten = true): Normalized {
  return normalizeForm(input, options, withWritten).normalized;
}

/**
 * normalizeDocument for a document a caller has already read and checked: `parsed` must be one
 * validateParsed found no problem in (or a tolerant read), since it is not validated again. For a
 * caller that validates or lints a document and then needs its canonical form too (`kms-policy
 * validate`'s lockout check), so that the text is read and validated once.
 */
export function normalizeParsed(parsed: ParsedPolicy, options: EngineOptions = {}, withWritten = true): Normalized {
  return buildForm(parsed, options, withWritten).normalized;
}

const sameList = (a: string[] | undefined, b: string[] | undefined): boolean => {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

function samePrincipal(a: NormalizedPrincipal | undefined, b: NormalizedPrincipal | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  for (const type of PRINCIPAL_TYPES) if (!sameList(a[type], b[type])) return false;
  return true;
}

function sameConditions(a: NormalizedConditions | undefined, b: NormalizedConditions | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  // The same operators, each with the same keys and lists; counted rather than listed, so that
  // the check makes no arrays.
  let operators = 0;
  for (const operator in a) {
    if (!hasOwn.call(b, operator)) return false;
    const keysA = a[operator];
    const keysB = b[operator];
    let keys = 0;
    for (const key in keysA) {
      if (!hasOwn.call(keysB, key) || !sameList(keysA[key], keysB[key])) return false;
      keys++;
    }
    for (const key in keysB) if (hasOwn.call(keysB, key)) keys--;
    if (keys !== 0) return false;
    operators++;
  }
  for (const operator in b) if (hasOwn.call(b, operator)) operators--;
  return operators === 0;
}

/**
 * Two normalized statements are the same statement: what equal statementKey texts mean, decided
 * without making the texts. Lists, principal types and condition blocks are built in canonical
 * order, so comparing them in order is enough.
 */
function sameStatement(a: NormalizedStatement, b: NormalizedStatement): boolean {
  return (
    a.Sid === b.Sid &&
    a.Effect === b.Effect &&
    samePrincipal(a.Principal, b.Principal) &&
    samePrincipal(a.NotPrincipal, b.NotPrincipal) &&
    sameList(a.Action, b.Action) &&
    sameList(a.NotAction, b.NotAction) &&
    sameList(a.Resource, b.Resource) &&
    sameList(a.NotResource, b.NotResource) &&
    sameConditions(a.Condition, b.Condition)
  );
}

function sameForm(a: Form, b: Form): boolean {
  const p = a.normalized.policy;
  const q = b.normalized.policy;
  if (a.holdsNul !== b.holdsNul || p.Version !== q.Version || (p.Id ?? "") !== (q.Id ?? "")) return false;
  if (p.Statement.length !== q.Statement.length) return false;
  for (let i = 0; i < p.Statement.length; i++) if (!sameStatement(p.Statement[i], q.Statement[i])) return false;
  return true;
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
  return canonicalJson(normalizePolicy(input, options));
}

/** canonicalPolicyJson of a policy already normalized. */
export function canonicalJson(policy: NormalizedPolicy): string {
  return JSON.stringify(policy, null, 2);
}

/** True when the two policies mean the same thing; throws PolicyValidationError if either is invalid. */
export function policiesEquivalent(a: PolicyInput | unknown, b: PolicyInput | unknown, options?: EngineOptions): boolean {
  return sameForm(canonicalForm(a, "first", options), canonicalForm(b, "second", options));
}

/*
 * A refresh compares the same declared (and usually the same live) text again and again, so the
 * normalized form of each recent text is kept (see TextCache). An invalid text keeps its problems.
 * Objects are not cached: they can change between calls.
 */
type Cached = Form | PolicyProblem[];

/** How each engine option tells two forms apart: a new option fails to compile until it is listed here. */
const ENGINE_OPTIONS_KEY: OptionsKey<EngineOptions> = {
  keyPolicy: (v) => (v === false ? "generic" : "key"),
  partition: (v) => v ?? DEFAULT_PARTITION,
  tolerant: (v) => (v === true ? "tolerant" : "strict"),
};

function computeForm(input: PolicyInput | unknown, options: EngineOptions = {}): Cached {
  try {
    return normalizeForm(input, options, false);
  } catch (err) {
    if (err instanceof PolicyValidationError) return err.problems;
    throw err;
  }
}

/*
 * A text counts once for itself and once more for its form, whose strings are at most the text's
 * own; a list of problems is small.
 */
const formCache = new TextCache<EngineOptions, Cached>(
  computeForm,
  ENGINE_OPTIONS_KEY,
  (text, value) => (Array.isArray(value) ? 256 : text.length),
  1 << 20,
);

/** Empties the cache of normalized forms that policiesEquivalent keeps (for benchmarks and tests). */
export function clearPolicyCache(): void {
  formCache.clear();
}

/** What the cache of normalized forms has done since it was last cleared (for tests and benchmarks). */
export function policyCacheStats(): TextCacheStats {
  return formCache.stats();
}

/** The cache key of a set of engine options (for tests: options that make different forms have different keys). */
export const engineOptionsKey = (options?: EngineOptions): string => formCache.optionsKey(options);

function canonicalForm(input: PolicyInput | unknown, which: string, options?: EngineOptions): Form {
  const form = typeof input === "string" ? formCache.get(input, options) : computeForm(input, options);
  if (Array.isArray(form)) throw new PolicyValidationError(form, `${which} policy`);
  return form;
}
