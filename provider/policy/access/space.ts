import { kmsCatalog } from "../lint/catalog";
import { ACCOUNT_ROOT_ARN } from "../grammar";
import { NormalizedPrincipal } from "../types";
import { globIncluded, globMatch, globOverlap, hasWildcard } from "./glob";
import { Statement } from "./statements";
import { MAYBE, NO, Tri, YES, and, not, or } from "./tri";

/*
 * The finite space the proofs walk. Principals, actions and the resource are infinite sets, but a
 * pair of policies only tells finitely many of them apart: each principal it names (and, for an
 * account, "another identity of it"; for a role, "a session of it"), each KMS action (and, for
 * each wildcard pattern, "an action KMS may add that matches it"), the key (as matched by each
 * resource pattern). Every real principal, action and key behaves, towards every statement, as
 * one of these representatives does, or as something the three-valued matching below calls
 * MAYBE: that is what makes a PASS over the representatives a PASS over everything.
 */

export interface PrincipalRep {
  label: string;
  kind: "aws" | "service" | "federated" | "canonical" | "anonymous";
  /** ARN, service name, provider or canonical id. */
  id: string;
  /** A real principal (not "another identity" or "anyone else"). */
  named: boolean;
}

export interface ActionRep {
  label: string;
  /** Lower-cased action, or the pattern an unknown action matches. */
  action: string;
  /** An action KMS has (or the policy names), not one it may add. */
  concrete: boolean;
  pattern?: string;
}

export interface ResourceRep {
  label: string;
  /** The pattern the key is assumed to match, or undefined for "no pattern but `*`". */
  pattern?: string;
}

const IDENTITY = /^arn:([a-z-]+):(iam|sts)::(\d{12}):(.*)$/;

interface Parsed {
  partition?: string;
  account?: string;
  root: boolean;
  /** `account/name` of a role, or of the role of a session. */
  role?: string;
  session: boolean;
  uniqueId: boolean;
}

/**
 * parseArn's answers: the walk matches every principal representative against every principal
 * entry of every statement (most of a 32 KB check's time went to parsing the same ARNs again).
 * Bounded, so that a long-lived process checking many policies does not grow without end.
 */
const parsedArns = new Map<string, Parsed>();
const PARSED_ARNS_MAX = 20_000;

function parseArn(arn: string): Parsed {
  let parsed = parsedArns.get(arn);
  if (parsed === undefined) {
    if (parsedArns.size >= PARSED_ARNS_MAX) parsedArns.clear();
    parsedArns.set(arn, (parsed = parseArnOnce(arn)));
  }
  return parsed;
}

function parseArnOnce(arn: string): Parsed {
  const m = IDENTITY.exec(arn);
  if (!m) return { root: false, session: false, uniqueId: /^A(ROA|IDA)/.test(arn) };
  const [, partition, service, account, rest] = m;
  if (service === "iam" && rest === "root") return { partition, account, root: true, session: false, uniqueId: false };
  if (service === "iam" && rest.startsWith("role/"))
    return {
      partition,
      account,
      root: false,
      role: `${partition}/${account}/${rest.split("/").pop() ?? ""}`,
      session: false,
      uniqueId: false,
    };
  if (service === "sts" && rest.startsWith("assumed-role/"))
    return { partition, account, root: false, role: `${partition}/${account}/${rest.split("/")[1]}`, session: true, uniqueId: false };
  return { partition, account, root: false, session: false, uniqueId: false };
}

const TYPE_KIND: Record<string, PrincipalRep["kind"]> = {
  AWS: "aws",
  Service: "service",
  Federated: "federated",
  CanonicalUser: "canonical",
};

/** Does one entry of a principal element name the representative? `deny`: an account names every identity in it. */
export function principalEntryMatches(rep: PrincipalRep, type: string, entry: string, deny: boolean): Tri {
  if (entry === "*" && type === "AWS") return YES;
  if (TYPE_KIND[type] !== rep.kind) return NO;
  if (entry === "*") return MAYBE; // `Service: "*"` and the like: IAM does not say
  if (entry === rep.id) return YES;
  if (rep.kind !== "aws") return entry.toLowerCase() === rep.id.toLowerCase() ? MAYBE : NO;
  if (entry.toLowerCase() === rep.id.toLowerCase()) return MAYBE;
  const named = parseArn(entry);
  const caller = parseArn(rep.id);
  if (named.uniqueId || caller.uniqueId) return named.root && !deny ? NO : MAYBE;
  if (named.root) return deny && caller.account === named.account && caller.partition === named.partition ? YES : NO;
  if (named.role !== undefined && !named.session) return caller.session && caller.role === named.role ? YES : NO;
  return NO;
}

