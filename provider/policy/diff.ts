import { compareStrings, normalizePolicy, statementKey } from "./normalize";
import { PRINCIPAL_TYPES } from "./grammar";
import { NormalizedConditions, NormalizedPrincipal, NormalizedStatement, PolicyInput } from "./types";
import { ValidateOptions } from "./validate";

/** Values present on one side only. */
export interface SetChange {
  added: string[];
  removed: string[];
}

/** One condition value, e.g. `StringEquals kms:viaservice = s3.us-east-1.amazonaws.com`. */
export interface ConditionEntry {
  operator: string;
  key: string;
  value: string;
}

/** A statement present on both sides (same Sid, or the closest match) whose content differs. */
export interface StatementChange {
  /** How a person refers to the statement: its Sid, or `#n` (1-based position in the new policy). */
  label: string;
  before: NormalizedStatement;
  after: NormalizedStatement;
  /** Set when one side has a Sid and the other has none. */
  sid?: { from?: string; to?: string };
  effect?: { from: string; to: string };
  /** `AWS:arn:...`, `Service:logs.amazonaws.com`, ... */
  principals: SetChange;
  notPrincipals: SetChange;
  actions: SetChange;
  notActions: SetChange;
  resources: SetChange;
  notResources: SetChange;
  conditions: { added: ConditionEntry[]; removed: ConditionEntry[] };
}

export interface PolicyDiff {
  /** True when nothing below is set: the policies mean the same thing. */
  equivalent: boolean;
  version?: { from: string; to: string };
  id?: { from?: string; to?: string };
  added: NormalizedStatement[];
  removed: NormalizedStatement[];
  changed: StatementChange[];
}

function setChange(before: string[] = [], after: string[] = []): SetChange {
  const b = new Set(before);
  const a = new Set(after);
  return { added: after.filter((v) => !b.has(v)), removed: before.filter((v) => !a.has(v)) };
}

export function flattenPrincipal(principal: NormalizedPrincipal | undefined): string[] {
  if (!principal) return [];
  return PRINCIPAL_TYPES.flatMap((type) => (principal[type] ?? []).map((p) => `${type}:${p}`));
}

export function flattenConditions(conditions: NormalizedConditions | undefined): ConditionEntry[] {
  if (!conditions) return [];
  return Object.entries(conditions).flatMap(([operator, keys]) =>
    Object.entries(keys).flatMap(([key, values]) => values.map((value) => ({ operator, key, value }))),
  );
}

const conditionText = (c: ConditionEntry): string => `${c.operator}\u0000${c.key}\u0000${c.value}`;

/** Every fact a statement states, as strings; the share of facts two statements have in common rates a match. */
function facts(s: NormalizedStatement): string[] {
  return [
    `Effect=${s.Effect}`,
    ...flattenPrincipal(s.Principal).map((p) => `P=${p}`),
    ...flattenPrincipal(s.NotPrincipal).map((p) => `NP=${p}`),
    ...(s.Action ?? []).map((a) => `A=${a}`),
    ...(s.NotAction ?? []).map((a) => `NA=${a}`),
    ...(s.Resource ?? []).map((r) => `R=${r}`),
    ...(s.NotResource ?? []).map((r) => `NR=${r}`),
    ...flattenConditions(s.Condition).map((c) => `C=${conditionText(c)}`),
  ];
}

function similarity(a: NormalizedStatement, b: NormalizedStatement): number {
  const fa = new Set(facts(a));
  const fb = new Set(facts(b));
  let shared = 0;
  for (const f of fa) if (fb.has(f)) shared++;
  return shared / (fa.size + fb.size - shared);
}

function describeChange(before: NormalizedStatement, after: NormalizedStatement, label: string): StatementChange {
  const beforeConditions = flattenConditions(before.Condition);
  const afterConditions = flattenConditions(after.Condition);
  const beforeSet = new Set(beforeConditions.map(conditionText));
  const afterSet = new Set(afterConditions.map(conditionText));
  return {
    label,
    before,
    after,
    ...(before.Sid !== after.Sid ? { sid: { from: before.Sid, to: after.Sid } } : {}),
    ...(before.Effect !== after.Effect ? { effect: { from: before.Effect, to: after.Effect } } : {}),
    principals: setChange(flattenPrincipal(before.Principal), flattenPrincipal(after.Principal)),
    notPrincipals: setChange(flattenPrincipal(before.NotPrincipal), flattenPrincipal(after.NotPrincipal)),
    actions: setChange(before.Action, after.Action),
    notActions: setChange(before.NotAction, after.NotAction),
    resources: setChange(before.Resource, after.Resource),
    notResources: setChange(before.NotResource, after.NotResource),
    conditions: {
      added: afterConditions.filter((c) => !beforeSet.has(conditionText(c))),
      removed: beforeConditions.filter((c) => !afterSet.has(conditionText(c))),
    },
  };
}

