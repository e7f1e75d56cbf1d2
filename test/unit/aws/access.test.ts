import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { Access, accessKey, effectiveAccess } from "../../../provider/aws/access";
import { CredentialSource, refreshing, TemporaryCredentials } from "../../../provider/aws/credentials";

const ROLE_A = "arn:aws:iam::111122223333:role/kms-admin";
const ROLE_B = "arn:aws:iam::444455556666:role/kms-admin";

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
