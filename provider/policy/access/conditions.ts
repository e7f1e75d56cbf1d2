import { canonicalNetwork } from "../values";
import { NormalizedConditions } from "../types";
import { globIncluded } from "./glob";

/*
 * Conditions as the proofs see them: a statement's Condition is a conjunction of entries, one per
 * operator and key. The rules below decide, soundly, that one entry implies another (every request
 * context that satisfies the first satisfies the second) and that two entries exclude each other.
 * A rule that cannot decide answers false: the check then fails with "could not prove".
 *
 * Semantics (IAM User Guide, "Condition operators", "...IfExists", "Set operators for multivalued
 * context keys"): a positive operator is false when the key is absent, a negated one true; IfExists
 * makes an absent key true; ForAllValues is true of an absent key, ForAnyValue false (unless
 * IfExists); a list of policy values is ORed. Nothing here assumes the request's values are
 * consistent with each other or with the caller: the context is free.
 */

export interface Entry {
  /** Lower-cased condition key. */
  key: string;
  /** `Null`, or the positive base operator (`StringEquals`, `StringLike`, `ArnLike`, `IpAddress`, ...). */
  base: string;
  negated: boolean;
  set?: "ForAllValues" | "ForAnyValue";
  ifExists: boolean;
  /** Canonical values (as the normalizer wrote them). */
  values: string[];
  /** The operator as the policy wrote it (normalized), for messages. */
  operator: string;
}

/** The positive form of a base operator, and whether it is negated: `StringNotLike` -> `StringLike`, negated. */
function positive(base: string): { base: string; negated: boolean } {
  if (base === "NotIpAddress") return { base: "IpAddress", negated: true };
  const negated = base.includes("Not");
  let out = base.replace("Not", "");
  if (out === "ArnEquals") out = "ArnLike";
  return { base: out, negated };
}

/** The entries of a normalized Condition. */
export function entriesOf(conditions: NormalizedConditions | undefined): Entry[] {
  const out: Entry[] = [];
  for (const operator in conditions ?? {}) {
    const set = /^(ForAllValues|ForAnyValue):/.exec(operator)?.[1] as Entry["set"];
    let base = set ? operator.slice(set.length + 1) : operator;
    const ifExists = base.endsWith("IfExists");
    if (ifExists) base = base.slice(0, -"IfExists".length);
    const p = base === "Null" ? { base: "Null", negated: false } : positive(base);
    const keys = (conditions as NormalizedConditions)[operator];
    for (const key in keys)
      out.push({ key, base: p.base, negated: p.negated, ...(set ? { set } : {}), ifExists, values: keys[key], operator });
  }
  return out;
}

const NULL_TRUE = (e: Entry) => e.values.some((v) => v.toLowerCase() === "true");
const NULL_FALSE = (e: Entry) => e.values.some((v) => v.toLowerCase() === "false");

/** Is the entry true of a request that lacks its key? */
export function trueWhenAbsent(e: Entry): boolean {
  if (e.base === "Null") return NULL_TRUE(e);
  if (e.set === "ForAllValues") return true;
  if (e.set === "ForAnyValue") return e.ifExists;
  return e.ifExists || e.negated;
}

/** Can the entry be true of a request that has its key? (False only for `Null: true` alone.) */
function canHoldPresent(e: Entry): boolean {
  return e.base !== "Null" || NULL_FALSE(e);
}

const hasVariable = (v: string) => v.includes("${");

/** `arn:partition:service:region:account:resource`, the resource keeping its own colons. */
function arnParts(v: string): string[] | undefined {
  const parts = v.split(":");
  return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(":")];
}

/** Compares two canonical decimal numbers exactly: -1, 0, 1, or undefined if either is not one. */
export function compareDecimal(a: string, b: string): number | undefined {
  const re = /^(-?)(\d+)(?:\.(\d+))?$/;
  const ma = re.exec(a);
  const mb = re.exec(b);
  if (!ma || !mb) return undefined;
  const sign = (m: RegExpExecArray) => (m[1] === "-" && !/^0+(\.0*)?$/.test(`${m[2]}.${m[3] ?? ""}`) ? -1 : 1);
  const sa = sign(ma);
  const sb = sign(mb);
  if (sa !== sb) return sa < sb ? -1 : 1;
  const intA = ma[2].replace(/^0+/, "");
  const intB = mb[2].replace(/^0+/, "");
  let cmp = intA.length !== intB.length ? (intA.length < intB.length ? -1 : 1) : intA < intB ? -1 : intA > intB ? 1 : 0;
  if (cmp === 0) {
    const fa = ma[3] ?? "";
    const fb = mb[3] ?? "";
    const n = Math.max(fa.length, fb.length);
    const pa = fa.padEnd(n, "0");
    const pb = fb.padEnd(n, "0");
    cmp = pa < pb ? -1 : pa > pb ? 1 : 0;
  }
  return cmp * sa;
}

/** Milliseconds of a canonical date the engine wrote (`...:SS[.fff]Z`), when no precision is lost. */
function dateMs(v: string): number | undefined {
  const m = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(\d{1,3}))?Z$/.exec(v);
  if (!m) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** Every request value that the positive operator `base` matches against `v1`, it matches against `v2`. */
