import { expect } from "chai";
import * as keyPolicyProvider from "../../../provider/runtime/keyPolicy";
import { keyPolicyAccessFailures } from "../../../provider/runtime/keyPolicyAccess";
import { configureFromStack, parseAccessNotGranted, providerSettings, stackSettingProblems } from "../../../provider/runtime/settings";

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });
const KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const APP = "arn:aws:iam::111122223333:role/App";
const admin = { Sid: "Admin", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" };
const use = (actions: string[]) => ({ Sid: "Use", Effect: "Allow", Principal: { AWS: APP }, Action: actions, Resource: "*" });
const policy = (actions: string[]) => JSON.stringify({ Version: "2012-10-17", Statement: [admin, use(actions)] });

/** The KeyPolicy provider's check, as the engine calls it at preview: olds are the previous inputs. */
async function check(olds: Record<string, unknown>, news: Record<string, unknown>, values: Record<string, string>) {
  const provider = keyPolicyProvider as unknown as {
    configure(req: { config: { get(key: string): string | undefined } }): Promise<void>;
    check(olds: unknown, news: unknown): Promise<{ failures?: Array<{ property: string; reason: string }> }>;
  };
  await provider.configure({ config: config(values) });
  return (await provider.check(olds, news)).failures ?? [];
}

describe("stack settings kms-policy:noNewAccess and kms-policy:accessNotGranted", () => {
  afterEach(() => configureFromStack(config({})));

  it("default: both off", () => {
    configureFromStack(config({}));
    expect(providerSettings().noNewAccess).to.equal(false);
    expect(providerSettings().accessNotGranted).to.equal(undefined);
  });

  it("accessNotGranted reads an object set with --path, a list of actions, or comma-separated actions; refuses what is not one", () => {
    expect(parseAccessNotGranted('{"actions":["kms:Decrypt"],"principals":["444455556666"]}').value).to.deep.equal({
      actions: ["kms:Decrypt"],
      principals: ["444455556666"],
    });
    expect(parseAccessNotGranted('["kms:Decrypt","kms:ReEncrypt*"]').value).to.deep.equal({ actions: ["kms:Decrypt", "kms:ReEncrypt*"] });
    expect(parseAccessNotGranted("kms:Decrypt, kms:Encrypt").value).to.deep.equal({ actions: ["kms:Decrypt", "kms:Encrypt"] });
    configureFromStack(config({ "kms-policy:accessNotGranted": '{"action":["kms:Decrypt"]}', "kms-policy:noNewAccess": "yes" }));
    const problems = stackSettingProblems();
    expect(problems.map((p) => p.property)).to.have.members(["kms-policy:accessNotGranted", "kms-policy:noNewAccess"]);
    expect(problems.find((p) => p.property === "kms-policy:accessNotGranted")?.reason)
      .to.contain("actions must be a list")
      .and.contain('has no "action"');
    expect(parseAccessNotGranted('{"actions":["s3:GetObject"]}').problems[0]).to.contain('"s3:GetObject" is not a KMS action');
  });

  it("noNewAccess: an update that widens fails check on policy, naming the statement, principal and action, and the opt-in", async () => {
    const failures = await check(
      { keyId: KEY, policy: policy(["kms:Decrypt"]) },
      { keyId: KEY, policy: policy(["kms:Decrypt", "kms:Encrypt"]) },
      { "kms-policy:noNewAccess": "true" },
    );
    expect(failures).to.have.length(1);
    expect(failures[0].property).to.equal("policy");
    expect(failures[0].reason)
      .to.contain("kms-policy:noNewAccess is on")
      .and.contain("Statement[1]: proven new access")
      .and.contain(APP)
      .and.contain("kms:Encrypt")
      .and.contain("pulumi config set kms-policy:noNewAccess false");
  });

  it("noNewAccess: a narrowing, a rewrite, a new resource, and a widening with the setting off all pass", async () => {
    const on = { "kms-policy:noNewAccess": "true" };
    expect(
      await check({ keyId: KEY, policy: policy(["kms:Decrypt", "kms:Encrypt"]) }, { keyId: KEY, policy: policy(["kms:Decrypt"]) }, on),
    ).to.deep.equal([]);
    expect(await check({ keyId: KEY, policy: policy(["kms:Decrypt"]) }, { keyId: KEY, policy: policy(["KMS:DECRYPT"]) }, on)).to.deep.equal(
      [],
    );
    expect(await check({}, { keyId: KEY, policy: policy(["kms:Decrypt", "kms:Encrypt"]) }, on)).to.deep.equal([]);
    expect(
      await check({ keyId: KEY, policy: policy(["kms:Decrypt"]) }, { keyId: KEY, policy: policy(["kms:Decrypt", "kms:Encrypt"]) }, {}),
    ).to.deep.equal([]);
  });

  it("accessNotGranted: any KeyPolicy granting the actions (to the principals) fails check; others pass", async () => {
    const setting = { "kms-policy:accessNotGranted": JSON.stringify({ actions: ["kms:Encrypt"], principals: [APP] }) };
    const failures = await check({}, { keyId: KEY, policy: policy(["kms:Decrypt", "kms:Encrypt"]) }, setting);
    expect(failures).to.have.length(1);
    expect(failures[0].reason).to.contain("kms-policy:accessNotGranted refuses kms:Encrypt").and.contain("Statement[1]");
    expect(await check({}, { keyId: KEY, policy: policy(["kms:Decrypt"]) }, setting)).to.deep.equal([]);
  });

  it("a policy not known yet at preview is judged at the next check; a new resource is judged by accessNotGranted alone", () => {
    const settings = { noNewAccess: true, accessNotGranted: { actions: ["kms:*"] } };
    expect(keyPolicyAccessFailures({ policy: policy(["kms:Decrypt"]) }, undefined, KEY, settings)).to.deep.equal([]);
    // The root has kms:* through Admin: refused whatever the old policy.
    expect(keyPolicyAccessFailures({}, policy(["kms:Decrypt"]), KEY, settings).map((f) => f.property)).to.deep.equal(["policy"]);
  });
});
