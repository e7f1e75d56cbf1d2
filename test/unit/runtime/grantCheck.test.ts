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

  it("the default name is unique per URN where the resource names fold alike, valid, and the same for the same URN", () => {
    const urn = (path: string) => `urn:pulumi:dev::proj::${path}`;
    const names = [
      defaultGrantName(urn("pulumi-nodejs:dynamic/kms:Grant::reader.v2")),
      defaultGrantName(urn("pulumi-nodejs:dynamic/kms:Grant::reader_v2")),
      defaultGrantName(urn("my:app:Api$pulumi-nodejs:dynamic/kms:Grant::reader")),
      defaultGrantName(urn("my:app:Worker$pulumi-nodejs:dynamic/kms:Grant::reader")),
      defaultGrantName(urn(`pulumi-nodejs:dynamic/kms:Grant::${"x".repeat(300)}`)),
      defaultGrantName(urn(`pulumi-nodejs:dynamic/kms:Grant::${"x".repeat(299)}y`)),
    ];
    expect(new Set(names).size).to.equal(names.length);
    expect(names[0]).to.match(/^reader_v2-[0-9a-f]{24}$/);
    expect(defaultGrantName(urn("pulumi-nodejs:dynamic/kms:Grant::reader.v2"))).to.equal(names[0]);
    for (const name of names) {
      expect(name.length).to.be.at.most(256);
      expect(failuresOf({ name })).to.deep.equal([]);
    }
  });

  it("a Grant without a name in the program keeps the name its state records; only a new one takes the URN-derived default", () => {
    const { name: _name, ...unnamed } = valid;
    const fresh = checkGrant({ ...unnamed, defaultName: "reader-0123" });
    expect(fresh.failures).to.deep.equal([]);
    expect(fresh.inputs.name).to.equal("reader-0123");
    // After `pulumi stack rename` the URN, so the default, differs; a stack made before the
    // URN-derived default records the old `project-stack-name` form: both keep the state's name.
    const kept = checkGrant({ ...unnamed, defaultName: "reader-4567" }, { ...valid, name: "proj-dev-reader" });
    expect(kept.inputs.name).to.equal("proj-dev-reader");
    const given = checkGrant({ ...valid, name: "mine", defaultName: "reader-4567" }, { ...valid, name: "proj-dev-reader" });
    expect(given.inputs.name).to.equal("mine");
    expect(given.inputs).to.not.have.property("defaultName");
  });
});

describe("check results the provider host can serialize", () => {
  it("leaves a missing input absent rather than undefined", () => {
    // As the resource sends them: inputs not given are present with the value undefined.
    const news = {
      keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
      operations: ["Decrypt"],
      granteePrincipal: undefined,
      retiringPrincipal: undefined,
      constraints: undefined,
      name: undefined,
      defaultName: "reader-0123456789abcdef01234567",
    };
    for (const olds of [{}, { name: "recorded-name", keyId: news.keyId }]) {
      const { inputs } = checkGrant(news, olds);
      expect(Object.values(inputs)).to.not.include(undefined);
      expect(inputs).to.not.have.property("granteePrincipal");
      expect(inputs).to.not.have.property("retiringPrincipal");
      expect(inputs).to.not.have.property("constraints");
    }
  });
});
