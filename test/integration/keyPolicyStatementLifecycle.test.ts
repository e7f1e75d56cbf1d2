import { GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand, ScheduleKeyDeletionCommand, TagResourceCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { KeyApi } from "../../provider/aws/keys";
import { policiesEquivalent } from "../../provider/policy";
import { findStatement, statementDocument, statementSids, statementText } from "../../provider/policy/statementMerge";
import { OWNER_TAG, STATEMENT_TAG_PREFIX, statementTag } from "../../provider/runtime/keyOwnership";
import { checkKeyPolicy } from "../../provider/runtime/keyPolicyCheck";
import { KeyPolicyLifecycle } from "../../provider/runtime/keyPolicyLifecycle";
import { checkKeyPolicyStatement, KeyPolicyStatementInputs } from "../../provider/runtime/keyPolicyStatementCheck";
import { KeyPolicyStatementLifecycle, MAX_WRITE_ATTEMPTS } from "../../provider/runtime/keyPolicyStatementLifecycle";
import { ResourceInitFailedError } from "../../provider/runtime/initFailure";
import { CountingKms } from "../support/countingKms";
import { FaultProxy } from "../support/faultProxy";
import { FaithfulOptions } from "../support/kmsFaithful";
import { moto } from "../support/hooks";
import { createKey, testKms } from "../support/kms";

const account = "123456789012";
const root = {
  Sid: "Enable IAM User Permissions",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: "kms:*",
  Resource: "*",
};
const handWritten = {
  Sid: "HandWritten",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${account}:role/ops` },
  Action: "kms:Encrypt",
  Resource: "*",
};
const allows = (sid: string, role: string, actions: string[] = ["kms:Decrypt"]) => ({
  Sid: sid,
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${account}:role/${role}` },
  Action: actions,
  Resource: "*",
});
const policyOf = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 2);
/** The meaning of a statement, whatever KMS did to its text. */
const sameStatement = (a: unknown, b: unknown) =>
  policiesEquivalent(statementDocument(statementText(a)), statementDocument(statementText(b)), { tolerant: true });

// On moto as it is, and through the proxy in the KMS-faithful mode: there GetKeyPolicy answers
// re-serialized, statements in another order, and for a while after each put alternates between
// the policy before and the one put (docs/kms-emulator.md).
const MODES: Array<{ name: string; faithful?: FaithfulOptions }> = [
  { name: "moto" },
  { name: "the KMS-faithful mode", faithful: { policyPropagationMs: 300 } },
];