function principalElementMatches(rep: PrincipalRep, element: NormalizedPrincipal | undefined, deny: boolean): Tri {
  let out: Tri = NO;
  for (const type in element ?? {}) {
    for (const entry of (element as Record<string, string[]>)[type]) {
      out = or(out, principalEntryMatches(rep, type, entry, deny));
      if (out === YES) return YES;
    }
  }
  return out;
}

/** Does the statement's Principal (or NotPrincipal) apply to the representative? */
export function principalApplies(st: Statement, rep: PrincipalRep): Tri {
  const deny = st.effect === "Deny";
  if (st.s.Principal) return principalElementMatches(rep, st.s.Principal, deny);
  if (!st.s.NotPrincipal) return NO;
  if (!deny) return not(principalElementMatches(rep, st.s.NotPrincipal, false));
  // A Deny with NotPrincipal spares a caller it lists; for an identity other than an account's
  // root, IAM's guide also asks for the account to be listed, and says too little about the
  // other cases to rely on: those are MAYBE.
  if (principalElementMatches(rep, st.s.NotPrincipal, true) === NO) return YES;
  const listed = principalElementMatches(rep, st.s.NotPrincipal, false);
  if (listed !== YES) return MAYBE;
  if (rep.kind !== "aws") return NO;
  const caller = parseArn(rep.id);
  if (caller.root) return NO;
  const aws = st.s.NotPrincipal.AWS ?? [];
  const rootListed =
    aws.includes("*") || (caller.account !== undefined && aws.includes(`arn:${caller.partition}:iam::${caller.account}:root`));
  return rootListed ? NO : MAYBE;
}

/** Does the action pattern match the representative? */
export function actionPatternMatches(rep: ActionRep, pattern: string): Tri {
  if (rep.concrete) return globMatch(pattern, rep.action) ? YES : NO;
  if (pattern === "*" || pattern === "kms:*") return YES;
  if (!hasWildcard(pattern)) return NO; // every named action is a concrete representative
  if (rep.pattern === undefined) return NO; // the action matches none of the patterns but the universal ones
  if (globIncluded(rep.pattern, pattern)) return YES;
  return globOverlap(rep.pattern, pattern) ? MAYBE : NO;
}

export function actionApplies(st: Statement, rep: ActionRep): Tri {
  const list = st.s.Action ?? st.s.NotAction;
  if (!list) return NO;
  let m: Tri = NO;
  for (const p of list) m = or(m, actionPatternMatches(rep, p));
  return st.s.Action ? m : not(m);
}

const hasVariable = (p: string) => p.includes("${");

export function resourcePatternMatches(rep: ResourceRep, pattern: string): Tri {
  if (pattern === "*") return YES;
  if (hasVariable(pattern)) return MAYBE;
  if (rep.pattern === undefined) return NO;
  if (globIncluded(rep.pattern, pattern)) return YES;
  return globOverlap(rep.pattern, pattern) ? MAYBE : NO;
}

export function resourceApplies(st: Statement, rep: ResourceRep): Tri {
  const list = st.s.Resource ?? st.s.NotResource;
  if (!list) return NO;
  let m: Tri = NO;
  for (const p of list) m = or(m, resourcePatternMatches(rep, p));
  return st.s.Resource ? m : not(m);
}

/** What, beyond the statements, the representatives must include: a query's principals and actions. */
export interface Extra {
  principals?: string[];
  actions?: string[];
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  return name;
}

/** The principal representatives of a set of statements. */
export function principalReps(statements: Statement[], partition: string, extra: string[] = []): PrincipalRep[] {
  const byKind = new Map<PrincipalRep["kind"], Set<string>>();
  const add = (kind: PrincipalRep["kind"], id: string) => {
    let set = byKind.get(kind);
    if (!set) byKind.set(kind, (set = new Set()));
    set.add(id);
  };
  for (const st of statements)
    for (const element of [st.s.Principal, st.s.NotPrincipal])
      for (const type in element ?? {})
        for (const id of (element as Record<string, string[]>)[type]) if (id !== "*") add(TYPE_KIND[type], id);
  for (const p of extra) add(...queryPrincipal(p, partition));
  const reps: PrincipalRep[] = [];
  const aws = byKind.get("aws") ?? new Set<string>();
  const accounts = new Map<string, string>(); // partition:account -> partition
  for (const id of aws) {
    const parsed = parseArn(id);
    reps.push({ label: id, kind: "aws", id, named: true });
    if (parsed.account) accounts.set(`${parsed.partition}:${parsed.account}`, parsed.partition as string);
    if (parsed.role && !parsed.session) {
      const [, account, name] = parsed.role.split("/");
      const session = uniqueName(`arn:${parsed.partition}:sts::${account}:assumed-role/${name}/session`, aws);
      reps.push({ label: `sessions of ${id}`, kind: "aws", id: session, named: true });
    }
  }
  for (const [key, p] of accounts) {
    const account = key.slice(p.length + 1);
    const id = uniqueName(`arn:${p}:iam::${account}:user/any-other-identity`, aws);
    reps.push({ label: `any other identity of account ${account}`, kind: "aws", id, named: false });
  }
  let other = 0;
  const otherAccount = () => String(other).padStart(12, "0");
  while (accounts.has(`${partition}:${otherAccount()}`)) other++;
  reps.push({ label: "any other AWS principal", kind: "aws", id: `arn:${partition}:iam::${otherAccount()}:user/anyone`, named: false });
  for (const kind of ["service", "federated", "canonical"] as const) {
    const ids = byKind.get(kind) ?? new Set<string>();
    for (const id of ids) reps.push({ label: `${kind === "service" ? "service " : ""}${id}`, kind, id, named: true });
    if (kind === "service" || ids.size > 0)
      reps.push({
        label: `any other ${kind === "canonical" ? "canonical user" : `${kind} principal`}`,
        kind,
        id: uniqueName(`other.${kind}.invalid`, ids),
        named: false,
      });
  }
  reps.push({ label: "an anonymous caller", kind: "anonymous", id: "", named: false });
  return reps;
}

