import { ListGrantsCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { explainKmsError, isRefusal } from "../../../provider/aws/errors";
import { GrantApi } from "../../../provider/aws/grants";
import { KeyApi, SETTLED_READS } from "../../../provider/aws/keys";
import { InstantClock } from "../../support/manualClock";
import { parseKeyRef, sameKey } from "../../../provider/aws/keyRef";

const id = "1234abcd-12ab-34cd-56ef-1234567890ab";
const arn = `arn:aws:kms:us-east-1:111122223333:key/${id}`;

describe("AWS layer", () => {
  /** A KeyApi whose GetKeyPolicy answers `answers` in turn (the last one for ever), on a clock that never waits. */
  const answering = (answers: string[]) => {
    let calls = 0;
    const clock = new InstantClock();
    const api = new KeyApi({ send: (async () => ({ Policy: answers[Math.min(calls++, answers.length - 1)] })) as never }, { clock });
    return { api, calls: () => calls, clock };
  };
  const same = (a: string, b: string) => a === b;

  it("settledKeyPolicy: one call for the expected policy; another policy only after five equal answers in a row", async () => {
    const unchanged = answering(["new"]);
    expect(await unchanged.api.settledKeyPolicy("k", "default", "new", same, 1)).to.equal("new");
    expect(unchanged.calls()).to.equal(1);
    // KMS still answers some reads with the policy before the put.
    const propagating = answering(["old", "new", "old", "new", "new"]);
    expect(await propagating.api.settledKeyPolicy("k", "default", "new", same, 1)).to.equal("new");
    expect(propagating.calls()).to.equal(2);
    const drifted = answering(["other"]);
    expect(await drifted.api.settledKeyPolicy("k", "default", "new", same, 1)).to.equal("other");
    expect(drifted.calls()).to.equal(SETTLED_READS);
    // Two answers in a row do not settle a policy the stack did not write.
    const twoStale = answering(["old", "old", "new"]);
    expect(await twoStale.api.settledKeyPolicy("k", "default", undefined, same, 1)).to.equal("new");
    expect(twoStale.calls()).to.equal(2 + SETTLED_READS);
    // Flapping for ever: bounded by time, the last answer.
    const flapping = answering(Array.from({ length: 1000 }, (_, i) => (i % 2 ? "b" : "a")));
    await flapping.api.settledKeyPolicy("k", "default", "new", same, 100, { timeoutMs: 1000 });
    expect(flapping.calls()).to.be.within(10, 11);
  });

  it("settledKeyPolicy: the policy the stack just replaced is stale, not drift, however many times in a row; it is the answer only if it lasts the whole time", async () => {
    const stale = answering(["before", "before", "before", "before", "before", "before", "after"]);
    expect(await stale.api.settledKeyPolicy("k", "default", "after", same, 1, { replaced: "before" })).to.equal("after");
    expect(stale.calls()).to.equal(7);
    const putBack = answering(["before"]);
    const started = putBack.clock.now();
    expect(await putBack.api.settledKeyPolicy("k", "default", "after", same, 100, { replaced: "before", timeoutMs: 2000 })).to.equal(
      "before",
    );
    expect(putBack.clock.now() - started).to.be.at.least(1900);
  });

  it("readBack: the first equivalent answer does not end it; five in a row do; when the time is up first, the last answer decides", async () => {
    const flickering = answering(["old", "new", "old", "new", "new", "new", "new", "new"]);
    expect(await flickering.api.readBack("k", "default", "new", same, 1, 60_000)).to.deep.equal({ confirmed: true, live: "new" });
    expect(flickering.calls()).to.equal(8);
    // A timeout of 0 reads once, and that answer decides.
    const noTime = answering(["new", "old"]);
    expect(await noTime.api.readBack("k", "default", "new", same, 100, 0)).to.deep.equal({ confirmed: true, live: "new" });
    expect(noTime.calls()).to.equal(1);
    const never = answering(["old"]);
    expect(await never.api.readBack("k", "default", "new", same, 100, 1000)).to.deep.equal({ confirmed: false, live: "old" });
  });

  describe("retry while IAM propagates (kms-policy:iamPropagationSeconds)", () => {
    const refusal = (name: string, message: string) =>
      Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400, attempts: 1 } });
    /** A client that refuses `refusals` times, then succeeds. */
    const refusing = (refusals: number, error: () => Error, ok: unknown) => {
      let calls = 0;
      return {
        send: async () => {
          if (calls++ < refusals) throw error();
          return ok;
        },
        calls: () => calls,
      };
    };
    const invalidArn = () => refusal("InvalidArnException", "ARN arn:aws:iam::111122223333:role/new is not valid");
    const invalidPrincipals = () =>
      refusal("MalformedPolicyDocumentException", "Policy contains a statement with one or more invalid principals.");

    it("CreateGrant refused with InvalidArnException is retried until it succeeds, within the window", async () => {
      const clock = new InstantClock();
      const kms = refusing(4, invalidArn, { GrantId: "g", GrantToken: "t" });
      const api = new GrantApi(kms as never, { seconds: 120, clock });
      expect(
        await api.createGrant({ keyId: arn, granteePrincipal: "arn:aws:iam::111122223333:role/new", operations: ["Decrypt"], name: "n" }),
      ).to.deep.equal({
        grantId: "g",
        grantToken: "t",
      });
      expect(kms.calls()).to.equal(5);
    });

    it("PutKeyPolicy refused for invalid principals is retried; the final error says propagation was waited for, and how long", async () => {
      const clock = new InstantClock();
      const kms = refusing(1000, invalidPrincipals, {});
      const started = clock.now();
      const api = new KeyApi(kms as never, { propagation: { seconds: 120, clock } });
      const err = await api.putKeyPolicy(arn, "default", "{}", false).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.contain("MalformedPolicyDocumentException");
      expect(err?.message).to.contain("IAM propagation was waited for");
      expect(err?.message).to.contain("kms-policy:iamPropagationSeconds is 120");
      expect(clock.now() - started).to.be.within(120_000, 121_000);
      expect(kms.calls()).to.be.greaterThan(5);
      expect(isRefusal(err)).to.equal(true);
    });

    it("other refusals, and the same ones with the window at 0, are not retried", async () => {
      const clock = new InstantClock();
      const lockout = refusing(
        1,
        () => refusal("MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future."),
        {},
      );
      await new KeyApi(lockout as never, { propagation: { seconds: 120, clock } })
        .putKeyPolicy(arn, "default", "{}", false)
        .catch(() => undefined);
      expect(lockout.calls()).to.equal(1);
      const off = refusing(1, invalidArn, { GrantId: "g" });
      await new GrantApi(off as never, { seconds: 0, clock })
        .createGrant({ keyId: arn, granteePrincipal: "p", operations: ["Decrypt"], name: "n" })
        .catch(() => undefined);
      expect(off.calls()).to.equal(1);
    });
  });

  it("pages ListGrants through NextMarker until Truncated is false (real KMS pages by 100)", async () => {
    const sent: Array<Record<string, unknown>> = [];
    const pages = [
      { Grants: [{ GrantId: "a" }, { GrantId: "b" }], Truncated: true, NextMarker: "m1" },
      { Grants: [{ GrantId: "c" }], Truncated: true, NextMarker: "m2" },
      { Grants: [{ GrantId: "d" }], Truncated: false },
    ];
    const stub = {
      send: async (command: ListGrantsCommand) => {
        sent.push({ ...command.input });
        return pages[sent.length - 1];
      },
    };
    const grants = await new GrantApi(stub as never).listGrants(arn);
    expect(grants.map((g) => g.GrantId)).to.deep.equal(["a", "b", "c", "d"]);
    expect(sent.map((s) => s.Marker)).to.deep.equal([undefined, "m1", "m2"]);
    expect(sent.every((s) => s.Limit === 100)).to.equal(true);
  });

  it("treats a key id and its ARN as the same key, and other keys or regions as different", () => {
    expect(sameKey(id, arn)).to.equal(true);
    expect(sameKey(arn, arn.replace("us-east-1", "eu-west-1"))).to.equal(false);
    expect(sameKey(id, "11111111-2222-3333-4444-555555555555")).to.equal(false);
    expect(parseKeyRef(arn)).to.deep.equal({ keyId: id, arn, partition: "aws", region: "us-east-1", account: "111122223333" });
    expect(parseKeyRef("mrk-1234abcd12ab34cd56ef1234567890ab")).to.deep.equal({ keyId: "mrk-1234abcd12ab34cd56ef1234567890ab" });
  });

  const cases: Array<[string, RegExp]> = [
    ["NotFoundException", /Check keyId and region/],
    ["MalformedPolicyDocumentException", /principal that does not exist/],
    ["KMSInvalidStateException", /key's state/],
    ["LimitExceededException", /quota/],
    ["AccessDeniedException", /grant kms:PutKeyPolicy on this key/],
    ["ThrottlingException", /safe to run again/],
  ];
  for (const [name, advice] of cases) {
    it(`explains ${name} with what to do`, () => {
      const err = explainKmsError(
        { name, message: "boom", $metadata: { httpStatusCode: 400 } },
        { operation: "PutKeyPolicy", keyId: id, permission: "kms:PutKeyPolicy" },
      );
      expect(err.message).to.contain(`PutKeyPolicy on key ${id} failed: ${name}: boom`);
      expect(err.message).to.match(advice);
      expect(err.code).to.equal(name);
    });
  }
});

