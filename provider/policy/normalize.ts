import { ACCOUNT_ROOT_ARN, DEFAULT_POLICY_VERSION, PRINCIPAL_TYPES } from "./grammar";
import { parsePolicy } from "./parse";
import { PolicyValidationError, ValidateOptions, validateParsed } from "./validate";
import {
  NormalizedConditions,
  NormalizedPolicy,
  NormalizedPrincipal,
  NormalizedStatement,
  PolicyInput,
} from "./types";

/*
 * Each rewrite below removes one way of writing the same meaning. They are applied to a document
 * that validatePolicy accepted, so types are as the grammar says.
 */

type Raw = Record<string, unknown>;

/** Sorted, without duplicates: list order and repetition never change what a policy allows. */
function distinctSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}

/** Code-unit order, independent of locale, so the canonical text is the same on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** Action names are case-insensitive in AWS (`KMS:Decrypt` is `kms:decrypt`). */
function normalizeActions(value: unknown): string[] {
  return distinctSorted(asList(value).map((a) => String(a).toLowerCase()));
}

/**
 * A 12-digit account id and `arn:<partition>:iam::<id>:root` name the same principal; KMS shows
 * one or the other depending on how the policy was written. The bare id is the canonical form,
 * because it does not depend on the partition, which the key's own partition implies.
 */
function normalizeAwsPrincipal(principal: string): string {
  const root = ACCOUNT_ROOT_ARN.exec(principal);
  return root ? root[2] : principal;
}

/** `"*"` and `{"AWS": "*"}` are the same principal: everyone. */
function normalizePrincipal(value: unknown): NormalizedPrincipal {
  if (value === "*") return { AWS: ["*"] };
  const out: NormalizedPrincipal = {};
  const raw = value as Raw;
  for (const type of PRINCIPAL_TYPES) {
    if (!(type in raw)) continue;
    const entries = asList(raw[type]).map(String);
    out[type] = distinctSorted(type === "AWS" ? entries.map(normalizeAwsPrincipal) : entries);
  }
  return out;
}

/**
 * Condition key names are case-insensitive, values are not; `true`/`"true"` and `5`/`"5"` are the
 * same value. An empty Condition, or an operator with no keys, constrains nothing.
 */
function normalizeConditions(value: unknown): NormalizedConditions | undefined {
  const out: NormalizedConditions = {};
  for (const operator of Object.keys(value as Raw).sort(compareStrings)) {
    const block = (value as Raw)[operator] as Raw;
    const keys: Record<string, string[]> = {};
    for (const key of Object.keys(block)) {
      keys[key.toLowerCase()] = distinctSorted(asList(block[key]).map(String));
    }
    const sortedKeys = Object.keys(keys).sort(compareStrings);
    if (sortedKeys.length === 0) continue;
    out[operator] = Object.fromEntries(sortedKeys.map((k) => [k, keys[k]]));
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function normalizeStatement(raw: Raw): NormalizedStatement {
  // Built in one fixed key order, so that JSON.stringify of the result is canonical text.
  const statement: NormalizedStatement = {
    ...(typeof raw.Sid === "string" && raw.Sid !== "" ? { Sid: raw.Sid } : {}),
    Effect: raw.Effect as "Allow" | "Deny",
  };
  if ("Principal" in raw) statement.Principal = normalizePrincipal(raw.Principal);
  if ("NotPrincipal" in raw) statement.NotPrincipal = normalizePrincipal(raw.NotPrincipal);
  if ("Action" in raw) statement.Action = normalizeActions(raw.Action);
  if ("NotAction" in raw) statement.NotAction = normalizeActions(raw.NotAction);
  if ("Resource" in raw) statement.Resource = distinctSorted(asList(raw.Resource).map(String));
  if ("NotResource" in raw) statement.NotResource = distinctSorted(asList(raw.NotResource).map(String));
  const conditions = "Condition" in raw ? normalizeConditions(raw.Condition) : undefined;
  if (conditions) statement.Condition = conditions;
  return statement;
}

/** Stable text of one normalized statement; equal text means equal meaning. */
export function statementKey(statement: NormalizedStatement): string {
  return JSON.stringify(statement);
}

/**
 * The canonical form of a policy: statements normalized, duplicates dropped, sorted by Sid and then
 * by content. Throws PolicyValidationError if the document is invalid.
 */
export function normalizePolicy(input: PolicyInput | unknown, options: ValidateOptions = { keyPolicy: false }): NormalizedPolicy {
  const parsed = parsePolicy(input);
  const problems = validateParsed(parsed, options);
  if (problems.length > 0) throw new PolicyValidationError(problems);
  const doc = parsed.value as Raw;
  const statements = new Map<string, NormalizedStatement>();
  for (const raw of asList(doc.Statement) as Raw[]) {
    const statement = normalizeStatement(raw);
    statements.set(statementKey(statement), statement);
  }
  const sorted = [...statements.entries()]
    .sort(([keyA, a], [keyB, b]) => compareStrings(a.Sid ?? "\uffff", b.Sid ?? "\uffff") || compareStrings(keyA, keyB))
    .map(([, s]) => s);
  return {
    Version: typeof doc.Version === "string" ? doc.Version : DEFAULT_POLICY_VERSION,
    ...(typeof doc.Id === "string" && doc.Id !== "" ? { Id: doc.Id } : {}),
    Statement: sorted,
  };
}

/** Pretty, stable JSON of the canonical form: identical text for any two policies that mean the same. */
export function canonicalPolicyJson(input: PolicyInput | unknown, options?: ValidateOptions): string {
  return JSON.stringify(normalizePolicy(input, options), null, 2);
}

/** True when the two policies mean the same thing; throws PolicyValidationError if either is invalid. */
export function policiesEquivalent(a: PolicyInput | unknown, b: PolicyInput | unknown, options?: ValidateOptions): boolean {
  return canonicalKey(a, "first", options) === canonicalKey(b, "second", options);
}

function canonicalKey(input: PolicyInput | unknown, which: string, options?: ValidateOptions): string {
  try {
    return JSON.stringify(normalizePolicy(input, options));
  } catch (err) {
    if (err instanceof PolicyValidationError) throw new PolicyValidationError(err.problems, `${which} policy`);
    throw err;
  }
}
