import { expect } from "chai";
import * as crypto from "crypto";
import {
  MAX_PREVIOUS_POLICY_TAGS,
  OWNER_TAG,
  PREVIOUS_POLICY_TAG_PREFIX,
  newOwnerId,
  ownershipTagKeys,
  ownershipTags,
  policyDigest,
  readOwnership,
} from "../../../provider/runtime/keyOwnership";
import { KmsFaithful } from "../../support/kmsFaithful";
import { DOC_PAGES } from "../../../provider/docs";
import { KeyApi } from "../../../provider/aws/keys";
import { checkKeyPolicy } from "../../../provider/runtime/keyPolicyCheck";
import { KeyPolicyLifecycle } from "../../../provider/runtime/keyPolicyLifecycle";
import { captureStderr } from "../../support/stderr";
import { MemoryKey } from "../../support/memoryKey";

describe("KeyPolicy ownership tags", () => {
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

  it("a pending claim's digest means the policy: the same for KMS's re-serialization of it, another for another policy", () => {
    const kms = new KmsFaithful();
    const digest = policyDigest(policy, "aws");
    expect(policyDigest(kms.reserialize(policy), "aws")).to.equal(digest);
    expect(policyDigest(policy.replace("kms:Decrypt", "kms:Encrypt"), "aws")).to.not.equal(digest);
    const tags = ownershipTags("o", { previousPolicy: policy, pending: digest, predecessor: "p" });
    expect(readOwnership(tags)).to.deep.equal({ owner: "o", previousPolicy: policy, pending: digest, predecessor: "p" });
    for (const value of Object.values(tags)) expect(value).to.match(/^[A-Za-z0-9 _.:/=+\-@]*$/);
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

    // A rename without an alias: the new resource is created first, on the same key.
    const b = await captureStderr(() => lifecycle.create(inputs("Second")));
    expect(b.written).to.contain(
      `carries the ownership tags of another KeyPolicy (owner ${a.result.outs.ownerId}). They record no pre-stack policy.`,
    );
    expect(b.written).to.contain("the key's live policy is recorded as previousPolicy");
    // Both messages cite the docs page that explains the hand-over, by path and anchor.
    expect(a.written).to.contain(`(see pulumi-kms-policy's ${DOC_PAGES.keyPolicyReplacing})`);
    expect(b.written).to.contain(`(see pulumi-kms-policy's ${DOC_PAGES.keyPolicyReplacing})`);
    expect(b.result.outs.previousPolicy).to.equal(declared("First"));
    expect(b.result.outs.predecessor).to.equal(a.result.outs.ownerId);

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

  it("a pre-stack policy that fits: no warning; the renamed one's delete hands it over, and the successor's refresh and destroy take it", async () => {
    const keyArn = "arn:aws:kms:us-east-1:111122223333:key/0b0b0b0b-1111-2222-3333-444444444444";
    const before = declared("PreStackSmall");
    const { key, lifecycle, inputs } = scenario(keyArn, before);
    const a = await captureStderr(() => lifecycle.create(inputs("First")));
    const b = await captureStderr(() => lifecycle.create(inputs("Second")));
    const deleted = await captureStderr(() => lifecycle.delete(keyArn, a.result.outs));
    for (const written of [a.written, b.written, deleted.written]) expect(written).to.not.contain("too large");
    expect(deleted.written).to.contain("pre-stack policy is handed over to it");
    expect(key.policy).to.equal(declared("Second"));
    const refreshed = await captureStderr(() => lifecycle.read(keyArn, b.result.outs));
    expect(refreshed.result.props?.previousPolicy).to.equal(before);
    await captureStderr(() => lifecycle.delete(keyArn, b.result.outs));
    expect(key.policy).to.equal(before);
    expect(key.tags.size).to.equal(0);
  });
});
