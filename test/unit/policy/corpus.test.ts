import { expect } from "chai";
import { allowsPolicyChanges, diffPolicies, policiesEquivalent, validatePolicy } from "../../../provider/policy";
import { keyPolicies } from "../../fixtures/keyPolicies";

type Json = unknown;

/** The account principal in its other form: a bare id as the root ARN, the root ARN as the bare id. */
const otherForm = (p: string) => (/^\d{12}$/.test(p) ? `arn:aws:iam::${p}:root` : p.replace(/^arn:aws:iam::(\d{12}):root$/, "$1"));

function swapAccounts(value: Json, inAws: boolean): Json {
  if (Array.isArray(value)) return value.map((v) => swapAccounts(v, inAws));
  if (typeof value === "string") return inAws ? otherForm(value) : value;
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swapAccounts(v, inAws || k === "AWS")]));
}

/** Every object's keys in reverse order. */
function reverseKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

/**
 * The policy as KMS might return it: statements and keys reordered, account principals in their
 * other form, pretty-printed with KMS's `"key" : value` spacing.
 */
function kmsReserialized(policy: Record<string, unknown>): string {
  const statements = [...(policy.Statement as Json[])].reverse().map((s) => {
    const copy = { ...(s as Record<string, unknown>) };
    for (const k of ["Principal", "NotPrincipal"]) if (k in copy) copy[k] = swapAccounts(copy[k], false);
    return copy;
  });
  return JSON.stringify(reverseKeys({ ...policy, Statement: statements }), null, 2).replace(/": /g, '" : ');
}

describe("policy engine: corpus of documented key policies", () => {
  it("holds at least 60 policies, each citing its source", () => {
    expect(keyPolicies.length).to.be.at.least(60);
    for (const f of keyPolicies) expect(f.source, f.name).to.match(/^https:\/\//);
    expect(new Set(keyPolicies.map((f) => f.name)).size).to.equal(keyPolicies.length);
  });

  for (const f of keyPolicies) {
    describe(f.name, () => {
      const text = kmsReserialized(f.policy);

      it("validates with no error", () => {
        expect(validatePolicy(f.policy)).to.deep.equal([]);
        expect(validatePolicy(text)).to.deep.equal([]);
      });

      it("compares equal to its KMS-style re-serialization, strictly and tolerantly", () => {
        expect(text).to.not.equal(JSON.stringify(f.policy));
        expect(policiesEquivalent(f.policy, text)).to.equal(true);
        expect(policiesEquivalent(text, f.policy, { tolerant: true })).to.equal(true);
        expect(diffPolicies(f.policy, text).equivalent).to.equal(true);
      });

      it(f.locksOut ? "is a lockout, really" : "passes the lockout check", () => {
        expect(allowsPolicyChanges(f.policy)).to.equal(!f.locksOut);
      });
    });
  }
});