export function valueIncluded(base: string, v1: string, v2: string): boolean {
  if (v1 === v2) return true;
  if (hasVariable(v1) || hasVariable(v2)) return false;
  if (base === "StringLike") return globIncluded(v1, v2);
  if (base === "ArnLike") {
    if (v2 === "*") return true;
    const a = arnParts(v1);
    const b = arnParts(v2);
    return a !== undefined && b !== undefined && a.every((part, i) => globIncluded(part, b[i]));
  }
  if (base.startsWith("Numeric") || base.startsWith("Date")) {
    const relation = base.replace(/^(Numeric|Date)/, "");
    let cmp: number | undefined;
    if (base.startsWith("Numeric")) cmp = compareDecimal(v1, v2);
    else {
      const a = dateMs(v1);
      const b = dateMs(v2);
      cmp = a === undefined || b === undefined ? undefined : Math.sign(a - b);
    }
    if (cmp === undefined) return false;
    if (relation === "LessThan" || relation === "LessThanEquals") return cmp <= 0;
    if (relation === "GreaterThan" || relation === "GreaterThanEquals") return cmp >= 0;
    return false; // Equals: equal canonical text was handled above
  }
  if (base === "IpAddress") {
    const slash1 = v1.lastIndexOf("/");
    const slash2 = v2.lastIndexOf("/");
    if (slash1 < 0 || slash2 < 0) return false;
    const bits1 = +v1.slice(slash1 + 1);
    const bits2 = +v2.slice(slash2 + 1);
    if (bits1 < bits2 || v1.includes(":") !== v2.includes(":")) return false;
    return canonicalNetwork(`${v1.slice(0, slash1)}/${bits2}`) === v2;
  }
  return false;
}

/** Every request context that satisfies `a` satisfies `b` (both on one key). */
export function entryImplies(a: Entry, b: Entry): boolean {
  if (a.key !== b.key) return false;
  const aAbsent = trueWhenAbsent(a);
  if (aAbsent && !trueWhenAbsent(b)) return false;
  const aPresent = canHoldPresent(a);
  if (b.base === "Null") return !aPresent || NULL_FALSE(b);
  if (!aPresent) return true; // a holds only when the key is absent, and b is true then
  if (a.base === "Null") return false;
  if (a.base !== b.base || a.negated !== b.negated || a.set !== b.set) return false;
  if (!a.negated) return a.values.every((v1) => b.values.some((v2) => valueIncluded(a.base, v1, v2)));
  return b.values.every((v2) => a.values.some((v1) => valueIncluded(a.base, v2, v1)));
}

/** The entry that holds exactly when `e` does not, when the language has one. */
function complement(e: Entry): Entry | undefined {
  if (e.base === "Null") {
    const t = NULL_TRUE(e);
    const f = NULL_FALSE(e);
    return t === f ? undefined : { ...e, values: [t ? "false" : "true"] };
  }
  if (e.ifExists && !e.negated) return undefined;
  if (e.set === undefined) return { ...e, negated: !e.negated, ifExists: false };
  // ForAnyValue...IfExists is true of an absent key, and no ForAllValues operator is false of one.
  if (e.set === "ForAnyValue" && e.ifExists) return undefined;
  return { ...e, set: e.set === "ForAllValues" ? "ForAnyValue" : "ForAllValues", negated: !e.negated, ifExists: false };
}

/** Every context satisfying all of `antecedent` satisfies all of `consequent`. */
export function conjunctionImplies(antecedent: Entry[], consequent: Entry[]): boolean {
  return consequent.every((b) => antecedent.some((a) => entryImplies(a, b)));
}

/** No context satisfies both conjunctions. */
export function disjoint(a: Entry[], b: Entry[]): boolean {
  for (const x of a) {
    for (const y of b) {
      if (x.key !== y.key) continue;
      const c = complement(y);
      if (c && entryImplies(x, c)) return true;
    }
  }
  return false;
}

/**
 * Some context satisfies all the entries: true only when that is plain (each entry on its own key,
 * each one satisfiable whatever its values hold), so that "proven new access" is never claimed
 * of a condition that may be unsatisfiable.
 */
export function plainlySatisfiable(entries: Entry[]): boolean {
  const keys = new Set<string>();
  for (const e of entries) {
    if (keys.has(e.key)) return false;
    keys.add(e.key);
    if (trueWhenAbsent(e)) continue;
    if (e.base === "Null") continue;
    if (e.values.length === 0) return false;
    if (e.negated) {
      // Some value differs from a finite list of literals; a pattern may match every value.
      if (!["StringEquals", "StringEqualsIgnoreCase", "BinaryEquals"].includes(e.base)) return false;
      continue;
    }
    if (!["StringEquals", "StringEqualsIgnoreCase", "StringLike", "BinaryEquals", "Bool"].includes(e.base)) return false;
  }
  return true;
}

/** `StringEquals kms:viaservice = a, b`: one entry as a reader sees it. */
export function entryText(e: Entry): string {
  return `${e.operator} ${e.key} = ${e.values.join(", ")}`;
}
