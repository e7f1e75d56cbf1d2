import { ACCOUNT_ID, DEFAULT_PARTITION, DEFAULT_POLICY_VERSION, PRINCIPAL_TYPES } from "./grammar";
import { JsonNumber } from "./json";
import { parsePolicy } from "./parse";
import { PolicyValidationError, ValidateOptions, validateParsed } from "./validate";
import { canonicalOperator, literalVariables, valueCanonicalizer } from "./values";
import {
  NormalizedConditions,
  NormalizedPolicy,
  NormalizedPrincipal,
  NormalizedStatement,
  PolicyInput,
} from "./types";

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
 * Sorted, without duplicates (list order and repetition never change what a policy allows), with
 * the written spelling of each canonical value (the first one met).
 */
function distinct(written: string[], canonical: (w: string) => string): [string[], string[]] {
  if (written.length === 1) return [[canonical(written[0])], written];
  const seen = new Map<string, string>();
  for (const w of written) {
    const c = canonical(w);
    if (!seen.has(c)) seen.set(c, w);
  }
  const keys = [...seen.keys()].sort(compareStrings);
  return [keys, keys.map((k) => seen.get(k) as string)];
}

const identity = (s: string) => s;
/** Action names are case-insensitive in AWS (`KMS:Decrypt` is `kms:decrypt`). */
const lower = (s: string) => s.toLowerCase();

class Normalizer {
  private readonly awsPrincipal: (p: string) => string;
  private readonly resource: (r: string) => string;

  constructor(
    private readonly version: string,
    partition: string,
  ) {
    // A 12-digit account id is `arn:<partition>:iam::<id>:root` in the key's partition; a root
    // ARN of another partition is another principal.
    this.awsPrincipal = (p) => (ACCOUNT_ID.test(p) ? `arn:${partition}:iam::${p}:root` : p);
    this.resource = version === "2012-10-17" ? (r) => literalVariables(r, true) : identity;
  }

  /** `"*"` and `{"AWS": "*"}` are the same principal: everyone. */
  private principal(value: unknown): [NormalizedPrincipal, NormalizedPrincipal] {
    if (value === "*") return [{ AWS: ["*"] }, { AWS: ["*"] }];
    const canon: NormalizedPrincipal = {};
    const written: NormalizedPrincipal = {};
    if (typeof value === "string") value = { AWS: value }; // only a tolerant read gets here
    if (typeof value !== "object" || value === null) return [canon, written];
    const raw = value as Raw;
    for (const type of PRINCIPAL_TYPES) {
      if (!(type in raw)) continue;
      const [c, w] = distinct(asTexts(raw[type]), type === "AWS" ? this.awsPrincipal : identity);
      canon[type] = c;
      written[type] = w;
    }
    return [canon, written];
  }

  /**
   * Condition key names are case-insensitive; values compare as their operator compares them.
   * An empty Condition, or an operator with no keys, constrains nothing.
   */
  private conditions(value: unknown): [NormalizedConditions, NormalizedConditions] | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const block = value as Raw;
    const operators = Object.keys(block);
    const renamed = operators.map((op) => {
      const c = canonicalOperator(op);
      // Renaming into an operator the statement also has would merge two conditions into one.
      return c !== op && c in block ? op : c;
    });
    const order = operators.map((_, i) => i).sort((a, b) => compareStrings(renamed[a], renamed[b]));
    const canon: NormalizedConditions = {};
    const written: NormalizedConditions = {};
    for (const i of order) {
      const keysBlock = block[operators[i]];
      if (typeof keysBlock !== "object" || keysBlock === null || Array.isArray(keysBlock)) continue;
      const valueOf = valueCanonicalizer(operators[i], this.version);
      const byKey = new Map<string, [string, string[]]>();
      for (const key of Object.keys(keysBlock)) {
        const k = key.toLowerCase();
        const entry = byKey.get(k);
        const values = asTexts((keysBlock as Raw)[key]);
        if (entry) entry[1].push(...values);
        else byKey.set(k, [key, values]);
      }
      if (byKey.size === 0) continue;
      const c: Record<string, string[]> = {};
      const w: Record<string, string[]> = {};
      for (const k of [...byKey.keys()].sort(compareStrings)) {
        const [writtenKey, values] = byKey.get(k) as [string, string[]];
        [c[k], w[writtenKey]] = distinct(values, valueOf);
      }
      canon[renamed[i]] = c;
      written[operators[i]] = w;
    }
    return operators.length > 0 && Object.keys(canon).length > 0 ? [canon, written] : undefined;
  }

  statement(raw: Raw): [NormalizedStatement, NormalizedStatement] {
    // Built in one fixed key order, so that JSON.stringify of the result is canonical text.
    const sid = typeof raw.Sid === "string" && raw.Sid !== "" ? { Sid: raw.Sid } : {};
    const effect = (typeof raw.Effect === "string" ? raw.Effect : scalarText(raw.Effect)) as "Allow" | "Deny";
    const canon: NormalizedStatement = { ...sid, Effect: effect };
    const written: NormalizedStatement = { ...sid, Effect: effect };
    if ("Principal" in raw) [canon.Principal, written.Principal] = this.principal(raw.Principal);
    if ("NotPrincipal" in raw) [canon.NotPrincipal, written.NotPrincipal] = this.principal(raw.NotPrincipal);
    if ("Action" in raw) [canon.Action, written.Action] = distinct(asTexts(raw.Action), lower);
    if ("NotAction" in raw) [canon.NotAction, written.NotAction] = distinct(asTexts(raw.NotAction), lower);
    if ("Resource" in raw) [canon.Resource, written.Resource] = distinct(asTexts(raw.Resource), this.resource);
    if ("NotResource" in raw) [canon.NotResource, written.NotResource] = distinct(asTexts(raw.NotResource), this.resource);
    const conditions = "Condition" in raw ? this.conditions(raw.Condition) : undefined;
    if (conditions) [canon.Condition, written.Condition] = conditions;
    return [canon, written];
  }
}

