import { EngineOptions } from "../normalize";
import { PolicyInput } from "../types";
import { conjunctionImplies, disjoint, plainlySatisfiable } from "./conditions";
import { AccessCheckResult, AccessQuery, AccessReason } from "./model";
import {
  ActionRep,
  Group,
  PrincipalRep,
  ResourceRep,
  actionApplies,
  actionPatternMatches,
  actionReps,
  group,
  principalApplies,
  principalReps,
  queryPrincipalMatches,
  resourceApplies,
  resourceReps,
} from "./space";
import { PreparedPolicy, Statement, preparePolicy } from "./statements";
import { MAYBE, NO, Tri, YES, and, or } from "./tri";

/** A point of the space: one group of principals, of actions and of resources, and how each statement applies there. */
interface Point {
  p: Group<PrincipalRep>;
  a: Group<ActionRep>;
  r: Group<ResourceRep>;
  applies: Tri[];
}

function* points(statements: Statement[], pg: Group<PrincipalRep>[], ag: Group<ActionRep>[], rg: Group<ResourceRep>[]): Generator<Point> {
  const n = statements.length;
  for (const p of pg)
    for (const a of ag) {
      const pa = new Array<Tri>(n);
      let any = false;
      for (let i = 0; i < n; i++) {
        pa[i] = and(p.applies[i], a.applies[i]);
        if (pa[i] !== NO) any = true;
      }
      if (!any) continue;
      for (const r of rg) {
        const applies = new Array<Tri>(n);
        for (let i = 0; i < n; i++) applies[i] = and(pa[i], r.applies[i]);
        yield { p, a, r, applies };
      }
    }
}

/** A finding, gathered over the points where it holds. */
interface Finding {
  path: string;
  message: (principals: string, actions: string) => string;
  principals: Set<string>;
  actions: Set<string>;
  proven: boolean;
}

class Findings {
  private readonly byKey = new Map<string, Finding>();

  add(key: string, path: string, point: Point, proven: boolean, message: Finding["message"]): void {
    let f = this.byKey.get(key);
    if (!f) this.byKey.set(key, (f = { path, message, principals: new Set(), actions: new Set(), proven: false }));
    for (const rep of point.p.reps) f.principals.add(rep.label);
    for (const rep of point.a.reps) f.actions.add(rep.label);
    f.proven ||= proven;
  }

  result(): AccessCheckResult {
    const reasons: AccessReason[] = [...this.byKey.values()].map((f) => ({
      path: f.path,
      message: `${f.proven ? "proven new access" : "could not prove"}: ${f.message(list(f.principals), actionList(f.actions))}`,
    }));
    return { result: reasons.length === 0 ? "PASS" : "FAIL", reasons };
  }
}

const list = (labels: Set<string>, max = 8): string => {
  const all = [...labels];
  return all.length <= max ? all.join(", ") : `${all.slice(0, max).join(", ")} and ${all.length - max} more`;
};

/** Action labels, with "every KMS action" for the whole catalog. */
function actionList(labels: Set<string>): string {
  const known = actionReps([]).filter((r) => r.concrete);
  if (known.every((r) => labels.has(r.label))) {
    const rest = new Set([...labels].filter((l) => !known.some((r) => r.label === l)));
    return rest.size === 0 ? "every KMS action" : `every KMS action, ${list(rest)}`;
  }
  return list(labels);
}

/** The point stands for real requests: a principal that can call, a KMS action that exists, the key whatever its ARN. */
function concrete(point: Point, resources: number): boolean {
  return point.a.reps.some((r) => r.concrete) && point.p.reps.some((r) => !/^A(ROA|IDA)/.test(r.id)) && resources === 1;
}

/** Memoized implication between the conjunctions of statements (by index). */
class Implications {
  private readonly cache = new Map<string, boolean>();
  constructor(private readonly statements: Statement[]) {}