/** A query's principal: an ARN, an account id (the account's root) or a service name. */
export function queryPrincipal(p: string, partition: string): [PrincipalRep["kind"], string] {
  if (/^\d{12}$/.test(p)) return ["aws", `arn:${partition}:iam::${p}:root`];
  if (p.startsWith("arn:") || /^A(ROA|IDA)/.test(p)) return ["aws", p];
  return ["service", p];
}

/** Does the query's principal stand for the representative? An account stands for every identity in it. */
export function queryPrincipalMatches(rep: PrincipalRep, p: string, partition: string): Tri {
  const [kind, id] = queryPrincipal(p, partition);
  return principalEntryMatches(rep, kind === "aws" ? "AWS" : "Service", id, ACCOUNT_ROOT_ARN.test(id));
}

let known: ActionRep[] | undefined;
/** KMS's actions, as the Service Authorization Reference lists them. */
function knownActions(): ActionRep[] {
  known ??= [...kmsCatalog().actions.values()].map((a) => ({
    label: `kms:${a.name}`,
    action: `kms:${a.name.toLowerCase()}`,
    concrete: true,
  }));
  return known;
}

/** The action representatives: KMS's actions, the kms actions the policies name, and one unknown action per pattern. */
export function actionReps(statements: Statement[], extra: string[] = []): ActionRep[] {
  const reps = [...knownActions()];
  const have = new Set(reps.map((r) => r.action));
  const patterns = new Set<string>();
  const lists = statements.map((st) => st.s.Action ?? st.s.NotAction ?? []);
  lists.push(extra.map((a) => a.toLowerCase()));
  for (const list of lists) {
    for (const p of list) {
      if (!hasWildcard(p)) {
        if (p.startsWith("kms:") && !have.has(p)) {
          have.add(p);
          reps.push({ label: p, action: p, concrete: true });
        }
      } else if (p !== "*" && p !== "kms:*" && globOverlap(p, "kms:*")) patterns.add(p);
    }
  }
  for (const p of patterns) reps.push({ label: `actions KMS may add that match ${p}`, action: p, concrete: false, pattern: p });
  reps.push({ label: "actions KMS may add", action: "kms:*", concrete: false });
  return reps;
}

export function resourceReps(statements: Statement[]): ResourceRep[] {
  const patterns = new Set<string>();
  for (const st of statements) for (const p of st.s.Resource ?? st.s.NotResource ?? []) if (p !== "*" && !hasVariable(p)) patterns.add(p);
  return [{ label: "the key" }, ...[...patterns].map((pattern) => ({ label: `the key, if its ARN matches ${pattern}`, pattern }))];
}

/** Representatives that every statement treats alike, as one group (the walk visits each group once). */
export interface Group<R> {
  reps: R[];
  /** Per statement, how it applies to the group. */
  applies: Tri[];
}

export function group<R>(reps: R[], statements: Statement[], applies: (st: Statement, rep: R) => Tri, extra?: (rep: R) => Tri): Group<R>[] {
  const groups = new Map<string, Group<R>>();
  for (const rep of reps) {
    const vector = statements.map((st) => applies(st, rep));
    const sig = `${vector.join("")}|${extra ? extra(rep) : ""}`;
    const g = groups.get(sig);
    if (g) g.reps.push(rep);
    else groups.set(sig, { reps: [rep], applies: vector });
  }
  return [...groups.values()];
}

export { and };