/** Stable text of one normalized statement; equal text means equal meaning. */
export function statementKey(statement: NormalizedStatement): string {
  return JSON.stringify(statement);
}

const isRaw = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);

/** Parses, validates (unless tolerant) and normalizes; throws PolicyValidationError. */
export function normalizeDocument(input: PolicyInput | unknown, options: EngineOptions = {}): Normalized {
  const tolerant = options.tolerant === true;
  const parsed = parsePolicy(input, tolerant);
  if (parsed.value === undefined && parsed.problems.length > 0) throw new PolicyValidationError(parsed.problems);
  if (!tolerant) {
    const problems = validateParsed(parsed, options);
    if (problems.length > 0) throw new PolicyValidationError(problems);
  }
  const doc = isRaw(parsed.value) ? parsed.value : {};
  const version = typeof doc.Version === "string" ? doc.Version : DEFAULT_POLICY_VERSION;
  const normalizer = new Normalizer(version, options.partition ?? DEFAULT_PARTITION);
  const rawStatements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
  const byKey = new Map<string, [NormalizedStatement, NormalizedStatement]>();
  for (const raw of rawStatements) {
    if (!isRaw(raw)) continue; // only a tolerant read gets here
    const pair = normalizer.statement(raw);
    const key = statementKey(pair[0]);
    if (!byKey.has(key)) byKey.set(key, pair);
  }
  // Sorted by Sid, then by content; statements without a Sid last.
  const keys = [...byKey.keys()];
  const sortSid = (k: string) => (byKey.get(k) as [NormalizedStatement, NormalizedStatement])[0].Sid ?? "\uffff";
  keys.sort((a, b) => compareStrings(sortSid(a), sortSid(b)) || compareStrings(a, b));
  const pairs = keys.map((k) => byKey.get(k) as [NormalizedStatement, NormalizedStatement]);
  return {
    policy: {
      Version: version,
      ...(typeof doc.Id === "string" && doc.Id !== "" ? { Id: doc.Id } : {}),
      Statement: pairs.map((p) => p[0]),
    },
    written: pairs.map((p) => p[1]),
    keys,
  };
}

/**
 * The canonical form of a policy: statements normalized, duplicates dropped, sorted by Sid and then
 * by content. Throws PolicyValidationError if the document is invalid (unless `tolerant`).
 */
export function normalizePolicy(input: PolicyInput | unknown, options: EngineOptions = {}): NormalizedPolicy {
  return normalizeDocument(input, options).policy;
}

/** Pretty, stable JSON of the canonical form: identical text for any two policies that mean the same. */
export function canonicalPolicyJson(input: PolicyInput | unknown, options?: EngineOptions): string {
  return JSON.stringify(normalizePolicy(input, options), null, 2);
}

/** True when the two policies mean the same thing; throws PolicyValidationError if either is invalid. */
export function policiesEquivalent(a: PolicyInput | unknown, b: PolicyInput | unknown, options?: EngineOptions): boolean {
  return canonicalKey(a, "first", options) === canonicalKey(b, "second", options);
}

function canonicalKey(input: PolicyInput | unknown, which: string, options?: EngineOptions): string {
  try {
    const { policy, keys } = normalizeDocument(input, options);
    return `${policy.Version}\n${policy.Id ?? ""}\n${keys.join("\n")}`;
  } catch (err) {
    if (err instanceof PolicyValidationError) throw new PolicyValidationError(err.problems, `${which} policy`);
    throw err;
  }
}
