import { expect } from "chai";
import * as crypto from "crypto";
import {
  MAX_PREVIOUS_POLICY_TAGS,
  OWNER_TAG,
  PREVIOUS_POLICY_TAG_PREFIX,
  newOwnerId,
  ownershipTagKeys,
  ownershipTags,
  readOwnership,
} from "../../../provider/runtime/keyOwnership";

describe("KeyPolicy ownership tags (issue 12 #2)", () => {
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: Array.from({ length: 40 }, (_, i) => ({
      Sid: `S${i}`,
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::111122223333:role/r${i}` },
      Action: "kms:Decrypt",
      Resource: "*",
    })),
  });

  it("record the owner and the pre-stack policy in tag values KMS accepts, and read them back exactly", () => {
    const owner = newOwnerId();
    const tags = ownershipTags(owner, policy);
    expect(tags[OWNER_TAG]).to.equal(owner);
    for (const [key, value] of Object.entries(tags)) {
      expect(key.length, key).to.be.at.most(128);
      expect(value.length, key).to.be.at.most(256);
      // KMS tag values: letters, digits, spaces and _ . : / = + - @ (AWS tagging rules).
      expect(value, key).to.match(/^[A-Za-z0-9 _.:/=+\-@]*$/);
    }
    expect(readOwnership({ unrelated: "x", ...tags })).to.deep.equal({ owner, previousPolicy: policy });
    expect(ownershipTagKeys({ unrelated: "x", ...tags }).sort()).to.deep.equal(Object.keys(tags).sort());
  });

  it("a policy too large for the tags records only the owner; damaged chunks read as no policy", () => {
    const noise = crypto.randomBytes(20_000).toString("base64");
    const tags = ownershipTags("o", noise);
    expect(Object.keys(tags)).to.deep.equal([OWNER_TAG]);
    expect(Object.keys(ownershipTags("o", policy)).length).to.be.at.most(MAX_PREVIOUS_POLICY_TAGS + 1);
    expect(readOwnership({ [OWNER_TAG]: "o", [`${PREVIOUS_POLICY_TAG_PREFIX}0`]: "not deflate data" })).to.deep.equal({ owner: "o" });
    expect(readOwnership({})).to.deep.equal({});
  });
});
