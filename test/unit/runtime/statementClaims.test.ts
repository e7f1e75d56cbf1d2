import { expect } from "chai";
import { OWNER_TAG, STATEMENT_TAG_PREFIX, ownershipTagKeys, statementClaims, statementTag } from "../../../provider/runtime/keyOwnership";

describe("KeyPolicyStatement claims in a key's tags", () => {
  it("a Sid that fits a tag key is its own tag key, with the Sid as the value", () => {
    expect(statementTag("AppDecrypts")).to.deep.equal({ key: `${STATEMENT_TAG_PREFIX}AppDecrypts`, value: "AppDecrypts" });
    expect(statementTag("Enable IAM User Permissions").key).to.equal(`${STATEMENT_TAG_PREFIX}Enable IAM User Permissions`);
  });

  it("a Sid too long or with characters KMS refuses in a tag key gets a digest key of at most 128 characters, one per Sid", () => {
    const long = "A".repeat(120);
    const odd = "App#1 (prod)";
    for (const sid of [long, odd]) {
      const { key } = statementTag(sid);
      expect(key.startsWith(STATEMENT_TAG_PREFIX)).to.equal(true);
      expect(key.length).to.be.at.most(128);
      expect(key).to.match(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u);
    }
    expect(statementTag(long).key).to.not.equal(statementTag("A".repeat(121)).key);
    expect(statementTag(odd).value).to.equal("App1 prod");
  });

  it("reads the claimed Sids, sorted, and leaves KeyPolicy's ownership tags out of them (and them out of KeyPolicy's)", () => {
    const tags = {
      [OWNER_TAG]: "0123456789abcdef01234567",
      [statementTag("Zeta").key]: "Zeta",
      [statementTag("Alpha").key]: "Alpha",
      team: "platform",
    };
    expect(statementClaims(tags)).to.deep.equal(["Alpha", "Zeta"]);
    expect(ownershipTagKeys(tags)).to.deep.equal([OWNER_TAG]);
    expect(statementClaims({ team: "platform" })).to.deep.equal([]);
  });
});
