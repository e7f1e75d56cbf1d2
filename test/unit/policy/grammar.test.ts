import { expect } from "chai";
import { operatorName, parseOperator, principalAccount, wildcardRegExp } from "../../../provider/policy/grammar";

describe("policy engine: the grammar's shared facts", () => {
  it("takes a condition operator apart into set, base and IfExists, and puts it back together", () => {
    expect(parseOperator("ForAnyValue:StringLikeIfExists")).to.deep.equal({ set: "ForAnyValue", base: "StringLike", ifExists: true });
    expect(parseOperator("ForAllValues:ArnEquals")).to.deep.equal({ set: "ForAllValues", base: "ArnEquals", ifExists: false });
    expect(parseOperator("NumericLessThan")).to.deep.equal({ base: "NumericLessThan", ifExists: false });
    // A prefix that is no set operator is part of the (unknown) base, never a set.
    expect(parseOperator("ForSomeValues:StringEquals")).to.deep.equal({ base: "ForSomeValues:StringEquals", ifExists: false });
    for (const name of ["ForAnyValue:StringLikeIfExists", "Bool", "ForAllValues:ArnNotEquals", "DateLessThanIfExists"])
      expect(operatorName(parseOperator(name))).to.equal(name);
  });

  it("matches a wildcard pattern whole, across colons, with case only when asked to ignore it", () => {
    expect(wildcardRegExp("kms:Put*", { ignoreCase: true }).test("KMS:PUTKEYPOLICY")).to.equal(true);
    expect(wildcardRegExp("kms:Put*", { ignoreCase: false }).test("KMS:PUTKEYPOLICY")).to.equal(false);
    expect(wildcardRegExp("arn:aws:iam::*", { ignoreCase: false }).test("arn:aws:iam::111122223333:role/a")).to.equal(true);
    expect(wildcardRegExp("a?c", { ignoreCase: false }).test("a\nc")).to.equal(true);
    expect(wildcardRegExp("a.c", { ignoreCase: false }).test("abc")).to.equal(false);
    expect(wildcardRegExp("(x)+[y]", { ignoreCase: false }).test("(x)+[y]")).to.equal(true);
    expect(wildcardRegExp("kms:*", { ignoreCase: true }).test("s3:kms:Decrypt")).to.equal(false);
  });

  it("names the account of an account id or an IAM or STS principal ARN, with its partition", () => {
    expect(principalAccount("111122223333")).to.deep.equal({ account: "111122223333" });
    expect(principalAccount("arn:aws:iam::111122223333:root")).to.deep.equal({ partition: "aws", account: "111122223333" });
    expect(principalAccount("arn:aws-cn:sts::111122223333:assumed-role/r/s")).to.deep.equal({
      partition: "aws-cn",
      account: "111122223333",
    });
    for (const none of ["*", "AROA1234567890EXAMPLE", "arn:aws:iam::aws:policy/x", "arn:aws:s3:::bucket", "11112222333"])
      expect(principalAccount(none), none).to.equal(undefined);
  });
});