  implies(antecedents: number[], consequent: number): boolean {
    const key = `${antecedents.join(",")}>${consequent}`;
    let v = this.cache.get(key);
    if (v === undefined) {
      const entries = antecedents.flatMap((i) => this.statements[i].entries);
      v = conjunctionImplies(entries, this.statements[consequent].entries);
      this.cache.set(key, v);
    }
    return v;
  }

  disjoint(a: number, b: number): boolean {
    const key = `${a}#${b}`;
    let v = this.cache.get(key);
    if (v === undefined) {
      v = disjoint(this.statements[a].entries, this.statements[b].entries);
      this.cache.set(key, v);
    }
    return v;
  }
}

/**
 * Does `candidate` allow any request that `existing` does not? PASS only when it is proven that no
 * request (any principal, any KMS action, any request context) is allowed by the candidate and
 * not by the existing policy; otherwise FAIL with the statements, principals and actions that may
 * be new, each marked "proven new access" or "could not prove". Throws PolicyValidationError if
 * either policy is invalid.
 */
export function checkNoNewAccess(
  existing: PolicyInput | unknown,
  candidate: PolicyInput | unknown,
  options: EngineOptions = {},
): AccessCheckResult {
  const before = preparePolicy(existing, options, "existing policy");
  const after = preparePolicy(candidate, options, "candidate policy");
  // The same statements, each in the engine's normalized form, under the same Version: the same
  // requests are allowed (the common case of a drift check or a rewrite), with no walk at all.
  if (sameStatements(before, after)) return { result: "PASS", reasons: [] };
  const all = [...before.statements, ...after.statements];
  const first = before.statements.length;
  const isCandidate = (i: number) => i >= first;
  const pg = group(principalReps(all, before.partition), all, principalApplies);
  const ag = group(actionReps(all), all, actionApplies);
  const rReps = resourceReps(all);
  const rg = group(rReps, all, resourceApplies);
  const proofs = new Implications(all);
  const findings = new Findings();
  // Statements with the same Principal, Action and Resource elements apply to the same requests,
  // even where the walk cannot tell whether they apply (MAYBE): one may stand for the other.
  const scope = all.map((st) =>
    JSON.stringify([st.s.Principal, st.s.NotPrincipal, st.s.Action, st.s.NotAction, st.s.Resource, st.s.NotResource]),
  );
  const sameScope = (i: number, j: number) =>
    scope[i] === scope[j] && (all[i].effect === all[j].effect || all[i].s.NotPrincipal === undefined);
  const allows: number[] = [];
  const denies: number[] = [];
  all.forEach((st, i) => (st.effect === "Allow" ? allows : denies).push(i));
  for (const point of points(all, pg, ag, rg)) {
    const at = point.applies;
    const candidateAllows = allows.filter((i) => isCandidate(i) && at[i] !== NO);
    if (candidateAllows.length === 0) continue;
    const candidateDenies = denies.filter((i) => isCandidate(i) && at[i] === YES);
    const candidateMayDeny = denies.filter((i) => isCandidate(i) && at[i] === MAYBE);
    const mayBlock = denies.some((i) => isCandidate(i) && at[i] !== NO);
    const existingAllows = allows.filter((i) => !isCandidate(i) && at[i] === YES);
    const existingMayAllows = allows.filter((i) => !isCandidate(i) && at[i] === MAYBE);
    const existingMayAllow = allows.some((i) => !isCandidate(i) && at[i] !== NO);
    const existingDenies = denies.filter((i) => !isCandidate(i) && at[i] !== NO);
    const real = concrete(point, rReps.length);
    for (const s of candidateAllows) {
      if (candidateDenies.some((d) => proofs.implies([s], d))) continue;
      const st = all[s];
      const sure = at[s] === YES && !mayBlock && real && plainlySatisfiable(st.entries);
      if (
        !existingAllows.some((t) => proofs.implies([s], t)) &&
        !existingMayAllows.some((t) => sameScope(s, t) && proofs.implies([s], t))
      ) {
        const proven = sure && !existingMayAllow;
        findings.add(
          `${s}|allow`,
          st.path,
          point,
          proven,
          (p, a) => `candidate ${st.path} allows ${p} to call ${a}, which no statement of the existing policy is proven to allow`,
        );
        continue;
      }
      for (const e of existingDenies) {
        if (candidateDenies.some((d) => proofs.implies([s, e], d)) || proofs.disjoint(s, e)) continue;
        if (candidateMayDeny.some((d) => sameScope(d, e) && proofs.implies([s, e], d))) continue;
        const de = all[e];
        const proven = sure && at[e] === YES && plainlySatisfiable([...st.entries, ...de.entries]);
        findings.add(
          `${s}|deny${e}`,
          st.path,
          point,
          proven,
          (p, a) =>
            `candidate ${st.path} allows ${p} to call ${a}, which existing ${de.path} (Deny) denied and no candidate Deny is proven to deny`,
        );
      }
    }
  }
  return findings.result();
}

