import { GetKeyPolicyCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { KeyApi } from "../../../provider/aws/keys";
import { statementSids } from "../../../provider/policy/statementMerge";
import { StatementWrites, WATCH_POLLS } from "../../../provider/runtime/statementWrites";
import { InstantClock } from "../../support/manualClock";

const keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" };
const allows = (sid: string) =>
  JSON.stringify({
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::111122223333:role/${sid}` },
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
  let undo: { afterMs: number; at?: number; policy?: string } | undefined;
  const kms = {
    async send(command: object): Promise<unknown> {
      if (undo?.at !== undefined && clock.now() >= undo.at && undo.policy !== undefined) {
        policy = undo.policy;
        undo = undefined;
      }
      if (command instanceof GetKeyPolicyCommand) return { Policy: policy };
      if (command instanceof PutKeyPolicyCommand) {
        if (undo && undo.at === undefined) Object.assign(undo, { at: clock.now() + undo.afterMs, policy });
        policy = command.input.Policy as string;
        puts.push(policy);
        return {};
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  };
  return {
    api: new KeyApi(kms, { clock }),
    puts,
    live: () => policy,
    set: (next: string) => (policy = next),
    undoNextPut: (afterMs: number) => (undo = { afterMs }),
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
});
