import { expect } from "chai";
import { PolicyValidationError, accessOf, checkAccessNotGranted, checkNoNewAccess } from "../../../provider/policy";
import { evaluateRequest } from "../../../provider/policy/access/evaluate";
import { globIncluded, globOverlap } from "../../../provider/policy/access/glob";

const A = "111122223333";
const ROOT = `arn:aws:iam::${A}:root`;
const ROLE = `arn:aws:iam::${A}:role/app`;
const doc = (...Statement: object[]) => ({ Version: "2012-10-17", Statement });
const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: ROOT }, Action: "kms:*", Resource: "*" };
const use = {
  Sid: "Use",
  Effect: "Allow",
  Principal: { AWS: ROLE },
  Action: ["kms:Decrypt", "kms:Encrypt"],
  Resource: "*",
  Condition: { StringEquals: { "kms:ViaService": ["s3.us-east-1.amazonaws.com", "sqs.us-east-1.amazonaws.com"] } },
};

describe("checkNoNewAccess", () => {
  it("passes a policy against itself and a rewrite with the same meaning", () => {
    expect(checkNoNewAccess(doc(root, use), doc(root, use)).result).to.equal("PASS");
    const rewritten = doc({ ...use, Action: ["KMS:encrypt", "kms:Decrypt"] }, { ...root, Principal: { AWS: A } });
    expect(checkNoNewAccess(JSON.stringify(doc(root, use)), rewritten)).to.deep.equal({ result: "PASS", reasons: [] });
  });

  it("passes narrowings: fewer actions, fewer condition values, an added Deny", () => {
    expect(checkNoNewAccess(doc(root, use), doc(root, { ...use, Action: "kms:Decrypt" })).result).to.equal("PASS");
    const narrower = { ...use, Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } } };
    expect(checkNoNewAccess(doc(root, use), doc(root, narrower)).result).to.equal("PASS");
    const deny = { Effect: "Deny", Principal: "*", Action: "kms:ScheduleKeyDeletion", Resource: "*" };
    expect(checkNoNewAccess(doc(root, use), doc(root, use, deny)).result).to.equal("PASS");
  });

  it("passes an added Allow that an existing one covers, and one a new Deny blocks", () => {
    const covered = {
      Effect: "Allow",
      Principal: { AWS: ROOT },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { Bool: { "aws:SecureTransport": "true" } },
    };
    expect(checkNoNewAccess(doc(root), doc(root, covered)).result).to.equal("PASS");
    const other = { Effect: "Allow", Principal: { AWS: "arn:aws:iam::444455556666:root" }, Action: "kms:Decrypt", Resource: "*" };
    const block = { Effect: "Deny", Principal: { AWS: "444455556666" }, Action: "kms:*", Resource: "*" };
    expect(checkNoNewAccess(doc(root), doc(root, other, block)).result).to.equal("PASS");
  });

  it("fails a new grantee as proven new access, naming the statement, principals and actions", () => {
    const out = checkNoNewAccess(doc(root), doc(root, { ...use, Condition: undefined }));
    expect(out.result).to.equal("FAIL");
    expect(out.reasons).to.have.length(1);
    expect(out.reasons[0].path).to.equal("Statement[1]");
    expect(out.reasons[0].message).to.match(/^proven new access: /);
    expect(out.reasons[0].message).to.contain(ROLE).and.contain("kms:Decrypt").and.contain("kms:Encrypt");
  });

  it("fails a removed Deny, though no Allow changed", () => {
    const deny = { Sid: "NoDelete", Effect: "Deny", Principal: "*", Action: "kms:ScheduleKeyDeletion", Resource: "*" };
    const out = checkNoNewAccess(doc(root, deny), doc(root));
    expect(out.result).to.equal("FAIL");
    expect(out.reasons[0].message).to.contain("Statement[1] (Deny)").and.contain("kms:ScheduleKeyDeletion");
  });

  it("treats a change from the account to one of its roles as new access for the role", () => {
    const toRole = { ...root, Principal: { AWS: ROLE } };
    const out = checkNoNewAccess(doc(root), doc(toRole));
    expect(out.result).to.equal("FAIL");
    expect(out.reasons[0].message).to.contain(ROLE);
  });

  it("fails with 'could not prove' when a condition is dropped", () => {
    const out = checkNoNewAccess(doc(root, use), doc(root, { ...use, Condition: undefined }));
    expect(out.result).to.equal("FAIL");
    expect(out.reasons[0].message).to.match(/^could not prove: /);
  });

  it("counts an action KMS may add later as new access under a wider wildcard", () => {
    const listed = { ...use, Condition: undefined, Action: ["kms:DescribeKey"] };
    const out = checkNoNewAccess(doc(root, listed), doc(root, { ...listed, Action: "kms:Describe*" }));
    expect(out.result).to.equal("FAIL");
    expect(out.reasons[0].message).to.contain("actions KMS may add that match kms:describe*");
  });

  it("throws PolicyValidationError naming the invalid policy", () => {
    expect(() => checkNoNewAccess(doc(root), { Statement: [{ Effect: "Allow" }] }))
      .to.throw(PolicyValidationError)
      .with.property("message")
      .that.matches(/^candidate policy is invalid/);
  });
});

