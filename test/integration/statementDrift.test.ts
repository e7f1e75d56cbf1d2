import { KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { GrantApi } from "../../provider/aws/grants";
import { KeyApi } from "../../provider/aws/keys";
import { checkDrift } from "../../provider/drift/check";
import { exitCodeOf, textReport } from "../../provider/drift/report";
import { ManagedKeyPolicyStatement, parseStackExport } from "../../provider/drift/stackExport";
import { CountingKms } from "../support/countingKms";
import { moto } from "../support/hooks";
import { createKey, testKms } from "../support/kms";

const account = "123456789012";
const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" };
const allows = (sid: string, action: string) => ({
  Sid: sid,
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${account}:role/app` },
  Action: action,
  Resource: "*",
});
const policyOf = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe("integration: kms-policy drift for KeyPolicyStatement (its own statement only) on moto", () => {
  let kms: KMSClient;
  let counting: CountingKms;
  let key: { keyId: string; arn: string };
  const resource = (sid: string, action: string): ManagedKeyPolicyStatement => ({
    kind: "KeyPolicyStatement",
    urn: `urn:pulumi:e2e::p::pulumi-nodejs:dynamic/kms:KeyPolicyStatement::${sid}`,
    name: sid,
    keyArn: key.arn,
    sid,
    statement: JSON.stringify(allows(sid, action)),
  });
  const check = () =>
    checkDrift([resource("Mine", "kms:Decrypt")], { keys: () => new KeyApi(counting), grants: () => new GrantApi(counting) });

  before(async () => {
    kms = testKms(await moto());
    counting = new CountingKms(kms);
    key = await createKey(kms);
  });

  it("is in sync while its statement means the same, whatever happens to the other statements", async () => {
    await kms.send(
      new PutKeyPolicyCommand({
        KeyId: key.keyId,
        PolicyName: "default",
        Policy: policyOf(root, allows("Mine", "kms:Decrypt"), allows("Theirs", "kms:Encrypt")),
      }),
    );
    expect((await check()).resources.map((r) => r.status)).to.deep.equal(["in-sync"]);
    await kms.send(
      new PutKeyPolicyCommand({
        KeyId: key.keyId,
        PolicyName: "default",
        Policy: policyOf(allows("Theirs", "kms:Sign"), { ...allows("Mine", "kms:Decrypt"), Action: ["kms:Decrypt"] }, root),
      }),
    );
    counting.reset();
    const report = await check();
    expect(report.resources.map((r) => [r.kind, r.status])).to.deep.equal([["KeyPolicyStatement", "in-sync"]]);
    expect(exitCodeOf(report)).to.equal(0);
    expect(counting.calls.get("GetKeyPolicy")).to.equal(1);
  });

  it("reports its statement changed or removed out of band as drift, statement by statement", async () => {
    await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policyOf(root, allows("Mine", "kms:*")) }));
    const changed = await check();
    expect(changed.resources[0].status).to.equal("drifted");
    expect(changed.resources[0].policyDiff?.changed.map((c) => c.label)).to.deep.equal(["Mine"]);
    expect(textReport(changed)).to.contain("live statement differs from the stack");
    await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policyOf(root) }));
    const removed = await check();
    expect(removed.resources[0].status).to.equal("drifted");
    expect(removed.resources[0].policyDiff?.removed.map((s) => s.Sid)).to.deep.equal(["Mine"]);
    expect(exitCodeOf(removed)).to.not.equal(0);
  });

  it("--unowned-statements lists the statements no KeyPolicyStatement of the stack owns, Sid-less ones by place, and is no drift", async () => {
    const anonymous = { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:role/ops` }, Action: "kms:Sign", Resource: "*" };
    await kms.send(
      new PutKeyPolicyCommand({
        KeyId: key.keyId,
        PolicyName: "default",
        Policy: policyOf(root, allows("Mine", "kms:Decrypt"), allows("Theirs", "kms:Encrypt"), anonymous),
      }),
    );
    counting.reset();
    const clients = { keys: () => new KeyApi(counting), grants: () => new GrantApi(counting) };
    const report = await checkDrift([resource("Mine", "kms:Decrypt")], clients, { unownedStatements: true });
    expect(report.resources.map((r) => r.status)).to.deep.equal(["in-sync"]);
    expect(report.unownedStatements?.map((u) => [u.keyArn, u.sid ?? `#${u.index}`])).to.deep.equal([
      [key.arn, "Root"],
      [key.arn, "Theirs"],
      [key.arn, "#3"],
    ]);
    expect(JSON.parse(report.unownedStatements?.[1].statement ?? "{}")).to.deep.equal(allows("Theirs", "kms:Encrypt"));
    // Read from the policy the statement's own check read: no further call.
    expect(counting.calls.get("GetKeyPolicy")).to.equal(1);
    expect(exitCodeOf(report)).to.equal(0);
    // Not asked for: not listed. On a key a KeyPolicy of the stack manages whole, nothing is unowned.
    expect((await check()).unownedStatements).to.equal(undefined);
    const whole = { kind: "KeyPolicy" as const, urn: "urn:kp", name: "kp", keyArn: key.arn, policyName: "default", policy: policyOf(root) };
    const withKeyPolicy = await checkDrift([resource("Mine", "kms:Decrypt"), whole], clients, { unownedStatements: true });
    expect(withKeyPolicy.unownedStatements).to.deep.equal([]);
  });

  it("reads KeyPolicyStatements from a stack export", () => {
    const exported = {
      deployment: {
        resources: [
          {
            urn: "urn:pulumi:e2e::p::pulumi-nodejs:dynamic/kms:KeyPolicyStatement::app",
            type: "pulumi-nodejs:dynamic/kms:KeyPolicyStatement",
            outputs: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/k", sid: "App", statement: "{}", region: "us-east-1" },
          },
        ],
      },
    };
    expect(parseStackExport(JSON.stringify(exported))).to.deep.equal([
      {
        kind: "KeyPolicyStatement",
        urn: exported.deployment.resources[0].urn,
        name: "app",
        keyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
        region: "us-east-1",
        sid: "App",
        statement: "{}",
      },
    ]);
  });
});
