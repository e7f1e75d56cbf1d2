import { EngineOptions } from "../normalize";
import { PolicyInput } from "../types";
import { entryText } from "./conditions";
import { AccessEntry, AccessMatrix, ConditionalAccess, GrantAccess } from "./model";
import {
  ActionRep,
  PrincipalRep,
  actionApplies,
  actionReps,
  group,
  principalApplies,
  principalEntryMatches,
  principalReps,
  resourceApplies,
  resourceReps,
} from "./space";
import { preparePolicy } from "./statements";
import { NO, Tri, YES, and } from "./tri";

export interface AccessOfOptions extends EngineOptions {
  /** Grants on the key (from `kms-policy drift`'s live read or a stack export): rows gain their operations. */
  grants?: GrantAccess[];
}

/**
 * Who can do what: for each principal the policy names (and the patterns it implies: another
 * identity of an account it names, a session of a role, anyone else), the actions allowed
 * whatever the request context, the actions allowed under conditions (with the statement and
 * its conditions), and the actions denied whatever the context. Under the checks' model: the key
 * policy alone decides, and an account's root is the only principal an Allow naming the account
 * grants. Throws PolicyValidationError if the policy is invalid.
 */
export function accessOf(policy: PolicyInput | unknown, options: AccessOfOptions = {}): AccessMatrix {
  const { statements, partition } = preparePolicy(policy, options);
  const grants = options.grants ?? [];
  const principals = principalReps(
    statements,
    partition,
    grants.map((g) => g.granteePrincipal),
  );
  const resources = resourceReps(statements);
  // Actions every statement treats alike are decided once; a statement's principal match once per row.
  const actionGroups = group(actionReps(statements), statements, actionApplies);
  const resourceMatch = statements.map((st) => {
    let r: Tri = NO;
    for (const res of resources) r = r === YES ? r : (Math.max(r, resourceApplies(st, res)) as Tri);
    return r;
  });
  const entries: AccessEntry[] = [];
  for (const p of principals) {
    const entry: AccessEntry = { principal: p.label, allowed: [], conditional: [], denied: [] };
    const conditional = new Map<string, ConditionalAccess>();
    const addConditional = (source: string, conditions: string[], action: string) => {
      const key = `${source}\u0000${conditions.join("\u0000")}`;
      let c = conditional.get(key);
      if (!c) conditional.set(key, (c = { actions: [], source, conditions }));
      if (!c.actions.includes(action)) c.actions.push(action);
    };
    const principalMatch = statements.map((st) => principalApplies(st, p));
    for (const g of actionGroups) {
      const applies = statements.map((_, i) => and(and(principalMatch[i], g.applies[i]), resourceMatch[i]));
      // Every action of the group meets the same statements: decide once, then label each action.
      const allows: number[] = [];
      let denies = 0;
      statements.forEach((st, i) => {
        if (applies[i] === NO) return;
        if (st.effect === "Allow") allows.push(i);
        else denies++;
      });
      const deniedAlways = statements.some((st, i) => st.effect === "Deny" && applies[i] === YES && st.entries.length === 0);
      const sure = allows.some((i) => applies[i] === YES && statements[i].entries.length === 0);
      const allowedAlways = !deniedAlways && sure && denies === 0;
      const conditionsOf =
        deniedAlways || allowedAlways
          ? []
          : allows.map((i) => {
              const st = statements[i];
              const conditions = st.entries.map(entryText);
              if (applies[i] !== YES) conditions.push("if the statement applies to this principal and key (not decidable offline)");
              statements.forEach((d, j) => {
                if (d.effect !== "Deny" || applies[j] === NO) return;
                conditions.push(`unless ${d.path} (Deny) applies${d.entries.length ? `: ${d.entries.map(entryText).join("; ")}` : ""}`);
              });
              return { source: st.path, conditions };
            });
      for (const a of g.reps) {
        const label = a.concrete ? a.label : `${a.label} (not yet in KMS)`;
        if (deniedAlways) {
          if (allows.length > 0 || a.concrete) entry.denied.push(label);
        } else if (allowedAlways) entry.allowed.push(label);
        else for (const c of conditionsOf) addConditional(c.source, c.conditions, label);
      }
    }
    for (const g of grants) {
      if (!grantNames(p, g, partition)) continue;
      const constraints =
        g.constraints && Object.keys(g.constraints).length > 0 ? [`grant constraints ${JSON.stringify(g.constraints)}`] : [];
      for (const op of g.operations) {
        const action = `kms:${op}`;
        if (constraints.length === 0 && !entry.allowed.includes(action)) entry.allowed.push(action);
        else if (constraints.length > 0) addConditional(`grant ${g.name ?? ""}`.trim(), constraints, action);
      }
    }
    entry.conditional = [...conditional.values()];
    if (!p.named && entry.allowed.length + entry.conditional.length === 0) continue;
    if (entry.allowed.length + entry.conditional.length + entry.denied.length === 0) continue;
    entries.push(entry);
  }
  return {
    entries,
    notes: [
      "The key policy alone decides: an Allow naming an account grants its root, and the account's other identities only through their own IAM policies, which are not shown.",
      `Actions marked "not yet in KMS" stand for actions KMS may add that match the policy's wildcards.`,
    ],
  };
}

function grantNames(p: PrincipalRep, g: GrantAccess, partition: string): boolean {
  void partition;
  return principalEntryMatches(p, p.kind === "aws" ? "AWS" : "Service", g.granteePrincipal, false) === YES;
}

export type { ActionRep };