for (const mode of MODES)
  describe(`integration: KeyPolicyStatement lifecycle on ${mode.name}`, () => {
    let kms: KMSClient;
    let counting: CountingKms;
    let client: KMSClient;
    let lifecycle: KeyPolicyStatementLifecycle;
    let proxy: FaultProxy | undefined;
    const inputs = (keyId: string, statement: unknown, overrides: Partial<KeyPolicyStatementInputs> = {}): KeyPolicyStatementInputs => {
      const { inputs: checked, failures } = checkKeyPolicyStatement({ keyId, statement, ...overrides });
      expect(failures).to.deep.equal([]);
      return checked;
    };
    /**
     * The Sids of the key's policy, in order on moto; in the faithful mode, where a read returns
     * the statements in another order (and the merge keeps the order it read), as a set.
     */
    const expectSids = (policy: string, expected: string[]) =>
      mode.faithful
        ? expect([...statementSids(policy)].sort()).to.deep.equal([...expected].sort())
        : expect(statementSids(policy)).to.deep.equal(expected);
    const live = async (keyId: string) =>
      (await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }))).Policy as string;
    /** A key whose policy has the default root statement and a statement written by hand. */
    const sharedKey = async () => {
      const key = await createKey(kms);
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policyOf(root, handWritten) }));
      return key;
    };

    before(async () => {
      const server = await moto();
      kms = testKms(server);
      proxy = mode.faithful ? await new FaultProxy(server.endpoint, 1, mode.faithful).start() : undefined;
      client = proxy ? testKms(server, { via: proxy }) : kms;
      counting = new CountingKms(client);
      lifecycle = new KeyPolicyStatementLifecycle(() => new KeyApi(counting), 20);
    });
    after(() => proxy?.stop());
    beforeEach(() => counting.reset());

    it("create merges the statement after the others; the hand-written and root statements keep their text", async () => {
      const key = await sharedKey();
      const before = await live(key.keyId);
      const { id, outs } = await lifecycle.create(inputs(key.keyId, allows("AppDecrypts", "app")));
      expect(id).to.equal(`${key.arn}#AppDecrypts`);
      expect(outs).to.deep.include({ keyArn: key.arn, sid: "AppDecrypts", adopt: false });
      const after = await live(key.keyId);
      expectSids(after, ["Enable IAM User Permissions", "HandWritten", "AppDecrypts"]);
      expect(findStatement(after, "HandWritten")).to.deep.equal(findStatement(before, "HandWritten"));
      expect(sameStatement(findStatement(after, "AppDecrypts"), allows("AppDecrypts", "app"))).to.equal(true);
      expect(counting.calls.get("PutKeyPolicy")).to.equal(1);
    });

    it("create refuses a Sid the policy already has, naming the Sid and the key, and writes nothing", async () => {
      const key = await sharedKey();
      const before = await live(key.keyId);
      let error: Error | undefined;
      await lifecycle.create(inputs(key.keyId, { ...handWritten, Action: "kms:*" })).catch((err: Error) => (error = err));
      expect(error?.message).to.contain('already has a statement with Sid "HandWritten"');
      expect(error?.message).to.contain(key.arn);
      expect(error?.message).to.contain("adopt: true");
      expect(counting.calls.get("PutKeyPolicy") ?? 0).to.equal(0);
      expect(await live(key.keyId)).to.equal(before);
    });

    it("adopt takes the existing statement over: create replaces it in place, delete removes it", async () => {
      const key = await sharedKey();
      const adopted = { ...handWritten, Action: ["kms:Encrypt", "kms:Decrypt"] };
      const { outs } = await lifecycle.create(inputs(key.keyId, adopted, { adopt: true }));
      const after = await live(key.keyId);
      expectSids(after, ["Enable IAM User Permissions", "HandWritten"]);
      expect(sameStatement(findStatement(after, "HandWritten"), adopted)).to.equal(true);
      await lifecycle.delete(`${key.arn}#HandWritten`, outs);
      expectSids(await live(key.keyId), ["Enable IAM User Permissions"]);
    });

    it("update replaces the statement in its place; delete removes it and leaves the rest as it is", async () => {
      const key = await sharedKey();
      const first = await lifecycle.create(inputs(key.keyId, allows("AppDecrypts", "app")));
      const other = await lifecycle.create(inputs(key.keyId, allows("Billing", "billing")));
      const changed = allows("AppDecrypts", "app", ["kms:Decrypt", "kms:GenerateDataKey"]);
      const news = inputs(key.keyId, changed);
      expect((await lifecycle.diff(first.outs, news)).changes).to.equal(true);
      const { outs } = await lifecycle.update(first.outs, news);
      let now = await live(key.keyId);
      expectSids(now, ["Enable IAM User Permissions", "HandWritten", "AppDecrypts", "Billing"]);
      expect(sameStatement(findStatement(now, "AppDecrypts"), changed)).to.equal(true);
      await lifecycle.delete(`${key.arn}#AppDecrypts`, outs);
      now = await live(key.keyId);
      expectSids(now, ["Enable IAM User Permissions", "HandWritten", "Billing"]);
      expect(sameStatement(findStatement(now, "Billing"), JSON.parse(other.outs.statement))).to.equal(true);
    });

    it("a statement that would lock the key (Deny kms:PutKeyPolicy to everyone) is refused with no write", async () => {
      const key = await sharedKey();
      const before = await live(key.keyId);
      const deny = { Sid: "DenyAll", Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*" };
      let error: Error | undefined;
      await lifecycle.create(inputs(key.keyId, deny)).catch((err: Error) => (error = err));
      expect(error?.message).to.contain('KeyPolicyStatement "DenyAll"');
      expect(error?.message).to.contain("nobody could change the policy again");
      expect(error?.message).to.contain("Nothing was written");
      expect(counting.calls.get("PutKeyPolicy") ?? 0).to.equal(0);
      expect(await live(key.keyId)).to.equal(before);
    });

    it("a statement that takes the merged policy over 32 KB is refused with no write", async () => {
      const key = await sharedKey();
      const big = allows(
        "Huge",
        "app",
        Array.from({ length: 2200 }, (_, i) => `kms:Action${i}`),
      );
      let error: Error | undefined;
      await lifecycle
        .create({ ...inputs(key.keyId, allows("Huge", "app")), statement: JSON.stringify(big) })
        .catch((err: Error) => (error = err));
      expect(error?.message).to.match(/KMS accepts at most 32768/);
      expect(counting.calls.get("PutKeyPolicy") ?? 0).to.equal(0);
    });

    it("refuses a key whose ownership tag names a whole-policy KeyPolicy, naming that owner", async () => {
      const key = await sharedKey();
      await kms.send(new TagResourceCommand({ KeyId: key.keyId, Tags: [{ TagKey: OWNER_TAG, TagValue: "0123456789abcdef01234567" }] }));
      let error: Error | undefined;
      await lifecycle.create(inputs(key.keyId, allows("AppDecrypts", "app"))).catch((err: Error) => (error = err));
      expect(error?.message).to.contain("managed whole by a KeyPolicy");
      expect(error?.message).to.contain("0123456789abcdef01234567");
      expect(counting.calls.get("PutKeyPolicy") ?? 0).to.equal(0);
    });

    it("a KeyPolicy create on a key where KeyPolicyStatements own statements refuses, naming their Sids, with no write; after their delete it takes the key", async () => {
      const key = await sharedKey();
      const { outs } = await lifecycle.create(inputs(key.keyId, allows("AppDecrypts", "app")));
      const tags = await new KeyApi(kms).listTags(key.arn);
      expect(tags).to.include({ [`${STATEMENT_TAG_PREFIX}AppDecrypts`]: "AppDecrypts" });
      const before = await live(key.keyId);
      const whole = new KeyPolicyLifecycle(() => new KeyApi(counting), 10);
      const { inputs: wholeInputs, failures } = checkKeyPolicy({ keyId: key.keyId, policy: policyOf(root) });
      expect(failures).to.deep.equal([]);
      counting.reset();
      let error: Error | undefined;
      await whole.create(wholeInputs).catch((err: Error) => (error = err));
      expect(error?.message).to.contain('owned by KeyPolicyStatements (Sid "AppDecrypts"');
      expect(error?.message).to.contain(key.arn);
      expect(error?.message).to.contain("Nothing was written");
      expect(counting.calls.get("PutKeyPolicy") ?? 0).to.equal(0);
      expect(counting.calls.get("TagResource") ?? 0).to.equal(0);
      expect(await live(key.keyId)).to.equal(before);
      await lifecycle.delete(`${key.arn}#AppDecrypts`, outs);
      expect(Object.keys(await new KeyApi(kms).listTags(key.arn)).filter((k) => k.startsWith(STATEMENT_TAG_PREFIX))).to.deep.equal([]);
      const created = await whole.create(wholeInputs);
      expect(created.id).to.equal(key.arn);
    });

    it("a claim tag whose statement is no longer in the policy is left over: a KeyPolicy create passes it over and takes the key", async () => {
      const key = await sharedKey();
      const leftOver = statementTag("GoneTeam");
      await kms.send(new TagResourceCommand({ KeyId: key.arn, Tags: [{ TagKey: leftOver.key, TagValue: leftOver.value }] }));
      const whole = new KeyPolicyLifecycle(() => new KeyApi(kms), 10);
      const { inputs: wholeInputs, failures } = checkKeyPolicy({ keyId: key.keyId, policy: policyOf(root) });
      expect(failures).to.deep.equal([]);
      const created = await whole.create(wholeInputs);
      expect(created.id).to.equal(key.arn);
      expect(statementSids(await live(key.keyId))).to.deep.equal(statementSids(policyOf(root)));
    });

    it("a create refused with no write (its Sid taken) leaves no claim in the key's tags", async () => {
      const key = await sharedKey();
      await lifecycle.create(inputs(key.keyId, { ...handWritten, Action: "kms:*" })).catch(() => undefined);
      const tags = await new KeyApi(kms).listTags(key.arn);
      expect(Object.keys(tags).filter((k) => k.startsWith(STATEMENT_TAG_PREFIX))).to.deep.equal([]);
    });

    it("refresh: another owner's statement changing is no drift; its own statement changed or removed is, and update puts it back", async () => {
      const key = await sharedKey();
      const { id, outs } = await lifecycle.create(inputs(key.keyId, allows("AppDecrypts", "app")));
      // Someone edits the hand-written statement: not this resource's drift.
      const edited = (await live(key.keyId)).replace("kms:Encrypt", "kms:Sign");
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: edited }));
      const quiet = await lifecycle.read(id, outs);
      expect(quiet.props?.statement).to.equal(outs.statement);
      // Its own statement removed out of band: drift, recorded as no statement.
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policyOf(root, handWritten) }));
      const removed = await lifecycle.read(id, outs);
      expect(removed.props?.statement).to.equal("");
      const news = inputs(key.keyId, allows("AppDecrypts", "app"));
      expect((await lifecycle.diff(removed.props!, news)).changes).to.equal(true);
      await lifecycle.update(removed.props!, news);
      expectSids(await live(key.keyId), ["Enable IAM User Permissions", "HandWritten", "AppDecrypts"]);
      // Changed out of band: the live statement is recorded.
      const widened = policyOf(root, handWritten, allows("AppDecrypts", "app", ["kms:*"]));
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: widened }));
      const changed = await lifecycle.read(id, outs);
      expect(sameStatement(JSON.parse(changed.props?.statement ?? "{}"), allows("AppDecrypts", "app", ["kms:*"]))).to.equal(true);
    });

    it("a statement KMS re-serialized is no diff and no drift", async () => {
      const key = await sharedKey();
      const { id, outs } = await lifecycle.create(inputs(key.keyId, allows("AppDecrypts", "app")));
      const read = await lifecycle.read(id, outs);
      expect(read.props?.statement).to.equal(outs.statement);
      const reordered = {
        Resource: "*",
        Action: "kms:Decrypt",
        Principal: { AWS: [`arn:aws:iam::${account}:role/app`] },
        Effect: "Allow",
        Sid: "AppDecrypts",
      };
      expect(await lifecycle.diff(outs, inputs(key.keyId, reordered))).to.deep.equal({ changes: false, replaces: [] });
    });

    it("another Sid or another key replaces the resource", async () => {
      const key = await sharedKey();
      const other = await createKey(kms);
      const { outs } = await lifecycle.create(inputs(key.keyId, allows("AppDecrypts", "app")));
      expect((await lifecycle.diff(outs, inputs(key.keyId, allows("AppEncrypts", "app")))).replaces).to.deep.equal(["statement"]);
      expect((await lifecycle.diff(outs, inputs(other.keyId, allows("AppDecrypts", "app")))).replaces).to.deep.equal(["keyId"]);
    });

    it("a key pending deletion makes the resource gone; its delete is then a no-op", async () => {
      const key = await sharedKey();
      const { id, outs } = await lifecycle.create(inputs(key.keyId, allows("AppDecrypts", "app")));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }));
      expect(await lifecycle.read(id, outs)).to.deep.equal({});
      counting.reset();
      await lifecycle.delete(id, outs);
      expect(counting.calls.get("PutKeyPolicy") ?? 0).to.equal(0);
    });

    it("ten statements created at once by one provider take turns on the key: none is lost", async () => {
      const key = await sharedKey();
      const sids = Array.from({ length: 10 }, (_, i) => `App${i}`);
      await Promise.all(sids.map((sid) => lifecycle.create(inputs(key.keyId, allows(sid, `app${sid}`)))));
      expect([...statementSids(await live(key.keyId))].sort()).to.deep.equal(
        ["Enable IAM User Permissions", "HandWritten", ...sids].sort(),
      );
      // Those asked while a put is in flight join the next: a few puts for ten statements, not ten.
      expect(counting.calls.get("PutKeyPolicy")).to.be.at.most(3);
    });

    it("a statement this provider wrote and another writer then undid is put back by the provider's next write to the key", async () => {
      const key = await sharedKey();
      await lifecycle.create(inputs(key.keyId, allows("First", "first")));
      // A writer elsewhere puts a policy it read before that create, after the create's watch ended.
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policyOf(root, handWritten) }));
      await lifecycle.create(inputs(key.keyId, allows("Second", "second")));
      const now = await live(key.keyId);
      expectSids(now, ["Enable IAM User Permissions", "HandWritten", "First", "Second"]);
      expect(sameStatement(findStatement(now, "First"), allows("First", "first"))).to.equal(true);
    });

    it("writers in separate processes (separate lifecycles) at once: merged again until none is lost", async () => {
      const key = await sharedKey();
      // Each its own provider process: no turns shared, so their read-merge-put cycles overlap. The
      // watch after a put (6 polls of 100 ms) outlasts the faithful mode's propagation (300 ms).
      const writers = Array.from({ length: 4 }, () => new KeyPolicyStatementLifecycle(() => new KeyApi(new CountingKms(client)), 100));
      for (let round = 0; round < 2; round++) {
        const sids = writers.map((_, i) => `Round${round}Writer${i}`);
        await Promise.all(writers.map((w, i) => w.create(inputs(key.keyId, allows(sids[i], `writer${i}`)))));
        const now = await live(key.keyId);
        for (const sid of sids) expect(statementSids(now), sid).to.include(sid);
        expect(statementSids(now)).to.include.members(["Enable IAM User Permissions", "HandWritten"]);
      }
    });

    it("a writer that undoes every put makes the create fail after the bounded attempts, saying so; the stack keeps the resource", async () => {
      const key = await sharedKey();
      const original = policyOf(root, handWritten);
      // After each put, another writer puts the policy it read before: this resource's put is always undone.
      class Undone extends KeyApi {
        override async putKeyPolicy(keyId: string, name: string, policy: string, bypass: boolean, lint?: string): Promise<void> {
          await super.putKeyPolicy(keyId, name, policy, bypass, lint);
          await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: original }));
        }
      }
      const raced = new KeyPolicyStatementLifecycle(() => new Undone(counting), 20);
      let error: Error | undefined;
      await raced.create(inputs(key.keyId, allows("AppDecrypts", "app"))).catch((err: Error) => (error = err));
      expect(error).to.be.instanceOf(ResourceInitFailedError);
      expect(error?.message).to.contain(`after ${MAX_WRITE_ATTEMPTS} puts`);
      expect(error?.message).to.contain("another writer");
      expect((error as ResourceInitFailedError).properties.statement).to.equal("");
      expect(counting.calls.get("PutKeyPolicy")).to.equal(MAX_WRITE_ATTEMPTS);
      expect(await live(key.keyId)).to.equal(original);
    });
  });
