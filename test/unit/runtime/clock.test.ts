import { DescribeKeyCommand, KMSClient, ListGrantsCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { GrantApi } from "../../../provider/aws/grants";
import { KeyApi } from "../../../provider/aws/keys";
import { statementSids } from "../../../provider/policy/statementMerge";
import { ProviderContext } from "../../../provider/runtime/context";
import { checkGrant } from "../../../provider/runtime/grantCheck";
import { GrantLifecycle, GrantOutputs } from "../../../provider/runtime/grantLifecycle";
import { checkKeyPolicyStatement } from "../../../provider/runtime/keyPolicyStatementCheck";
import { KeyPolicyStatementLifecycle } from "../../../provider/runtime/keyPolicyStatementLifecycle";
import { QUIET_POLLS } from "../../../provider/runtime/statementWrites";
import { InstantClock, ManualClock, settled } from "../../support/manualClock";
import { MemoryKey } from "../../support/memoryKey";
import { captureStderr } from "../../support/stderr";

const keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const grantee = "arn:aws:iam::111122223333:role/app";

/** KMS for an Enabled key whose ListGrants shows no grant (a grant created moments ago, not listed yet). */
function unlistedKms(calls: string[]): Pick<KMSClient, "send"> {
  return {
    async send(command: object): Promise<unknown> {
      calls.push(command.constructor.name.replace("Command", ""));
      if (command instanceof DescribeKeyCommand)
        return { KeyMetadata: { Arn: keyArn, KeyId: keyArn.split("/")[1], AWSAccountId: "111122223333", KeyState: "Enabled" } };
      if (command instanceof ListGrantsCommand) return { Grants: [], Truncated: false };
      return { GrantId: "g1", GrantToken: "token" };
    },
  } as Pick<KMSClient, "send">;
}

describe("lifecycles on the clock of their context: every wait and timestamp, no real time", () => {
  it("Grant refresh of a young grant not listed yet re-reads on the context's clock, and only when that clock moves", async () => {
    const clock = new ManualClock();
    const calls: string[] = [];
    const kms = unlistedKms(calls);
    const lifecycle = new GrantLifecycle(
      { grants: () => new GrantApi(kms), keys: () => new KeyApi(kms, { clock }) },
      500,
      new ProviderContext({ clock }),
    );
    const props: GrantOutputs = {
      ...checkGrant({ keyId: keyArn, granteePrincipal: grantee, operations: ["Decrypt"], name: "app" }).inputs,
      grantId: "g1",
      grantToken: "",
      keyArn,
      createdAt: new Date(clock.now()).toISOString(),
    };
    let done = false;
    const reading = captureStderr(() => lifecycle.read("g1", props)).then((r) => ((done = true), r));
    const start = clock.now();
    while (!done) {
      await settled();
      if (done) break;
      // Nothing but the test's clock can move the read on: a wait on Node's timers would leave nothing pending here.
      expect(clock.pending, "the read waits on something other than its clock").to.be.greaterThan(0);
      clock.advance(10);
    }
    const { result, written } = await reading;
    // One listing, then a re-read after each of the doubling waits (500, 1000, 2000, 4000 ms).
    expect(calls.filter((c) => c === "ListGrants")).to.have.length(5);
    expect(clock.now() - start).to.be.at.least(500 + 1000 + 2000 + 4000);
    expect(result.id).to.equal("g1");
    expect(written).to.contain("not listed yet");
  });

  it("Grant create records createdAt from the context's clock", async () => {
    const clock = new InstantClock();
    const kms = unlistedKms([]);
    const lifecycle = new GrantLifecycle(
      { grants: () => new GrantApi(kms), keys: () => new KeyApi(kms, { clock }) },
      500,
      new ProviderContext({ clock }),
    );
    const asked = clock.now();
    const { result } = await captureStderr(() =>
      lifecycle.create(checkGrant({ keyId: keyArn, granteePrincipal: grantee, operations: ["Decrypt"], name: "app" }).inputs),
    );
    const createdAt = Date.parse(result.outs.createdAt);
    expect(createdAt).to.be.at.least(asked).and.at.most(clock.now());
  });

  it("KeyPolicyStatement create watches the policy for QUIET_POLLS polls on the context's clock, with no real wait", async () => {
    const clock = new InstantClock();
    const start = clock.now();
    const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" };
    const key = new MemoryKey(keyArn, JSON.stringify({ Version: "2012-10-17", Statement: [root] }));
    const pollMs = 250;
    const lifecycle = new KeyPolicyStatementLifecycle(
      () => new KeyApi(key, { clock }),
      pollMs,
      () => 0.5,
      new ProviderContext({ clock }),
    );
    const statement = { Sid: "AppDecrypts", Effect: "Allow", Principal: { AWS: grantee }, Action: "kms:Decrypt", Resource: "*" };
    const { inputs, failures } = checkKeyPolicyStatement({ keyId: keyArn, statement });
    expect(failures).to.deep.equal([]);
    const { result } = await captureStderr(() => lifecycle.create(inputs));
    expect(result.id).to.equal(`${keyArn}#AppDecrypts`);
    expect(key.puts).to.have.length(1);
    expect(statementSids(key.policy)).to.deep.equal(["Root", "AppDecrypts"]);
    // The watch after the put: at least QUIET_POLLS polls of the clock, each a read of the policy.
    expect(clock.now() - start).to.be.at.least(QUIET_POLLS * pollMs);
    expect(key.calls.filter((c) => c === "GetKeyPolicy").length).to.be.greaterThan(QUIET_POLLS);
  });
});
