import {
  CreateGrantCommand,
  CreateKeyCommand,
  KMSClient,
  ListGrantsCommand,
  PutKeyPolicyCommand,
  ReplicateKeyCommand,
} from "@aws-sdk/client-kms";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { Access } from "../../provider/aws/access";
import { KmsClients } from "../../provider/aws/client";
import { CredentialSource } from "../../provider/aws/credentials";
import { KeyApi } from "../../provider/aws/keys";
import { parseKeyRef } from "../../provider/aws/keyRef";
import { DUMMY_CREDENTIALS, MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { FaultProxy } from "../support/faultProxy";
import { moto } from "../support/hooks";
import { kmsAs } from "../support/kms";

/** The clients (and credentials) of these tests, as one provider or one drift run holds them. */
const kms = new KmsClients();

const ACCOUNT_B = "222233334444";
const ACCOUNT_C = "555566667777";
/** Unique per run: the process's credential cache is shared by every test. */
const run = Date.now().toString(36);
const role = (account: string, name: string): Access => ({ assumeRole: { roleArn: `arn:aws:iam::${account}:role/${name}-${run}` } });

describe("integration: accounts and Regions on moto (STS and KMS through the proxy)", () => {
  let proxy: FaultProxy;
  const savedEnv = { ...process.env };

  /** A test-side client acting as `access` in `region`, straight to moto through the proxy. */
  const clientAs = (roleArn: string | undefined, region = "us-east-1"): Promise<KMSClient> => kmsAs(proxy.endpoint, roleArn, region);
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => expect.fail("the call succeeded"),
      (e: Error) => e,
    );

  before(async () => {
    const server = await moto();
    proxy = await new FaultProxy(server.endpoint).start();
    // The provider's clients, configured the way users configure them: from the environment.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_KMS: proxy.endpoint,
      AWS_ENDPOINT_URL_STS: proxy.endpoint,
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: DUMMY_CREDENTIALS.sessionToken,
    });
  });
  after(async () => {
    process.env = savedEnv;
    await proxy.stop();
  });
  beforeEach(() => proxy.reset());

  it("moto: AssumeRole of any role gives credentials that act in the role's account (GetCallerIdentity and a new key's ARN agree)", async () => {
    const roleArn = `arn:aws:iam::${ACCOUNT_B}:role/probe-${run}`;
    const sts = new STSClient({ region: "us-east-1", endpoint: proxy.endpoint, credentials: DUMMY_CREDENTIALS });
    // moto checks neither the role's existence nor the external id.
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "probe", ExternalId: "anything" }));
    expect(out.Credentials?.AccessKeyId).to.match(/^ASIA/);
    const asB = await clientAs(roleArn);
    const key = await asB.send(new CreateKeyCommand({}));
    expect(key.KeyMetadata?.Arn).to.contain(`:${ACCOUNT_B}:key/`);
    const who = await new STSClient({
      region: "us-east-1",
      endpoint: proxy.endpoint,
      credentials: {
        accessKeyId: out.Credentials?.AccessKeyId as string,
        secretAccessKey: out.Credentials?.SecretAccessKey as string,
        sessionToken: out.Credentials?.SessionToken,
      },
    }).send(new GetCallerIdentityCommand({}));
    expect(who.Account).to.equal(ACCOUNT_B);
    // The default credentials do not see account B's key, even by its full ARN.
    const err = await failure(new KeyApi(await clientAs(undefined)).describeKey(key.KeyMetadata?.Arn as string));
    expect(err.message).to.contain("NotFoundException");
  });

  it("one client per (Access, Region): a role is assumed once, its credentials reused by every call", async () => {
    const b = role(ACCOUNT_B, "cache");
    const client = kms.client({ region: "us-east-1", access: b });
    expect(kms.client({ region: "us-east-1", access: { assumeRole: { ...b.assumeRole! } } })).to.equal(client);
    expect(kms.client({ region: "eu-west-1", access: b })).to.not.equal(client);
    expect(kms.client({ region: "us-east-1", access: role(ACCOUNT_C, "cache") })).to.not.equal(client);
    expect(kms.client({ region: "us-east-1" })).to.not.equal(client);

    const key = await (await clientAs(b.assumeRole!.roleArn)).send(new CreateKeyCommand({}));
    proxy.reset();
    const api = new KeyApi(client);
    for (let i = 0; i < 3; i++) expect((await api.describeKey(key.KeyMetadata?.KeyId as string)).account).to.equal(ACCOUNT_B);
    expect(proxy.count("AssumeRole")).to.equal(1);
    const describes = proxy.requests.filter((r) => r.operation === "DescribeKey");
    expect(describes.map((r) => [r.service, r.region, r.account])).to.deep.equal(Array(3).fill(["kms", "us-east-1", ACCOUNT_B]));
    // The AssumeRole itself was signed with the default (source) credentials.
    const assume = proxy.requests.find((r) => r.operation === "AssumeRole");
    expect(assume?.accessKeyId).to.equal(DUMMY_CREDENTIALS.accessKeyId);
  });

  it("credentials are renewed before they expire: a second AssumeRole inside the last five minutes, not before", async () => {
    let now = Date.now();
    const source = new CredentialSource(undefined, () => now);
    const access: Access = { assumeRole: { roleArn: `arn:aws:iam::${ACCOUNT_B}:role/renew-${run}`, durationSeconds: 900 } };
    const provider = source.credentialsFor(access, "us-east-1")!;
    const first = await provider();
    expect(first.expiration).to.be.instanceOf(Date);
    now = (first.expiration as Date).getTime() - 6 * 60_000;
    expect((await provider()).accessKeyId).to.equal(first.accessKeyId);
    now = (first.expiration as Date).getTime() - 4 * 60_000;
    const renewed = await provider();
    expect(renewed.accessKeyId).to.not.equal(first.accessKeyId);
    expect(proxy.count("AssumeRole")).to.equal(2);
  });

  it("the account of a bare id: a role's own account without a call; the default credentials' from one cached GetCallerIdentity", async () => {
    const source = new CredentialSource();
    expect(await source.callerAccount(role(ACCOUNT_C, "who"))).to.equal(ACCOUNT_C);
    expect(proxy.count("GetCallerIdentity")).to.equal(0);
    expect(await source.callerAccount({}, "us-east-1")).to.equal(MOTO_ACCOUNT_ID);
    expect(await source.callerAccount({}, "us-east-1")).to.equal(MOTO_ACCOUNT_ID);
    expect(proxy.count("GetCallerIdentity")).to.equal(1);
  });

  it("multi-Region keys: moto's mrk-<dashed uuid> ids parse; each replica is reached in its own Region (asserted by the signing Region)", async () => {
    const b = role(ACCOUNT_B, "mrk");
    const primaryClient = await clientAs(b.assumeRole!.roleArn);
    const primary = (await primaryClient.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
    expect(primary.KeyId).to.match(/^mrk-[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(parseKeyRef(primary.KeyId as string)).to.deep.equal({ keyId: primary.KeyId });
    const replica = (await primaryClient.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: "eu-west-1" })))
      .ReplicaKeyMetadata!;
    expect(replica.Arn).to.equal(`arn:aws:kms:eu-west-1:${ACCOUNT_B}:key/${primary.KeyId}`);

    proxy.reset();
    const eu = await new KeyApi(kms.client({ region: "eu-west-1", access: b })).describeKey(replica.Arn as string);
    expect(eu.arn).to.equal(replica.Arn);
    const us = await new KeyApi(kms.client({ region: "us-east-1", access: b })).describeKey(primary.KeyId as string);
    expect(us.arn).to.equal(primary.Arn);
    const signed = proxy.requests.filter((r) => r.operation === "DescribeKey").map((r) => [r.region, r.account]);
    expect(signed).to.deep.equal([
      ["eu-west-1", ACCOUNT_B],
      ["us-east-1", ACCOUNT_B],
    ]);
  });

  it("moto's quirks the tests guard against: a client of the wrong Region finds the primary by the replica's ARN; a replica shares its primary's grants but not its policy", async () => {
    const asB = await clientAs(role(ACCOUNT_B, "quirk").assumeRole!.roleArn);
    const primary = (await asB.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
    const replica = (await asB.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: "eu-west-1" }))).ReplicaKeyMetadata!;
    // Real KMS refuses an ARN of another Region; moto looks the id up in the signing Region.
    const found = await new KeyApi(asB).describeKey(replica.Arn as string);
    expect(found.arn).to.equal(primary.Arn);
    await asB.send(
      new CreateGrantCommand({ KeyId: primary.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT_B}:role/app`, Operations: ["Decrypt"] }),
    );
    const euB = await clientAs(role(ACCOUNT_B, "quirk").assumeRole!.roleArn, "eu-west-1");
    expect((await euB.send(new ListGrantsCommand({ KeyId: primary.KeyId }))).Grants).to.have.length(1);
    const marker = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "Replica", Effect: "Allow", Principal: { AWS: ACCOUNT_B }, Action: "kms:*", Resource: "*" }],
    });
    await euB.send(new PutKeyPolicyCommand({ KeyId: primary.KeyId, PolicyName: "default", Policy: marker }));
    expect(await new KeyApi(euB).getKeyPolicy(primary.KeyId as string, "default")).to.equal(marker);
    expect(await new KeyApi(asB).getKeyPolicy(primary.KeyId as string, "default")).to.not.equal(marker);
  });

  it("a role that cannot be assumed fails the first call with the role, STS's error and the fix; nothing reaches KMS", async () => {
    const refused = role(ACCOUNT_C, "refused");
    proxy.reset({ refuseAssumeRole: [refused.assumeRole!.roleArn] });
    const err = await failure(
      new KeyApi(kms.client({ region: "us-east-1", access: refused })).describeKey("1234abcd-12ab-34cd-56ef-1234567890ab"),
    );
    expect(err.message).to.contain(`could not assume role ${refused.assumeRole!.roleArn}`);
    expect(err.message).to.contain("AccessDenied");
    expect(err.message).to.contain("trust policy").and.contain("sts:AssumeRole");
    expect(err.message).to.not.contain(DUMMY_CREDENTIALS.secretAccessKey);
    expect(proxy.count("DescribeKey")).to.equal(0);
    expect(proxy.count("AssumeRole")).to.be.greaterThan(0);
  });
});