describe("checkAccessNotGranted", () => {
  it("passes when no statement grants the actions, and when a Deny blocks them", () => {
    expect(checkAccessNotGranted(doc(use), { actions: ["kms:ScheduleKeyDeletion"] }).result).to.equal("PASS");
    const deny = { Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*" };
    expect(checkAccessNotGranted(doc(root, deny), { actions: ["kms:Decrypt"] }).result).to.equal("PASS");
  });

  it("fails with the statement that grants a wildcard's action", () => {
    const out = checkAccessNotGranted(doc(root, use), { actions: ["kms:Re*"] });
    expect(out.result).to.equal("FAIL");
    expect(out.reasons.map((r) => r.path)).to.deep.equal(["Statement[0]"]);
    expect(out.reasons[0].message).to.contain(ROOT);
  });

  it("limits the question to the principals asked, an account standing for every identity in it", () => {
    expect(
      checkAccessNotGranted(doc(root, use), { actions: ["kms:Decrypt"], principals: ["arn:aws:iam::444455556666:role/x"] }).result,
    ).to.equal("PASS");
    expect(checkAccessNotGranted(doc(use), { actions: ["kms:Decrypt"], principals: [A] }).result).to.equal("FAIL");
  });
});

describe("accessOf", () => {
  it("lists per principal the actions allowed, allowed under named conditions, and denied", () => {
    const deny = { Effect: "Deny", Principal: { AWS: ROLE }, Action: "kms:ScheduleKeyDeletion", Resource: "*" };
    const m = accessOf(doc(root, use, deny));
    const rootRow = m.entries.find((e) => e.principal === ROOT);
    expect(rootRow?.allowed).to.include("kms:Decrypt").and.include("kms:PutKeyPolicy");
    const roleRow = m.entries.find((e) => e.principal === ROLE);
    expect(roleRow?.allowed).to.deep.equal([]);
    expect(roleRow?.conditional[0].source).to.equal("Statement[1]");
    expect(roleRow?.conditional[0].actions).to.have.members(["kms:Decrypt", "kms:Encrypt"]);
    expect(roleRow?.conditional[0].conditions[0]).to.contain("kms:viaservice");
    expect(roleRow?.denied).to.include("kms:ScheduleKeyDeletion");
  });

  it("adds a grant's operations to its grantee's row", () => {
    const m = accessOf(doc(root), { grants: [{ granteePrincipal: ROLE, operations: ["Decrypt"], name: "app" }] });
    expect(m.entries.find((e) => e.principal === ROLE)?.allowed).to.deep.equal(["kms:Decrypt"]);
  });
});

describe("access evaluator", () => {
  const req = (arn: string, action: string, context: Record<string, string[]> = {}) => ({
    principal: { kind: "aws" as const, arn },
    action,
    resource: "arn:aws:kms:us-east-1:111122223333:key/k",
    context,
  });

  it("needs an Allow, lets an explicit Deny win, and grants the account's root alone", () => {
    expect(evaluateRequest(doc(root), req(ROOT, "kms:Decrypt"))).to.equal(true);
    expect(evaluateRequest(doc(root), req(ROLE, "kms:Decrypt"))).to.equal(false);
    const deny = { Effect: "Deny", Principal: { AWS: A }, Action: "kms:Decrypt", Resource: "*" };
    expect(evaluateRequest(doc(root, { ...use, Condition: undefined }, deny), req(ROLE, "kms:Decrypt"))).to.equal(false);
    expect(
      evaluateRequest(doc(root, { ...use, Condition: undefined }), req(`arn:aws:sts::${A}:assumed-role/app/s`, "kms:Decrypt")),
    ).to.equal(true);
  });

  it("evaluates IfExists, negated operators on absent keys, and the set operators", () => {
    const p = (Condition: object) => doc({ ...root, Condition });
    expect(evaluateRequest(p({ StringEqualsIfExists: { "kms:CallerAccount": A } }), req(ROOT, "kms:Decrypt"))).to.equal(true);
    expect(evaluateRequest(p({ StringEquals: { "kms:CallerAccount": A } }), req(ROOT, "kms:Decrypt"))).to.equal(false);
    expect(evaluateRequest(p({ StringNotEquals: { "kms:CallerAccount": A } }), req(ROOT, "kms:Decrypt"))).to.equal(true);
    expect(evaluateRequest(p({ "ForAllValues:StringEquals": { "aws:TagKeys": ["a"] } }), req(ROOT, "kms:Decrypt"))).to.equal(true);
    expect(evaluateRequest(p({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["a"] } }), req(ROOT, "kms:Decrypt"))).to.equal(false);
    expect(
      evaluateRequest(
        p({ "ForAllValues:StringEquals": { "aws:TagKeys": ["a"] } }),
        req(ROOT, "kms:Decrypt", { "aws:TagKeys": ["a", "b"] }),
      ),
    ).to.equal(false);
    expect(
      evaluateRequest(p({ IpAddress: { "aws:SourceIp": "10.0.0.0/8" } }), req(ROOT, "kms:Decrypt", { "aws:SourceIp": ["10.2.3.4"] })),
    ).to.equal(true);
    expect(
      evaluateRequest(
        p({ StringEquals: { "aws:PrincipalAccount": "${aws:ResourceAccount}" } }),
        req(ROOT, "kms:Decrypt", { "aws:PrincipalAccount": [A], "aws:ResourceAccount": [A] }),
      ),
    ).to.equal(true);
  });
});

describe("wildcard patterns", () => {
  it("decides inclusion and overlap exactly", () => {
    expect(globIncluded("kms:Re*From", "kms:Re*")).to.equal(true);
    expect(globIncluded("kms:Re*", "kms:Re*From")).to.equal(false);
    expect(globIncluded("a?c", "a*")).to.equal(true);
    expect(globOverlap("kms:Re*", "kms:*From")).to.equal(true);
    expect(globOverlap("kms:Re*", "kms:Gen*")).to.equal(false);
  });
});
