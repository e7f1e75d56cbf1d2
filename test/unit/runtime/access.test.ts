import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { Access, accessKey, checkAssumeRole, effectiveAccess } from "../../../provider/aws/access";
import { CredentialSource, refreshing, TemporaryCredentials } from "../../../provider/aws/credentials";
import { GrantApi } from "../../../provider/aws/grants";
import { KeyApi } from "../../../provider/aws/keys";
import {
  certainlySameKey,
  identityText,
  possiblySameKey,
  keyIdentity,
  keyRegion,
  parseKeyRef,
  sameIdentity,
  sameKey,
} from "../../../provider/aws/keyRef";
import { ProgramSettings, programIdentity } from "../../../provider/resources/keyPolicy";
import { checkDrift } from "../../../provider/drift/check";
import { jsonReport, markdownReport, textReport } from "../../../provider/drift/report";
import { ManagedResource } from "../../../provider/drift/stackExport";
import { checkGrant } from "../../../provider/runtime/grantCheck";
import { checkKeyPolicy } from "../../../provider/runtime/keyPolicyCheck";
import { KeyPolicyLifecycle, KeyPolicyOutputs } from "../../../provider/runtime/keyPolicyLifecycle";
import { accessFor, configureFromStack, regionFor, stackSettingProblems } from "../../../provider/runtime/settings";
import keyPolicyProvider = require("../../../provider/runtime/keyPolicy");
import { main } from "../../../provider/cli/main";
import { KEY_POLICY_TYPE } from "../../../provider/resourceTypes";

