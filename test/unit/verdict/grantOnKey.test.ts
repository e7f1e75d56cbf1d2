import { DescribeKeyCommand, ListGrantsCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { GrantApi } from "../../../provider/aws/grants";
import { KeyApi } from "../../../provider/aws/keys";
import { checkDrift } from "../../../provider/drift/check";
import { checkGrant } from "../../../provider/runtime/grantCheck";
import { GrantLifecycle, GrantOutputs } from "../../../provider/runtime/grantLifecycle";
import { captureStderr } from "../../support/stderr";

const keyId = "1234abcd-12ab-34cd-56ef-1234567890ab";
const keyArn = `arn:aws:kms:us-east-1:123456789012:key/${keyId}`;
const grantee = "arn:aws:iam::123456789012:role/app";

/** KMS with the key in `state`: ListGrants answers in every state, as the Developer Guide's key-state table says. */
function kmsWith(state: string, listed: boolean) {
  return {
    async send(command: object): Promise<unknown> {
      if (command instanceof DescribeKeyCommand)
        return { KeyMetadata: { Arn: keyArn, KeyId: keyId, AWSAccountId: "123456789012", KeyState: state } };
      if (command instanceof ListGrantsCommand)
        return {
          Grants: listed ? [{ GrantId: "g1", KeyId: keyArn, Name: "app-grant", GranteePrincipal: grantee, Operations: ["Decrypt"] }] : [],
        };
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  };
}

describe("a grant's key state and listing: refresh and kms-policy drift give one verdict", () => {
  const props: GrantOutputs = {
    ...checkGrant({ keyId: keyArn, granteePrincipal: grantee, operations: ["Decrypt"], name: "app-grant" }).inputs,
    grantId: "g1",
    grantToken: "",
    keyArn,
    createdAt: "2020-01-01T00:00:00.000Z",
  };
  // A key pending deletion is gone for a grant, as for a KeyPolicy: the key cannot be used and is
  // deleted with its grants at the end of the waiting period, though ListGrants still answers.
  const table: Array<[state: string, listed: boolean, verdict: "in-sync" | "gone"]> = [
    ["Enabled", true, "in-sync"],
    ["Disabled", true, "in-sync"],
    ["Enabled", false, "gone"],
    ["PendingDeletion", true, "gone"],
    ["PendingReplicaDeletion", true, "gone"],
    ["PendingDeletion", false, "gone"],
  ];
  for (const [state, listed, verdict] of table)
    it(`a key ${state} with the grant ${listed ? "listed" : "not listed"}: ${verdict} for both`, async () => {
      const clients = { grants: () => new GrantApi(kmsWith(state, listed)), keys: () => new KeyApi(kmsWith(state, listed)) };
      const { result: refreshed } = await captureStderr(() => new GrantLifecycle(clients, 1).read("g1", props));
      const refresh = refreshed.id === undefined ? "gone" : "in-sync";
      const report = await checkDrift(
        [
          {
            kind: "Grant",
            urn: "urn:g",
            name: "g",
            keyArn,
            grantId: "g1",
            granteePrincipal: grantee,
            operations: ["Decrypt"],
            grantName: "app-grant",
            createdAt: props.createdAt,
          },
        ],
        clients,
      );
      expect({ refresh, drift: report.resources[0].status }).to.deep.equal({ refresh: verdict, drift: verdict });
    });
});
