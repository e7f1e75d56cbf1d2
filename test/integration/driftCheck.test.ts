import { CreateGrantCommand, KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { GrantApi } from "../../provider/aws/grants";
import { KeyApi } from "../../provider/aws/keys";
import { checkDrift } from "../../provider/drift/check";
import { exitCodeOf } from "../../provider/drift/report";
import { ManagedResource } from "../../provider/drift/stackExport";
import { CountingKms } from "../support/countingKms";
import { moto } from "../support/hooks";
import { createKey, testKms } from "../support/kms";

const policy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: "Root", Effect: "Allow", Principal: { AWS: "123456789012" }, Action: "kms:*", Resource: "*" }],
});

describe("integration: drift check on moto", () => {
  let kms: KMSClient;
  let counting: CountingKms;
  const resources: ManagedResource[] = [];

  before(async () => {
    kms = testKms(await moto());
    counting = new CountingKms(kms);
    for (let k = 0; k < 3; k++) {
      const key = await createKey(kms);
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policy }));
      resources.push({ kind: "KeyPolicy", urn: `urn:k${k}`, name: `k${k}`, keyArn: key.arn, policyName: "default", policy });
      for (let g = 0; g < 5; g++) {
        const grant = await kms.send(
          new CreateGrantCommand({
            KeyId: key.keyId,
            GranteePrincipal: "arn:aws:iam::123456789012:role/app",
            Operations: ["Decrypt"],
            Name: `g${g}`,
          }),
        );
        resources.push({
          kind: "Grant",
          urn: `urn:k${k}g${g}`,
          name: `g${g}`,
          keyArn: key.arn,
          grantId: grant.GrantId as string,
          granteePrincipal: "arn:aws:iam::123456789012:role/app",
          operations: ["Decrypt"],
        });
      }
    }
  });

  for (const concurrency of [1, 8]) {
    it(`costs one DescribeKey, GetKeyPolicy and ListGrants per key (concurrency ${concurrency})`, async () => {
      counting.reset();
      const report = await checkDrift(
        resources,
        { keys: () => new KeyApi(counting), grants: () => new GrantApi(counting) },
        { concurrency },
      );
      expect(report.resources.every((r) => r.status === "in-sync")).to.equal(true);
      expect(report.resources.map((r) => r.urn)).to.have.members(resources.map((r) => r.urn));
      expect(report.resources.slice(0, 3).map((r) => r.kind)).to.deep.equal(["KeyPolicy", "KeyPolicy", "KeyPolicy"]);
      expect(Object.fromEntries(counting.calls)).to.deep.equal({ DescribeKey: 3, GetKeyPolicy: 3, ListGrants: 3 });
      expect(exitCodeOf(report)).to.equal(0);
    });
  }

  it("a drifted key policy says whether the live policy grants access the stack's does not, or only narrows it", async () => {
    const declared = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "Root", Effect: "Allow", Principal: { AWS: "123456789012" }, Action: "kms:*", Resource: "*" },
        {
          Sid: "App",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:role/app" },
          Action: ["kms:Decrypt", "kms:Encrypt"],
          Resource: "*",
        },
      ],
    });
    const live = (actions: string[]) =>
      JSON.stringify({
        ...JSON.parse(declared),
        Statement: [JSON.parse(declared).Statement[0], { ...JSON.parse(declared).Statement[1], Action: actions }],
      });
    const widened = await createKey(kms);
    await kms.send(
      new PutKeyPolicyCommand({
        KeyId: widened.keyId,
        PolicyName: "default",
        Policy: live(["kms:Decrypt", "kms:Encrypt", "kms:CreateGrant"]),
      }),
    );
    const narrowed = await createKey(kms);
    await kms.send(new PutKeyPolicyCommand({ KeyId: narrowed.keyId, PolicyName: "default", Policy: live(["kms:Decrypt"]) }));
    const report = await checkDrift(
      [
        { kind: "KeyPolicy", urn: "urn:w", name: "widened", keyArn: widened.arn, policyName: "default", policy: declared },
        { kind: "KeyPolicy", urn: "urn:n", name: "narrowed", keyArn: narrowed.arn, policyName: "default", policy: declared },
      ],
      { keys: () => new KeyApi(kms), grants: () => new GrantApi(kms) },
      { concurrency: 2 },
    );
    const byName = Object.fromEntries(report.resources.map((r) => [r.name, r]));
    expect(byName.widened.status).to.equal("drifted");
    expect(byName.widened.access?.newAccess).to.equal(true);
    expect(byName.widened.access?.reasons.map((r) => r.message).join("\n")).to.contain("kms:CreateGrant");
    expect(byName.narrowed.status).to.equal("drifted");
    expect(byName.narrowed.access).to.deep.equal({ newAccess: false, reasons: [] });
  });
});