const ROLE_A = "arn:aws:iam::111122223333:role/kms-admin";
const ROLE_B = "arn:aws:iam::444455556666:role/kms-admin";
// A multi-Region key id as KMS writes it (mrk- and 32 hex digits: KMS API Reference, KeyId) and as moto does.
const MRK = "mrk-1234abcd12ab34cd56ef1234567890ab";
const MOTO_MRK = "mrk-99471eb5-71ca-4ade-8298-c7267cfe4986";
const arnOf = (region: string, account: string, id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;

/** Stack settings for one test; `undefined` for every key not given. */
const stack = (values: Record<string, string> = {}) => configureFromStack({ get: (key) => values[key] });

describe("key identity: partition, account, Region and key id", () => {
  it("accepts KMS's mrk-<32 hex> and moto's mrk-<dashed uuid>; refuses other mrk- forms", () => {
    expect(parseKeyRef(MRK)).to.deep.equal({ keyId: MRK });
    expect(parseKeyRef(MOTO_MRK)).to.deep.equal({ keyId: MOTO_MRK });
    expect(parseKeyRef(arnOf("eu-west-1", "111122223333", MOTO_MRK))).to.include({
      keyId: MOTO_MRK,
      region: "eu-west-1",
      account: "111122223333",
    });
    expect(parseKeyRef("mrk-1234")).to.have.property("error");
  });

  it("two replicas of a multi-Region key are two keys; a key's id and ARN are one key", () => {
    const us = arnOf("us-east-1", "111122223333", MRK);
    const eu = arnOf("eu-west-1", "111122223333", MRK);
    expect(sameKey(us, eu)).to.equal(false);
    expect(sameKey(us, MRK)).to.equal(true);
    expect(sameIdentity(keyIdentity(MRK, { region: "eu-west-1" }), keyIdentity(us))).to.equal(false);
    expect(sameIdentity(keyIdentity(MRK, { region: "us-east-1" }), keyIdentity(us))).to.equal(true);
    // The same id in another account is another key.
    expect(sameIdentity(keyIdentity(MRK, { region: "us-east-1", account: "444455556666" }), keyIdentity(us))).to.equal(false);
    expect(sameKey(us, us.replace("arn:aws:", "arn:aws-cn:"))).to.equal(false);
  });

  it("a key's Region: the resource's, else the ARN's, else aws:region, else AWS_REGION; the providers use the same rule, AWS_REGION read by the SDK", () => {
    const eu = arnOf("eu-west-1", "111122223333", MRK);
    expect(keyRegion(eu, { resource: "ap-south-1", stack: "us-west-2", environment: "us-east-1" })).to.equal("ap-south-1");
    expect(keyRegion(eu, { stack: "us-west-2", environment: "us-east-1" })).to.equal("eu-west-1");
    expect(keyRegion(MRK, { stack: "us-west-2", environment: "us-east-1" })).to.equal("us-west-2");
    expect(keyRegion(MRK, { environment: "us-east-1" })).to.equal("us-east-1");
    expect(keyRegion(MRK, {})).to.equal(undefined);
    const environment = process.env.AWS_REGION;
    try {
      // The providers leave AWS_REGION to the SDK (the client then reads it); the rule is otherwise the same.
      process.env.AWS_REGION = "sa-east-1";
      stack({});
      expect(regionFor(MRK)).to.equal(undefined);
      expect(regionFor(MRK, "eu-west-1")).to.equal("eu-west-1");
      stack({ "aws:region": "us-west-2" });
      expect(regionFor(MRK)).to.equal("us-west-2");
      expect(regionFor(eu)).to.equal("eu-west-1");
    } finally {
      process.env.AWS_REGION = environment;
      stack();
    }
  });

  it("the program's 'both manage key' check: a bare mrk- id takes the providers' Region, and a Region known on one side only is not the same", () => {
    const both = (a: Parameters<typeof programIdentity>[0], b: Parameters<typeof programIdentity>[0], settings: ProgramSettings) =>
      certainlySameKey(programIdentity(a, settings), programIdentity(b, settings));
    const role = { assumeRole: { roleArn: ROLE_A } };
    // The primary by bare id in AWS_REGION's Region, the replica by the same id in eu-west-1: two keys.
    expect(both({ keyId: MRK }, { keyId: MRK, region: "eu-west-1" }, { ...role, environmentRegion: "us-east-1" })).to.equal(false);
    // aws:region comes before AWS_REGION, as in the providers: here both are in eu-west-1, one key.
    expect(
      both({ keyId: MRK }, { keyId: MRK, region: "eu-west-1" }, { ...role, region: "eu-west-1", environmentRegion: "us-east-1" }),
    ).to.equal(true);
    // No Region known for the bare id (the SDK would take the profile's): maybe another replica, so not refused.
    expect(both({ keyId: MRK }, { keyId: MRK, region: "eu-west-1" }, role)).to.equal(false);
    expect(both({ keyId: MRK }, { keyId: arnOf("eu-west-1", "111122223333", MRK) }, role)).to.equal(false);
    // Unknown on both sides: both fall to the same SDK default, one key.
    expect(both({ keyId: MRK }, { keyId: MRK, profile: undefined }, role)).to.equal(true);
    // A bare id and its ARN are one key, even with the account unknown (default credentials): a key id names one key outside mrk- replicas.
    const single = "1234abcd-12ab-34cd-56ef-1234567890ab";
    expect(both({ keyId: single }, { keyId: arnOf("us-east-1", "111122223333", single) }, { environmentRegion: "us-east-1" })).to.equal(
      true,
    );
    expect(both({ keyId: single }, { keyId: arnOf("us-east-1", "111122223333", single) }, {})).to.equal(true);
    // Known parts that differ are never the same, whatever is unknown.
    expect(both({ keyId: MRK, ...role }, { keyId: MRK, assumeRole: { roleArn: ROLE_B } }, { region: "us-east-1" })).to.equal(false);
    expect(both({ keyId: MRK, region: "us-east-1" }, { keyId: MRK, region: "eu-west-1" }, {})).to.equal(false);
  });

  it("the program's 'both name their grant' check refuses unless the keys are certainly different: a bare id under a profile and the ARN, an mrk- id without Region", () => {
    const meet = (a: Parameters<typeof programIdentity>[0], b: Parameters<typeof programIdentity>[0], settings: ProgramSettings) =>
      possiblySameKey(programIdentity(a, settings), programIdentity(b, settings));
    const single = "1234abcd-12ab-34cd-56ef-1234567890ab";
    // A profile's account is unknown before a call: its bare id may be the key the ARN names.
    expect(meet({ keyId: single, profile: "dev" }, { keyId: arnOf("us-east-1", "111122223333", single) }, {})).to.equal(true);
    expect(meet({ keyId: MRK }, { keyId: MRK, region: "eu-west-1" }, {})).to.equal(true);
    expect(meet({ keyId: MRK }, { keyId: arnOf("eu-west-1", "111122223333", MRK) }, { assumeRole: { roleArn: ROLE_A } })).to.equal(true);
    // Certainly different: another id, two known Regions of a multi-Region key, two known accounts.
    expect(meet({ keyId: single }, { keyId: MRK }, {})).to.equal(false);
    expect(meet({ keyId: MRK, region: "us-east-1" }, { keyId: MRK, region: "eu-west-1" }, {})).to.equal(false);
    expect(
      meet({ keyId: MRK, assumeRole: { roleArn: ROLE_A } }, { keyId: MRK, assumeRole: { roleArn: ROLE_B } }, { region: "us-east-1" }),
    ).to.equal(false);
  });

  it("an ARN's own account and Region win over the context; a bare id takes them from it", () => {
    const arn = arnOf("us-east-1", "111122223333", MRK);
    expect(keyIdentity(arn, { region: "eu-west-1", account: "444455556666" })).to.deep.equal({
      keyId: MRK,
      partition: "aws",
      account: "111122223333",
      region: "us-east-1",
    });
    expect(identityText(keyIdentity(MRK, { region: "eu-west-1", account: "444455556666" }))).to.equal(`?:444455556666:eu-west-1:${MRK}`);
  });
});

describe("credentials: precedence and checks", () => {
  const stackRole = { roleArn: ROLE_A };
  const resourceRole = { roleArn: ROLE_B };
  const cases: Array<[string, Access, Access, Access]> = [
    ["nothing anywhere: the SDK's default chain", {}, {}, {}],
    ["the stack's role and profile", {}, { assumeRole: stackRole, profile: "central" }, { assumeRole: stackRole, profile: "central" }],
    [
      "the resource's role, assumed from the stack's profile",
      { assumeRole: resourceRole },
      { assumeRole: stackRole, profile: "central" },
      { assumeRole: resourceRole, profile: "central" },
    ],
    [
      "the resource's role from its own profile",
      { assumeRole: resourceRole, profile: "b" },
      { profile: "central" },
      { assumeRole: resourceRole, profile: "b" },
    ],
    ["the resource's profile alone: no stack role", { profile: "b" }, { assumeRole: stackRole, profile: "central" }, { profile: "b" }],
  ];
  for (const [name, resource, stackAccess, expected] of cases) {
    it(`precedence: ${name}`, () => {
      expect(effectiveAccess(resource, stackAccess)).to.deep.equal(expected);
    });
  }

  it("the stack settings feed the precedence (kms-policy:assumeRole, aws:profile)", () => {
    stack({ "kms-policy:assumeRole": JSON.stringify({ roleArn: ROLE_A, externalId: "ext-1" }), "aws:profile": "central" });
    try {
      expect(accessFor({})).to.deep.equal({ assumeRole: { roleArn: ROLE_A, externalId: "ext-1" }, profile: "central" });
      expect(accessFor({ profile: "b" })).to.deep.equal({ profile: "b" });
      expect(stackSettingProblems()).to.deep.equal([]);
    } finally {
      stack();
    }
  });

  it("a bad kms-policy:assumeRole fails every resource's check, naming the setting and the fix", async () => {
    stack({ "kms-policy:assumeRole": JSON.stringify({ roleArn: "arn:aws:iam::111122223333:user/bob" }) });
    try {
      const policy = {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "kms:*", Resource: "*" }],
      };
      const result = await keyPolicyProvider.check!({} as never, { keyId: MRK, policy } as never);
      expect(result.failures).to.have.length(1);
      expect(result.failures?.[0].property).to.equal("kms-policy:assumeRole");
      expect(result.failures?.[0].reason).to.match(
        /roleArn "arn:aws:iam::111122223333:user\/bob" is not an IAM role ARN.*arn:aws:iam::111122223333:role\/kms-admin/,
      );
    } finally {
      stack();
    }
  });

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

  it("the cache key tells accesses apart by role, external id, session, duration and profile", () => {
    const keys = new Set(
      [
        {},
        { profile: "p" },
        { assumeRole: { roleArn: ROLE_A } },
        { assumeRole: { roleArn: ROLE_A, externalId: "e1" } },
        { assumeRole: { roleArn: ROLE_A, sessionName: "s1" } },
        { assumeRole: { roleArn: ROLE_A }, profile: "p" },
      ].map(accessKey),
    );
    expect(keys.size).to.equal(6);
    expect(accessKey({ assumeRole: { roleArn: ROLE_A } })).to.equal(accessKey({ assumeRole: { roleArn: ROLE_A } }));
  });
});

