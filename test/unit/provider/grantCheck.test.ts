import { expect } from "chai";
import { GRANT_OPERATIONS } from "../../../provider/aws/grantFacts";
import { checkGrant } from "../../../provider/runtime/grantCheck";
import { defaultGrantName } from "../../../provider/resources/grant";

const valid = {
  keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
  granteePrincipal: "arn:aws:iam::111122223333:role/app",
  operations: ["Decrypt"],
  name: "g",
};
const failuresOf = (news: Record<string, unknown>) => checkGrant({ ...valid, ...news }).failures;
const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));

describe("Grant check", () => {
  it("sorts and dedupes operations and fills defaults", () => {
    const { inputs, failures } = checkGrant({ ...valid, operations: ["Encrypt", "Decrypt", "Encrypt"] });
    expect(failures).to.deep.equal([]);
    expect(inputs.operations).to.deep.equal(["Decrypt", "Encrypt"]);
    expect(inputs.retireOnDelete).to.equal(false);
  });

  it("knows every GrantOperation of the SDK", () => {
    expect(GRANT_OPERATIONS).to.include.members([
      "Decrypt",
      "Encrypt",
      "GenerateDataKey",
      "CreateGrant",
      "RetireGrant",
      "DeriveSharedSecret",
    ]);
    expect(failuresOf({ operations: [...GRANT_OPERATIONS] })).to.deep.equal([]);
  });

  const bad: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ["no operations", { operations: [] }, "operations", /at least one/],
    ["unknown operation", { operations: ["Decrypt", "Dance"] }, "operations", /"Dance" is not a grant operation/],
    ["operation in the wrong case", { operations: ["decrypt"] }, "operations", /did you mean "Decrypt"/],
    [
      "both constraints",
      { constraints: { encryptionContextEquals: { a: "b" }, encryptionContextSubset: { a: "b" } } },
      "constraints",
      /not both/,
    ],
    ["unknown constraint", { constraints: { encryptionContext: { a: "b" } } }, "constraints", /not a grant constraint/],
    ["nine context pairs", { constraints: { encryptionContextSubset: pairs(9) } }, "constraints.encryptionContextSubset", /at most 8/],
    [
      "long context value",
      { constraints: { encryptionContextEquals: { a: "x".repeat(385) } } },
      "constraints.encryptionContextEquals.a",
      /1 to 384/,
    ],
    [
      "context keys equal but for case",
      { constraints: { encryptionContextEquals: { App: "a", app: "b" } } },
      "constraints.encryptionContextEquals",
      /case-insensitive/,
    ],
    ["no grantee", { granteePrincipal: undefined }, "granteePrincipal", /required/],
    ["grantee not a principal", { granteePrincipal: "app-role" }, "granteePrincipal", /not a principal/],
    ["retiring principal not a principal", { retiringPrincipal: "arn:aws:s3:::bucket" }, "retiringPrincipal", /not a principal/],
    ["bad name", { name: "has spaces" }, "name", /letters, digits/],
    ["empty key id", { keyId: "" }, "keyId", /required/],
    ["too many tokens", { grantTokens: Array.from({ length: 11 }, () => "t") }, "grantTokens", /at most 10/],
    ["retireOnDelete not boolean", { retireOnDelete: "yes" }, "retireOnDelete", /true/],
  ];
  for (const [name, news, property, reason] of bad) {
    it(`fails on ${name}, naming ${property}`, () => {
      const failures = failuresOf(news);
      expect(
        failures.some((f) => f.property === property && reason.test(f.reason)),
        JSON.stringify(failures),
      ).to.equal(true);
    });
  }

  it("derives a stable, valid default name, hashed when too long", () => {
    expect(defaultGrantName("proj", "dev", "app grant")).to.equal("proj-dev-app_grant");
    const long = defaultGrantName("p", "s", "x".repeat(300));
    expect(long.length).to.be.at.most(200);
    expect(long).to.equal(defaultGrantName("p", "s", "x".repeat(300)));
    expect(long).to.not.equal(defaultGrantName("p", "s", "x".repeat(299) + "y"));
    expect(failuresOf({ name: long })).to.deep.equal([]);
  });
});

describe("check results the provider host can serialize", () => {
  it("leaves a missing input absent rather than undefined", () => {
    const { inputs } = checkGrant({ keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", operations: ["Decrypt"], name: "g" });
    expect(Object.values(inputs)).to.not.include(undefined);
    expect(inputs).to.not.have.property("granteePrincipal");
  });
});
