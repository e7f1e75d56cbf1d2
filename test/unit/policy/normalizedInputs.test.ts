import { expect } from "chai";
import fc from "fast-check";
import { allowsPolicyChanges, canonicalPolicyJson, diffPolicies, lintPolicyReport, lockoutProblem } from "../../../provider/policy";
import { diffNormalized } from "../../../provider/policy/diff";
import { lintParsed } from "../../../provider/policy/lint";
import { normalizedAllowsPolicyChanges, normalizedLockoutProblem } from "../../../provider/policy/lockout";
import { canonicalJson, normalizeDocument, normalizeParsed, normalizePolicy } from "../../../provider/policy/normalize";
import { parsePolicy } from "../../../provider/policy/parse";
import { engineWork, engineWorkSince } from "../../../provider/policy/work";
import { policy } from "./arbitraries";

/*
 * The forms of the engine's functions that take what a caller has already read or normalized
 * (so that a command reads and normalizes each text once) answer exactly as those that take the
 * document.
 */
describe("policy engine: functions of an already read or normalized document", () => {
  it("the lockout check of a normalized policy is the lockout check of the document", () => {
    fc.assert(
      fc.property(policy, (p) => {
        const text = JSON.stringify(p);
        expect(normalizedAllowsPolicyChanges(normalizePolicy(text))).to.equal(allowsPolicyChanges(text));
        expect(normalizedLockoutProblem(normalizePolicy(text), "bypass")).to.deep.equal(lockoutProblem(text, "bypass"));
      }),
    );
  });

  it("the diff of two normalized documents is the diff of the documents", () => {
    fc.assert(
      fc.property(policy, policy, (a, b) => {
        const [ta, tb] = [JSON.stringify(a), JSON.stringify(b)];
        expect(diffNormalized(normalizeDocument(ta), normalizeDocument(tb))).to.deep.equal(diffPolicies(ta, tb));
      }),
    );
  });

  it("the canonical JSON of a normalized policy is the canonical JSON of the document", () => {
    fc.assert(
      fc.property(policy, (p) => {
        const text = JSON.stringify(p, null, 2);
        expect(canonicalJson(normalizePolicy(text))).to.equal(canonicalPolicyJson(text));
      }),
    );
  });

  it("a document read once is linted and normalized as the text would be, without being read again", () => {
    fc.assert(
      fc.property(policy, (p) => {
        const text = JSON.stringify(p, null, 2);
        const start = { ...engineWork };
        const parsed = parsePolicy(text);
        const report = lintParsed(parsed);
        const normalized = normalizeParsed(parsed, {}, true);
        expect(engineWorkSince(start)).to.deep.equal({ reads: 1, validations: 1, normalizations: 1, lints: 1 });
        expect(report).to.deep.equal(lintPolicyReport(text));
        expect(normalized).to.deep.equal(normalizeDocument(text));
      }),
    );
  });

  it("the engine counts each step: normalizing a text reads, validates and normalizes it once", () => {
    const text = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }],
    });
    let start = { ...engineWork };
    normalizePolicy(text);
    expect(engineWorkSince(start)).to.deep.equal({ reads: 1, validations: 1, normalizations: 1, lints: 0 });
    start = { ...engineWork };
    normalizePolicy(text, { tolerant: true });
    expect(engineWorkSince(start)).to.deep.equal({ reads: 1, validations: 0, normalizations: 1, lints: 0 });
    start = { ...engineWork };
    // The lockout check of a document normalizes it; of a normalized policy, it does not.
    const normalized = normalizePolicy(text);
    allowsPolicyChanges(text);
    normalizedAllowsPolicyChanges(normalized);
    expect(engineWorkSince(start).normalizations).to.equal(2);
  });
});
