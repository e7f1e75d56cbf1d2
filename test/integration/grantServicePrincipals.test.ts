import { DisableKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { GrantApi } from "../../provider/aws/grants";
import { KeyApi } from "../../provider/aws/keys";
import { checkDrift } from "../../provider/drift/check";
import { checkGrant, GrantInputs } from "../../provider/runtime/grantCheck";
import { GrantLifecycle } from "../../provider/runtime/grantLifecycle";
import { FaultProxy } from "../support/faultProxy";
import { moto } from "../support/hooks";
import { allGrants, createKey, testKms } from "../support/kms";
import { ProviderContext } from "../../provider/runtime/context";

/**
 * Service principals, SourceArn and the dry run against moto, through the test proxy. moto ignores GranteeServicePrincipal,
 * RetiringServicePrincipal and DryRun (docs/kms-emulator.md), so these tests assert what the
 * provider *sends*, from the bodies the proxy records; the proxy answers dry runs as KMS does and
 * lists the service principals moto drops.
 */
const service = "logs.us-east-1.amazonaws.com";
const role = "arn:aws:iam::123456789012:role/app";
// A log group as the resource the service acts for (the SourceArn shape of the KMS Developer Guide's grant constraint examples).
const sourceArn = "arn:aws:logs:us-east-1:123456789012:log-group:app";

describe("integration: service principals, sourceArn and the dry run, as sent to KMS", () => {
  let kms: KMSClient;
  let proxy: FaultProxy;
  /** A client through the proxy, which lists the service principals moto drops. */
  let viaProxy: KMSClient;
  let lifecycle: GrantLifecycle;
  let dryRunning: GrantLifecycle;
  const checked = (news: Record<string, unknown>): GrantInputs => {
    const { inputs, failures } = checkGrant({ operations: ["Decrypt"], ...news });
    expect(failures).to.deep.equal([]);
    return inputs;
  };

  before(async () => {
    const server = await moto();
    kms = testKms(server);
    proxy = await new FaultProxy(server.endpoint).start();
    const client = testKms(server, { via: proxy, maxAttempts: 2 });
    viaProxy = testKms(server, { via: proxy });
    const clients = { grants: () => new GrantApi(client), keys: () => new KeyApi(client) };
    lifecycle = new GrantLifecycle(clients, 10);
    dryRunning = new GrantLifecycle(clients, 10, new ProviderContext({ settings: { dryRun: true } }));
  });
  beforeEach(() => proxy.reset());
  after(async () => proxy?.stop());

  it("a service grantee goes in GranteeServicePrincipal with its SourceArn; read finds no drift; outputs say what KMS has", async () => {
    const key = await createKey(kms);
    const inputs = checked({
      keyId: key.keyId,
      name: "svc",
      granteeServicePrincipal: service,
      retiringPrincipal: role,
      constraints: { sourceArn },
    });
    const { id, outs } = await lifecycle.create(inputs);
    const [sent] = proxy.bodies("CreateGrant");
    expect(sent).to.deep.include({
      KeyId: key.arn,
      GranteeServicePrincipal: service,
      RetiringPrincipal: role,
      Constraints: { SourceArn: sourceArn },
      Name: "svc",
    });
    expect(sent).to.not.have.any.keys("GranteePrincipal", "RetiringServicePrincipal", "DryRun");
    expect(outs.effectiveGrantee).to.deep.equal({ kind: "service", principal: service });
    expect(outs.effectiveRetiringPrincipal).to.deep.equal({ kind: "iam", principal: role });
    expect(outs.reportedConstraints).to.deep.equal({ sourceArn });
    expect(outs.reportedGrantee).to.deep.equal({ kind: "service", principal: service });
    const read = await lifecycle.read(id, { ...outs, reportedGrantee: undefined, createdAt: "2000-01-01T00:00:00.000Z" });
    expect(read.props?.granteeServicePrincipal).to.equal(service);
    expect(read.props?.reportedGrantee).to.deep.equal({ kind: "service", principal: service });
    expect(read.props).to.not.have.property("granteePrincipal");
    expect(read.inputs).to.deep.equal(inputs);
    expect(await lifecycle.diff(read.props as never, inputs)).to.deep.include({ changes: false });
  });

  it("an IAM grantee with a retiring service principal, @pulumi/aws's list constraints and grantCreationTokens", async () => {
    const key = await createKey(kms);
    const inputs = checked({
      keyId: key.arn,
      name: "iam",
      granteePrincipal: role,
      retiringServicePrincipal: service,
      constraints: [{ encryptionContextEquals: { app: "billing" } }],
      grantCreationTokens: ["earlier-grant-token"],
    });
    await lifecycle.create(inputs);
    const [sent] = proxy.bodies("CreateGrant");
    expect(sent).to.deep.include({
      GranteePrincipal: role,
      RetiringServicePrincipal: service,
      Constraints: { EncryptionContextEquals: { app: "billing" } },
      GrantTokens: ["earlier-grant-token"],
    });
    expect(sent).to.not.have.any.keys("GranteeServicePrincipal", "RetiringPrincipal");
  });

  it("drift: a service grant as recorded is in sync; a different SourceArn in the record is drift", async () => {
    const key = await createKey(kms);
    const { id } = await lifecycle.create(
      checked({
        keyId: key.keyId,
        name: "drift",
        granteeServicePrincipal: service,
        retiringServicePrincipal: service,
        constraints: { sourceArn },
      }),
    );
    const recorded = {
      kind: "Grant" as const,
      urn: "urn:g",
      name: "g",
      keyArn: key.arn,
      grantId: id,
      granteeServicePrincipal: service,
      retiringServicePrincipal: service,
      operations: ["Decrypt"],
      constraints: { sourceArn },
    };
    const clients = { keys: () => new KeyApi(viaProxy), grants: () => new GrantApi(viaProxy) };
    expect((await checkDrift([recorded], clients)).resources[0].status).to.equal("in-sync");
    const other = await checkDrift([{ ...recorded, constraints: { sourceArn: `${sourceArn}-other` } }], clients);
    expect(other.resources[0]).to.deep.include({
      status: "drifted",
      changes: [{ field: "constraints", recorded: { sourceArn: `${sourceArn}-other` }, live: { sourceArn } }],
    });
  });

  it("dryRun: a grant that KMS would create costs one CreateGrant with DryRun, answered 412, and creates nothing", async () => {
    const key = await createKey(kms);
    const inputs = checked({
      keyId: key.keyId,
      name: "dry",
      granteeServicePrincipal: service,
      retiringPrincipal: role,
      constraints: { sourceArn },
    });
    expect(await dryRunning.preflight({}, inputs)).to.deep.equal([]);
    expect(proxy.bodies("CreateGrant")).to.have.length(1);
    expect(proxy.bodies("CreateGrant")[0]).to.deep.include({
      DryRun: true,
      GranteeServicePrincipal: service,
      Constraints: { SourceArn: sourceArn },
    });
    expect(await allGrants(kms, key.keyId)).to.deep.equal([]);
  });

  it("dryRun: a disabled key, an unknown key and access denied each fail check on keyId with KMS's reason, and nothing is written", async () => {
    const disabled = await createKey(kms);
    await kms.send(new DisableKeyCommand({ KeyId: disabled.keyId }));
    const base = { name: "dry", granteePrincipal: role };
    const cases: Array<[string, string, () => void]> = [
      [disabled.keyId, "DisabledException", () => proxy.reset()],
      ["1234abcd-12ab-34cd-56ef-1234567890ab", "NotFoundException", () => proxy.reset()],
      [
        (await createKey(kms)).keyId,
        "AccessDeniedException",
        () => proxy.reset({ faults: [{ operations: ["CreateGrant"], rate: 1, kinds: ["access-denied"] }] }),
      ],
    ];
    for (const [keyId, code, setUp] of cases) {
      setUp();
      const failures = await dryRunning.preflight({}, checked({ ...base, keyId }));
      expect(failures, code).to.have.length(1);
      expect(failures[0].property, code).to.equal("keyId");
      expect(failures[0].reason, code).to.contain(code).and.contain("kms-policy:dryRun");
      expect(proxy.writeCalls() - proxy.count("CreateGrant"), code).to.equal(0);
      expect(await allGrants(kms, keyId).catch(() => []), code).to.deep.equal([]);
    }
  });
});
