import { GrantListEntry } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { KmsOperationError } from "../../../provider/aws/errors";
import { GrantVerdict, isKeyNotFound, judgeGrant, judgeKey, judgePolicy, unsettled } from "../../../provider/verdict";

const keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const role = "arn:aws:iam::111122223333:role/app";
const now = Date.parse("2026-01-01T12:00:00Z");
const delay = 300_000;
const ago = (ms: number) => new Date(now - ms).toISOString();

describe("verdict: what KMS's answers mean for the recorded state (refresh and kms-policy drift)", () => {
  describe("the key", () => {
    const facts = (state: string) => ({ arn: keyArn, keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", account: "111122223333", state });
    const notFound = Object.assign(new Error("no key"), { name: "NotFoundException" });
    const table: Array<[string, Parameters<typeof judgeKey>[1], string, RegExp?]> = [
      ["enabled", { key: facts("Enabled") }, "usable"],
      ["disabled: still managed", { key: facts("Disabled") }, "usable"],
      ["pending deletion", { key: facts("PendingDeletion") }, "gone", /is PendingDeletion/],
      ["a replica pending deletion", { key: facts("PendingReplicaDeletion") }, "gone", /is PendingReplicaDeletion/],
      ["NotFound from the SDK", { error: notFound }, "gone", /no longer exists/],
      [
        "NotFound wrapped by the AWS layer",
        { error: new KmsOperationError("DescribeKey failed", "NotFoundException", notFound) },
        "gone",
        /no longer exists/,
      ],
      ["access denied", { error: Object.assign(new Error("denied"), { name: "AccessDeniedException" }) }, "error"],
    ];
    for (const [what, answer, status, reason] of table) {
      it(`${what}: ${status}`, () => {
        const verdict = judgeKey(keyArn, answer);
        expect(verdict.status).to.equal(status);
        if (reason) expect(verdict.status === "gone" && verdict.reason).to.match(reason);
      });
    }
    it("NotFound is found in the error or its cause, and nothing else is NotFound", () => {
      expect(isKeyNotFound(notFound)).to.equal(true);
      expect(isKeyNotFound(new Error("x", { cause: notFound }))).to.equal(true);
      expect(isKeyNotFound(new Error("x"))).to.equal(false);
      expect(isKeyNotFound(undefined)).to.equal(false);
    });
  });

  describe("the key policy", () => {
    const policy = (principal: string) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "A", Effect: "Allow", Principal: { AWS: principal }, Action: "kms:*", Resource: "*" }],
      });
    it("a live policy that means the same (an account id vs its root ARN in the key's partition) is in sync", () => {
      expect(judgePolicy(policy("111122223333"), policy("arn:aws:iam::111122223333:root"), keyArn)).to.deep.equal({ status: "in-sync" });
      // In another partition the bare id is that partition's root: the aws root ARN is another principal.
      const gov = keyArn.replace("arn:aws:", "arn:aws-us-gov:").replace("us-east-1", "us-gov-west-1");
      expect(judgePolicy(policy("111122223333"), policy("arn:aws:iam::111122223333:root"), gov).status).to.equal("drifted");
    });
    it("a live policy the validator would refuse (KMS stored it: read tolerantly) is compared, never thrown on", () => {
      const bare = (principal: unknown, action = "kms:*") =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Sid: "A", Effect: "Allow", Principal: principal, Action: action, Resource: "*" }],
        });
      expect(judgePolicy(policy(role), bare(role), keyArn)).to.deep.equal({ status: "in-sync" });
      const verdict = judgePolicy(policy(role), bare(role, "kms:Decrypt"), keyArn);
      expect(verdict.status).to.equal("drifted");
      expect(verdict.status === "drifted" && verdict.diff?.equivalent).to.equal(false);
    });
    it("a live document the engine cannot read at all is drift with the reason, not an exception", () => {
      const verdict = judgePolicy(policy(role), "not json", keyArn);
      expect(verdict).to.have.property("status", "drifted");
      expect(verdict).to.have.property("unreadable").that.is.a("string");
    });
  });

  describe("a grant", () => {
    const entry = (grantee: string, extra: Partial<GrantListEntry> = {}): GrantListEntry => ({
      GrantId: "g1",
      KeyId: keyArn,
      GranteePrincipal: grantee,
      Operations: ["Decrypt"],
      ...extra,
    });
    const recorded = (createdAt?: string) => ({
      grantId: "g1",
      granteePrincipal: role,
      operations: ["Decrypt"],
      ...(createdAt ? { createdAt } : {}),
    });
    const table: Array<[string, ReturnType<typeof recorded>, GrantListEntry | undefined, GrantVerdict["status"]]> = [
      ["listed as recorded", recorded(ago(1000)), entry(role), "in-sync"],
      ["missing, young", recorded(ago(10_000)), undefined, "not-listed-yet"],
      ["missing, older than the listing delay", recorded(ago(delay + 1)), undefined, "gone"],
      ["missing, no creation time recorded (an old state)", recorded(), undefined, "gone"],
      ["grantee shown as a unique id, young: unsettled", recorded(ago(10_000)), entry("AROAEXAMPLEUNIQUEID01"), "unsettled-grantee"],
      ["grantee shown as a unique id, old: the principal was deleted", recorded(ago(delay + 1)), entry("AROAEXAMPLEUNIQUEID01"), "drifted"],
      [
        "grantee shown as a unique id, no recorded time, but listed as created just now",
        recorded(),
        entry("AIDAEXAMPLEUNIQUEID01", { CreationDate: new Date(now - 5000) }),
        "unsettled-grantee",
      ],
      ["another grantee ARN, young: drift at once", recorded(ago(1000)), entry("arn:aws:iam::111122223333:role/other"), "drifted"],
      ["other operations", recorded(ago(delay + 1)), entry(role, { Operations: ["Encrypt"] }), "drifted"],
    ];
    for (const [what, state, listed, status] of table) {
      it(`${what}: ${status}`, () => {
        const verdict = judgeGrant(state, listed, now, delay);
        expect(verdict.status).to.equal(status);
        expect(unsettled(verdict)).to.equal(status === "not-listed-yet" || status === "unsettled-grantee");
      });
    }
    it("a drifted verdict names each changed field with both values, and marks a deleted grantee", () => {
      const verdict = judgeGrant(recorded(ago(delay + 1)), entry("AROAEXAMPLEUNIQUEID01"), now, delay);
      expect(verdict).to.deep.include({
        status: "drifted",
        granteeDeleted: true,
        changes: [{ field: "granteePrincipal", recorded: role, live: "AROAEXAMPLEUNIQUEID01" }],
      });
      const other = judgeGrant(recorded(ago(1000)), entry(role, { Operations: ["Encrypt"] }), now, delay);
      expect(other).to.deep.include({
        granteeDeleted: false,
        changes: [{ field: "operations", recorded: ["Decrypt"], live: ["Encrypt"] }],
      });
    });
  });
});