/** A pair below this share of common facts is shown as one statement removed and another added. */
const MIN_MATCH_SIMILARITY = 0.34;

/**
 * Statement-level difference from `before` to `after` (e.g. declared to live, or live to
 * declared). Statements are matched by Sid when both carry the same one, then identical
 * statements are set aside, and the rest are paired greedily by the share of facts in common.
 * Throws PolicyValidationError if either policy is invalid.
 */
export function diffPolicies(before: PolicyInput | unknown, after: PolicyInput | unknown, options?: ValidateOptions): PolicyDiff {
  const a = normalizePolicy(before, options);
  const b = normalizePolicy(after, options);
  const diff: PolicyDiff = { equivalent: true, added: [], removed: [], changed: [] };
  if (a.Version !== b.Version) diff.version = { from: a.Version, to: b.Version };
  if (a.Id !== b.Id) diff.id = { from: a.Id, to: b.Id };

  const position = new Map(b.Statement.map((s, i) => [s, i + 1]));
  const labelOf = (s: NormalizedStatement) => (s.Sid !== undefined ? s.Sid : `#${position.get(s) ?? "?"}`);
  let left = [...a.Statement];
  let right = [...b.Statement];

  // 1. Same Sid on both sides, when the Sid is unique on each side.
  const uniqueBySid = (list: NormalizedStatement[]) => {
    const counts = new Map<string, number>();
    for (const s of list) if (s.Sid !== undefined) counts.set(s.Sid, (counts.get(s.Sid) ?? 0) + 1);
    return new Map(list.filter((s) => s.Sid !== undefined && counts.get(s.Sid) === 1).map((s) => [s.Sid as string, s]));
  };
  const rightBySid = uniqueBySid(right);
  for (const [sid, l] of uniqueBySid(left)) {
    const r = rightBySid.get(sid);
    if (!r) continue;
    if (statementKey(l) !== statementKey(r)) diff.changed.push(describeChange(l, r, labelOf(r)));
    left = left.filter((s) => s !== l);
    right = right.filter((s) => s !== r);
  }

  // 2. Identical statements (e.g. both without Sid) are unchanged.
  const rightKeys = new Map(right.map((s) => [statementKey(s), s]));
  for (const l of [...left]) {
    const r = rightKeys.get(statementKey(l));
    if (!r) continue;
    rightKeys.delete(statementKey(l));
    left = left.filter((s) => s !== l);
    right = right.filter((s) => s !== r);
  }

  // 3. Greedy best pairs among what is left; a pair may not rename a Sid both sides carry.
  const pairs: Array<[number, NormalizedStatement, NormalizedStatement]> = [];
  for (const l of left) {
    for (const r of right) {
      if (l.Sid !== undefined && r.Sid !== undefined && l.Sid !== r.Sid) continue;
      const score = similarity(l, r);
      if (score >= MIN_MATCH_SIMILARITY) pairs.push([score, l, r]);
    }
  }
  pairs.sort((x, y) => y[0] - x[0]);
  const usedLeft = new Set<NormalizedStatement>();
  const usedRight = new Set<NormalizedStatement>();
  for (const [, l, r] of pairs) {
    if (usedLeft.has(l) || usedRight.has(r)) continue;
    usedLeft.add(l);
    usedRight.add(r);
    diff.changed.push(describeChange(l, r, labelOf(r)));
  }
  diff.removed = left.filter((s) => !usedLeft.has(s));
  diff.added = right.filter((s) => !usedRight.has(s));
  diff.changed.sort((x, y) => compareStrings(x.label, y.label));
  diff.equivalent = !diff.version && !diff.id && diff.added.length + diff.removed.length + diff.changed.length === 0;
  return diff;
}
