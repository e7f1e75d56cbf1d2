import { expect } from "chai";
import fc from "fast-check";
import { canonicalPolicyJson, diffPolicies, normalizePolicy, policiesEquivalent } from "../../../provider/policy";
import { Json, actionPool, conditionValuePool, policy, principalPool } from "./arbitraries";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const statements = (d: Json) => d.Statement as Json[];

/** Seeded choices, so that fast-check's seed reproduces (and shrinks) a failing rewrite. */
interface Rnd {
  nextInt(min: number, max: number): number;
}
function seeded(seed: number): Rnd {
  let state = seed >>> 0 || 1;
  return {
    nextInt(min, max) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return min + ((state >>> 0) % (max - min + 1));
    },
  };
}

/** A rewrite takes a policy and a random source and returns the same meaning written differently. */
type Rewrite = (d: Json, rnd: Rnd) => Json | string;

const shuffle = <T>(items: T[], rnd: Rnd): T[] => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rnd.nextInt(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
};

function reorderKeys(value: unknown, rnd: Rnd): unknown {
  if (Array.isArray(value)) return value.map((v) => reorderKeys(v, rnd));
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(shuffle(Object.entries(value), rnd).map(([k, v]) => [k, reorderKeys(v, rnd)]));
}

function mapLists(d: Json, element: string, f: (list: string[], rnd: Rnd) => unknown, rnd: Rnd): Json {
  const out = clone(d);
  for (const s of statements(out)) if (Array.isArray(s[element])) s[element] = f(s[element] as string[], rnd);
  return out;
}

const rewrites: Record<string, Rewrite> = {
  "reorder statements": (d, rnd) => ({ ...clone(d), Statement: shuffle(statements(clone(d)), rnd) }),
  "reorder keys and add whitespace": (d, rnd) => JSON.stringify(reorderKeys(d, rnd), null, rnd.nextInt(0, 4)),
  "single statement unwrapped": (d) => (statements(d).length === 1 ? { ...clone(d), Statement: clone(statements(d)[0]) } : clone(d)),
  "one-element lists as strings": (d) => {
    const out = clone(d);
    for (const s of statements(out))
      for (const k of ["Action", "NotAction", "Resource"])
        if (Array.isArray(s[k]) && (s[k] as unknown[]).length === 1) s[k] = (s[k] as string[])[0];
    return out;
  },
  "reverse and duplicate list values": (d, rnd) =>
    mapLists(
      mapLists(d, "Action", (l) => [...l].reverse().concat(l), rnd),
      "Resource",
      (l) => l.concat(l),
      rnd,
    ),
  "duplicate a statement": (d, rnd) => ({
    ...clone(d),
    Statement: [...statements(clone(d)), clone(statements(d)[rnd.nextInt(0, statements(d).length - 1)])],
  }),
  "action names in upper case": (d, rnd) => mapLists(d, "Action", (l) => l.map((a) => a.toUpperCase()), rnd),
  "condition keys in upper case": (d) => {
    const out = clone(d);
    for (const s of statements(out)) {
      const c = s.Condition as Record<string, Record<string, unknown>> | undefined;
      if (c) for (const op of Object.keys(c)) c[op] = Object.fromEntries(Object.entries(c[op]).map(([k, v]) => [k.toUpperCase(), v]));
    }
    return out;
  },
  "empty Condition and empty Sid added": (d) => {
    const out = clone(d);
    for (const s of statements(out)) {
      if (!s.Condition) s.Condition = {};
      if (s.Sid === undefined) s.Sid = "";
    }
    return out;
  },
  "account roots as ids and ids as roots": (d) => {
    const swap = (p: string) => (/^\d{12}$/.test(p) ? `arn:aws:iam::${p}:root` : p.replace(/^arn:aws:iam::(\d{12}):root$/, "$1"));
    const out = clone(d);
    for (const s of statements(out))
      for (const k of ["Principal", "NotPrincipal"]) {
        const p = s[k] as { AWS?: string[] } | "*" | undefined;
        if (p && p !== "*" && p.AWS) p.AWS = p.AWS.map(swap);
        else if (p === "*") s[k] = { AWS: "*" };
      }
    return out;
  },
};

type Mutation = (d: Json, rnd: Rnd) => Json | undefined;

const pick = <T>(items: T[], rnd: Rnd): T => items[rnd.nextInt(0, items.length - 1)];

