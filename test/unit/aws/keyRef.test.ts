import { expect } from "chai";
import { identityText, keyIdentity, keyRegion, parseKeyRef, sameIdentity, sameKey } from "../../../provider/aws/keyRef";

// A multi-Region key id as KMS writes it (mrk- and 32 hex digits: KMS API Reference, KeyId) and as moto does.
const MRK = "mrk-1234abcd12ab34cd56ef1234567890ab";
const arnOf = (region: string, account: string, id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;
const MOTO_MRK = "mrk-99471eb5-71ca-4ade-8298-c7267cfe4986";

describe("key identity: partition, account, Region and key id", () => {
  it("accepts KMS's mrk-<32 hex> and moto's mrk-<dashed uuid>; refuses other mrk- forms", () => {
    expect(parseKeyRef(MRK)).to.deep.equal({ keyId: MRK });
    expect(parseKeyRef(MOTO_MRK)).to.deep.equal({ keyId: MOTO_MRK });
    expect(parseKeyRef(arnOf("eu-west-1", "111122223333", MOTO_MRK))).to.include({
      keyId: MOTO_MRK,
      region: "eu-west-1",
      account: "111122223333",
    });
    expect(parseKeyRef("mrk-1234")).to.have.property("error");
  });

  it("two replicas of a multi-Region key are two keys; a key's id and ARN are one key", () => {
    const us = arnOf("us-east-1", "111122223333", MRK);
    const eu = arnOf("eu-west-1", "111122223333", MRK);
    expect(sameKey(us, eu)).to.equal(false);
    expect(sameKey(us, MRK)).to.equal(true);
    expect(sameIdentity(keyIdentity(MRK, { region: "eu-west-1" }), keyIdentity(us))).to.equal(false);
    expect(sameIdentity(keyIdentity(MRK, { region: "us-east-1" }), keyIdentity(us))).to.equal(true);
    // The same id in another account is another key.
    expect(sameIdentity(keyIdentity(MRK, { region: "us-east-1", account: "444455556666" }), keyIdentity(us))).to.equal(false);
    expect(sameKey(us, us.replace("arn:aws:", "arn:aws-cn:"))).to.equal(false);
  });

  it("a key's Region: the resource's, else the ARN's, else aws:region, else AWS_REGION", () => {
    const eu = arnOf("eu-west-1", "111122223333", MRK);
    expect(keyRegion(eu, { resource: "ap-south-1", stack: "us-west-2", environment: "us-east-1" })).to.equal("ap-south-1");
    expect(keyRegion(eu, { stack: "us-west-2", environment: "us-east-1" })).to.equal("eu-west-1");
    expect(keyRegion(MRK, { stack: "us-west-2", environment: "us-east-1" })).to.equal("us-west-2");
    expect(keyRegion(MRK, { environment: "us-east-1" })).to.equal("us-east-1");
    expect(keyRegion(MRK, {})).to.equal(undefined);
  });

  it("an ARN's own account and Region win over the context; a bare id takes them from it", () => {
    const arn = arnOf("us-east-1", "111122223333", MRK);
    expect(keyIdentity(arn, { region: "eu-west-1", account: "444455556666" })).to.deep.equal({
      keyId: MRK,
      partition: "aws",
      account: "111122223333",
      region: "us-east-1",
    });
    expect(identityText(keyIdentity(MRK, { region: "eu-west-1", account: "444455556666" }))).to.equal(`?:444455556666:eu-west-1:${MRK}`);
  });
});
