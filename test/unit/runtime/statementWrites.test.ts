import { GetKeyPolicyCommand, ListResourceTagsCommand, PutKeyPolicyCommand, TagResourceCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { KeyApi } from "../../../provider/aws/keys";
import { findStatement, statementSids } from "../../../provider/policy/statementMerge";
import { statementTag } from "../../../provider/runtime/keyOwnership";
import { StatementWriteError, StatementWrites, WATCH_POLLS } from "../../../provider/runtime/statementWrites";
import { InstantClock } from "../../support/manualClock";

const keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" };
const allows = (sid: string, role = sid) =>
  JSON.stringify({
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::111122223333:role/${role}` },
    Action: "kms:Decrypt",
    Resource: "*",
  });
const policyOf = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

/**
 * One key's policy on a clock where waits are over at once. `undo` schedules another writer's put
 * of the policy it read before ours: it lands `afterMs` after our first put, and until then every
 * read answers our policy (a host that has seen ours and not theirs).
 */
function fakeKey(clock: InstantClock) {
  let policy = policyOf(root);
  const puts: string[] = [];
  const putBy: string[] = [];
  const tags: Record<string, string> = {};
  let undo: { afterMs: number; at?: number; policy?: string } | undefined;
  let event: { afterMs: number; at?: number; run: () => void } | undefined;
  const kms = (who: string) => ({
    async send(command: object): Promise<unknown> {
      if (undo?.at !== undefined && clock.now() >= undo.at && undo.policy !== undefined) {
        policy = undo.policy;
        undo = undefined;
      }
      if (event?.at !== undefined && clock.now() >= event.at) {
        event.run();
        event = undefined;
      }
      if (command instanceof GetKeyPolicyCommand) return { Policy: policy };
      if (command instanceof PutKeyPolicyCommand) {
        if (undo && undo.at === undefined) Object.assign(undo, { at: clock.now() + undo.afterMs, policy });
        if (event && event.at === undefined) event.at = clock.now() + event.afterMs;
        policy = command.input.Policy as string;
        puts.push(policy);
        putBy.push(who);
        return {};
      }
      if (command instanceof ListResourceTagsCommand)
        return { Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) };
      if (command instanceof TagResourceCommand) {
        for (const t of command.input.Tags ?? []) tags[t.TagKey as string] = t.TagValue as string;
        return {};
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  });
  return {
    api: new KeyApi(kms("first"), { clock }),
    /** A KeyApi with other credentials, whose puts are recorded under `who`. */
    apiAs: (who: string) => new KeyApi(kms(who), { clock }),
    puts,
    putBy,
    live: () => policy,
    set: (next: string) => (policy = next),
    /** Another owner's claim on `sid`, as its create writes it. */
    claim: (sid: string, owner: string) => {
      const { key, value } = statementTag(sid, owner, clock.now());
      tags[key] = value;
    },
    undoNextPut: (afterMs: number) => (undo = { afterMs }),
    /** Something another writer does `afterMs` after our next put, seen by the next call after it. */
    afterNextPut: (afterMs: number, run: () => void) => (event = { afterMs, run }),
  };
}

describe("StatementWrites: one process's writes to one key's policy", () => {
  it("changes asked while a write is in flight are written together, in one put", async () => {
    const clock = new InstantClock();
    const key = fakeKey(clock);
    const writes = new StatementWrites({ pollMs: 250, random: () => 0.5, clock });
    await Promise.all(["A", "B", "C"].map((sid) => writes.write(key.api, keyArn, { sid, want: allows(sid) })));
    expect(key.puts).to.have.length(1);
    expect(statementSids(key.live())).to.deep.equal(["Root", "A", "B", "C"]);
  });

  it("a put undone by another writer late in the watch (two propagation times after it) is caught and merged again", async () => {
    const clock = new InstantClock();
    const key = fakeKey(clock);
    const writes = new StatementWrites({ pollMs: 250, random: () => 0.5, clock });
    // 4 s: past a watch of six quiet polls (1.5 s), within WATCH_POLLS polls (5 s).
    key.undoNextPut(4000);
    expect(4000).to.be.below(WATCH_POLLS * 250);
    await writes.write(key.api, keyArn, { sid: "A", want: allows("A") });
    expect(key.puts).to.have.length(2);
    expect(statementSids(key.live())).to.deep.equal(["Root", "A"]);
  });

  it("each write merges again what the process wrote before: a statement undone after its watch is put back by the next write", async () => {
    const clock = new InstantClock();
    const key = fakeKey(clock);
    const writes = new StatementWrites({ pollMs: 250, random: () => 0.5, clock });
    await writes.write(key.api, keyArn, { sid: "A", want: allows("A") });
    // Another writer, that read before A's put, puts after A's watch ended.
    key.set(policyOf(root));
    await writes.write(key.api, keyArn, { sid: "B", want: allows("B") });
    expect(key.puts).to.have.length(2);
    expect(statementSids(key.live())).to.deep.equal(["Root", "A", "B"]);
  });

  it("a change refused before any put (its check throws) fails alone; the others of its batch are written", async () => {
    const clock = new InstantClock();
    const key = fakeKey(clock);
    const writes = new StatementWrites({ pollMs: 250, random: () => 0.5, clock });
    const refused = writes.write(key.api, keyArn, {
      sid: "Root",
      want: allows("Root"),
      before: () => {
        throw new Error("the Sid is taken");
      },
    });
    const written = writes.write(key.api, keyArn, { sid: "B", want: allows("B") });
    const [r, w] = await Promise.allSettled([refused, written]);
    expect(r.status).to.equal("rejected");
    expect((r as PromiseRejectedResult).reason).to.include({ put: false, message: "the Sid is taken" });
    expect(w.status).to.equal("fulfilled");
    expect(statementSids(key.live())).to.deep.equal(["Root", "B"]);
  });

  it("a Sid this process removed is not removed again by its later writes once another stack has created it", async () => {
    const clock = new InstantClock();
    const key = fakeKey(clock);
    const writes = new StatementWrites({ pollMs: 250, random: () => 0.5, clock });
    await writes.write(key.api, keyArn, { sid: "Shared", want: allows("Shared", "a"), owner: "aaaa" });
    await writes.write(key.api, keyArn, { sid: "Shared", want: undefined, owner: "aaaa" });
    // Another stack creates "Shared" afterwards, with its own claim.
    key.claim("Shared", "bbbb");
    key.set(policyOf(root, JSON.parse(allows("Shared", "b"))));
    await writes.write(key.api, keyArn, { sid: "Other", want: allows("Other"), owner: "aaaa" });
    expect(statementSids(key.live())).to.deep.equal(["Root", "Shared", "Other"]);
    expect(JSON.stringify(findStatement(key.live(), "Shared"))).to.contain("role/b");
  });

  it("a statement another owner has claimed since (adopt) is not merged again: its text stays theirs", async () => {
    const clock = new InstantClock();
    const key = fakeKey(clock);
    const writes = new StatementWrites({ pollMs: 250, random: () => 0.5, clock });
    key.claim("X", "aaaa");
    await writes.write(key.api, keyArn, { sid: "X", want: allows("X", "a"), owner: "aaaa" });
    // Another stack adopts X: its claim, then its statement.
    key.claim("X", "bbbb");
    key.set(policyOf(root, JSON.parse(allows("X", "b"))));
    await writes.write(key.api, keyArn, { sid: "Y", want: allows("Y"), owner: "aaaa" });
    expect(statementSids(key.live())).to.deep.equal(["Root", "X", "Y"]);
    expect(JSON.stringify(findStatement(key.live(), "X"))).to.contain("role/b");
  });

  it("a Sid another owner claims while this write is watching is not put again: the write fails naming that owner", async () => {
    const clock = new InstantClock();
    const key = fakeKey(clock);
    const writes = new StatementWrites({ pollMs: 250, random: () => 0.5, clock });
    key.claim("X", "aaaa");
    // The other stack's create of X lands during the watch, claim first.
    key.afterNextPut(600, () => {
      key.claim("X", "bbbb");
      key.set(policyOf(root, JSON.parse(allows("X", "b"))));
    });
    let error: StatementWriteError | undefined;
    await writes
      .write(key.api, keyArn, { sid: "X", want: allows("X", "a"), owner: "aaaa" })
      .catch((err: StatementWriteError) => (error = err));
    expect(error).to.be.instanceOf(StatementWriteError);
    expect(error?.put).to.equal(true);
    expect(error?.claimedBy).to.contain("bbbb");
    expect(error?.message).to.contain("now names another owner");
    expect(key.puts).to.have.length(1);
    expect(JSON.stringify(findStatement(key.live(), "X"))).to.contain("role/b");
  });

  it("a create and a delete of one Sid asked together are written one after the other, in the order asked", async () => {
    const clock = new InstantClock();
    const key = fakeKey(clock);
    const writes = new StatementWrites({ pollMs: 250, random: () => 0.5, clock });
    const created = writes.write(key.api, keyArn, { sid: "X", want: allows("X") });
    const removed = writes.write(key.api, keyArn, { sid: "X", want: undefined });
    expect(statementSids(await created)).to.deep.equal(["Root", "X"]);
    expect(statementSids(await removed)).to.deep.equal(["Root"]);
    expect(key.puts).to.have.length(2);
  });

  it("changes made with other credentials are not put with the first one's: each batch puts with its own", async () => {
    const clock = new InstantClock();
    const key = fakeKey(clock);
    const writes = new StatementWrites({ pollMs: 250, random: () => 0.5, clock });
    await Promise.all([
      writes.write(key.apiAs("role-a"), keyArn, { sid: "A", want: allows("A"), access: "role-a" }),
      writes.write(key.apiAs("role-b"), keyArn, { sid: "B", want: allows("B"), access: "role-b" }),
    ]);
    expect(key.putBy).to.deep.equal(["role-a", "role-b"]);
    expect(statementSids(key.live())).to.deep.equal(["Root", "A", "B"]);
  });

  it("a hand-written duplicate of a Sid this process writes stays through its writes and watch, and is not taken for a missing statement", async () => {
    const clock = new InstantClock();
    const key = fakeKey(clock);
    const writes = new StatementWrites({ pollMs: 250, random: () => 0.5, clock });
    key.set(policyOf(root, JSON.parse(allows("A", "old")), JSON.parse(allows("A", "by-hand"))));
    await writes.write(key.api, keyArn, { sid: "A", want: allows("A") });
    await writes.write(key.api, keyArn, { sid: "B", want: allows("B") });
    expect(statementSids(key.live())).to.deep.equal(["Root", "A", "A", "B"]);
    expect(key.live()).to.contain("role/by-hand");
    expect(key.puts).to.have.length(2);
  });
});
