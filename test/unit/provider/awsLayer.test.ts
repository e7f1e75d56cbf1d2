import { ListGrantsCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { explainKmsError, isRefusal } from "../../../provider/aws/errors";
import { GrantApi } from "../../../provider/aws/grants";
import { KeyApi } from "../../../provider/aws/keys";
import { parseKeyRef, sameKey } from "../../../provider/aws/keyRef";

const id = "1234abcd-12ab-34cd-56ef-1234567890ab";
const arn = `arn:aws:kms:us-east-1:111122223333:key/${id}`;

describe("AWS layer", () => {
  it("settledKeyPolicy: one call for the expected policy; else reads until two answers agree, at most maxReads", async () => {
    const answering = (answers: string[]) => {
      let calls = 0;
      const api = new KeyApi({ send: (async () => ({ Policy: answers[Math.min(calls++, answers.length - 1)] })) as never });
      return { api, calls: () => calls };
    };
    const same = (a: string, b: string) => a === b;
    const unchanged = answering(["new"]);
    expect(await unchanged.api.settledKeyPolicy("k", "default", "new", same, 1)).to.equal("new");
    expect(unchanged.calls()).to.equal(1);
    // KMS still answers some reads with the policy before the put.
    const propagating = answering(["old", "new", "old", "new", "new"]);
    expect(await propagating.api.settledKeyPolicy("k", "default", "new", same, 1)).to.equal("new");
    expect(propagating.calls()).to.equal(5);
    const drifted = answering(["other", "other"]);
    expect(await drifted.api.settledKeyPolicy("k", "default", "new", same, 1)).to.equal("other");
    expect(drifted.calls()).to.equal(2);
    const flapping = answering(["a", "b", "a", "b", "a", "b", "a", "b"]);
    expect(await flapping.api.settledKeyPolicy("k", "default", "new", same, 1, 4)).to.equal("b");
    expect(flapping.calls()).to.equal(4);
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

  it("issue 12 #6: a 4xx on a retry is no proof: an earlier attempt may have landed", () => {
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

describe("provider settings", () => {
  const settings = require("../../../provider/runtime/settings") as typeof import("../../../provider/runtime/settings");
  const config = (values: Record<string, string>) => ({ get: (k: string) => values[k] });
  afterEach(() => settings.configureFromStack(config({})));

  it("region: the resource's, else the key ARN's, else the stack's aws:region", () => {
    settings.configureFromStack(config({ "aws:region": "eu-central-1" }));
    expect(settings.regionFor(id, "ap-south-1")).to.equal("ap-south-1");
    expect(settings.regionFor(arn)).to.equal("us-east-1");
    expect(settings.regionFor(id)).to.equal("eu-central-1");
    settings.configureFromStack(config({}));
    expect(settings.regionFor(id)).to.equal(undefined); // the AWS SDK resolves it
  });

  it("reads kms-policy:maxAttempts, requestTimeoutSeconds and grantListingDelaySeconds, with defaults", () => {
    settings.configureFromStack(
      config({ "kms-policy:maxAttempts": "3", "kms-policy:grantListingDelaySeconds": "0", "kms-policy:requestTimeoutSeconds": "2.5" }),
    );
    expect(settings.providerSettings()).to.deep.include({ maxAttempts: 3, grantListingDelaySeconds: 0, requestTimeoutSeconds: 2.5 });
    settings.configureFromStack(config({}));
    expect(settings.providerSettings()).to.deep.include({
      maxAttempts: undefined,
      grantListingDelaySeconds: 300,
      requestTimeoutSeconds: undefined,
    });
  });

  it("issue 12 #8: refuses a value a setting does not take, naming the key, the value and what it takes", () => {
    settings.configureFromStack(
      config({ "kms-policy:maxAttempts": "abc", "kms-policy:requestTimeoutSeconds": "0", "kms-policy:grantListingDelaySeconds": "60" }),
    );
    const problems = settings.stackSettingProblems();
    expect(problems.map((p) => p.property)).to.deep.equal(["kms-policy:maxAttempts", "kms-policy:requestTimeoutSeconds"]);
    expect(problems[0].reason).to.contain('kms-policy:maxAttempts is "abc"').and.contain(settings.STACK_SETTINGS.maxAttempts.accepts);
    expect(problems[0].reason).to.contain("pulumi config set kms-policy:maxAttempts");
    expect(problems[1].reason).to.contain('"0"').and.contain(settings.STACK_SETTINGS.requestTimeoutSeconds.accepts);
    settings.configureFromStack(config({ "kms-policy:maxAttempts": "3" }));
    expect(settings.stackSettingProblems()).to.deep.equal([]);
  });
});
