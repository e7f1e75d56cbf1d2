import { DescribeKeyCommand, RetireGrantCommand, RevokeGrantCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { GrantApi } from "../../../provider/aws/grants";
import { KeyApi } from "../../../provider/aws/keys";
import { checkGrant, GrantInputs } from "../../../provider/runtime/grantCheck";
import { GrantClients, GrantLifecycle } from "../../../provider/runtime/grantLifecycle";
import { captureStderr } from "../../support/stderr";

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

describe("Grant delete on a key pending deletion", () => {
  const keyArn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const failure = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
  /**
   * KMS for a key in `state`, whose RevokeGrant and RetireGrant answer `answer` (undefined:
   * success, as the Developer Guide's key-state table says they do on a key pending deletion).
   */
  const kmsWith = (state: string, calls: string[], answer?: Error) => ({
    async send(command: object): Promise<unknown> {
      if (command instanceof DescribeKeyCommand)
        return {
          KeyMetadata: { Arn: keyArn, KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab", AWSAccountId: "123456789012", KeyState: state },
        };
      if (command instanceof RevokeGrantCommand || command instanceof RetireGrantCommand) {
        calls.push(command.constructor.name.replace("Command", ""));
        if (answer) throw answer;
        return {};
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  });
  const lifecycleOn = (state: string, calls: string[], answer?: Error) =>
    new GrantLifecycle(
      { grants: () => new GrantApi(kmsWith(state, calls, answer)), keys: () => new KeyApi(kmsWith(state, calls, answer)) },
      10,
    );
  const props = {
    ...checkGrant({ keyId: keyArn, granteePrincipal: grantee, operations: ["Decrypt"], name: "app-grant" }).inputs,
    grantId: "g1",
    grantToken: "",
    keyArn,
    createdAt: "2020-01-01T00:00:00.000Z",
  };

  it("revokes or retires the grant: KMS takes both calls on a key pending deletion", async () => {
    const calls: string[] = [];
    const { written } = await captureStderr(async () => {
      await lifecycleOn("PendingDeletion", calls).delete("g1", props);
      await lifecycleOn("PendingDeletion", calls).delete("g1", { ...props, retireOnDelete: true });
    });
    expect(calls).to.deep.equal(["RevokeGrant", "RetireGrant"]);
    expect(written).to.not.contain("not revoked");
  });

  it("an AccessDenied fails the delete, pending deletion or not: the grant may still serve its grantee", async () => {
    for (const state of ["PendingDeletion", "Enabled"]) {
      const err = await lifecycleOn(state, [], failure("AccessDeniedException", "not authorized"))
        .delete("g1", props)
        .then(
          () => expect.fail(`the delete succeeded on a key ${state}`),
          (e: Error) => e,
        );
      expect(err.message).to.contain("RevokeGrant on key");
    }
  });

  it("a refusal for the key's state is skipped, and the log says which call, which state and what to do", async () => {
    const refused = failure("KMSInvalidStateException", `${keyArn} is pending deletion.`);
    const { written } = await captureStderr(() => lifecycleOn("PendingDeletion", [], refused).delete("g1", props));
    expect(written).to.contain(
      `Grant g1 (app-grant): not revoked: KMS refused the call for the key's state (key ${keyArn} is PendingDeletion)`,
    );
    expect(written).to.contain("revoke it (RevokeGrant) once the key is usable");
  });
});
