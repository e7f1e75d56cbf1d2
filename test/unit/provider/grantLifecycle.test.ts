import { expect } from "chai";
import { checkGrant, GrantInputs } from "../../../provider/runtime/grantCheck";
import { GrantClients, GrantLifecycle } from "../../../provider/runtime/grantLifecycle";

const grantee = "arn:aws:iam::123456789012:role/app";

describe("Grant lifecycle without KMS", () => {
  // diff decides from the state and the inputs alone: any call to KMS fails the test.
  const noKms: GrantClients = {
    grants: () => expect.fail("diff called ListGrants/CreateGrant"),
    keys: () => expect.fail("diff called DescribeKey"),
  };
  const lifecycle = new GrantLifecycle(noKms, 10);
  const inputs = (keyId: string, overrides: Record<string, unknown> = {}): GrantInputs => {
    const { inputs: checked, failures } = checkGrant({
      keyId,
      granteePrincipal: grantee,
      operations: ["Decrypt", "Encrypt"],
      name: "app-grant",
      ...overrides,
    });
    expect(failures).to.deep.equal([]);
    return checked;
  };

  it("diff: operations order and duplicates, and constraint key case, are no change; others replace", async () => {
    const base = inputs("1234abcd-12ab-34cd-56ef-1234567890ab", { constraints: { encryptionContextEquals: { App: "x" } } });
    const olds = {
      ...base,
      grantId: "g",
      grantToken: "t",
      keyArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      createdAt: "",
    };
    const same = inputs(olds.keyArn, {
      operations: ["Encrypt", "Decrypt", "Encrypt"],
      constraints: { encryptionContextEquals: { app: "x" } },
    });
    expect(await lifecycle.diff(olds, { ...same, keyId: olds.keyId })).to.deep.equal({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(
      (await lifecycle.diff(olds, inputs(olds.keyId, { operations: ["Decrypt"], constraints: { encryptionContextEquals: { App: "x" } } })))
        .replaces,
    ).to.deep.equal(["operations"]);
    expect(
      (await lifecycle.diff(olds, inputs(olds.keyId, { constraints: { encryptionContextEquals: { App: "X" } } }))).replaces,
    ).to.deep.equal(["constraints"]);
  });
});
