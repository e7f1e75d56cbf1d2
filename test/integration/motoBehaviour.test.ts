import {
  CreateGrantCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListGrantsCommand,
  ListKeyPoliciesCommand,
  PutKeyPolicyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { expect } from "chai";
import { moto } from "../support/hooks";
import { createKey, testKms } from "../support/kms";

/**
 * What moto's KMS does for every call this package makes, pinned as tests. Where moto differs
 * from the AWS KMS API reference the test says so (docs/kms-emulator.md lists the differences),
 * and the package's own tests never depend on the emulator-only behaviour.
 */
describe("integration: moto's KMS as this package uses it", () => {
  let kms: KMSClient;
  const grantee = "arn:aws:iam::123456789012:role/app";
  const failure = async (p: Promise<unknown>) =>
    p.then(
      () => "no error",
      (e: { name: string }) => e.name,
    );

  before(async () => {
    kms = testKms(await moto());
  });

  it("GetKeyPolicy and ListKeyPolicies: one policy named default, by key id or ARN", async () => {
    const key = await createKey(kms);
    expect((await kms.send(new ListKeyPoliciesCommand({ KeyId: key.keyId }))).PolicyNames).to.deep.equal(["default"]);
    const byId = await kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default" }));
    const byArn = await kms.send(new GetKeyPolicyCommand({ KeyId: key.arn, PolicyName: "default" }));
    expect(byId.Policy).to.equal(byArn.Policy);
    expect(JSON.parse(byId.Policy as string).Statement[0].Principal.AWS).to.equal("arn:aws:iam::123456789012:root");
    expect(await failure(kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "other" })))).to.equal("NotFoundException");
  });

  it("PutKeyPolicy: stores the text as given (real KMS re-serializes it: compare by meaning)", async () => {
    const key = await createKey(kms);
    const text =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"kms:*","Resource":"*"}]}';
    await kms.send(new PutKeyPolicyCommand({ KeyId: key.arn, PolicyName: "default", Policy: text }));
    expect((await kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default" }))).Policy).to.equal(text);
  });

  it("PutKeyPolicy: accepts malformed JSON (real KMS: MalformedPolicyDocumentException), so check must catch it", async () => {
    const key = await createKey(kms);
    expect(await failure(kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: "{not json" })))).to.equal(
      "no error",
    );
  });

  it("unknown key: NotFoundException from the policy calls", async () => {
    const missing = "11111111-2222-3333-4444-555555555555";
    expect(await failure(kms.send(new GetKeyPolicyCommand({ KeyId: missing, PolicyName: "default" })))).to.equal("NotFoundException");
    expect(await failure(kms.send(new ListKeyPoliciesCommand({ KeyId: missing })))).to.equal("NotFoundException");
    expect(await failure(kms.send(new DescribeKeyCommand({ KeyId: missing })))).to.equal("NotFoundException");
  });

  it("CreateGrant with a Name twice: two grants (real KMS returns the first grant again)", async () => {
    const key = await createKey(kms);
    const a = await kms.send(
      new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ["Decrypt"], Name: "same" }),
    );
    const b = await kms.send(
      new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ["Decrypt"], Name: "same" }),
    );
    expect(a.GrantId).to.not.equal(b.GrantId);
  });

  it("ListGrants: honours the GrantId filter; lists all grants without paging (real KMS pages by 100)", async () => {
    const key = await createKey(kms);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (await kms.send(new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ["Encrypt"] })))
          .GrantId as string,
      );
    const filtered = await kms.send(new ListGrantsCommand({ KeyId: key.keyId, GrantId: ids[1] }));
    expect(filtered.Grants?.map((g) => g.GrantId)).to.deep.equal([ids[1]]);
    const limited = await kms.send(new ListGrantsCommand({ KeyId: key.arn, Limit: 1 }));
    expect(limited.Grants).to.have.length(3);
    expect(limited.Truncated).to.equal(false);
  });

  it("RevokeGrant of a missing grant: NotFoundException; RetireGrant of one: success", async () => {
    const key = await createKey(kms);
    const g = await kms.send(new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ["Decrypt"] }));
    await kms.send(new RevokeGrantCommand({ KeyId: key.keyId, GrantId: g.GrantId }));
    expect(await failure(kms.send(new RevokeGrantCommand({ KeyId: key.keyId, GrantId: g.GrantId })))).to.equal("NotFoundException");
    expect(await failure(kms.send(new RetireGrantCommand({ KeyId: key.arn, GrantId: "deadbeef" })))).to.equal("no error");
  });

  it("key states: policy calls work on disabled and pending-deletion keys; DescribeKey reports the state", async () => {
    const key = await createKey(kms);
    await kms.send(new DisableKeyCommand({ KeyId: key.keyId }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }))).KeyMetadata?.KeyState).to.equal("Disabled");
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }))).KeyMetadata?.KeyState).to.equal("PendingDeletion");
    expect(await failure(kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default" })))).to.equal("no error");
    // Real KMS refuses CreateGrant here (KMSInvalidStateException); moto does not, so the
    // provider checks the key state itself before creating a grant.
    expect(
      await failure(kms.send(new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ["Decrypt"] }))),
    ).to.equal("no error");
  });

  it("CreateGrant's newer fields: moto drops the service principals, keeps SourceArn, and ignores DryRun (it creates the grant)", async () => {
    const key = await createKey(kms);
    const sourceArn = "arn:aws:logs:us-east-1:123456789012:log-group:app";
    await kms.send(
      new CreateGrantCommand({
        KeyId: key.keyId,
        GranteeServicePrincipal: "logs.us-east-1.amazonaws.com",
        RetiringServicePrincipal: "logs.us-east-1.amazonaws.com",
        Operations: ["Decrypt"],
        Constraints: { SourceArn: sourceArn },
        Name: "service",
      }),
    );
    const [listed] = (await kms.send(new ListGrantsCommand({ KeyId: key.keyId }))).Grants ?? [];
    expect(listed.GranteeServicePrincipal).to.equal(undefined);
    expect(listed.RetiringServicePrincipal).to.equal(undefined);
    expect(listed.GranteePrincipal ?? null).to.equal(null);
    expect(listed.Constraints).to.deep.equal({ SourceArn: sourceArn });
    // Real KMS answers DryRunOperationException (HTTP 412) and creates nothing.
    const dry = await kms.send(
      new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ["Decrypt"], DryRun: true }),
    );
    expect(dry.GrantId).to.be.a("string");
    expect((await kms.send(new ListGrantsCommand({ KeyId: key.keyId }))).Grants).to.have.length(2);
  });
});