describe("RetireGrant refused", () => {
  it("AccessDenied says the grant decides who may retire it, and offers RevokeGrant, never a key-policy change", async () => {
    const denied = Object.assign(new Error("not authorized"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } });
    const api = new GrantApi({ send: async () => Promise.reject(denied) } as unknown as ConstructorParameters<typeof GrantApi>[0]);
    const err = await api.removeGrant("arn:aws:kms:us-east-1:111122223333:key/k", "g", "retire").then(
      () => expect.fail("RetireGrant succeeded"),
      (e: Error) => e,
    );
    expect(err.message).to.contain("RetireGrant on key");
    expect(err.message).to.match(/the grant decides who may retire it/);
    expect(err.message).to.match(/retiring principal, its grantee if the grant allows RetireGrant, or the account that created it/);
    expect(err.message).to.contain("retireOnDelete: false");
    expect(err.message).to.not.match(/grant kms:RetireGrant on this key|in the key policy/);
  });
});

describe("isRefusal: when a failed call certainly changed nothing", () => {
  const sdkError = (name: string, status: number, attempts: number) =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status, attempts } });

  it("a 4xx refusal on the first attempt changed nothing; a transient failure may have", () => {
    expect(isRefusal(sdkError("AccessDeniedException", 400, 1))).to.equal(true);
    expect(isRefusal(sdkError("ThrottlingException", 400, 1))).to.equal(false);
    expect(isRefusal(sdkError("KMSInternalException", 500, 1))).to.equal(false);
  });

  it("a 4xx on a retry is no proof: an earlier attempt may have landed", () => {
    expect(isRefusal(sdkError("AccessDeniedException", 400, 2))).to.equal(false);
    expect(
      isRefusal(
        explainKmsError(sdkError("MalformedPolicyDocumentException", 400, 3), {
          operation: "PutKeyPolicy",
          keyId: "k",
          permission: "kms:PutKeyPolicy",
        }),
      ),
    ).to.equal(false);
  });
});
