import { expect } from "chai";
import { Access, checkAssumeRole } from "../../../provider/aws/access";
import { KeyApi } from "../../../provider/aws/keys";
import { checkGrant } from "../../../provider/runtime/grantCheck";
import { checkKeyPolicy } from "../../../provider/runtime/keyPolicyCheck";
import { KeyPolicyLifecycle, KeyPolicyOutputs } from "../../../provider/runtime/keyPolicyLifecycle";
import { ProviderContext } from "../../../provider/runtime/context";

const ROLE_A = "arn:aws:iam::111122223333:role/kms-admin";
const ROLE_B = "arn:aws:iam::444455556666:role/kms-admin";
// A multi-Region key id as KMS writes it (mrk- and 32 hex digits: KMS API Reference, KeyId) and as moto does.
const MRK = "mrk-1234abcd12ab34cd56ef1234567890ab";
const arnOf = (region: string, account: string, id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;

/** The providers' context of these tests; `stack` gives it the stack settings of one test (`undefined` for every key not given). */
const context = new ProviderContext();
const stack = (values: Record<string, string> = {}) => context.configure({ get: (key) => values[key] });

describe("access inputs (assumeRole, profile) at preview", () => {
  it("assumeRole and profile are checked at preview, each problem naming the field and the fix", () => {
    const policy = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "kms:*", Resource: "*" }],
    };
    const bad = checkKeyPolicy({
      keyId: MRK,
      policy,
      assumeRole: { roleArn: ROLE_A, durationSeconds: 60, sessionName: "x", roleName: "y" },
      profile: "",
    });
    const reasons = bad.failures.map((f) => `${f.property}: ${f.reason}`);
    expect(reasons).to.have.length(4);
    expect(reasons.join("\n"))
      .to.contain("assumeRole: assumeRole.roleName is not a field")
      .and.contain("durationSeconds must be a whole number of seconds from 900 to 43200");
    expect(reasons.join("\n"))
      .to.contain("sessionName must be 2 to 64 characters")
      .and.contain("profile: profile must be the name of a profile");
    const good = checkGrant({
      keyId: MRK,
      granteePrincipal: "arn:aws:iam::444455556666:role/app",
      operations: ["Decrypt"],
      name: "g",
      assumeRole: { roleArn: ROLE_A },
      profile: "central",
    });
    expect(good.failures).to.deep.equal([]);
    expect(good.inputs).to.include({ profile: "central" });
    expect(good.inputs.assumeRole).to.deep.equal({ roleArn: ROLE_A });
    expect(checkAssumeRole({ roleArn: ROLE_A, externalId: "a b" }, "assumeRole").problems[0]).to.contain("externalId");
  });
});

describe("KeyPolicy diff across accounts and Regions (no AWS call unless the account must be asked)", () => {
  const noKms = () => expect.fail("diff called KMS") as never;
  const lifecycle = new KeyPolicyLifecycle(noKms);
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "kms:*", Resource: "*" }],
  });
  const olds = (keyArn: string, access: Access = {}): KeyPolicyOutputs => ({
    keyId: keyArn,
    keyArn,
    policy,
    policyName: "default",
    bypassPolicyLockoutSafetyCheck: false,
    onDelete: "restore",
    readBackTimeoutSeconds: 60,
    previousPolicy: policy,
    access,
  });
  const news = (keyId: string, extra: Record<string, unknown> = {}) => checkKeyPolicy({ keyId, policy, ...extra }).inputs;
  const us = arnOf("us-east-1", "111122223333", MRK);

  it("moving to the replica in another Region replaces; the same key by id or ARN does not", async () => {
    expect((await lifecycle.diff(olds(us), news(arnOf("eu-west-1", "111122223333", MRK)))).replaces).to.include.members([
      "keyId",
      "region",
    ]);
    expect((await lifecycle.diff(olds(us), news(MRK, { region: "eu-west-1" }))).replaces).to.include("keyId");
    expect((await lifecycle.diff(olds(us), news(MRK, { region: "us-east-1" }))).replaces).to.deep.equal([]);
    expect(await lifecycle.diff(olds(us), news(us))).to.deep.equal({ changes: false, replaces: [] });
  });

  it("a bare id under a role of another account is another key; a new role alone on an ARN is an update", async () => {
    const withRole = news(MRK, { region: "us-east-1", assumeRole: { roleArn: ROLE_B } });
    expect((await lifecycle.diff(olds(us), withRole)).replaces).to.include("keyId");
    const sameAccount = news(MRK, { region: "us-east-1", assumeRole: { roleArn: ROLE_A } });
    expect(await lifecycle.diff(olds(us), sameAccount)).to.deep.equal({ changes: true, replaces: [] });
    expect(
      await lifecycle.diff(olds(us, { assumeRole: { roleArn: ROLE_A } }), news(us, { assumeRole: { roleArn: ROLE_A } })),
    ).to.deep.equal({ changes: false, replaces: [] });
  });
});

describe("refresh uses the recorded access", () => {
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "kms:*", Resource: "*" }],
  });
  const keyArn = arnOf("eu-west-1", "111122223333", MRK);
  const state = (access?: Access): KeyPolicyOutputs => ({
    keyId: MRK,
    keyArn,
    policy,
    policyName: "default",
    bypassPolicyLockoutSafetyCheck: false,
    onDelete: "restore",
    readBackTimeoutSeconds: 60,
    previousPolicy: policy,
    ...(access ? { access } : {}),
  });
  const used: Array<[string | undefined, Access | undefined]> = [];
  const lifecycle = new KeyPolicyLifecycle(
    (_keyId, region, access) => {
      used.push([region, access]);
      return {
        describeKey: async () => ({ arn: keyArn, keyId: MRK, account: "111122223333", state: "Enabled" }),
        getKeyPolicy: async () => policy,
        settledKeyPolicy: async () => policy,
      } as unknown as KeyApi;
    },
    undefined,
    context,
  );

  it("reads in the key ARN's Region with the recorded role, whatever the stack says now", async () => {
    stack({ "kms-policy:assumeRole": JSON.stringify({ roleArn: ROLE_B }) });
    try {
      used.length = 0;
      const read = await lifecycle.read(keyArn, state({ assumeRole: { roleArn: ROLE_A } }));
      expect(used).to.deep.equal([["eu-west-1", { assumeRole: { roleArn: ROLE_A } }]]);
      expect(read.props?.access).to.deep.equal({ assumeRole: { roleArn: ROLE_A } });
      expect(read.inputs).to.not.have.property("access");
      // A state from before the access was recorded: today's settings, now recorded.
      const old = await lifecycle.read(keyArn, state());
      expect(old.props?.access).to.deep.equal({ assumeRole: { roleArn: ROLE_B } });
    } finally {
      stack();
    }
  });
});
