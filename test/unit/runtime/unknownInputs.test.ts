import { expect } from "chai";
import { UNKNOWN } from "../../../provider/runtime/check";
import { checkGrant } from "../../../provider/runtime/grantCheck";
import { GrantClients, GrantLifecycle, GrantOutputs } from "../../../provider/runtime/grantLifecycle";
import { checkKeyPolicy } from "../../../provider/runtime/keyPolicyCheck";
import { KeyPolicyLifecycle, KeyPolicyOutputs } from "../../../provider/runtime/keyPolicyLifecycle";

const keyArn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const policy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" }],
});

// At preview an input from a resource not created yet is Pulumi's unknown value. The
// diff must not guess: what is known decides, and otherwise `changes` stays unknown (undefined).
describe("diff with inputs not known yet (preview)", () => {
  const noKms: GrantClients = { grants: () => expect.fail("diff called KMS"), keys: () => expect.fail("diff called KMS") };
  const grants = new GrantLifecycle(noKms, 10);
  const keyPolicies = new KeyPolicyLifecycle(() => expect.fail("diff called KMS"), 10);
  const grantOlds: GrantOutputs = {
    ...checkGrant({ keyId: keyArn, granteePrincipal: "arn:aws:iam::123456789012:role/app", operations: ["Decrypt"], name: "g" }).inputs,
    grantId: "g1",
    grantToken: "t",
    keyArn,
    createdAt: "2000-01-01T00:00:00.000Z",
  };
  const policyOlds: KeyPolicyOutputs = { ...checkKeyPolicy({ keyId: keyArn, policy }).inputs, keyArn, previousPolicy: policy };

  it("Grant: an unknown keyId or grantee is no replace; changes stays unknown", async () => {
    for (const unknown of [{ keyId: UNKNOWN }, { granteePrincipal: UNKNOWN }, { operations: UNKNOWN }, { name: UNKNOWN }]) {
      const news = checkGrant({ ...grantOlds, ...unknown }).inputs;
      const diff = await grants.diff(grantOlds, news);
      expect(diff.replaces, JSON.stringify(unknown)).to.deep.equal([]);
      expect(diff.changes, JSON.stringify(unknown)).to.equal(undefined);
    }
  });

  it("Grant to a service: an unknown service grantee, retiring principal or source ARN is no replace; changes stays unknown", async () => {
    const service = checkGrant({
      keyId: keyArn,
      granteeServicePrincipal: "logs.us-east-1.amazonaws.com",
      retiringServicePrincipal: "logs.us-east-1.amazonaws.com",
      constraints: { sourceArn: "arn:aws:logs:us-east-1:123456789012:log-group:app" },
      operations: ["Decrypt"],
      name: "s",
    });
    expect(service.failures).to.deep.equal([]);
    const olds: GrantOutputs = { ...service.inputs, grantId: "g2", grantToken: "t", keyArn, createdAt: "2000-01-01T00:00:00.000Z" };
    expect((await grants.diff(olds, checkGrant({ ...olds }).inputs)).changes).to.equal(false);
    const unknowns = [{ granteeServicePrincipal: UNKNOWN }, { retiringServicePrincipal: UNKNOWN }, { constraints: { sourceArn: UNKNOWN } }];
    for (const unknown of unknowns) {
      const diff = await grants.diff(olds, checkGrant({ ...olds, ...unknown }).inputs);
      expect(diff.replaces, JSON.stringify(unknown)).to.deep.equal([]);
      expect(diff.changes, JSON.stringify(unknown)).to.equal(undefined);
    }
  });

  it("Grant: a known change still decides, beside an unknown", async () => {
    const news = checkGrant({ ...grantOlds, keyId: UNKNOWN, operations: ["Encrypt"] }).inputs;
    expect(await grants.diff(grantOlds, news)).to.deep.include({ changes: true, replaces: ["operations"] });
    expect((await grants.diff(grantOlds, checkGrant({ ...grantOlds }).inputs)).changes).to.equal(false);
  });

  it("KeyPolicy: an unknown keyId or policy is no replace; changes stays unknown", async () => {
    for (const unknown of [{ keyId: UNKNOWN }, { policy: UNKNOWN }, { region: UNKNOWN }]) {
      const news = checkKeyPolicy({ ...policyOlds, ...unknown }).inputs;
      const diff = await keyPolicies.diff(policyOlds, news);
      expect(diff.replaces, JSON.stringify(unknown)).to.deep.equal([]);
      expect(diff.changes, JSON.stringify(unknown)).to.equal(undefined);
    }
    expect((await keyPolicies.diff(policyOlds, checkKeyPolicy({ ...policyOlds }).inputs)).changes).to.equal(false);
  });

  it("KeyPolicy: a known change still decides, beside an unknown", async () => {
    const news = checkKeyPolicy({ ...policyOlds, keyId: UNKNOWN, onDelete: "retain" }).inputs;
    expect(await keyPolicies.diff(policyOlds, news)).to.deep.equal({ changes: true, replaces: [] });
  });
});
