import { expect } from "chai";
import { Access } from "../../../provider/aws/access";
import { GrantApi } from "../../../provider/aws/grants";
import { KeyApi } from "../../../provider/aws/keys";
import { checkDrift } from "../../../provider/drift/check";
import { jsonReport, markdownReport, textReport } from "../../../provider/drift/report";
import { ManagedResource } from "../../../provider/drift/stackExport";

const ROLE_A = "arn:aws:iam::111122223333:role/kms-admin";
const ROLE_B = "arn:aws:iam::444455556666:role/kms-admin";
// A multi-Region key id as KMS writes it (mrk- and 32 hex digits: KMS API Reference, KeyId) and as moto does.
const MRK = "mrk-1234abcd12ab34cd56ef1234567890ab";
const arnOf = (region: string, account: string, id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;

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
