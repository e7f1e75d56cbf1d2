import {
  CreateGrantCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListGrantsCommand,
  ListKeyPoliciesCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-kms";
import { expect } from "chai";
import { MotoServer } from "../../toolchain/moto";
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

  let server: MotoServer;

  before(async () => {
    server = await moto();
    kms = testKms(server);
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
  it("TagResource, ListResourceTags, UntagResource: stores, lists in one page and removes tags, 31 of them with 256-character values", async () => {
    // What KeyPolicy's ownership tags need at most (docs/key-policy.md#replacing-and-renaming): 1 owner tag and 30 of the pre-stack policy.
    const key = await createKey(kms);
    const tags = Array.from({ length: 31 }, (_, i) => ({ TagKey: `t${String(i).padStart(2, "0")}`, TagValue: String(i % 10).repeat(256) }));
    await kms.send(new TagResourceCommand({ KeyId: key.keyId, Tags: tags }));
    const listed = await kms.send(new ListResourceTagsCommand({ KeyId: key.arn }));
    expect(listed.Truncated ?? false).to.equal(false);
    expect(listed.NextMarker).to.equal(undefined);
    expect([...(listed.Tags ?? [])].sort((a, b) => String(a.TagKey).localeCompare(String(b.TagKey)))).to.deep.equal(tags);
    await kms.send(new UntagResourceCommand({ KeyId: key.keyId, TagKeys: ["t00", "t30"] }));
    const after = (await kms.send(new ListResourceTagsCommand({ KeyId: key.keyId }))).Tags ?? [];
    expect(after.map((t) => t.TagKey).sort()).to.deep.equal(tags.slice(1, 30).map((t) => t.TagKey));
  });

  it("DescribeKey on a key whose policy denies kms:* to any principal: AccessDeniedException (real KMS evaluates the policy)", async () => {
    const key = await createKey(kms);
    const policy = {
      Version: "2012-10-17",
      Statement: [
        { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
        { Sid: "NoOne", Effect: "Deny", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" },
      ],
    };
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }))).KeyMetadata?.KeyId).to.equal(key.keyId);
    await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: JSON.stringify(policy) }));
    expect(await failure(kms.send(new DescribeKeyCommand({ KeyId: key.keyId })))).to.equal("AccessDeniedException");
  });
  it("what moto accepts that KMS refuses: GetKeyPolicy without PolicyName, a bogus grant operation, a grant on a disabled key; an unknown key's grants: HTTP 500", async () => {
    const key = await createKey(kms);
    // Real KMS defaults PolicyName to "default"; moto refuses the call, so the package always sends it.
    expect(await failure(kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId })))).to.not.equal("no error");
    // Real KMS: ValidationException.
    const bogus = { KeyId: key.keyId, GranteePrincipal: grantee, Operations: ["Bogus" as "Decrypt"] };
    expect(await failure(kms.send(new CreateGrantCommand(bogus)))).to.equal("no error");
    // Real KMS: DisabledException.
    await kms.send(new DisableKeyCommand({ KeyId: key.keyId }));
    expect(
      await failure(kms.send(new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ["Decrypt"] }))),
    ).to.equal("no error");
    // Real KMS: NotFoundException. moto answers HTTP 500 with an HTML body.
    const noRetries = testKms(server, { maxAttempts: 1 });
    const unknown = await noRetries.send(new ListGrantsCommand({ KeyId: "11111111-2222-3333-4444-555555555555" })).then(
      () => undefined,
      (e: { name: string; $metadata?: { httpStatusCode?: number } }) => e,
    );
    expect(unknown?.name).to.not.equal("NotFoundException");
    expect(unknown?.$metadata?.httpStatusCode).to.equal(500);
  });
  it("PutKeyPolicy: accepts an oversized policy and one that locks the caller out (real KMS: LimitExceededException, MalformedPolicyDocumentException)", async () => {
    const key = await createKey(kms);
    const big = {
      Version: "2012-10-17",
      Statement: [
        { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
        {
          Sid: "Pad",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: "kms:Decrypt",
          Resource: "*",
          Condition: { StringEquals: { "aws:PrincipalTag/x": "y".repeat(33_000) } },
        },
      ],
    };
    expect(JSON.stringify(big).length).to.be.greaterThan(32_768);
    const put = (policy: unknown) =>
      kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: JSON.stringify(policy) }));
    expect(await failure(put(big))).to.equal("no error");
    const lockout = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "OnlyDecrypt",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:role/other" },
          Action: "kms:Decrypt",
          Resource: "*",
        },
      ],
    };
    expect(await failure(put(lockout))).to.equal("no error");
  });
});
