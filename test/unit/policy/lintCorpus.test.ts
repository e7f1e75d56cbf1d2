import { expect } from "chai";
import { lintPolicy } from "../../../provider/policy";
import { keyPolicies } from "../../fixtures/keyPolicies";

/*
 * The corpus of documented key policies (test/fixtures/keyPolicies.ts, each citing its source). None
 * grants public access except a statement that really is public (an Allow to everyone without any
 * condition), so none may get an `error` or a `security` finding but that one, which must be flagged.
 */

/** Statements that really are public: an Allow to everyone with no condition at all. */
function reallyPublic(policy: unknown): Set<string> {
  const doc = (typeof policy === "string" ? JSON.parse(policy) : policy) as { Statement: unknown };
  const list = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Array<Record<string, unknown>>;
  const isEveryone = (p: unknown) =>
    p === "*" || (typeof p === "object" && p !== null && [(p as { AWS?: unknown }).AWS].flat().includes("*"));
  return new Set(list.flatMap((st, i) => (st.Effect === "Allow" && isEveryone(st.Principal) && !st.Condition ? [`Statement[${i}]`] : [])));
}

describe("lintPolicy on documented key policies", () => {
  it("runs on the whole corpus (at least 60 policies)", () => {
    expect(keyPolicies.length).to.be.at.least(60);
  });
  for (const { name, policy } of keyPolicies) {
    it(`${name}: no error and no security finding, unless a statement really is public`, () => {
      const publicStatements = reallyPublic(policy);
      const serious = lintPolicy(policy).filter((f) => f.severity === "error" || f.severity === "security");
      // A statement open to everyone with no condition deserves its security findings, and only those.
      const unexpected = serious.filter((f) => !(f.severity === "security" && [...publicStatements].some((at) => f.path.startsWith(at))));
      expect(unexpected, JSON.stringify(unexpected, null, 2)).to.deep.equal([]);
      for (const at of publicStatements) expect(serious.map((f) => f.path)).to.include(`${at}.Principal`);
    });
  }

  it("the corpus follows AWS's examples: no warning but the no-effect statement its DNSSEC fixture keeps on purpose", () => {
    const warnings = keyPolicies.flatMap(({ name, policy }) =>
      lintPolicy(policy)
        .filter((f) => f.severity === "warning")
        .map((f) => `${name}: ${f.rule} at ${f.path}`),
    );
    expect(warnings).to.deep.equal([
      "Route 53 DNSSEC signing key (earlier service principal, statement without Resource): statement-no-effect at Statement[0].Resource",
    ]);
  });

  it("the console's default policies have no finding at all", () => {
    const consoleDefaults = keyPolicies.filter((f) => f.name.startsWith("default key policy (console"));
    expect(consoleDefaults).to.have.length(2);
    for (const { name, policy } of consoleDefaults)
      expect(
        lintPolicy(policy).map((f) => f.rule),
        name,
      ).to.deep.equal([]);
  });
});
