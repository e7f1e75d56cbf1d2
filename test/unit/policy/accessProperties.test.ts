import { expect } from "chai";
import fc from "fast-check";
import { checkAccessNotGranted, checkNoNewAccess } from "../../../provider/policy";
import { evaluateRequest } from "../../../provider/policy/access/evaluate";
import { AccessRequest } from "../../../provider/policy/access/model";
import {
  A,
  Json,
  actionPool,
  conditionArb,
  policyArb,
  principalPool,
  requestActions,
  requestArb,
  requestKeys,
  requestPrincipals,
  statementArb,
} from "./accessArbitraries";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const statements = (d: Json) => d.Statement as Json[];
const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : [v as string]);

/** One edit of a policy: narrowing, widening or neither; the soundness property does not care which. */
const edits: Array<(d: Json, r: () => number) => void> = [
  (d, r) => statements(d).length > 1 && statements(d).splice(Math.floor(r() * statements(d).length), 1),
  (d, r) => {
    const s = statements(d)[Math.floor(r() * statements(d).length)];
    const key = s.Action ? "Action" : "NotAction";
    const actions = list(s[key]);
    const drop = Math.floor(r() * actions.length);
    if (actions.length > 1) s[key] = actions.filter((_, i) => i !== drop);
    else s[key] = [...actions, actionPool[Math.floor(r() * actionPool.length)]].filter((a, i, all) => all.indexOf(a) === i);
  },
  (d, r) => {
    const s = statements(d)[Math.floor(r() * statements(d).length)];
    if (s.Condition) delete s.Condition;
    else s.Effect = s.Effect === "Allow" ? "Deny" : "Allow";
  },
  (d, r) => {
    const s = statements(d)[Math.floor(r() * statements(d).length)];
    const element = (s.Principal ?? s.NotPrincipal) as Json | "*";
    if (element !== "*" && element.AWS)
      element.AWS = [...list(element.AWS), principalPool[Math.floor(r() * principalPool.length)]].filter(
        (p, i, all) => all.indexOf(p) === i,
      );
  },
];

/** The candidate: an edit of the existing policy (often), or another policy. */
const pairArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(policyArb, fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 3 }), fc.option(statementArb))
      .map(([existing, seeds, added]) => {
        const candidate = clone(existing);
        for (const seed of seeds) {
          let x = seed;
          const r = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
          edits[seed % edits.length](candidate, r);
        }
        if (added) statements(candidate).push(added);
        return [existing, candidate] as const;
      }),
  },
  { weight: 1, arbitrary: fc.tuple(policyArb, policyArb) },
  {
    weight: 2,
    arbitrary: fc.tuple(policyArb, conditionArb).map(([existing, condition]) => {
      // The same policy with one Allow narrowed by a condition: often PASS, so the property bites.
      const candidate = clone(existing);
      const s = statements(candidate).find((st) => st.Effect === "Allow");
      if (s && condition) s.Condition = { ...(s.Condition as Json | undefined), ...condition };
      return [existing, candidate] as const;
    }),
  },
);

/** Every principal, action and key of the pools, with sampled contexts: the requests the property tries. */
function requests(contexts: Array<AccessRequest["context"]>): AccessRequest[] {
  const out: AccessRequest[] = [];
  for (const principal of requestPrincipals)
    for (const action of requestActions)
      for (const resource of requestKeys) for (const context of contexts) out.push({ principal, action, resource, context });
  return out;
}

describe("access checks: soundness against the independent evaluator", function () {
  this.timeout(600_000);

  it("no pair that checkNoNewAccess passes has a request the candidate allows and the existing policy does not", () => {
    let passes = 0;
    fc.assert(
      fc.property(
        pairArb,
        fc.array(
          requestArb.map((r) => r.context),
          { minLength: 3, maxLength: 3 },
        ),
        ([existing, candidate], contexts) => {
          if (checkNoNewAccess(existing, candidate).result !== "PASS") return;
          passes++;
          for (const request of requests([{}, ...contexts])) {
            const widened = evaluateRequest(candidate, request) && !evaluateRequest(existing, request);
            if (widened) throw new Error(`PASS, yet the candidate alone allows ${JSON.stringify(request)}`);
          }
        },
      ),
      { numRuns: 2000 },
    );
    // The property must have had PASSes to test.
    expect(passes).to.be.greaterThan(500);
  });

  it("no policy that checkAccessNotGranted passes allows a request for the asked actions and principals", () => {
    let passes = 0;
    const principalArns = requestPrincipals.flatMap((p) => (p.kind === "aws" ? [p.arn] : p.kind === "service" ? [p.name] : []));
    fc.assert(
      fc.property(
        policyArb,
        fc.uniqueArray(fc.constantFrom(...requestActions, "kms:Re*", "kms:*", "kms:Generate*"), { minLength: 1, maxLength: 2 }),
        fc.option(fc.uniqueArray(fc.constantFrom(...principalArns, A), { minLength: 1, maxLength: 2 })),
        fc.array(
          requestArb.map((r) => r.context),
          { minLength: 4, maxLength: 4 },
        ),
        (policy, actions, principals, contexts) => {
          const query = principals ? { actions, principals } : { actions };
          if (checkAccessNotGranted(policy, query).result !== "PASS") return;
          passes++;
          for (const request of requests([{}, ...contexts])) {
            const asked = actions.some((a) => new RegExp(`^${a.replace(/\*/g, ".*")}$`, "i").test(request.action));
            const who = request.principal;
            const id = who.kind === "aws" ? who.arn : who.kind === "service" ? who.name : "";
            const mine =
              !principals ||
              principals.some((p) =>
                p === A
                  ? id.includes(`::${A}:`)
                  : id === p ||
                    (p.includes(":role/") && id.includes(`:assumed-role/${p.split("/").pop()}/`) && id.split(":")[4] === p.split(":")[4]),
              );
            if (asked && mine && evaluateRequest(policy, request)) throw new Error(`PASS, yet ${JSON.stringify(request)} is allowed`);
          }
        },
      ),
      { numRuns: 2000 },
    );
    expect(passes).to.be.greaterThan(300);
  });
});
