import { expect } from "chai";
import { checkKeyPolicyStatement, declaredSid } from "../../../provider/runtime/keyPolicyStatementCheck";
import { UNKNOWN } from "../../../provider/runtime/check";

const keyId = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const statement = {
  Sid: "AppDecrypts",
  Effect: "Allow",
  Principal: { AWS: "arn:aws:iam::111122223333:role/app" },
  Action: "kms:Decrypt",
  Resource: "*",
};
const check = (news: Record<string, unknown>, failOn: "error" | "security" | "warning" = "error") =>
  checkKeyPolicyStatement({ keyId, statement, ...news }, { failOn, lintIgnore: [] });

describe("KeyPolicyStatement check", () => {
  it("accepts a statement object, keeps it as JSON text with its Sid beside it, adopt false by default", () => {
    const { inputs, failures } = check({});
    expect(failures).to.deep.equal([]);
    expect(JSON.parse(inputs.statement)).to.deep.equal(statement);
    expect(inputs).to.deep.include({ keyId, sid: "AppDecrypts", adopt: false });
  });

  it("accepts the statement as JSON text, kept as written", () => {
    const text = JSON.stringify(statement);
    expect(check({ statement: text }).inputs.statement).to.equal(text);
  });

  it("requires a non-empty Sid, naming the field and the fix", () => {
    for (const Sid of [undefined, "", "  ", 3]) {
      const failures = check({ statement: { ...statement, Sid } }).failures;
      expect(
        failures.map((f) => f.property),
        String(Sid),
      ).to.include("statement");
      expect(failures.find((f) => f.reason.includes("statement.Sid is required"))?.reason).to.contain('e.g. "AppDecrypts"');
    }
  });

  it("refuses no statement, a list of statements and text that is not JSON", () => {
    expect(check({ statement: undefined }).failures[0].reason).to.match(/statement is required/);
    expect(check({ statement: [statement] }).failures[0].reason).to.match(/not a list/);
    expect(check({ statement: `[${JSON.stringify(statement)}]` }).failures[0].reason).to.match(/one KeyPolicyStatement each/);
    expect(check({ statement: "{ Sid: x" }).failures[0].reason).to.match(/statement is not JSON/);
  });

  it("validates the statement with the engine, with the statement's own JSON path and the fix", () => {
    const [failure] = check({ statement: { ...statement, Condtion: {} } }).failures;
    expect(failure.property).to.equal("statement");
    expect(failure.reason).to.contain("statement.Condtion");
    expect(failure.reason).to.contain('did you mean "Condition"');
  });

  it("lint findings fail check only at kms-policy:failOn and above", () => {
    const everyone = { ...statement, Principal: "*" };
    expect(check({ statement: everyone }).failures).to.deep.equal([]);
    const [failure] = check({ statement: everyone }, "security").failures;
    expect(failure.reason).to.contain("statement.Principal");
    expect(failure.reason).to.contain("[public-access, security; kms-policy:failOn is security]");
  });

  it("leaves unknown inputs for a later check", () => {
    const { failures } = check({ statement: UNKNOWN, keyId: UNKNOWN, adopt: UNKNOWN });
    expect(failures).to.deep.equal([]);
  });

  it("refuses an adopt that is not a boolean", () => {
    expect(check({ adopt: "yes" }).failures.map((f) => f.property)).to.deep.equal(["adopt"]);
  });

  it("declaredSid reads the Sid of a statement as text or object, and nothing else", () => {
    expect(declaredSid(statement)).to.equal("AppDecrypts");
    expect(declaredSid(JSON.stringify(statement))).to.equal("AppDecrypts");
    expect(declaredSid("not json")).to.equal(undefined);
    expect(declaredSid([statement])).to.equal(undefined);
  });
});
