import { expect } from "chai";
import { KeyFacts } from "../../../provider/aws/keys";
import { describeAndJudgeKey } from "../../../provider/verdict";

const keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const facts = (state: string): KeyFacts => ({ arn: keyArn, keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", account: "111122223333", state });
const answering = (answer: () => Promise<KeyFacts>) => ({ describeKey: answer });
const failure = (name: string) => Object.assign(new Error(name), { name });

describe("verdict: describeAndJudgeKey, the one describe-then-judge of refresh, delete and drift", () => {
  it("an Enabled or Disabled key is usable, with its facts", async () => {
    for (const state of ["Enabled", "Disabled"])
      expect(
        await describeAndJudgeKey(
          answering(async () => facts(state)),
          keyArn,
        ),
      ).to.deep.equal({ status: "usable", key: facts(state) });
  });

  it("a key pending deletion is gone, and says its state (a delete tells it from a deleted key by `key`)", async () => {
    expect(
      await describeAndJudgeKey(
        answering(async () => facts("PendingDeletion")),
        keyArn,
      ),
    ).to.deep.equal({
      status: "gone",
      reason: `key ${keyArn} is PendingDeletion`,
      key: facts("PendingDeletion"),
    });
  });

  it("NotFound, bare or wrapped by the AWS layer, is gone without facts; any other failure is an error, never thrown", async () => {
    const wrapped = Object.assign(new Error("DescribeKey on key ...: NotFoundException"), { cause: failure("NotFoundException") });
    for (const err of [failure("NotFoundException"), wrapped])
      expect(
        await describeAndJudgeKey(
          answering(() => Promise.reject(err)),
          keyArn,
        ),
      ).to.deep.equal({ status: "gone", reason: `key ${keyArn} no longer exists` });
    const denied = failure("AccessDeniedException");
    expect(
      await describeAndJudgeKey(
        answering(() => Promise.reject(denied)),
        keyArn,
      ),
    ).to.deep.equal({ status: "error", error: denied });
  });
});
