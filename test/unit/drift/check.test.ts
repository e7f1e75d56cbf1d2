import { DescribeKeyCommand, GetKeyPolicyCommand, ListGrantsCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { Access } from "../../../provider/aws/access";
import { GrantApi } from "../../../provider/aws/grants";
import { KeyApi } from "../../../provider/aws/keys";
import { checkDrift, DriftClients } from "../../../provider/drift/check";
import { ManagedResource } from "../../../provider/drift/stackExport";

const keyId = "1234abcd-12ab-34cd-56ef-1234567890ab";
const keyArn = `arn:aws:kms:us-east-1:222233334444:key/${keyId}`;
const owner: Access = { assumeRole: { roleArn: "arn:aws:iam::222233334444:role/kms-admin" } };
const central: Access = { assumeRole: { roleArn: "arn:aws:iam::999988887777:role/platform-deployer" } };
const policy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::222233334444:root" }, Action: "kms:*", Resource: "*" }],
});
const grantee = "arn:aws:iam::111122223333:role/app";

/**
 * One key of account 222233334444, as KMS answers each role: the key policy calls are not
 * cross-account (GetKeyPolicy "Cross-account use: No"), so the central role of another account
 * gets AccessDenied for them, while DescribeKey and ListGrants answer any role.
 */
function kmsAs(access: Access | undefined, calls: string[], listed: () => Array<Record<string, unknown>>) {
  return {
    async send(command: object): Promise<unknown> {
      const role = access?.assumeRole?.roleArn ?? "default";
      calls.push(`${command.constructor.name.replace("Command", "")} as ${role}`);
      if (command instanceof DescribeKeyCommand)
        return { KeyMetadata: { Arn: keyArn, KeyId: keyId, AWSAccountId: "222233334444", KeyState: "Enabled" } };
      if (command instanceof GetKeyPolicyCommand) {
        if (role !== owner.assumeRole?.roleArn)
          throw Object.assign(new Error("not authorized"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } });
        return { Policy: policy };
      }
      if (command instanceof ListGrantsCommand) return { Grants: listed(), Truncated: false };
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  };
}

describe("kms-policy drift: which credentials read what", () => {
  const grant = (createdAt: string): ManagedResource => ({
    kind: "Grant",
    urn: "urn:g",
    name: "g",
    keyArn,
    grantId: "g1",
    granteePrincipal: grantee,
    operations: ["Decrypt"],
    createdAt,
    access: central,
  });
  const keyPolicy: ManagedResource = { kind: "KeyPolicy", urn: "urn:p", name: "p", keyArn, policyName: "default", policy, access: owner };

  it("a KeyPolicy and a Grant on one key, recorded with roles of two accounts, are each read with their own role", async () => {
    const calls: string[] = [];
    const listed = () => [{ GrantId: "g1", KeyId: keyArn, GranteePrincipal: grantee, Operations: ["Decrypt"] }];
    const clients: DriftClients = {
      keys: (_k, _r, access) => new KeyApi(kmsAs(access, calls, listed)),
      grants: (_k, _r, access) => new GrantApi(kmsAs(access, calls, listed)),
    };
    // The Grant first: before, the group's first member's role made every call on the key.
    const report = await checkDrift([grant("2020-01-01T00:00:00Z"), keyPolicy], clients, { unmanagedGrants: true });
    expect(report.resources.map((r) => `${r.kind} ${r.status}`)).to.deep.equal(["KeyPolicy in-sync", "Grant in-sync"]);
    expect(calls.filter((c) => c.startsWith("GetKeyPolicy"))).to.deep.equal([`GetKeyPolicy as ${owner.assumeRole?.roleArn}`]);
    expect(calls.filter((c) => c.startsWith("ListGrants"))).to.deep.equal([`ListGrants as ${central.assumeRole?.roleArn}`]);
    expect(report.unmanagedGrants).to.deep.equal([]);
  });

  it("a young grant whose grantee KMS lists as a unique id is not drift; an old one is a deleted grantee", async () => {
    const calls: string[] = [];
    const listed = () => [{ GrantId: "g1", KeyId: keyArn, GranteePrincipal: "AROAEXAMPLEUNIQUEID01", Operations: ["Decrypt"] }];
    const clients: DriftClients = {
      keys: (_k, _r, access) => new KeyApi(kmsAs(access, calls, listed)),
      grants: (_k, _r, access) => new GrantApi(kmsAs(access, calls, listed)),
    };
    const young = await checkDrift([grant(new Date(Date.now() - 5000).toISOString())], clients);
    // Listed, so not "not listed yet": a status of its own says what is not settled.
    expect(young.resources[0].status).to.equal("unsettled-grantee");
    expect(young.resources[0].message).to.match(
      /grant g1: its grantee is listed as the unique id AROAEXAMPLEUNIQUEID01.*not drift unless it persists/,
    );
    const old = await checkDrift([grant("2020-01-01T00:00:00Z")], clients);
    expect(old.resources[0].status).to.equal("drifted");
    expect(old.resources[0].message).to.match(/grantee was deleted/);
  });

  it("a grant's age is measured on the clock it is given: not listed yet within the listing delay, gone after it", async () => {
    const calls: string[] = [];
    const clients: DriftClients = {
      keys: (_k, _r, access) => new KeyApi(kmsAs(access, calls, () => [])),
      grants: (_k, _r, access) => new GrantApi(kmsAs(access, calls, () => [])),
    };
    const createdAt = "2020-01-01T00:00:00.000Z";
    const at = (ms: number) => ({ now: () => Date.parse(createdAt) + ms, after: () => expect.fail("drift waited") });
    const soon = await checkDrift([grant(createdAt)], clients, { grantListingDelaySeconds: 60, clock: at(59_000) });
    expect(soon.resources[0].status).to.equal("not-listed-yet");
    const later = await checkDrift([grant(createdAt)], clients, { grantListingDelaySeconds: 60, clock: at(61_000) });
    expect(later.resources[0].status).to.equal("gone");
  });
});
