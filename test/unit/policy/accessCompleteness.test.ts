import { expect } from "chai";
import fc from "fast-check";
import { checkAccessNotGranted, checkNoNewAccess } from "../../../provider/policy";
import { evaluateRequest } from "../../../provider/policy/access/evaluate";
import { A, Json, contextPool, policyArb, requestActions, requestKeys, requestPrincipals } from "./accessArbitraries";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const statements = (d: Json) => d.Statement as Json[];
const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : [v as string]);

/*
 * Changes that grant no new access, by construction: the completeness measure asks that the
 * checks prove at least 90% of them. Each is also checked against the evaluator, so that a
 * generator mistake cannot pass for a weakness of the checks.
 */
type Change = (d: Json, pick: (n: number) => number) => Json;

const allows = (d: Json) => statements(d).filter((s) => s.Effect === "Allow");
const changes: Record<string, Change> = {
  "reorders the statements and their lists": (d) => {
    const out = clone(d);
    out.Statement = statements(out)
      .reverse()
      .map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Array.isArray(v) ? [...(v as string[])].reverse() : v])));
    return out;
  },
  "writes an account's root as its id and actions in other case": (d) => {
    const text = JSON.stringify(d)
      .replace(new RegExp(`arn:aws:iam::${A}:root`, "g"), A)
      .replace(/kms:Decrypt/g, "KMS:decrypt");
    return JSON.parse(text) as Json;
  },
  "splits a statement's actions into one statement each": (d, pick) => {
    const out = clone(d);
    const all = statements(out);
    const i = pick(all.length);
    const s = all[i];
    if (!s.Action) return out;
    all.splice(i, 1, ...list(s.Action).map((a) => ({ ...s, Action: a })));
    return out;
  },
  "removes an Allow": (d, pick) => {
    const out = clone(d);
    const a = allows(out);
    if (a.length > 0) statements(out).splice(statements(out).indexOf(a[pick(a.length)]), 1);
    if (statements(out).length === 0) statements(out).push({ Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*" });
    return out;
  },
  "drops an action from an Allow": (d, pick) => {
    const out = clone(d);
    const a = allows(out).filter((s) => s.Action && list(s.Action).length > 1);
    if (a.length > 0) {
      const s = a[pick(a.length)];
      s.Action = list(s.Action).slice(1);
    }
    return out;
  },
  "adds a condition to an Allow": (d, pick) => {
    const out = clone(d);
    const a = allows(out);
    if (a.length > 0) {
      const s = a[pick(a.length)];
      const c = (s.Condition ?? {}) as Record<string, Record<string, unknown>>;
      (c["Bool"] ??= {})["aws:SecureTransport"] ??= "true";
      s.Condition = c;
    }
    return out;
  },
  "narrows a condition's values": (d) => {
    const out = clone(d);
    for (const s of allows(out)) {
      const c = s.Condition as Record<string, Record<string, string[]>> | undefined;
      if (!c) continue;
      for (const op of Object.keys(c)) {
        if (/Not|ForAllValues|Null/.test(op)) continue;
        for (const k of Object.keys(c[op])) if (c[op][k].length > 1) c[op][k] = c[op][k].slice(0, 1);
      }
    }
    return out;
  },
  "adds a Deny": (d, pick) => {
    const out = clone(d);
    const actions = ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:*", "kms:Decrypt"];
    statements(out).push({
      Effect: "Deny",
      Principal: "*",
      Action: actions[pick(actions.length)],
      Resource: "*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    return out;
  },
  "adds an Allow an existing Allow covers": (d, pick) => {
    const out = clone(d);
    const a = allows(out).filter((s) => s.Principal !== undefined && s.Action !== undefined);
    if (a.length > 0) {
      const s = clone(a[pick(a.length)]);
      s.Action = list(s.Action).slice(0, 1);
      s.Condition = { ...(s.Condition as Json | undefined), NumericLessThanEquals: { "aws:MultiFactorAuthAge": "100" } };
      statements(out).push(s);
    }
    return out;
  },
  "adds an Allow a new Deny blocks": (d) => {
    const out = clone(d);
    statements(out).push(
      { Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "kms:Decrypt", Resource: "*" },
      { Effect: "Deny", Principal: { AWS: "999999999999" }, Action: "kms:*", Resource: "*" },
    );
    return out;
  },
  "denies an account every identity of which an Allow named": (d) => {
    const out = clone(d);
    statements(out).push({
      Effect: "Deny",
      Principal: { AWS: `arn:aws:iam::${A}:root` },
      Action: "kms:ScheduleKeyDeletion",
      Resource: "*",
    });
    return out;
  },
};

function counterexample(existing: Json, candidate: Json): string | undefined {
  const contexts: Array<Record<string, string[]>> = [{}, Object.fromEntries(Object.entries(contextPool).map(([k, v]) => [k, [v[0]]]))];
  for (const principal of requestPrincipals)
    for (const action of requestActions)
      for (const resource of requestKeys)
        for (const context of contexts) {
          const request = { principal, action, resource, context };
          if (evaluateRequest(candidate, request) && !evaluateRequest(existing, request)) return JSON.stringify(request);
        }
  return undefined;
}

describe("access checks: completeness", function () {
  this.timeout(300_000);

  it("proves at least 90% of generated changes that grant no new access", () => {
    const byChange = new Map<string, [number, number]>();
    const samples = fc.sample(fc.tuple(policyArb, fc.integer({ min: 0, max: 1_000_000 })), { numRuns: 600, seed: 2501 });
    const names = Object.keys(changes);
    let pass = 0;
    samples.forEach(([existing, seed], n) => {
      const name = names[n % names.length];
      let x = seed;
      const candidate = changes[name](existing, (k) => (x = (x * 7 + 3) % 1_000_003) % k);
      expect(counterexample(existing, candidate), `${name}: the generator made new access`).to.equal(undefined);
      const ok = checkNoNewAccess(existing, candidate).result === "PASS";
      if (ok) pass++;
      const [p, t] = byChange.get(name) ?? [0, 0];
      byChange.set(name, [p + (ok ? 1 : 0), t + 1]);
    });
    const report = [...byChange].map(([name, [p, t]]) => `${name}: ${p}/${t}`).join("\n");
    expect(pass / samples.length, report).to.be.at.least(0.9);
  });

  it("proves at least 90% of generated access-not-granted queries whose answer is no", () => {
    const samples = fc.sample(fc.tuple(policyArb, fc.constantFrom("kms:Decrypt", "kms:PutKeyPolicy", "kms:Re*", "kms:*"), fc.boolean()), {
      numRuns: 400,
      seed: 2502,
    });
    let pass = 0;
    for (const [policy, action, byDeny] of samples) {
      // Made to grant none of the action: a Deny of it to everyone, or every Allow that may grant it removed.
      const d = clone(policy);
      if (byDeny) statements(d).push({ Effect: "Deny", Principal: "*", Action: action, Resource: "*" });
      else {
        d.Statement = statements(d).filter(
          (s) => s.Effect === "Deny" || (s.Action !== undefined && list(s.Action).every((a) => !overlaps(a, action))),
        );
        if (statements(d).length === 0) statements(d).push({ Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*" });
      }
      if (checkAccessNotGranted(d, { actions: [action] }).result === "PASS") pass++;
    }
    expect(pass / samples.length).to.be.at.least(0.9);
  });
});

/** Two action patterns may match one action (a rough test: one's prefix before `*` starts the other). */
function overlaps(a: string, b: string): boolean {
  const pa = a.toLowerCase().split("*")[0];
  const pb = b.toLowerCase().split("*")[0];
  return pa.startsWith(pb) || pb.startsWith(pa);
}
