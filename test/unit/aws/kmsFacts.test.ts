import { expect } from "chai";
import { changedParameters, fromListing, GrantParameters } from "../../../provider/aws/grantFacts";
import { unknownValue } from "@pulumi/pulumi/runtime";
import { KEY_POLICY_NAME, defaultKeyPolicy } from "../../../provider/aws/keyPolicyFacts";
import { policiesEquivalent, validatePolicy } from "../../../provider/policy";
import { AWS_UNIQUE_ID, REGION_NAME } from "../../../provider/policy/grammar";
import { UNKNOWN } from "../../../provider/runtime/check";

const grant: GrantParameters = { granteePrincipal: "arn:aws:iam::111122223333:role/app", operations: ["Decrypt", "Encrypt"] };

describe("KMS facts shared by the lifecycles and the drift check", () => {
  it("a deleted role or user shows as its unique id; other IAM id prefixes are no principal", () => {
    // Prefixes from the IAM User Guide, "IAM identifiers": AROA role, AIDA user, AGPA group, AKIA access key.
    expect(AWS_UNIQUE_ID.test("AROA1234567890EXAMPLE")).to.equal(true);
    expect(AWS_UNIQUE_ID.test("AIDA1234567890EXAMPLE")).to.equal(true);
    expect(AWS_UNIQUE_ID.test("AGPA1234567890EXAMPLE")).to.equal(false);
    expect(AWS_UNIQUE_ID.test("AKIAIOSFODNN7EXAMPLE")).to.equal(false);
    const policy = (principal: string) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: principal }, Action: "kms:Decrypt", Resource: "*" }],
      });
    expect(validatePolicy(policy("AROA1234567890EXAMPLE"))).to.deep.equal([]);
    expect(validatePolicy(policy("AKIAIOSFODNN7EXAMPLE")).map((p) => p.rule)).to.deep.equal(["invalid-principal"]);
  });

  it("the default key policy allows kms:* to the root of the key ARN's own account, in its partition", () => {
    const policy = defaultKeyPolicy("arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    expect(validatePolicy(policy)).to.deep.equal([]);
    const root = { Effect: "Allow", Principal: { AWS: "arn:aws-cn:iam::111122223333:root" }, Action: "kms:*", Resource: "*" };
    expect(
      policiesEquivalent(policy, {
        Version: "2012-10-17",
        Id: "key-default-1",
        Statement: [{ Sid: "Enable IAM User Permissions", ...root }],
      }),
    ).to.equal(true);
    // A key id or an alias ARN names no account: never a policy for a made-up one.
    expect(() => defaultKeyPolicy("1234abcd-12ab-34cd-56ef-1234567890ab")).to.throw(/needs a key ARN/);
    expect(() => defaultKeyPolicy("arn:aws:kms:us-east-1:111122223333:alias/app")).to.throw(/needs a key ARN/);
    expect(KEY_POLICY_NAME).to.equal("default");
  });

  it("the unknown marker check reads is the Pulumi SDK's own", () => {
    expect(UNKNOWN).to.equal(unknownValue);
  });

  it("Region names", () => {
    for (const region of ["us-east-1", "eu-central-1", "us-gov-west-1", "ap-southeast-4"])
      expect(REGION_NAME.test(region), region).to.equal(true);
    for (const region of ["us-east", "US-EAST-1", "useast1", ""]) expect(REGION_NAME.test(region), region).to.equal(false);
  });

  it("changedParameters: operations as a set, constraint keys case-insensitively, in a fixed order", () => {
    expect(changedParameters(grant, { ...grant, operations: ["Encrypt", "Decrypt"] })).to.deep.equal([]);
    expect(
      changedParameters(
        { ...grant, constraints: { encryptionContextEquals: { App: "x" } } },
        { ...grant, constraints: { encryptionContextEquals: { app: "x" } } },
      ),
    ).to.deep.equal([]);
    const other: GrantParameters = {
      granteePrincipal: "AROA1234567890EXAMPLE",
      operations: ["Decrypt"],
      retiringPrincipal: "arn:aws:iam::111122223333:role/ops",
      constraints: { encryptionContextSubset: { a: "b" } },
    };
    expect(changedParameters(grant, other)).to.deep.equal(["granteePrincipal", "operations", "retiringPrincipal", "constraints"]);
  });

  it("changedParameters: a grantee or operations the record lacks are not compared", () => {
    expect(changedParameters({}, grant)).to.deep.equal([]);
    expect(changedParameters({}, { ...grant, retiringPrincipal: "arn:aws:iam::111122223333:role/ops" })).to.deep.equal([
      "retiringPrincipal",
    ]);
  });

  it("fromListing: a ListGrants entry in the inputs' terms", () => {
    expect(
      fromListing({
        GranteePrincipal: grant.granteePrincipal,
        Operations: ["Encrypt", "Decrypt"],
        Constraints: { EncryptionContextSubset: { a: "b" } },
      }),
    ).to.deep.equal({
      ...grant,
      constraints: { encryptionContextSubset: { a: "b" } },
    });
  });
});
