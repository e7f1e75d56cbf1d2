import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { Access } from "../../../provider/aws/access";
import { GrantApi } from "../../../provider/aws/grants";
import { KeyApi } from "../../../provider/aws/keys";
import { ProviderContext } from "../../../provider/runtime/context";
import { checkGrant } from "../../../provider/runtime/grantCheck";
import { GrantLifecycle } from "../../../provider/runtime/grantLifecycle";
import { checkKeyPolicy } from "../../../provider/runtime/keyPolicyCheck";
import { KeyPolicyLifecycle, KeyPolicyOutputs } from "../../../provider/runtime/keyPolicyLifecycle";
import grantProvider = require("../../../provider/runtime/grant");
import keyPolicyProvider = require("../../../provider/runtime/keyPolicy");

const keyId = "1234abcd-12ab-34cd-56ef-1234567890ab";
const ROLE_A = "arn:aws:iam::111122223333:role/deployer";
const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

describe("provider context: each provider's settings, clients and clock are its own", () => {
  it("two contexts in one process keep their own settings, setting problems and Region", () => {
    const eu = new ProviderContext();
    const us = new ProviderContext();
    eu.configure(config({ "aws:region": "eu-west-1", "kms-policy:maxAttempts": "3", "kms-policy:dryRun": "true" }));
    us.configure(config({ "aws:region": "us-west-2", "kms-policy:maxAttempts": "abc" }));
    expect(eu.settings).to.deep.include({ region: "eu-west-1", maxAttempts: 3, dryRun: true });
    expect(us.settings).to.deep.include({ region: "us-west-2", maxAttempts: undefined, dryRun: false });
    expect(eu.problems).to.deep.equal([]);
    expect(us.problems.map((p) => p.property)).to.deep.equal(["kms-policy:maxAttempts"]);
    expect(eu.regionFor(keyId)).to.equal("eu-west-1");
    expect(us.regionFor(keyId)).to.equal("us-west-2");
    // A key ARN names its Region, whatever either stack says.
    expect(us.regionFor(`arn:aws:kms:ap-south-1:111122223333:key/${keyId}`)).to.equal("ap-south-1");
  });

  it("two contexts never share a KMS client; one context keeps one client per Region, access and retry setting", async () => {
    const a = new ProviderContext({ settings: { region: "eu-west-1", maxAttempts: 2 } });
    const b = new ProviderContext({ settings: { region: "eu-west-1", maxAttempts: 2 } });
    const client = a.clientFor(keyId);
    expect(a.clientFor(keyId)).to.equal(client);
    expect(b.clientFor(keyId)).to.not.equal(client);
    expect(a.clientFor(keyId, undefined, { profile: "other" })).to.not.equal(client);
    expect(await client.config.region()).to.equal("eu-west-1");
    expect(await client.config.maxAttempts()).to.equal(2);
    // configure changes what the next client is made with, in this context only.
    a.configure(config({ "aws:region": "eu-west-1", "kms-policy:maxAttempts": "5" }));
    expect(await a.clientFor(keyId).config.maxAttempts()).to.equal(5);
    expect(b.clientFor(keyId)).to.equal(b.clientFor(keyId));
    expect(await b.clientFor(keyId).config.maxAttempts()).to.equal(2);
  });

  it("two KeyPolicy lifecycles read a state's key with their own context's Region and stack role", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "Root", Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "kms:*", Resource: "*" }],
    });
    // A state from before the access was recorded, of a key given by bare id.
    const state: KeyPolicyOutputs = { ...checkKeyPolicy({ keyId, policy }).inputs, keyArn: "", previousPolicy: policy };
    const asked: Array<[string | undefined, Access | undefined]> = [];
    const lifecycleIn = (context: ProviderContext) =>
      new KeyPolicyLifecycle(
        (_key, region, access) => {
          asked.push([region, access]);
          return {
            describeKey: async () => ({
              arn: `arn:aws:kms:${region}:111122223333:key/${keyId}`,
              keyId,
              account: "111122223333",
              state: "Enabled",
            }),
            settledKeyPolicy: async () => policy,
          } as unknown as KeyApi;
        },
        1,
        context,
      );
    const withRole = new ProviderContext();
    withRole.configure(config({ "aws:region": "eu-west-1", "kms-policy:assumeRole": JSON.stringify({ roleArn: ROLE_A }) }));
    const plain = new ProviderContext();
    plain.configure(config({ "aws:region": "us-west-2" }));
    const first = await lifecycleIn(withRole).read(keyId, state);
    const second = await lifecycleIn(plain).read(keyId, state);
    expect(asked).to.deep.equal([
      ["eu-west-1", { assumeRole: { roleArn: ROLE_A } }],
      ["us-west-2", {}],
    ]);
    expect(first.props?.access).to.deep.equal({ assumeRole: { roleArn: ROLE_A } });
    expect(second.id).to.equal(`arn:aws:kms:us-west-2:111122223333:key/${keyId}`);
  });

  it("kms-policy:dryRun set in one Grant provider's context does not make another's check call KMS", async () => {
    const calls: string[] = [];
    const kms = {
      async send(command: object): Promise<unknown> {
        calls.push(command.constructor.name);
        if (command instanceof DescribeKeyCommand) throw new Error("unexpected DescribeKey");
        // KMS's answer to a dry run that would succeed.
        throw Object.assign(new Error("The request would have succeeded"), {
          name: "DryRunOperationException",
          $metadata: { httpStatusCode: 412 },
        });
      },
    } as Pick<KMSClient, "send">;
    const clients = { grants: () => new GrantApi(kms), keys: () => new KeyApi(kms) };
    const on = new ProviderContext();
    on.configure(config({ "kms-policy:dryRun": "true" }));
    const off = new ProviderContext();
    const { inputs } = checkGrant({ keyId, granteePrincipal: ROLE_A, operations: ["Decrypt"], name: "g" });
    expect(await new GrantLifecycle(clients, 1, off).preflight({}, inputs)).to.deep.equal([]);
    expect(calls).to.deep.equal([]);
    expect(await new GrantLifecycle(clients, 1, on).preflight({}, inputs)).to.deep.equal([]);
    expect(calls).to.deep.equal(["CreateGrantCommand"]);
  });

  it("a stack setting one provider was configured with is refused by that provider's check only", async () => {
    type Provider = {
      configure(req: { config: { get(key: string): string | undefined } }): Promise<void>;
      check(olds: unknown, news: unknown): Promise<{ failures?: Array<{ property: string }> }>;
    };
    const grants = grantProvider as unknown as Provider;
    const keyPolicies = keyPolicyProvider as unknown as Provider;
    const grant = { keyId, granteePrincipal: ROLE_A, operations: ["Decrypt"], name: "g" };
    const policy = {
      Version: "2012-10-17",
      Statement: [{ Sid: "Root", Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "kms:*", Resource: "*" }],
    };
    try {
      await grants.configure({ config: config({ "kms-policy:maxAttempts": "abc" }) });
      await keyPolicies.configure({ config: config({}) });
      expect((await grants.check({}, grant)).failures?.map((f) => f.property)).to.deep.equal(["kms-policy:maxAttempts"]);
      expect((await keyPolicies.check({}, { keyId, policy })).failures).to.deep.equal([]);
    } finally {
      await grants.configure({ config: config({}) });
    }
  });
});
