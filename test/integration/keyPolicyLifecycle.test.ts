import { GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { KeyApi, SETTLED_READS } from "../../provider/aws/keys";
import { policiesEquivalent } from "../../provider/policy";
import { checkKeyPolicy, KeyPolicyInputs } from "../../provider/runtime/keyPolicyCheck";
import { ResourceInitFailedError } from "../../provider/runtime/initFailure";
import { KeyPolicyLifecycle, KeyPolicyOutputs } from "../../provider/runtime/keyPolicyLifecycle";
import { defaultKeyPolicy } from "../../provider/aws/keyPolicyFacts";
import { captureStderr } from "../support/stderr";
import { FaultProxy } from "../support/faultProxy";
import { FaithfulOptions } from "../support/kmsFaithful";
import { CountingKms } from "../support/countingKms";
import { moto } from "../support/hooks";
import { createKey, testKms } from "../support/kms";

const account = "123456789012";
const policy = (extraActions: string[] = []) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
      {
        Sid: "App",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:role/app` },
        Action: ["kms:Decrypt", ...extraActions],
        Resource: "*",
      },
    ],
  });

// The same lifecycle on moto as it is, and through the proxy in its KMS-faithful mode, where
// GetKeyPolicy answers re-serialized (docs/kms-emulator.md): there a policy read back is the same
// policy, never the same text.
const MODES: Array<{ name: string; faithful?: FaithfulOptions }> = [
  { name: "moto" },
  { name: "the KMS-faithful mode", faithful: { pageSize: 7 } },
];

for (const mode of MODES)
  describe(`integration: KeyPolicy lifecycle on ${mode.name}`, () => {
    let kms: KMSClient;
    let counting: CountingKms;
    let lifecycle: KeyPolicyLifecycle;
    let faithfulProxy: FaultProxy | undefined;
    /** The policy KMS returns for `expected`: the same text on moto, the same meaning in the faithful mode. */
    const expectPolicy = (actual: string | undefined, expected: string) =>
      mode.faithful ? expect(policiesEquivalent(actual ?? "", expected), actual).to.equal(true) : expect(actual).to.equal(expected);
    const inputs = (keyId: string, overrides: Partial<KeyPolicyInputs> = {}): KeyPolicyInputs => {
      const { inputs: checked, failures } = checkKeyPolicy({ keyId, policy: policy(), ...overrides });
      expect(failures).to.deep.equal([]);
      return checked;
    };
    const live = async (keyId: string) =>
      (await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }))).Policy as string;

    before(async () => {
      const server = await moto();
      kms = testKms(server);
      faithfulProxy = mode.faithful ? await new FaultProxy(server.endpoint, 1, mode.faithful).start() : undefined;
      const client = faithfulProxy ? testKms(server, { via: faithfulProxy }) : kms;
      counting = new CountingKms(client);
      lifecycle = new KeyPolicyLifecycle(() => new KeyApi(counting), 10);
    });
    after(() => faithfulProxy?.stop());
    beforeEach(() => counting.reset());

    it("create: confirms the key, captures the previous policy, puts and reads back", async () => {
      const key = await createKey(kms);
      const before = await live(key.keyId);
      const { id, outs } = await lifecycle.create(inputs(key.keyId));
      expect(id).to.equal(key.arn);
      expectPolicy(outs.previousPolicy, before);
      expect(policiesEquivalent(await live(key.keyId), policy())).to.equal(true);
      // GetKeyPolicy: the settled pre-stack read and the read-back, five equal answers each.
      // ListResourceTags, TagResource and UntagResource: the key's ownership tags, claimed before
      // the put and marked pending until it is read back (docs/key-policy.md#replacing-and-renaming).
      expect(Object.fromEntries(counting.calls)).to.deep.equal({
        DescribeKey: 1,
        ListKeyPolicies: 1,
        GetKeyPolicy: 2 * SETTLED_READS,
        PutKeyPolicy: 1,
        ListResourceTags: 1,
        TagResource: 1,
        UntagResource: 1,
      });
    });

    it("read: an equivalent live policy keeps the recorded text; a different one is returned with inputs", async () => {
      const key = await createKey(kms);
      const { id, outs } = await lifecycle.create(inputs(key.keyId));
      const reformatted = JSON.stringify(JSON.parse(policy()), null, 8).replace(/kms:Decrypt/, "KMS:DECRYPT");
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: reformatted }));
      const same = await lifecycle.read(id, outs);
      expect(same.props?.policy).to.equal(outs.policy);
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policy(["kms:Encrypt"]) }));
      const drifted = await lifecycle.read(id, outs);
      expectPolicy(drifted.props?.policy, policy(["kms:Encrypt"]));
      expectPolicy(drifted.inputs?.policy, policy(["kms:Encrypt"]));
      expect(drifted.props?.policy).to.not.equal(outs.policy);
      expect(drifted.inputs).to.not.have.property("previousPolicy");
    });

    it("read: a key pending deletion or gone makes the resource gone", async () => {
      const key = await createKey(kms);
      const { id, outs } = await lifecycle.create(inputs(key.keyId));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }));
      expect(await lifecycle.read(id, outs)).to.deep.equal({});
      const ghost = { ...outs, keyArn: "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555" };
      expect(await lifecycle.read(ghost.keyArn, ghost)).to.deep.equal({});
    });

    it("diff: equivalent policy and same key by id or ARN is no change; settings change needs no API call", async () => {
      const key = await createKey(kms);
      const { outs } = await lifecycle.create(inputs(key.keyId));
      counting.reset();
      const reordered = JSON.stringify({ Statement: [...JSON.parse(policy()).Statement].reverse(), Version: "2012-10-17" });
      // The key by ARN instead of id: the same key, no change at all.
      expect(await lifecycle.diff(outs, inputs(key.arn, { policy: reordered }))).to.deep.equal({ changes: false, replaces: [] });
      expect(await lifecycle.diff(outs, inputs(key.keyId, { policy: reordered }))).to.deep.equal({ changes: false, replaces: [] });
      const other = await createKey(kms);
      expect((await lifecycle.diff(outs, inputs(other.keyId))).replaces).to.deep.equal(["keyId"]);
      const retained = await lifecycle.update(outs, inputs(key.keyId, { onDelete: "retain" }));
      expect(retained.outs.onDelete).to.equal("retain");
      expect(counting.count("PutKeyPolicy")).to.equal(0);
    });

    it("update: puts a changed policy and keeps previousPolicy", async () => {
      const key = await createKey(kms);
      const { outs } = await lifecycle.create(inputs(key.keyId));
      const { outs: updated } = await lifecycle.update(outs, inputs(key.keyId, { policy: policy(["kms:Encrypt"]) }));
      expect(policiesEquivalent(await live(key.keyId), policy(["kms:Encrypt"]))).to.equal(true);
      expect(updated.previousPolicy).to.equal(outs.previousPolicy);
    });

    it("delete: restore puts back the previous policy, default writes AWS's default, retain leaves it", async () => {
      const [a, b, c] = [await createKey(kms), await createKey(kms), await createKey(kms)];
      const original = await live(a.keyId);
      const restore = await lifecycle.create(inputs(a.keyId));
      await lifecycle.delete(restore.id, restore.outs);
      expectPolicy(await live(a.keyId), original);

      const toDefault = await lifecycle.create(inputs(b.keyId, { onDelete: "default" }));
      await kms.send(new PutKeyPolicyCommand({ KeyId: b.keyId, PolicyName: "default", Policy: policy(["kms:Sign"]) }));
      await lifecycle.delete(toDefault.id, toDefault.outs);
      expect(policiesEquivalent(await live(b.keyId), defaultKeyPolicy(b.arn))).to.equal(true);

      const retain = await lifecycle.create(inputs(c.keyId, { onDelete: "retain" }));
      await lifecycle.delete(retain.id, retain.outs);
      expect(policiesEquivalent(await live(c.keyId), policy())).to.equal(true);
    });

    it("delete on a key pending deletion writes nothing and says that the policy was left as the stack set it", async () => {
      const key = await createKey(kms);
      const { id, outs } = await lifecycle.create(inputs(key.keyId));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }));
      counting.reset();
      const { written } = await captureStderr(() => lifecycle.delete(id, outs));
      expect(counting.count("PutKeyPolicy")).to.equal(0);
      expect(written).to.contain(
        `key ${outs.keyArn} is PendingDeletion, so its policy was left as this stack set it (onDelete "restore" not carried out)`,
      );
      expect(policiesEquivalent(await live(key.keyId), policy())).to.equal(true);
    });

    it("create on a key pending deletion fails with the key state and changes nothing", async () => {
      const key = await createKey(kms);
      const before = await live(key.keyId);
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }));
      let message = "";
      await lifecycle.create(inputs(key.keyId)).catch((e: Error) => (message = e.message));
      expect(message).to.contain("PendingDeletion");
      expect(await live(key.keyId)).to.equal(before);
    });

    it("create on a missing key: a NotFound message that says what to check", async () => {
      let message = "";
      await lifecycle.create(inputs("11111111-2222-3333-4444-555555555555")).catch((e: Error) => (message = e.message));
      expect(message).to.contain("DescribeKey on key 11111111-2222-3333-4444-555555555555 failed: NotFoundException");
      expect(message).to.contain("Check keyId and region");
    });

    describe("a create that fails after its PutKeyPolicy leaves no policy nobody asked for", () => {
      let proxy: FaultProxy;
      let viaProxy: KeyPolicyLifecycle;
      const failedCreate = (keyId: string, overrides: Partial<KeyPolicyInputs> = {}) =>
        viaProxy.create(inputs(keyId, { readBackTimeoutSeconds: 0, ...overrides })).then(
          () => expect.fail("create succeeded"),
          (err: Error) => err,
        );

      before(async () => {
        const server = await moto();
        proxy = await new FaultProxy(server.endpoint).start();
        const client = testKms(server, { via: proxy, maxAttempts: 2 });
        viaProxy = new KeyPolicyLifecycle(() => new KeyApi(client), 10);
      });
      after(() => proxy.stop());

      it("a read-back that never confirms: the previous policy goes back, though reads still show it", async () => {
        const key = await createKey(kms);
        const before = await live(key.keyId);
        proxy.reset({ staleGetKeyPolicyReads: 1000 });
        const err = await failedCreate(key.keyId);
        expect(err.message).to.contain("GetKeyPolicy still returns a different policy");
        // The put succeeded, but it was undone: the message says first that the key was reverted.
        expect(err.message.split("\n")[0]).to.equal(
          `KeyPolicy: the create failed and key ${key.arn} was reverted: the policy it had before was put back, so nothing changed. What failed:`,
        );
        expect(err).to.not.be.instanceOf(ResourceInitFailedError);
        expect(proxy.count("PutKeyPolicy")).to.equal(2);
        expect(await live(key.keyId)).to.equal(before);
      });

      it("a put whose answer was lost (it landed) is undone too", async () => {
        const key = await createKey(kms);
        const before = await live(key.keyId);
        proxy.reset({ faults: [{ operations: ["PutKeyPolicy"], rate: 1, kinds: ["drop-after"], times: 2 }] });
        const err = await failedCreate(key.keyId);
        expect(err.message).to.contain("PutKeyPolicy on key");
        expect(proxy.count("PutKeyPolicy")).to.equal(3);
        expect(await live(key.keyId)).to.equal(before);
      });

      it("a put KMS refuses changed nothing, so nothing more is written", async () => {
        const key = await createKey(kms);
        const before = await live(key.keyId);
        proxy.reset({ faults: [{ operations: ["PutKeyPolicy"], rate: 1, kinds: ["access-denied"] }] });
        const err = await failedCreate(key.keyId);
        expect(err.message).to.contain("AccessDeniedException").and.contain("kms:PutKeyPolicy");
        expect(proxy.count("PutKeyPolicy")).to.equal(1);
        expect(await live(key.keyId)).to.equal(before);
      });

      it("when putting it back fails as well, the error hands Pulumi the resource with its previous policy", async () => {
        const key = await createKey(kms);
        const before = await live(key.keyId);
        proxy.reset({ staleGetKeyPolicyReads: 1000, faults: [{ operations: ["PutKeyPolicy"], rate: 1, kinds: ["internal"], skip: 1 }] });
        const err = await failedCreate(key.keyId);
        expect(err).to.be.instanceOf(ResourceInitFailedError);
        const init = err as ResourceInitFailedError;
        expect(init.id).to.equal(key.arn);
        expect(init.properties).to.include({ keyArn: key.arn, previousPolicy: before, policy: before });
        expect(init.reasons[0]).to.contain("pulumi destroy");
        expect(policiesEquivalent(await live(key.keyId), policy())).to.equal(true);
        // What Pulumi then runs: destroy puts the captured policy back.
        proxy.reset();
        await viaProxy.delete(init.id, init.properties as unknown as KeyPolicyOutputs);
        expect(await live(key.keyId)).to.equal(before);
      });
    });
  });