describe("credentials: STS, stubbed", () => {
  const creds = (id: string, expiresAt: number): TemporaryCredentials => ({
    accessKeyId: id,
    secretAccessKey: "s",
    sessionToken: "t",
    expiration: new Date(expiresAt),
  });

  it("refreshing(): one fetch shared by concurrent callers, renewed only within the margin of expiry, a failure not kept", async () => {
    let now = 0;
    let fetches = 0;
    let fail = false;
    const provider = refreshing(
      async () => {
        fetches++;
        if (fail) throw new Error("sts down");
        return creds(`k${fetches}`, now + 15 * 60_000);
      },
      () => now,
    );
    const [a, b] = await Promise.all([provider(), provider()]);
    expect([a.accessKeyId, b.accessKeyId, fetches]).to.deep.equal(["k1", "k1", 1]);
    now = 9 * 60_000;
    expect((await provider()).accessKeyId).to.equal("k1");
    now = 11 * 60_000; // 4 minutes before expiry
    expect((await provider()).accessKeyId).to.equal("k2");
    now = 30 * 60_000;
    fail = true;
    await provider().then(
      () => expect.fail("expected the failure"),
      (e: Error) => expect(e.message).to.equal("sts down"),
    );
    fail = false;
    expect((await provider()).accessKeyId).to.equal("k4");
  });

  it("AssumeRole gets the role, session name, duration and external id; the source profile picks the STS client; errors name role, error and fix", async () => {
    const sent: Array<{ profile?: string; input: unknown }> = [];
    const source = new CredentialSource((profile) => ({
      async send(command) {
        sent.push({ profile, input: command.input });
        if (command instanceof AssumeRoleCommand && command.input.RoleArn === ROLE_B)
          throw Object.assign(new Error("not authorized to perform sts:AssumeRole"), { name: "AccessDenied" });
        if (command instanceof GetCallerIdentityCommand) return { Account: "999988887777" };
        return {
          Credentials: {
            AccessKeyId: "ASIAEXAMPLE",
            SecretAccessKey: "secret",
            SessionToken: "token",
            Expiration: new Date(Date.now() + 3600_000),
          },
        };
      },
    }));
    const got = await source.credentialsFor({ assumeRole: { roleArn: ROLE_A, externalId: "ext-1" }, profile: "central" })!();
    expect(got.accessKeyId).to.equal("ASIAEXAMPLE");
    expect(sent[0]).to.deep.equal({
      profile: "central",
      input: { RoleArn: ROLE_A, RoleSessionName: "pulumi-kms-policy", DurationSeconds: 3600, ExternalId: "ext-1" },
    });
    expect(source.credentialsFor({ profile: "central" })).to.equal(undefined); // a profile alone is the SDK's job

    const err = await source.credentialsFor({ assumeRole: { roleArn: ROLE_B } })!().then(
      () => expect.fail("assumed a refused role"),
      (e: Error) => e,
    );
    expect(err.name).to.equal("AssumeRoleError");
    expect(err.message).to.contain(`could not assume role ${ROLE_B} (from the default credentials): AccessDenied: not authorized`);
    expect(err.message).to.contain("Fix: the role's trust policy must allow sts:AssumeRole");

    expect(await source.callerAccount({ assumeRole: { roleArn: ROLE_B } })).to.equal("444455556666");
    expect(await source.callerAccount({ profile: "x" })).to.equal("999988887777");
    await source.callerAccount({ profile: "x" });
    expect(sent.filter((s) => (s.input as object) && Object.keys(s.input as object).length === 0)).to.have.length(1); // one GetCallerIdentity
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
  const lifecycle = new KeyPolicyLifecycle((_keyId, region, access) => {
    used.push([region, access]);
    return {
      describeKey: async () => ({ arn: keyArn, keyId: MRK, account: "111122223333", state: "Enabled" }),
      getKeyPolicy: async () => policy,
      settledKeyPolicy: async () => policy,
    } as unknown as KeyApi;
  });

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

describe("drift: key identity and recorded access", () => {
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "Root", Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "kms:*", Resource: "*" }],
  });
  const us = arnOf("us-east-1", "111122223333", MRK);
  const eu = arnOf("eu-west-1", "111122223333", MRK);
  const role = { assumeRole: { roleArn: ROLE_A } };
  const resources: ManagedResource[] = [
    { kind: "KeyPolicy", urn: "urn:us", name: "us", keyArn: us, policyName: "default", policy, access: role },
    { kind: "KeyPolicy", urn: "urn:eu", name: "eu", keyArn: eu, policyName: "default", policy, access: role },
    {
      kind: "Grant",
      urn: "urn:g",
      name: "g",
      keyArn: MRK,
      region: "eu-west-1",
      grantId: "gid",
      granteePrincipal: "arn:aws:iam::444455556666:role/app",
      operations: ["Decrypt"],
      access: role,
    },
  ];
  const calls: Array<[string, string | undefined, string | undefined]> = [];
  const stubKms = (op: string) => (region: string | undefined, access?: Access) => ({
    send: async (command: { input: { KeyId?: string } }) => {
      calls.push([`${op}:${command.constructor.name.replace("Command", "")}`, region, access?.assumeRole?.roleArn]);
      const name = command.constructor.name;
      if (name === "DescribeKeyCommand")
        return { KeyMetadata: { Arn: region === "eu-west-1" ? eu : us, KeyId: MRK, KeyState: "Enabled", AWSAccountId: "111122223333" } };
      if (name === "GetKeyPolicyCommand") return { Policy: policy };
      return { Grants: [{ GrantId: "gid", KeyId: MRK, GranteePrincipal: "arn:aws:iam::444455556666:role/app", Operations: ["Decrypt"] }] };
    },
  });
  const clients = {
    keys: (_arn: string, region?: string, access?: Access) => new KeyApi(stubKms("keys")(region, access)),
    grants: (_arn: string, region?: string, access?: Access) => new GrantApi(stubKms("grants")(region, access)),
  };

  it("checks each replica in its own Region with the recorded role, and groups the id with its ARN", async () => {
    calls.length = 0;
    const report = await checkDrift(resources, clients, { concurrency: 1 });
    expect(report.resources.map((r) => [r.name, r.status, r.account, r.region])).to.deep.equal([
      ["eu", "in-sync", "111122223333", "eu-west-1"],
      ["us", "in-sync", "111122223333", "us-east-1"],
      ["g", "in-sync", "111122223333", "eu-west-1"],
    ]);
    // Two keys: one DescribeKey each, in their Regions, as the recorded role.
    expect(calls.filter(([op]) => op === "keys:DescribeKey").map(([, region, roleArn]) => [region, roleArn])).to.have.deep.members([
      ["us-east-1", ROLE_A],
      ["eu-west-1", ROLE_A],
    ]);
    expect(calls.filter(([op]) => op === "grants:ListGrants")).to.deep.equal([["grants:ListGrants", "eu-west-1", ROLE_A]]);
  });

  it("--assume-role overrides every recorded role; the reports show account and Region", async () => {
    calls.length = 0;
    const report = await checkDrift(resources, clients, { access: { assumeRole: { roleArn: ROLE_B } } });
    expect(new Set(calls.map(([, , roleArn]) => roleArn))).to.deep.equal(new Set([ROLE_B]));
    expect(textReport(report)).to.contain(`(account 111122223333, eu-west-1: ${eu})`);
    expect(markdownReport(report)).to.contain("| KeyPolicy `eu` | 111122223333 | eu-west-1 |");
    const json = JSON.parse(jsonReport(report)) as { resources: Array<{ name: string; account: string; region: string }> };
    expect(json.resources.find((r) => r.name === "us")).to.include({ account: "111122223333", region: "us-east-1" });
  });
});

