import { expect } from "chai";
import { LINT_RULES, LintFinding, LintRuleId, LintSuppression, joinPath, lintRule, parseSuppressions } from "../../../provider/policy";

describe("lint rule ids are typed from the rule table", () => {
  it("a misspelt rule id in a suppression or a finding does not compile", () => {
    const ok: LintSuppression = { sid: "Open", rule: "public-access" };
    // @ts-expect-error "public-acess" is no rule of the table: the compiler refuses it (the test build fails otherwise)
    const misspelt: LintSuppression = { sid: "Open", rule: "public-acess" };
    // @ts-expect-error the same for a finding's rule
    const finding: Pick<LintFinding, "rule"> = { rule: "unknown-actoin" };
    expect([ok.rule, misspelt.rule, finding.rule]).to.have.length(3);
  });

  it("every id of the table keeps its severity; a grammar rule id is an error", () => {
    for (const r of LINT_RULES) expect(lintRule(r.id as LintRuleId)).to.deep.equal(r);
    expect(lintRule("invalid-effect").severity).to.equal("error");
    expect(lintRule("policy-lockout").description).to.not.match(/validatePolicy|lintPolicy/);
    // A suppression read from text is checked against the same table.
    expect(parseSuppressions(["Open:public-acess"]).invalid).to.deep.equal(["Open:public-acess"]);
    expect(parseSuppressions(["Open:public-access"]).suppressions).to.deep.equal([{ sid: "Open", rule: "public-access" }]);
  });
});

describe("JSON paths have one spelling", () => {
  it("a key holding a quote or a backslash is written in JSON string syntax, and reads back as itself", () => {
    for (const key of ['a"b', "a\\b", "kms:Odd\\Key", "tab\there", "x"]) {
      const p = joinPath("Condition", key);
      if (key === "x") expect(p).to.equal("Condition.x");
      else expect(JSON.parse(p.slice("Condition[".length, -1))).to.equal(key);
    }
    expect(joinPath("Statement", 2)).to.equal("Statement[2]");
    expect(joinPath("", "Statement")).to.equal("Statement");
    expect(joinPath("", "aws:x")).to.equal('["aws:x"]');
  });
});
