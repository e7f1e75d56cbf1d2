import { EngineOptions, Normalized, compareStrings, normalizeDocument } from "./normalize";
import { PRINCIPAL_TYPES } from "./grammar";
import { NormalizedConditions, NormalizedPrincipal, NormalizedStatement, PolicyInput } from "./types";

/*
 * Statements are matched and compared in canonical form, and reported as each policy wrote them:
 * `kms:Decrypt`, not `kms:decrypt`. Every statement in a PolicyDiff is in that written form.
 */

/** Values present on one side only, as written. */
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
  /** How a person refers to the statement: its Sid, or for one without a Sid its content (statementLabel). */
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

/** A statement in both forms: canonical (decides) and written (shown). */
interface Side {
  canon: NormalizedStatement;
  written: NormalizedStatement;
  key: string;
}

/** Items of `after` not in `before`, and the reverse, compared canonically and named as written. */
function setChange(before: [string[], string[]], after: [string[], string[]]): SetChange {
  const b = new Set(before[0]);
  const a = new Set(after[0]);
  return {
    added: after[1].filter((_, i) => !b.has(after[0][i])),
    removed: before[1].filter((_, i) => !a.has(before[0][i])),
  };
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

/**
 * How a person names a statement: its Sid, or for one without a Sid, its content: effect,
 * principal and first actions, e.g. `(Allow AWS:arn:aws:iam::111122223333:role/app kms:Decrypt, kms:Encrypt)`.
 */
export function statementLabel(s: NormalizedStatement): string {
  if (s.Sid !== undefined) return s.Sid;
  const who = s.Principal ? flattenPrincipal(s.Principal) : s.NotPrincipal ? flattenPrincipal(s.NotPrincipal).map((p) => `not ${p}`) : [];
  const actions = s.Action ?? (s.NotAction ?? []).map((a) => `not ${a}`);
  const more = (items: string[], max: number) =>
    items.length > max ? `${items.slice(0, max).join(", ")} +${items.length - max}` : items.join(", ");
  return `(${[s.Effect, more(who, 1), more(actions, 2)].filter((p) => p !== "").join(" ")})`;
}

const pair = (canon: string[] | undefined, written: string[] | undefined): [string[], string[]] => [canon ?? [], written ?? []];
const principals = (p: NormalizedPrincipal | undefined, w: NormalizedPrincipal | undefined) =>
  pair(flattenPrincipal(p), flattenPrincipal(w));

function describeChange(before: Side, after: Side): StatementChange {
  const [b, a] = [before.canon, after.canon];
  const [bw, aw] = [before.written, after.written];
  const beforeConditions = flattenConditions(b.Condition);
  const afterConditions = flattenConditions(a.Condition);
  const beforeSet = new Set(beforeConditions.map(conditionText));
  const afterSet = new Set(afterConditions.map(conditionText));
  const beforeWritten = flattenConditions(bw.Condition);
  const afterWritten = flattenConditions(aw.Condition);
  return {
    label: statementLabel(aw),
    before: bw,
    after: aw,
    ...(b.Sid !== a.Sid ? { sid: { from: b.Sid, to: a.Sid } } : {}),
    ...(b.Effect !== a.Effect ? { effect: { from: b.Effect, to: a.Effect } } : {}),
    principals: setChange(principals(b.Principal, bw.Principal), principals(a.Principal, aw.Principal)),
    notPrincipals: setChange(principals(b.NotPrincipal, bw.NotPrincipal), principals(a.NotPrincipal, aw.NotPrincipal)),
    actions: setChange(pair(b.Action, bw.Action), pair(a.Action, aw.Action)),
    notActions: setChange(pair(b.NotAction, bw.NotAction), pair(a.NotAction, aw.NotAction)),
    resources: setChange(pair(b.Resource, bw.Resource), pair(a.Resource, aw.Resource)),
    notResources: setChange(pair(b.NotResource, bw.NotResource), pair(a.NotResource, aw.NotResource)),
    conditions: {
      added: afterWritten.filter((_, i) => !beforeSet.has(conditionText(afterConditions[i]))),
      removed: beforeWritten.filter((_, i) => !afterSet.has(conditionText(beforeConditions[i]))),
    },
  };
}

/** A pair below this share of common facts is shown as one statement removed and another added. */
const MIN_MATCH_SIMILARITY = 0.34;

/**
 * Statement-level difference from `before` to `after` (e.g. declared to live, or live to
 * declared). Statements are matched by Sid when both carry the same one, then identical
 * statements are set aside, and the rest are paired greedily by the share of facts in common.
 * Throws PolicyValidationError if either policy is invalid (never with `tolerant`, unless a
 * text is not JSON at all).
 */
export function diffPolicies(before: PolicyInput | unknown, after: PolicyInput | unknown, options?: EngineOptions): PolicyDiff {
  return diffNormalized(normalizeDocument(before, options), normalizeDocument(after, options));
}

/**
 * diffPolicies of two documents already normalized with their written forms (normalizeDocument's
 * default): for a caller that has checked them on the way (`kms-policy diff`'s lockout check), so
 * that each is normalized once.
 */
export function diffNormalized(before: Normalized, after: Normalized): PolicyDiff {
  const sides = (n: Normalized) => ({
    policy: n.policy,
    sides: n.policy.Statement.map((canon, i): Side => ({ canon, written: n.written[i], key: n.keys[i] })),
  });
  const a = sides(before);
  const b = sides(after);
  const diff: PolicyDiff = { equivalent: true, added: [], removed: [], changed: [] };
  if (a.policy.Version !== b.policy.Version) diff.version = { from: a.policy.Version, to: b.policy.Version };
  if (a.policy.Id !== b.policy.Id) diff.id = { from: a.policy.Id, to: b.policy.Id };

  let left = [...a.sides];
  let right = [...b.sides];

  // 1. Same Sid on both sides, when the Sid is unique on each side.
  const uniqueBySid = (list: Side[]) => {
    const counts = new Map<string, number>();
    for (const s of list) if (s.canon.Sid !== undefined) counts.set(s.canon.Sid, (counts.get(s.canon.Sid) ?? 0) + 1);
    return new Map(list.filter((s) => s.canon.Sid !== undefined && counts.get(s.canon.Sid) === 1).map((s) => [s.canon.Sid as string, s]));
  };
  const rightBySid = uniqueBySid(right);
  for (const [sid, l] of uniqueBySid(left)) {
    const r = rightBySid.get(sid);
    if (!r) continue;
    if (l.key !== r.key) diff.changed.push(describeChange(l, r));
    left = left.filter((s) => s !== l);
    right = right.filter((s) => s !== r);
  }

  // 2. Identical statements (e.g. both without Sid) are unchanged.
  const rightKeys = new Map(right.map((s) => [s.key, s]));
  for (const l of [...left]) {
    const r = rightKeys.get(l.key);
    if (!r) continue;
    rightKeys.delete(l.key);
    left = left.filter((s) => s !== l);
    right = right.filter((s) => s !== r);
  }

  // 3. Greedy best pairs among what is left; a pair may not rename a Sid both sides carry.
  const pairs: Array<[number, Side, Side]> = [];
  for (const l of left) {
    for (const r of right) {
      if (l.canon.Sid !== undefined && r.canon.Sid !== undefined && l.canon.Sid !== r.canon.Sid) continue;
      const score = similarity(l.canon, r.canon);
      if (score >= MIN_MATCH_SIMILARITY) pairs.push([score, l, r]);
    }
  }
  pairs.sort((x, y) => y[0] - x[0]);
  const usedLeft = new Set<Side>();
  const usedRight = new Set<Side>();
  for (const [, l, r] of pairs) {
    if (usedLeft.has(l) || usedRight.has(r)) continue;
    usedLeft.add(l);
    usedRight.add(r);
    diff.changed.push(describeChange(l, r));
  }
  diff.removed = left.filter((s) => !usedLeft.has(s)).map((s) => s.written);
  diff.added = right.filter((s) => !usedRight.has(s)).map((s) => s.written);
  diff.changed.sort((x, y) => compareStrings(x.label, y.label));
  diff.equivalent = !diff.version && !diff.id && diff.added.length + diff.removed.length + diff.changed.length === 0;
  return diff;
}
