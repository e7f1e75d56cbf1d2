import { expect } from "chai";
import * as crypto from "crypto";
import {
  MAX_PREVIOUS_POLICY_TAGS,
  OWNER_TAG,
  PREVIOUS_POLICY_TAG_PREFIX,
  newOwnerId,
  ownershipTagKeys,
  ownershipTags,
  readOwnership,
} from "../../../provider/runtime/keyOwnership";
import { DOC_PAGES } from "../../../provider/docs";
import { KeyApi } from "../../../provider/aws/keys";
import { checkKeyPolicy } from "../../../provider/runtime/keyPolicyCheck";
import { KeyPolicyLifecycle } from "../../../provider/runtime/keyPolicyLifecycle";
import { captureStderr } from "../../support/stderr";

describe("KeyPolicy ownership tags (issue 12 #2)", () => {
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: Array.from({ length: 40 }, (_, i) => ({
      Sid: `S${i}`,
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::111122223333:role/r${i}` },
      Action: "kms:Decrypt",
      Resource: "*",
    })),
  });

  it("record the owner and the pre-stack policy in tag values KMS accepts, and read them back exactly", () => {
    const owner = newOwnerId();
    const tags = ownershipTags(owner, policy);
    expect(tags[OWNER_TAG]).to.equal(owner);
    for (const [key, value] of Object.entries(tags)) {
      expect(key.length, key).to.be.at.most(128);
      expect(value.length, key).to.be.at.most(256);
      // KMS tag values: letters, digits, spaces and _ . : / = + - @ (AWS tagging rules).
      expect(value, key).to.match(/^[A-Za-z0-9 _.:/=+\-@]*$/);
    }
    expect(readOwnership({ unrelated: "x", ...tags })).to.deep.equal({ owner, previousPolicy: policy });
    expect(ownershipTagKeys({ unrelated: "x", ...tags }).sort()).to.deep.equal(Object.keys(tags).sort());
  });

  it("a policy too large for the tags records only the owner; damaged chunks read as no policy", () => {
    const noise = crypto.randomBytes(20_000).toString("base64");
    const tags = ownershipTags("o", noise);
    expect(Object.keys(tags)).to.deep.equal([OWNER_TAG]);
    expect(Object.keys(ownershipTags("o", policy)).length).to.be.at.most(MAX_PREVIOUS_POLICY_TAGS + 1);
    expect(readOwnership({ [OWNER_TAG]: "o", [`${PREVIOUS_POLICY_TAG_PREFIX}0`]: "not deflate data" })).to.deep.equal({ owner: "o" });
    expect(readOwnership({})).to.deep.equal({});
  });
});

/** One key in memory, answering the calls KeyPolicy's create and delete make (KeyApi's commands). */
class MemoryKey {
  readonly tags = new Map<string, string>();
  readonly puts: string[] = [];
  constructor(
    readonly arn: string,
    public policy: string,
  ) {}

  async send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const input = command.input;
    switch (command.constructor.name) {
      case "DescribeKeyCommand":
        return { KeyMetadata: { Arn: this.arn, KeyId: this.arn.split("/").pop(), KeyState: "Enabled", AWSAccountId: "111122223333" } };
      case "ListKeyPoliciesCommand":
        return { PolicyNames: ["default"] };
      case "GetKeyPolicyCommand":
        return { Policy: this.policy };
      case "PutKeyPolicyCommand":
        this.policy = String(input.Policy);
        this.puts.push(this.policy);
        return {};
      case "ListResourceTagsCommand":
        return { Tags: [...this.tags].map(([TagKey, TagValue]) => ({ TagKey, TagValue })), Truncated: false };
      case "TagResourceCommand":
        for (const t of input.Tags as Array<{ TagKey: string; TagValue: string }>) this.tags.set(t.TagKey, t.TagValue);
        return {};
      case "UntagResourceCommand":
        for (const k of input.TagKeys as string[]) this.tags.delete(k);
        return {};
      default:
        throw new Error(`unexpected ${command.constructor.name}`);
    }
  }
}

describe("KeyPolicy ownership: a pre-stack policy too large for the tags (docs/key-policy.md, 'Replacing and renaming')", () => {
  const declared = (sid: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" },
        {
          Sid: sid,
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::111122223333:role/${sid.toLowerCase()}` },
          Action: "kms:Decrypt",
          Resource: "*",
        },
      ],
    });
  /** A pre-stack policy whose deflated text needs far more than 30 tag values. */
  const preStack = (marker: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: marker,
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::111122223333:root" },
          Action: "kms:*",
          Resource: "*",
          Condition: { StringEquals: { "aws:PrincipalTag/blob": crypto.randomBytes(15_000).toString("base64") } },
        },
      ],
    });
  const scenario = (keyArn: string, before: string) => {
    const key = new MemoryKey(keyArn, before);
    const lifecycle = new KeyPolicyLifecycle(() => new KeyApi(key), 1);
    const inputs = (sid: string) => checkKeyPolicy({ keyId: keyArn, policy: declared(sid) }).inputs;
    return { key, lifecycle, inputs };
  };

  it("warns at create, at the successor's create, and at the replaced one's delete, which prints the pre-stack policy; the successor's destroy restores the stack's policy", async () => {
    const keyArn = "arn:aws:kms:us-east-1:111122223333:key/0a0a0a0a-1111-2222-3333-444444444444";
    const before = preStack("PreStackBig");
    const { key, lifecycle, inputs } = scenario(keyArn, before);

    const a = await captureStderr(() => lifecycle.create(inputs("First")));
    expect(a.written).to.contain(
      `the policy key ${keyArn} had before this stack (${before.length} characters) is too large for the key's ownership tags`,
    );
    expect(a.result.outs.previousPolicy).to.equal(before);
    expect([...key.tags.keys()]).to.deep.equal([OWNER_TAG]);

    // The replacement (or a rename without an alias): created first, on the same key.
    const b = await captureStderr(() => lifecycle.create(inputs("Second")));
    expect(b.written).to.contain("whose tags do not record the policy the key had before the stack");
    expect(b.written).to.contain("its delete will restore that, not the pre-stack policy");
    // Both warnings cite the docs page that explains the hand-over, by path and anchor.
    expect(a.written).to.contain(`(see pulumi-kms-policy's ${DOC_PAGES.keyPolicyReplacing})`);
    expect(b.written).to.contain(`(see pulumi-kms-policy's ${DOC_PAGES.keyPolicyReplacing})`);
    expect(b.result.outs.previousPolicy).to.equal(declared("First"));

    // The replaced resource's delete leaves the key to its successor and prints what would be lost.
    const putsBefore = key.puts.length;
    const deleted = await captureStderr(() => lifecycle.delete(keyArn, a.result.outs));
    expect(key.puts.length).to.equal(putsBefore);
    expect(key.policy).to.equal(declared("Second"));
    expect(deleted.written).to.contain("could not learn from the key's tags the policy the key had before the stack");
    expect(deleted.written).to.contain(`The pre-stack policy (this resource's previousPolicy) was:\n${before}`);

    // As docs/key-policy.md says: a later destroy puts back the policy the stack set, not the pre-stack one.
    await captureStderr(() => lifecycle.delete(keyArn, b.result.outs));
    expect(key.policy).to.equal(declared("First"));
    expect(key.tags.size).to.equal(0);
  });

  it("a pre-stack policy that fits: no warning, and the successor's destroy restores it", async () => {
    const keyArn = "arn:aws:kms:us-east-1:111122223333:key/0b0b0b0b-1111-2222-3333-444444444444";
    const before = declared("PreStackSmall");
    const { key, lifecycle, inputs } = scenario(keyArn, before);
    const a = await captureStderr(() => lifecycle.create(inputs("First")));
    const b = await captureStderr(() => lifecycle.create(inputs("Second")));
    const deleted = await captureStderr(() => lifecycle.delete(keyArn, a.result.outs));
    for (const written of [a.written, b.written, deleted.written]) {
      expect(written).to.not.contain("too large");
      expect(written).to.not.contain("pre-stack policy");
    }
    expect(b.result.outs.previousPolicy).to.equal(before);
    await captureStderr(() => lifecycle.delete(keyArn, b.result.outs));
    expect(key.policy).to.equal(before);
  });
});