function sameStatements(a: PreparedPolicy, b: PreparedPolicy): boolean {
  if (a.version !== b.version) return false;
  const forms = (p: PreparedPolicy) => new Set(p.statements.map((st) => JSON.stringify(st.s)));
  const x = forms(a);
  const y = forms(b);
  return x.size === y.size && [...x].every((f) => y.has(f));
}

/**
 * Is any principal (or, with `query.principals`, any of those) allowed any of `query.actions`
 * under any request context? PASS only when proven that none is; otherwise FAIL with the
 * statements that may grant them. Throws PolicyValidationError if the policy is invalid.
 */
export function checkAccessNotGranted(policy: PolicyInput | unknown, query: AccessQuery, options: EngineOptions = {}): AccessCheckResult {
  if (!Array.isArray(query.actions) || query.actions.length === 0)
    throw new TypeError("checkAccessNotGranted: query.actions must name at least one action");
  const prepared = preparePolicy(policy, options);
  const all = prepared.statements;
  const partition = prepared.partition;
  const actions = query.actions.map((a) => a.toLowerCase());
  const asked = query.principals;
  const principalAsked = (rep: PrincipalRep): Tri =>
    asked === undefined || asked.length === 0 ? YES : asked.reduce<Tri>((m, q) => or(m, queryPrincipalMatches(rep, q, partition)), NO);
  const actionAsked = (rep: ActionRep): Tri => actions.reduce<Tri>((m, q) => or(m, actionPatternMatches(rep, q)), NO);
  const pg = group(principalReps(all, partition, asked ?? []), all, principalApplies, principalAsked);
  const ag = group(actionReps(all, actions), all, actionApplies, actionAsked);
  const rReps = resourceReps(all);
  const rg = group(rReps, all, resourceApplies);
  const proofs = new Implications(all);
  const findings = new Findings();
  for (const point of points(all, pg, ag, rg)) {
    const qp = principalAsked(point.p.reps[0]);
    const qa = actionAsked(point.a.reps[0]);
    if (qp === NO || qa === NO) continue;
    const at = point.applies;
    const denies = all.map((_, i) => i).filter((i) => all[i].effect === "Deny" && at[i] === YES);
    const mayBlock = all.some((st, i) => st.effect === "Deny" && at[i] !== NO);
    const real = concrete(point, rReps.length);
    all.forEach((st, s) => {
      if (st.effect !== "Allow" || at[s] === NO) return;
      if (denies.some((d) => proofs.implies([s], d))) return;
      const proven = at[s] === YES && qp === YES && qa === YES && !mayBlock && real && plainlySatisfiable(st.entries);
      findings.add(`${s}`, st.path, point, proven, (p, a) => `${st.path} allows ${p} to call ${a}`);
    });
  }
  return findings.result();
}