/** Each mutation changes who may do what in exactly one statement (undefined when it cannot apply). */
const mutations: Record<string, Mutation> = {
  "flip Effect": (d, rnd) => {
    const out = clone(d);
    const s = pick(statements(out), rnd);
    if (s.NotPrincipal) return undefined; // NotPrincipal is only generated for Deny
    s.Effect = s.Effect === "Allow" ? "Deny" : "Allow";
    return out;
  },
  "add an action": (d, rnd) => {
    const out = clone(d);
    const s = pick(statements(out), rnd);
    const key = s.Action ? "Action" : "NotAction";
    const current = (s[key] as string[]).map((a) => a.toLowerCase());
    const extra = actionPool.find((a) => !current.includes(a.toLowerCase()));
    if (!extra) return undefined;
    s[key] = [...(s[key] as string[]), extra];
    return out;
  },
  "Action becomes NotAction": (d, rnd) => {
    const out = clone(d);
    const s = pick(statements(out), rnd);
    if (s.Action) {
      s.NotAction = s.Action;
      delete s.Action;
    } else {
      s.Action = s.NotAction;
      delete s.NotAction;
    }
    return out;
  },
  "replace a principal": (d, rnd) => {
    const out = clone(d);
    const s = pick(statements(out), rnd);
    const key = s.Principal ? "Principal" : "NotPrincipal";
    s[key] = s[key] === "*" ? { AWS: [principalPool[0]] } : { AWS: ["arn:aws:iam::999999999999:role/intruder"] };
    return out;
  },
  "change a condition value's case": (d, rnd) => {
    const out = clone(d);
    const withCondition = statements(out).filter((s) => s.Condition);
    if (withCondition.length === 0) return undefined;
    const c = pick(withCondition, rnd).Condition as Record<string, Record<string, string[]>>;
    const op = Object.keys(c)[0];
    const key = Object.keys(c[op])[0];
    const flipped = c[op][key].map((v) => (v === v.toUpperCase() ? v.toLowerCase() : v.toUpperCase()));
    if (flipped.join() === c[op][key].join()) return undefined; // digits have no case
    c[op][key] = flipped;
    return out;
  },
  "add a condition value": (d, rnd) => {
    const out = clone(d);
    const s = pick(statements(out), rnd);
    const c = (s.Condition ?? {}) as Record<string, Record<string, string[]>>;
    c.StringEquals = { ...(c.StringEquals ?? {}), "aws:SourceVpce": [pick(conditionValuePool, rnd) + "-vpce"] };
    s.Condition = c;
    return out;
  },
  "rename a condition operator": (d, rnd) => {
    const out = clone(d);
    const withCondition = statements(out).filter((s) => s.Condition);
    if (withCondition.length === 0) return undefined;
    const c = pick(withCondition, rnd).Condition as Record<string, unknown>;
    const op = Object.keys(c)[0];
    const renamed = op === "ArnLike" ? "ArnEquals" : "ArnLike";
    if (renamed in c) return undefined;
    c[renamed] = c[op];
    delete c[op];
    return out;
  },
  "change the resource": (d, rnd) => {
    const out = clone(d);
    const s = pick(statements(out), rnd);
    s.Resource = ["arn:aws:kms:us-east-1:111122223333:key/other"];
    return out;
  },
  "rename a Sid": (d, rnd) => {
    const out = clone(d);
    const s = pick(statements(out), rnd);
    s.Sid = `${String(s.Sid ?? "")}Renamed`;
    return out;
  },
  "change Version": (d) => ({ ...clone(d), Version: d.Version === "2012-10-17" ? "2008-10-17" : "2012-10-17" }),
  "remove a statement": (d, rnd) => {
    const out = clone(d);
    const list = statements(out);
    const victim = pick(list, rnd);
    const remaining = list.filter((s) => JSON.stringify(s) !== JSON.stringify(victim));
    if (remaining.length === 0) return undefined;
    return { ...out, Statement: remaining };
  },
};

describe("policy engine: properties", () => {
  it("normalization is idempotent", () => {
    fc.assert(
      fc.property(policy, (d) => {
        const once = normalizePolicy(d);
        expect(normalizePolicy(once)).to.deep.equal(once);
      }),
    );
  });

  it("equivalence is reflexive and symmetric", () => {
    fc.assert(
      fc.property(policy, policy, (a, b) => {
        expect(policiesEquivalent(a, a)).to.equal(true);
        expect(policiesEquivalent(a, b)).to.equal(policiesEquivalent(b, a));
      }),
    );
  });

  it("the diff is empty exactly when the policies are equivalent", () => {
    fc.assert(
      fc.property(policy, policy, (a, b) => {
        expect(diffPolicies(a, b).equivalent).to.equal(policiesEquivalent(a, b));
      }),
    );
  });

  for (const [name, rewrite] of Object.entries(rewrites)) {
    it(`survives rewrite: ${name}`, () => {
      fc.assert(
        fc.property(policy, fc.integer(), (d, seed) => {
          const rnd = seeded(seed);
          const rewritten = rewrite(d, rnd);
          expect(
            policiesEquivalent(d, rewritten),
            `${JSON.stringify(d)}\n vs \n${typeof rewritten === "string" ? rewritten : JSON.stringify(rewritten)}`,
          ).to.equal(true);
          expect(canonicalPolicyJson(rewritten)).to.equal(canonicalPolicyJson(d));
        }),
      );
    });
  }

  for (const [name, mutate] of Object.entries(mutations)) {
    it(`any single semantic mutation is detected: ${name}`, () => {
      fc.assert(
        fc.property(policy, fc.integer(), (d, seed) => {
          const rnd = seeded(seed);
          const mutated = mutate(d, rnd);
          fc.pre(mutated !== undefined);
          // A mutation can land on a statement that another statement duplicates in meaning;
          // then the policy as a whole may not change, so compare against the canonical statements.
          fc.pre(
            normalizePolicy(d).Statement.length ===
              new Set(statements(d).map((s) => JSON.stringify(normalizePolicy({ Statement: [s] }).Statement))).size,
          );
          expect(policiesEquivalent(d, mutated), `${JSON.stringify(d)}\n vs \n${JSON.stringify(mutated)}`).to.equal(false);
          const diff = diffPolicies(d, mutated);
          expect(diff.equivalent).to.equal(false);
        }),
      );
    });
  }
});
