import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { keyIdentity } from "../../../provider/aws/keyRef";
import {
  defaultGrantName,
  Grant,
  GrantArgs,
  grantNameConflict,
  GrantNameClaim,
  legacyDefaultGrantName,
} from "../../../provider/resources/grant";
import { GRANT_TYPE } from "../../../provider/resourceTypes";
import grantProvider = require("../../../provider/runtime/grant");
import { isSecretInput, runProgram, valueOf } from "../../support/pulumiMocks";

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

describe("the Grant class in a program (Pulumi's runtime mocks)", () => {
  const KEY = "1234abcd-12ab-34cd-56ef-1234567890ab";
  const ROLE = "arn:aws:iam::111122223333:role/app";
  const args = (extra: Partial<GrantArgs> = {}): GrantArgs => ({ keyId: KEY, granteePrincipal: ROLE, operations: ["Decrypt"], ...extra });

  it("registers with the Grant provider under its type token, sending the default name derived from its URN", async () => {
    // The URN as the engine makes it for a child of the stack (the mocks' own URNs add the Stack's type).
    const urn = `urn:pulumi:dev::app::${GRANT_TYPE}::reader`;
    const run = await runProgram(() => void new Grant("reader", args()));
    const sent = run.registration("reader");
    expect(sent.type).to.equal(GRANT_TYPE);
    expect(sent.provider).to.equal(grantProvider);
    expect(sent.inputs).to.include({ keyId: KEY, granteePrincipal: ROLE, defaultName: defaultGrantName(urn) });
    expect(sent.inputs).to.not.have.property("name");
    expect(run.errors).to.deep.equal([]);
  });

  it("sends the grant tokens as secrets (grantCreationTokens alone as grantTokens), and makes grantToken and both token inputs secret outputs", async () => {
    const options: pulumi.CustomResourceOptions[] = [];
    const run = await runProgram(() => {
      new Grant("alias", args({ grantCreationTokens: ["t1"] }), {
        additionalSecretOutputs: ["keyArn"],
        transformations: [(a) => void options.push(a.opts as pulumi.CustomResourceOptions)],
      });
      new Grant("both", args({ grantTokens: ["t1"], grantCreationTokens: ["t2"] }));
      new Grant("none", args());
    });
    expect(options[0].additionalSecretOutputs).to.have.members(["keyArn", "grantToken", "grantTokens", "grantCreationTokens"]);
    const viaAlias = run.registration("alias").inputs;
    expect(isSecretInput(viaAlias.grantTokens)).to.equal(true);
    expect(viaAlias).to.not.have.property("grantCreationTokens");
    expect(isSecretInput(run.registration("both").inputs.grantTokens)).to.equal(true);
    expect(isSecretInput(run.registration("both").inputs.grantCreationTokens)).to.equal(true);
    expect(run.registration("none").inputs).to.not.have.property("grantTokens");
  });

  it("declares the outputs the provider returns: ids, the effective principals, what KMS reports", async () => {
    const outputs = {
      grantId: "gid",
      grantToken: "token",
      keyArn: `arn:aws:kms:us-east-1:111122223333:key/${KEY}`,
      name: "reader-given",
      effectiveGrantee: { kind: "iam", principal: ROLE },
      effectiveRetiringPrincipal: { kind: "service", principal: "logs.us-east-1.amazonaws.com" },
      reportedConstraints: { sourceArn: "arn:aws:logs:us-east-1:111122223333:log-group:app" },
      issuingAccount: "arn:aws:iam::111122223333:root",
      creationDate: "2026-01-01T00:00:00.000Z",
      access: { profile: "central" },
    };
    let grant: Grant | undefined;
    await runProgram(() => void (grant = new Grant("reader", args({ name: "reader-given" }))), { outputs: () => outputs });
    const declared = grant as unknown as Record<string, pulumi.Output<unknown>>;
    for (const [field, value] of Object.entries(outputs)) expect(await valueOf(declared[field]), field).to.deep.equal(value);
  });

  it("refuses two Grants that give one key one name, naming both, the other's URN and the state-only fix", async () => {
    const run = await runProgram(() => {
      new Grant("first", args({ name: "shared" }));
      new Grant("second", args({ name: "shared", keyId: `arn:aws:kms:us-east-1:111122223333:key/${KEY}` }));
    });
    expect(run.errors).to.have.length(1);
    expect(run.errors[0]).to.be.instanceOf(pulumi.ResourceError);
    expect(run.errors[0].message)
      .to.contain('Grant "second" and Grant "first" both name their grant "shared" on key arn:aws:kms:')
      .and.contain(`(also given as ${KEY})`)
      .and.contain("pulumi state delete 'urn:pulumi:dev::app::pulumi-nodejs:dynamic/kms:Grant::first'");
  });

  it("warns, without refusing, when two Grants had one default name under earlier versions; one name on two keys is no conflict", async () => {
    const run = await runProgram(() => {
      new Grant("reader.v2", args());
      new Grant("reader_v2", args());
      new Grant("other-key", args({ name: "shared", keyId: "5f7c1a2b-1111-4aaa-8bbb-1234567890ab" }));
      new Grant("this-key", args({ name: "shared" }));
    });
    expect(run.errors).to.deep.equal([]);
    expect(run.warnings).to.have.length(1);
    expect(run.warnings[0])
      .to.contain('Grant "reader_v2" and Grant "reader.v2" on key')
      .and.contain('"app-dev-reader_v2"')
      .and.contain("Compare their grantId in `pulumi stack export`");
  });

  it("a second run in one process (Automation API) starts with no Grant names: the same program passes again", async () => {
    const program = () => void new Grant("named", args({ name: "once-per-run" }));
    for (const attempt of ["first run", "second run"]) expect((await runProgram(program)).errors, attempt).to.deep.equal([]);
  });
});