describe("kms-policy drift --assume-role", () => {
  it("refuses a value that is not a role ARN before reading anything, naming the option and an example", async () => {
    const err: string[] = [];
    const status = await main(["drift", "-", "--assume-role", "arn:aws:iam::111122223333:user/bob"], {
      out: () => undefined,
      err: (t) => err.push(t),
    });
    expect(status).to.equal(2);
    expect(err.join("\n"))
      .to.contain('--assume-role "arn:aws:iam::111122223333:user/bob" is not an IAM role ARN')
      .and.contain("arn:aws:iam::<ACCOUNT-ID>:role/kms-audit");
  });

  /** A stack export with one KeyPolicy, written to a temp file for main() to read. */
  const exportFile = () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "drift-role-")), "export.json");
    const resource = {
      urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/kms:KeyPolicy::kp",
      type: KEY_POLICY_TYPE,
      id: arnOf("us-east-1", "444455556666", MRK),
      outputs: { keyArn: arnOf("us-east-1", "444455556666", MRK), policy: "{}", policyName: "default" },
    };
    fs.writeFileSync(file, JSON.stringify({ deployment: { resources: [resource] } }));
    return file;
  };

  /**
   * Runs main() with STS answered in-process: every AssumeRole the command sends is recorded and
   * refused, so no call leaves the process and the input STS was given can be asserted.
   */
  const driftWithSts = async (args: string[]) => {
    const sent: Array<Record<string, unknown>> = [];
    const send = STSClient.prototype.send;
    STSClient.prototype.send = async function (command: { input: Record<string, unknown> }) {
      if (command instanceof AssumeRoleCommand) sent.push(command.input);
      throw Object.assign(new Error("refused by the unit test"), { name: "AccessDenied" });
    } as typeof send;
    const out: string[] = [];
    const err: string[] = [];
    try {
      const status = await main(["drift", exportFile(), ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
      return { status, out: out.join("\n"), err: err.join("\n"), sent };
    } finally {
      STSClient.prototype.send = send;
    }
  };

  it("--external-id and --session-name go to STS with the --assume-role role, and the default session name without them", async () => {
    const withBoth = await driftWithSts([
      "--assume-role",
      ROLE_B,
      "--external-id",
      "audit-7f3a",
      "--session-name",
      "nightly-audit",
      "--format",
      "json",
    ]);
    expect(withBoth.status, withBoth.err).to.equal(2);
    expect(withBoth.sent).to.have.length.greaterThan(0);
    for (const input of withBoth.sent)
      expect(input).to.include({ RoleArn: ROLE_B, ExternalId: "audit-7f3a", RoleSessionName: "nightly-audit" });
    const report = JSON.parse(withBoth.out) as { resources: Array<{ status: string; message: string }> };
    expect(report.resources[0].status).to.equal("error");
    expect(report.resources[0].message).to.contain(`could not assume role ${ROLE_B}`);

    const plain = await driftWithSts(["--assume-role", ROLE_A]);
    expect(plain.sent).to.have.length.greaterThan(0);
    for (const input of plain.sent) {
      expect(input).to.include({ RoleArn: ROLE_A, RoleSessionName: "pulumi-kms-policy" });
      expect(input).to.not.have.property("ExternalId");
    }
  });

  it("refuses --external-id or --session-name without --assume-role, and values STS would refuse, naming the flag", async () => {
    const orphan = await driftWithSts(["--external-id", "audit-7f3a"]);
    expect(orphan.status).to.equal(2);
    expect(orphan.err).to.contain("--external-id goes with --assume-role");
    expect(orphan.sent).to.deep.equal([]);
    const badId = await driftWithSts(["--assume-role", ROLE_B, "--external-id", "x"]);
    expect(badId.status).to.equal(2);
    expect(badId.err).to.contain("--external-id must be 2 to 1224 characters");
    const badSession = await driftWithSts(["--assume-role", ROLE_B, "--session-name", "has space"]);
    expect(badSession.status).to.equal(2);
    expect(badSession.err).to.contain("--session-name must be 2 to 64 characters");
    expect([...badId.sent, ...badSession.sent]).to.deep.equal([]);
  });
});
