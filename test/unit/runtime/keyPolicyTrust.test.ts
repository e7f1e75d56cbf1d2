import { expect } from "chai";
import { KeyApi } from "../../../provider/aws/keys";
import { OWNER_TAG, PENDING_TAG, PREVIOUS_POLICY_TAG_PREFIX, readOwnership } from "../../../provider/runtime/keyOwnership";
import { checkKeyPolicy } from "../../../provider/runtime/keyPolicyCheck";
import { KeyPolicyLifecycle, KeyPolicyOutputs } from "../../../provider/runtime/keyPolicyLifecycle";
import { ResourceInitFailedError } from "../../../provider/runtime/initFailure";
import { ProviderContext } from "../../../provider/runtime/context";
import { kmsError, MemoryKey } from "../../support/memoryKey";
import { captureStderr } from "../../support/stderr";

const account = "111122223333";
/** A policy with the account root and one role statement per name. */
const policy = (...roles: string[]) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
      ...roles.map((r) => ({
        Sid: r,
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:role/${r}` },
        Action: "kms:Decrypt",
        Resource: "*",
      })),
    ],
  });
const sids = (p: string) =>
  (JSON.parse(p) as { Statement: Array<{ Sid: string }> }).Statement.map((s) => s.Sid)
    .sort()
    .join(",");

let keys = 0;
function scenario(before: string) {
  const keyArn = `arn:aws:kms:us-east-1:${account}:key/0c0c0c0c-1111-2222-3333-${String(++keys).padStart(12, "0")}`;
  const key = new MemoryKey(keyArn, before);
  const lifecycle = (context?: ProviderContext) => new KeyPolicyLifecycle(() => new KeyApi(key), 1, context);
  const inputs = (p: string, extra: Record<string, unknown> = {}) => checkKeyPolicy({ keyId: keyArn, policy: p, ...extra }).inputs;
  return { key, keyArn, lifecycle, inputs };
}
const quietly = async <T>(run: () => Promise<T>) => (await captureStderr(run)).result;

describe("KeyPolicy trust: what a key's tags and KMS's answers are allowed to decide", () => {
  it("tags left by an owner that left the stack without its delete are not trusted: the live policy is recorded, the create names the owner and both policies, and destroy restores the live one", async () => {
    const { key, keyArn, lifecycle, inputs } = scenario(policy("oldContractor"));
    const a = await quietly(() => lifecycle().create(inputs(policy("appA"))));
    // `pulumi state delete` of A: no delete runs, its tags stay. The contractor is removed by hand.
    key.policy = policy();
    const b = await captureStderr(() => lifecycle().create(inputs(policy("appB"))));
    expect(sids(b.result.outs.previousPolicy)).to.equal("Root");
    expect(b.written).to.contain(`owner ${a.outs.ownerId}`);
    expect(b.written).to.contain("so its tags are not trusted");
    expect(b.written).to.contain("oldContractor"); // the policy the tags record, written out
    await quietly(() => lifecycle().delete(keyArn, b.result.outs));
    expect(sids(key.policy)).to.equal("Root");
    expect(key.tags.size).to.equal(0);
  });

  it("the pre-stack policy of an owner in this stack's state (diffed in this process, then replaced) comes from its state, never from the tags", async () => {
    const { key, keyArn, lifecycle, inputs } = scenario(policy("legacy"));
    const provider = lifecycle();
    const a = await quietly(() => provider.create(inputs(policy("app"))));
    // Tags rewritten by someone else: they no longer say what A's state says.
    key.tags.set(`${PREVIOUS_POLICY_TAG_PREFIX}0`, "tampered");
    await provider.diff(a.outs, inputs(policy("app")));
    const b = await captureStderr(() => provider.create(inputs(policy("app"))));
    expect(b.result.outs.previousPolicy).to.equal(a.outs.previousPolicy);
    expect(b.written).to.contain("is the one this stack is replacing");
    await quietly(() => provider.delete(keyArn, a.outs));
    expect(sids(key.policy)).to.equal("Root,app");
    await quietly(() => provider.delete(keyArn, b.result.outs));
    expect(sids(key.policy)).to.equal("Root,legacy");
  });

  it("a create killed after its put: the claim written before the put makes the recovery's create record the key's original policy, and destroy restores it", async () => {
    const { key, keyArn, lifecycle, inputs } = scenario(policy("legacyReader"));
    key.hangReadsAfterPut = true;
    void captureStderr(() => lifecycle().create(inputs(policy("app"))));
    while (key.puts.length === 0) await new Promise((r) => setImmediate(r));
    // Killed: nothing reached the state. The claim is on the key, pending.
    expect(readOwnership(Object.fromEntries(key.tags)).pending).to.be.a("string");
    key.hangReads = false;
    key.hangReadsAfterPut = false;
    const recovered = await captureStderr(() => lifecycle().create(inputs(policy("app"))));
    expect(sids(recovered.result.outs.previousPolicy)).to.equal("Root,legacyReader");
    expect(recovered.written).to.contain("a create that never finished");
    expect(key.tags.has(PENDING_TAG)).to.equal(false);
    await quietly(() => lifecycle().delete(keyArn, recovered.result.outs));
    expect(sids(key.policy)).to.equal("Root,legacyReader");
  });

  it("a pending claim on a key changed since is not trusted: the live policy is recorded", async () => {
    const { key, lifecycle, inputs } = scenario(policy("legacyReader"));
    key.hangReadsAfterPut = true;
    void captureStderr(() => lifecycle().create(inputs(policy("app"))));
    while (key.puts.length === 0) await new Promise((r) => setImmediate(r));
    key.hangReads = false;
    key.hangReadsAfterPut = false;
    key.policy = policy("handEdited");
    const next = await quietly(() => lifecycle().create(inputs(policy("app"))));
    expect(sids(next.outs.previousPolicy)).to.equal("Root,handEdited");
  });

  it("when the tags name another owner, a claim KMS refuses fails the create before any put, and the key and its tags stay as they were", async () => {
    const { key, keyArn, lifecycle, inputs } = scenario(policy());
    const x = await quietly(() => lifecycle().create(inputs(policy("app"))));
    const tagsBefore = new Map(key.tags);
    key.failNext.TagResource = [kmsError("ThrottlingException", "Rate exceeded", 8)];
    const failed = await captureStderr(() =>
      lifecycle()
        .create(inputs(policy("app", "auditor")))
        .then(
          () => undefined,
          (e: Error) => e,
        ),
    );
    expect(failed.result?.message).to.contain(`managed by another KeyPolicy (owner ${x.outs.ownerId})`);
    expect(failed.result?.message).to.contain("nothing was changed");
    expect(key.puts.length).to.equal(1);
    expect(sids(key.policy)).to.equal("Root,app");
    expect(key.tags).to.deep.equal(tagsBefore);
    // Pulumi runs no delete after a failed create: the state still has X, which still owns the key.
    await quietly(() => lifecycle().delete(keyArn, x.outs));
    expect(sids(key.policy)).to.equal("Root");
  });

  it("a successor kept in the stack by a failed create claims the key at its next update; the predecessor's delete then hands over instead of reverting it", async () => {
    const { key, keyArn, lifecycle, inputs } = scenario(policy());
    const x = await quietly(() => lifecycle().create(inputs(policy("app"))));
    // Rename X -> Y: Y's read-back never confirms, and putting the old policy back fails too.
    key.staleReads.push(...Array.from({ length: 60 }, () => policy("app")));
    const y = inputs(policy("app", "auditor"), { readBackTimeoutSeconds: 0.05 });
    const originalSend = key.send.bind(key);
    let puts = 0;
    key.send = async (command) => {
      if (command.constructor.name === "PutKeyPolicyCommand" && ++puts === 2) throw kmsError("ThrottlingException", "Rate exceeded", 8);
      return originalSend(command);
    };
    const failed = await captureStderr(() =>
      lifecycle()
        .create(y)
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
    );
    expect(failed.result).to.be.instanceOf(ResourceInitFailedError);
    const yState = (failed.result as ResourceInitFailedError).properties as unknown as KeyPolicyOutputs;
    key.send = originalSend;
    key.staleReads.length = 0;
    // The next `pulumi up`: Y is updated, then X (gone from the program) is deleted.
    const updated = await quietly(() => lifecycle().update(yState, inputs(policy("app", "auditor"))));
    expect(readOwnership(Object.fromEntries(key.tags)).owner).to.equal(updated.outs.ownerId);
    await quietly(() => lifecycle().delete(keyArn, x.outs));
    expect(sids(key.policy)).to.equal("Root,app,auditor");
    // Its destroy restores the policy from before the stack, handed over by X's delete.
    await quietly(() => lifecycle().delete(keyArn, updated.outs));
    expect(sids(key.policy)).to.equal("Root");
  });

  it("an update of a state that owns no key yet claims it, naming the owner it found as its predecessor", async () => {
    const { key, keyArn, lifecycle, inputs } = scenario(policy());
    const x = await quietly(() => lifecycle().create(inputs(policy("app"))));
    const { ownerId: _owner, ...unowned } = { ...x.outs, policy: policy("app") };
    const y = await quietly(() => lifecycle().update(unowned, inputs(policy("app"))));
    expect(y.outs.ownerId).to.be.a("string").and.not.equal(x.outs.ownerId);
    expect(y.outs.predecessor).to.equal(x.outs.ownerId);
    expect(key.tags.get(OWNER_TAG)).to.equal(y.outs.ownerId);
    await quietly(() => lifecycle().delete(keyArn, x.outs));
    expect(sids(key.policy)).to.equal("Root,app");
  });

  it("renamed twice without an alias and never refreshed: each delete hands on the pre-stack policy it was handed, and the last successor's destroy restores it", async () => {
    const { key, keyArn, lifecycle, inputs } = scenario(policy("legacy"));
    const x = await quietly(() => lifecycle().create(inputs(policy("app"))));
    const y = await quietly(() => lifecycle().create(inputs(policy("app"))));
    await quietly(() => lifecycle().delete(keyArn, x.outs));
    // The next `up` renames Y to Z (or `pulumi up --replace`, whose create no diff announces).
    const z = await quietly(() => lifecycle().create(inputs(policy("app", "auditor"))));
    await quietly(() => lifecycle().delete(keyArn, y.outs));
    expect(sids(key.policy)).to.equal("Root,app,auditor");
    await quietly(() => lifecycle().delete(keyArn, z.outs));
    expect(sids(key.policy)).to.equal("Root,legacy");
  });

  it("a destroy then an up at once: a stale answer with the destroyed stack's policy is not recorded as the pre-stack policy (a settled read)", async () => {
    const { key, keyArn, lifecycle, inputs } = scenario(policy());
    const a = await quietly(() => lifecycle().create(inputs(policy("app"))));
    await quietly(() => lifecycle().delete(keyArn, a.outs));
    key.staleReads.push(policy("app"), policy("app"));
    const b = await quietly(() => lifecycle().create(inputs(policy("app"))));
    expect(sids(b.outs.previousPolicy)).to.equal("Root");
  });

  it("a refresh moments after an update: the policy the update replaced, answered several times in a row, is stale, not drift", async () => {
    const { key, keyArn, lifecycle, inputs } = scenario(policy());
    const created = await quietly(() => lifecycle().create(inputs(policy("app"))));
    const updated = await quietly(() => lifecycle().update(created.outs, inputs(policy("app", "auditor"))));
    key.staleReads.push(policy("app"), policy("app"), policy("app"));
    const read = await captureStderr(() => lifecycle().read(keyArn, updated.outs));
    expect(sids(read.result.props?.policy as string)).to.equal("Root,app,auditor");
    expect(read.written).to.not.contain("drifted");
  });

  it("with kms-policy:previousPolicyInTags false, the tags record only the owner; a killed create's recovery then records the live policy", async () => {
    const context = new ProviderContext();
    context.configure({ get: (k) => (k === "kms-policy:previousPolicyInTags" ? "false" : undefined) });
    const { key, lifecycle, inputs } = scenario(policy("legacyReader"));
    key.hangReadsAfterPut = true;
    void captureStderr(() => lifecycle(context).create(inputs(policy("app"))));
    while (key.puts.length === 0) await new Promise((r) => setImmediate(r));
    expect([...key.tags.keys()].some((k) => k.startsWith(PREVIOUS_POLICY_TAG_PREFIX))).to.equal(false);
    key.hangReads = false;
    key.hangReadsAfterPut = false;
    const recovered = await quietly(() => lifecycle(context).create(inputs(policy("app"))));
    expect(sids(recovered.outs.previousPolicy)).to.equal("Root,app");
  });
});
