import { expect } from "chai";
import { keyIdentity } from "../../../provider/aws/keyRef";
import { grantNameConflict, GrantNameClaim, legacyDefaultGrantName } from "../../../provider/resources/grant";

describe("the program's check of Grant names that may meet on one key", () => {
  const key = "1234abcd-12ab-34cd-56ef-1234567890ab";
  const claim = (resourceName: string, name: string | undefined, keyId = key): GrantNameClaim => ({
    resourceName,
    urn: `urn:pulumi:dev::app::pulumi-kms-policy:kms:Grant::${resourceName}`,
    keyId,
    identity: keyIdentity(keyId),
    name: name ?? legacyDefaultGrantName("app", "dev", resourceName),
    explicit: name !== undefined,
  });

  it("two given names on one key are certain (refused); two earlier default names that folded alike are a warning naming the other", () => {
    expect(grantNameConflict([claim("a", "shared")], claim("b", "shared"))).to.include({ certain: true });
    // reader.v2 and reader_v2 had one default name: an old stack may record one grant id for both.
    expect(legacyDefaultGrantName("app", "dev", "reader.v2")).to.equal(legacyDefaultGrantName("app", "dev", "reader_v2"));
    const legacy = grantNameConflict([claim("reader.v2", undefined)], claim("reader_v2", undefined));
    expect(legacy?.certain).to.equal(false);
    expect(legacy?.other.resourceName).to.equal("reader.v2");
    // A given name equal to another's earlier default: may meet in an old stack too.
    expect(grantNameConflict([claim("reader.v2", undefined)], claim("x", "app-dev-reader_v2"))).to.include({ certain: false });
  });

  it("names that differ, or keys that are certainly different, never meet", () => {
    expect(grantNameConflict([claim("a", "one")], claim("b", "two"))).to.equal(undefined);
    expect(grantNameConflict([claim("a", "shared", key)], claim("b", "shared", "mrk-1234abcd12ab34cd56ef1234567890ab"))).to.equal(
      undefined,
    );
    expect(grantNameConflict([claim("reader.v2", undefined)], claim("reader-v3", undefined))).to.equal(undefined);
  });
});
