import {
  CancelKeyDeletionCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
} from "@aws-sdk/client-kms";
import { expect } from "chai";
import { KeyApi } from "../../provider/aws/keys";
import { policiesEquivalent } from "../../provider/policy";
import { findStatement, statementDocument, statementSids, statementText } from "../../provider/policy/statementMerge";
import { ProviderContext } from "../../provider/runtime/context";
import { EngineLog, LogSeverity } from "../../provider/runtime/engineLog";
import { ResourceInitFailedError } from "../../provider/runtime/initFailure";
import { OWNER_TAG, readStatementClaim, statementTag } from "../../provider/runtime/keyOwnership";
import { checkKeyPolicy } from "../../provider/runtime/keyPolicyCheck";
import { KeyPolicyLifecycle } from "../../provider/runtime/keyPolicyLifecycle";
import { checkKeyPolicyStatement, KeyPolicyStatementInputs } from "../../provider/runtime/keyPolicyStatementCheck";
import { KeyPolicyStatementLifecycle, KeyPolicyStatementOutputs } from "../../provider/runtime/keyPolicyStatementLifecycle";
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
const allows = (sid: string, role: string) => ({
  Sid: sid,
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${account}:role/${role}` },
  Action: ["kms:Decrypt"],
  Resource: "*",
});
const policyOf = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 2);
const sameStatement = (a: unknown, b: unknown) =>
  policiesEquivalent(statementDocument(statementText(a)), statementDocument(statementText(b)), { tolerant: true });

/** An engine log that keeps what it was told, for the warnings a test expects. */
class KeptLog extends EngineLog {
  readonly kept: Array<{ severity: LogSeverity; message: string }> = [];
  override async say(severity: LogSeverity, message: string): Promise<void> {
    this.kept.push({ severity, message });
  }
}

const MODES: Array<{ name: string; faithful?: FaithfulOptions }> = [
  { name: "moto" },
  { name: "the KMS-faithful mode", faithful: { policyPropagationMs: 300 } },
];

for (const mode of MODES)
  describe(`integration: who owns a KeyPolicyStatement's statement, on ${mode.name}`, () => {
    let kms: KMSClient;
    let client: KMSClient;
    let proxy: FaultProxy | undefined;
    /** A stack's provider process: its own writes, its own log. */
    const stack = () => {
      const log = new KeptLog();
      const counting = new CountingKms(client);
      const lifecycle = new KeyPolicyStatementLifecycle(() => new KeyApi(counting), 20, Math.random, new ProviderContext({ log }));
      return { lifecycle, log, counting };
    };
    const inputs = (keyId: string, statement: unknown, overrides: Partial<KeyPolicyStatementInputs> = {}): KeyPolicyStatementInputs => {
      const { inputs: checked, failures } = checkKeyPolicyStatement({ keyId, statement, ...overrides });
      expect(failures).to.deep.equal([]);
      return checked;
    };
    const live = async (keyId: string) =>
      (await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }))).Policy as string;
    const tags = (keyArn: string) => new KeyApi(kms).listTags(keyArn);
    const claimOwner = async (keyArn: string, sid: string) => readStatementClaim(await tags(keyArn), sid)?.owner;
    const freshKey = async () => {
      const key = await createKey(kms);
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policyOf(root) }));
      return key;
    };

    before(async () => {
      const server = await moto();
      kms = testKms(server);
      proxy = mode.faithful ? await new FaultProxy(server.endpoint, 1, mode.faithful).start() : undefined;
      client = proxy ? testKms(server, { via: proxy }) : kms;
    });
    after(() => proxy?.stop());

    it("a Sid one stack deleted and another stack then created is not removed by the first stack's later writes", async () => {
      const key = await freshKey();
      const a = stack();
      const b = stack();
      const shared = await a.lifecycle.create(inputs(key.keyId, allows("Shared", "a")));
      await a.lifecycle.delete(shared.id, shared.outs);
      const theirs = await b.lifecycle.create(inputs(key.keyId, allows("Shared", "b")));
      await a.lifecycle.create(inputs(key.keyId, allows("Other", "a")));
      const now = await live(key.keyId);
      expect([...statementSids(now)].sort()).to.deep.equal(["Enable IAM User Permissions", "Other", "Shared"]);
      expect(sameStatement(findStatement(now, "Shared"), allows("Shared", "b"))).to.equal(true);
      expect(await claimOwner(key.arn, "Shared")).to.equal(theirs.outs.ownerId);
    });

    it("a statement another stack adopted is not written back by the first stack's later writes", async () => {
      const key = await freshKey();
      const a = stack();
      const b = stack();
      await a.lifecycle.create(inputs(key.keyId, allows("X", "a")));
      await b.lifecycle.create(inputs(key.keyId, allows("X", "b"), { adopt: true }));
      await a.lifecycle.create(inputs(key.keyId, allows("Y", "a")));
      const now = await live(key.keyId);
      expect(sameStatement(findStatement(now, "X"), allows("X", "b"))).to.equal(true);
      expect(statementSids(now)).to.include("Y");
    });

    it("the delete of a resource whose statement another stack adopted leaves the statement and the claim, with a warning naming the key and the Sid", async () => {
      const key = await freshKey();
      const a = stack();
      const b = stack();
      const mine = await a.lifecycle.create(inputs(key.keyId, allows("X", "a")));
      const theirs = await b.lifecycle.create(inputs(key.keyId, allows("X", "b"), { adopt: true }));
      await a.lifecycle.delete(mine.id, mine.outs);
      const now = await live(key.keyId);
      expect(sameStatement(findStatement(now, "X"), allows("X", "b"))).to.equal(true);
      expect(await claimOwner(key.arn, "X")).to.equal(theirs.outs.ownerId);
      const warning = a.log.kept.find((s) => s.severity === "warning" && s.message.includes("left in the key's policy"));
      expect(warning?.message).to.contain('"X"');
      expect(warning?.message).to.contain(key.arn);
      expect(warning?.message).to.contain(theirs.outs.ownerId);
      // The new owner's delete still removes both.
      await b.lifecycle.delete(theirs.id, theirs.outs);
      expect(statementSids(await live(key.keyId))).to.deep.equal(["Enable IAM User Permissions"]);
      expect(await claimOwner(key.arn, "X")).to.equal(undefined);
    });

    it("the update of a resource whose statement another stack adopted refuses, naming the new owner, with no write", async () => {
      const key = await freshKey();
      const a = stack();
      const b = stack();
      const mine = await a.lifecycle.create(inputs(key.keyId, allows("X", "a")));
      const theirs = await b.lifecycle.create(inputs(key.keyId, allows("X", "b"), { adopt: true }));
      a.counting.reset();
      let error: Error | undefined;
      await a.lifecycle.update(mine.outs, inputs(key.keyId, allows("X", "a2"))).catch((err: Error) => (error = err));
      expect(error?.message).to.contain("now claimed by");
      expect(error?.message).to.contain(theirs.outs.ownerId);
      expect(a.counting.calls.get("PutKeyPolicy") ?? 0).to.equal(0);
      expect(sameStatement(findStatement(await live(key.keyId), "X"), allows("X", "b"))).to.equal(true);
    });

    it("a create refused because its Sid is taken leaves the owner's claim on the key as it was", async () => {
      const key = await freshKey();
      const a = stack();
      const b = stack();
      const mine = await a.lifecycle.create(inputs(key.keyId, allows("X", "a")));
      const before = await tags(key.arn);
      let error: Error | undefined;
      await b.lifecycle.create(inputs(key.keyId, allows("X", "b"))).catch((err: Error) => (error = err));
      expect(error?.message).to.match(/already has a statement with Sid "X"|is claimed by/);
      expect(await tags(key.arn)).to.deep.equal(before);
      expect(await claimOwner(key.arn, "X")).to.equal(mine.outs.ownerId);
    });

    it("a create refused for its Sid puts back the older claim it replaced, and never removes another owner's", async () => {
      const key = await freshKey();
      // A hand-written statement X under a claim of an older version (its value the Sid alone).
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policyOf(root, allows("X", "old")) }));
      const old = statementTag("X");
      await kms.send(new TagResourceCommand({ KeyId: key.arn, Tags: [{ TagKey: old.key, TagValue: old.value }] }));
      await stack()
        .lifecycle.create(inputs(key.keyId, allows("X", "b")))
        .catch(() => undefined);
      expect((await tags(key.arn))[old.key]).to.equal(old.value);
    });

    it("two stacks creating one Sid at once: one owns it, the other fails, and the loser's destroy leaves the winner's statement and claim", async () => {
      const key = await freshKey();
      const a = stack();
      const b = stack();
      const results = await Promise.allSettled([
        a.lifecycle.create(inputs(key.keyId, allows("Same", "a"))),
        b.lifecycle.create(inputs(key.keyId, allows("Same", "b"))),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      expect(won, JSON.stringify(results.map((r) => (r.status === "rejected" ? String(r.reason) : "ok")))).to.have.length(1);
      const winner = (won[0] as PromiseFulfilledResult<{ id: string; outs: KeyPolicyStatementOutputs }>).value;
      const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      const now = await live(key.keyId);
      expect(sameStatement(findStatement(now, "Same"), JSON.parse(winner.outs.statement))).to.equal(true);
      expect(await claimOwner(key.arn, "Same")).to.equal(winner.outs.ownerId);
      // A loser that had put is kept in its stack: its destroy must leave the winner's statement.
      if (loser.reason instanceof ResourceInitFailedError) {
        const loserStack = results[0] === loser ? a : b;
        await loserStack.lifecycle.delete(loser.reason.id, loser.reason.properties as unknown as KeyPolicyStatementOutputs);
        expect(sameStatement(findStatement(await live(key.keyId), "Same"), JSON.parse(winner.outs.statement))).to.equal(true);
        expect(await claimOwner(key.arn, "Same")).to.equal(winner.outs.ownerId);
      }
    });

    it("a KeyPolicy create counts a fresh claim whose statement is not in the policy yet (a KeyPolicyStatement being written)", async () => {
      const key = await freshKey();
      const claim = statementTag("Landing", "0123456789abcdef01234567", Date.now());
      await kms.send(new TagResourceCommand({ KeyId: key.arn, Tags: [{ TagKey: claim.key, TagValue: claim.value }] }));
      const whole = new KeyPolicyLifecycle(() => new KeyApi(kms), 10);
      const { inputs: wholeInputs, failures } = checkKeyPolicy({ keyId: key.keyId, policy: policyOf(root) });
      expect(failures).to.deep.equal([]);
      let error: Error | undefined;
      await whole.create(wholeInputs).catch((err: Error) => (error = err));
      expect(error?.message).to.contain('owned by KeyPolicyStatements (Sid "Landing"');
      expect(error?.message).to.contain(`--tag-keys '${claim.key}'`);
      expect((await tags(key.arn))[OWNER_TAG]).to.equal(undefined);
    });

    it("the untag instruction of a refused KeyPolicy create gives the claim's real tag key, a digest for a Sid that does not fit one", async () => {
      const key = await freshKey();
      const a = stack();
      await a.lifecycle.create(inputs(key.keyId, allows("Allow app (prod)", "app")));
      const { key: tagKey } = statementTag("Allow app (prod)");
      expect(tagKey).to.not.contain("(");
      const whole = new KeyPolicyLifecycle(() => new KeyApi(kms), 10);
      const { inputs: wholeInputs } = checkKeyPolicy({ keyId: key.keyId, policy: policyOf(root) });
      let error: Error | undefined;
      await whole.create(wholeInputs).catch((err: Error) => (error = err));
      expect(error?.message).to.contain(`--tag-keys '${tagKey}'`);
    });

    it("a KeyPolicyStatement's update refuses a key a whole-policy KeyPolicy has taken over since, with no write", async () => {
      const key = await freshKey();
      const a = stack();
      const mine = await a.lifecycle.create(inputs(key.keyId, allows("X", "a")));
      // A KeyPolicy took the key (for instance over a claim left over): its ownership tag, its policy.
      await kms.send(new TagResourceCommand({ KeyId: key.arn, Tags: [{ TagKey: OWNER_TAG, TagValue: "fedcba9876543210fedcba98" }] }));
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policyOf(root) }));
      const refreshed = await a.lifecycle.read(mine.id, mine.outs);
      a.counting.reset();
      let error: Error | undefined;
      await a.lifecycle.update(refreshed.props!, inputs(key.keyId, allows("X", "a"))).catch((err: Error) => (error = err));
      expect(error?.message).to.contain("managed whole by a KeyPolicy");
      expect(error?.message).to.contain("fedcba9876543210fedcba98");
      expect(a.counting.calls.get("PutKeyPolicy") ?? 0).to.equal(0);
      expect(statementSids(await live(key.keyId))).to.deep.equal(["Enable IAM User Permissions"]);
    });

    it("after a refresh on a key pending deletion, the warning's way back (cancel, then adopt: true) manages the statement again", async () => {
      const key = await freshKey();
      const a = stack();
      const mine = await a.lifecycle.create(inputs(key.keyId, allows("X", "a")));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }));
      expect(await a.lifecycle.read(mine.id, mine.outs)).to.deep.equal({});
      const warning = a.log.kept.find((s) => s.severity === "warning" && s.message.includes("gone from the stack"));
      expect(warning?.message).to.contain("adopt: true");
      await kms.send(new CancelKeyDeletionCommand({ KeyId: key.keyId }));
      await kms.send(new EnableKeyCommand({ KeyId: key.keyId }));
      // As the warning says: without adopt the Sid is refused, with it the statement is taken back.
      let error: Error | undefined;
      await a.lifecycle.create(inputs(key.keyId, allows("X", "a"))).catch((err: Error) => (error = err));
      expect(error?.message).to.contain('Sid "X"');
      expect(error?.message).to.contain("adopt: true");
      const back = await a.lifecycle.create(inputs(key.keyId, allows("X", "a"), { adopt: true }));
      expect(await claimOwner(key.arn, "X")).to.equal(back.outs.ownerId);
    });
  });
