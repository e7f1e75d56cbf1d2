import { expect } from "chai";
import { allowsPolicyChanges, lockoutProblem } from "../../../provider/policy";

const account = "111122223333";
const root = `arn:aws:iam::${account}:root`;
const admins = [`arn:aws:iam::${account}:role/KeyAdmin`, `arn:aws:iam::${account}:role/BreakGlass`];
const doc = (...statements: unknown[]) => ({ Version: "2012-10-17", Statement: statements });
const allowRoot = { Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" };

describe("policy engine: lockout check", () => {
  it("the default key policy KMS writes allows changes", () => {
    // KMS developer guide, "Default key policy": the one statement KMS gives a new key.
    expect(allowsPolicyChanges({ ...doc(allowRoot), Id: "key-default-1" })).to.equal(true);
  });

  it("an Allow to the root delegates to the account's IAM identities: a Deny excepting the admin roles is no lockout", () => {
    const denyOthers = {
      Sid: "OnlyAdminsChangeThePolicy",
      Effect: "Deny",
      NotPrincipal: { AWS: admins },
      Action: "kms:PutKeyPolicy",
      Resource: "*",
    };
    expect(allowsPolicyChanges(doc(allowRoot, denyOthers))).to.equal(true);
  });

  it("excepting only identities of another account, beside an Allow to this root, is a lockout", () => {
    const denyOthers = { Effect: "Deny", NotPrincipal: { AWS: "arn:aws:iam::444455556666:role/KeyAdmin" }, Action: "kms:*", Resource: "*" };
    expect(allowsPolicyChanges(doc(allowRoot, denyOthers))).to.equal(false);
  });

  it('a Deny with NotPrincipal "*" excepts everyone, so it denies nobody: no lockout', () => {
    for (const NotPrincipal of [{ AWS: "*" }, "*"]) {
      const denyNobody = { Sid: "DenyAllButEveryone", Effect: "Deny", NotPrincipal, Action: "kms:*", Resource: "*" };
      expect(allowsPolicyChanges(doc(allowRoot, denyNobody)), JSON.stringify(NotPrincipal)).to.equal(true);
    }
  });

  it("an Allow of kms:PutKeyPolicy to a service principal alone is a lockout: a service cannot be PutKeyPolicy's caller", () => {
    const logs = { Sid: "Logs", Effect: "Allow", Principal: { Service: "logs.amazonaws.com" }, Action: "kms:*", Resource: "*" };
    expect(allowsPolicyChanges(doc(logs))).to.equal(false);
    expect(allowsPolicyChanges(doc({ ...logs, Principal: { Federated: "cognito-identity.amazonaws.com" } }))).to.equal(false);
    expect(lockoutProblem(doc(logs), "bypass")?.rule).to.equal("policy-lockout");
    // Near miss: the same statement naming a role too, or beside an Allow to the root, allows changes.
    expect(allowsPolicyChanges(doc({ ...logs, Principal: { Service: "logs.amazonaws.com", AWS: admins[0] } }))).to.equal(true);
    expect(allowsPolicyChanges(doc(logs, allowRoot))).to.equal(true);
    expect(allowsPolicyChanges(doc({ ...logs, Principal: "*" }))).to.equal(true);
  });

  it("no Allow of kms:PutKeyPolicy is a lockout", () => {
    expect(allowsPolicyChanges(doc({ ...allowRoot, Action: ["kms:Decrypt", "kms:Encrypt"] }))).to.equal(false);
  });

  it("an Allow without Resource grants nothing, so it keeps nobody able to change the policy", () => {
    const { Resource: _none, ...withoutResource } = allowRoot;
    expect(allowsPolicyChanges(doc(withoutResource))).to.equal(false);
    expect(allowsPolicyChanges(doc(withoutResource, allowRoot))).to.equal(true);
  });

  it("only a certain Deny counts: an unconditional Deny to everyone locks out, a conditional one does not", () => {
    const deny = { Effect: "Deny", Principal: "*", Action: "kms:PutKeyPolicy", Resource: "*" };
    expect(allowsPolicyChanges(doc(allowRoot, deny))).to.equal(false);
    expect(allowsPolicyChanges(doc(allowRoot, { ...deny, Condition: { StringNotEquals: { "aws:PrincipalOrgID": "o-abc123" } } }))).to.equal(
      true,
    );
  });

  it("reads a bare account id as the root in the partition given", () => {
    const cn = doc(
      { ...allowRoot, Principal: { AWS: account } },
      { Effect: "Deny", NotPrincipal: { AWS: `arn:aws-cn:iam::${account}:role/KeyAdmin` }, Action: "kms:*", Resource: "*" },
    );
    expect(allowsPolicyChanges(cn, { partition: "aws-cn" })).to.equal(true);
    expect(allowsPolicyChanges(cn)).to.equal(false);
  });
});
