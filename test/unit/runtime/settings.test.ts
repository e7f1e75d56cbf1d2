import { expect } from "chai";
import * as keyPolicyProvider from "../../../provider/runtime/keyPolicy";
import { keyPolicyAccessFailures } from "../../../provider/runtime/keyPolicyAccess";
import { ProviderContext } from "../../../provider/runtime/context";
import { parseAccessNotGranted, STACK_SETTINGS } from "../../../provider/runtime/settings";

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });
/** The context these tests configure, as the dynamic-provider host configures a provider's. */
const context = new ProviderContext();
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY = `arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}`;
const ROLE = "arn:aws:iam::111122223333:role/kms-admin";
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
  afterEach(() => context.configure(config({})));

  it("default: both off", () => {
    context.configure(config({}));
    expect(context.settings.noNewAccess).to.equal(false);
    expect(context.settings.accessNotGranted).to.equal(undefined);
  });

  it("accessNotGranted reads an object set with --path, a list of actions, or comma-separated actions; refuses what is not one", () => {
    expect(parseAccessNotGranted('{"actions":["kms:Decrypt"],"principals":["444455556666"]}').value).to.deep.equal({
      actions: ["kms:Decrypt"],
      principals: ["444455556666"],
    });
    expect(parseAccessNotGranted('["kms:Decrypt","kms:ReEncrypt*"]').value).to.deep.equal({ actions: ["kms:Decrypt", "kms:ReEncrypt*"] });
    expect(parseAccessNotGranted("kms:Decrypt, kms:Encrypt").value).to.deep.equal({ actions: ["kms:Decrypt", "kms:Encrypt"] });
    context.configure(config({ "kms-policy:accessNotGranted": '{"action":["kms:Decrypt"]}', "kms-policy:noNewAccess": "yes" }));
    const problems = context.problems;
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

describe("provider settings: kms-policy:failOn and kms-policy:ignore", () => {
  afterEach(() => context.configure(config({})));

  it("default: only errors fail, nothing ignored", () => {
    context.configure(config({}));
    expect(context.settings).to.deep.include({ failOn: "error", lintIgnore: [] });
  });

  it("reads failOn and the Sid:rule pairs, as a list set with --path or as one string", () => {
    context.configure(config({ "kms-policy:failOn": "security", "kms-policy:ignore": '["Everyone:public-access"]' }));
    expect(context.settings).to.deep.include({ failOn: "security", lintIgnore: [{ sid: "Everyone", rule: "public-access" }] });
    context.configure(config({ "kms-policy:failOn": "warning", "kms-policy:ignore": "A:missing-sid,B:duplicate-sid" }));
    expect(context.settings.lintIgnore.map((i) => i.sid)).to.deep.equal(["A", "B"]);
  });

  it("reads Sids with spaces, as the console writes them, in the string form", () => {
    context.configure(
      config({ "kms-policy:ignore": "Allow access for Key Administrators:cross-account-create-grant\nAllow everyone:public-access" }),
    );
    expect(context.settings.lintIgnore).to.deep.equal([
      { sid: "Allow access for Key Administrators", rule: "cross-account-create-grant" },
      { sid: "Allow everyone", rule: "public-access" },
    ]);
  });

  it("an entry that suppresses nothing fails every check: an unknown rule id, or an old space-separated list", () => {
    context.configure(config({ "kms-policy:ignore": "PublicRead:public-access Legacy:missing-sid" }));
    const [joined] = context.problems;
    expect(joined.property).to.equal("kms-policy:ignore");
    expect(joined.reason).to.contain("looks like several entries").and.contain("pulumi config set kms-policy:ignore");
    context.configure(config({ "kms-policy:ignore": "Everyone:public-acess,Other:public-access" }));
    expect(context.problems.map((p) => p.property)).to.deep.equal(["kms-policy:ignore"]);
    expect(context.problems[0].reason)
      .to.contain('"public-acess" is not a rule id')
      .and.contain("did you mean public-access?")
      .and.not.contain("missing-sid");
    expect(context.settings.lintIgnore).to.deep.equal([{ sid: "Other", rule: "public-access" }]);
    // Near miss: well-formed entries are no problem.
    context.configure(config({ "kms-policy:ignore": "Everyone:public-access\n*:missing-sid" }));
    expect(context.problems).to.deep.equal([]);
  });

  it("a failOn that is not error, security or warning counts as error (the resource warns about it)", () => {
    context.configure(config({ "kms-policy:failOn": "suggestion" }));
    expect(context.settings.failOn).to.equal("error");
    context.configure(config({ "kms-policy:failOn": "loud" }));
    expect(context.settings.failOn).to.equal("error");
  });
});

describe("provider settings: Region, retries and timeouts", () => {
  afterEach(() => context.configure(config({})));

  it("region: the resource's, else the key ARN's, else the stack's aws:region; AWS_REGION is left to the SDK", () => {
    const environment = process.env.AWS_REGION;
    try {
      // The providers leave AWS_REGION to the SDK (the client then reads it), so it decides nothing here.
      process.env.AWS_REGION = "sa-east-1";
      context.configure(config({ "aws:region": "eu-central-1" }));
      expect(context.regionFor(KEY_ID, "ap-south-1")).to.equal("ap-south-1");
      expect(context.regionFor(KEY)).to.equal("us-east-1");
      expect(context.regionFor(KEY_ID)).to.equal("eu-central-1");
      context.configure(config({}));
      expect(context.regionFor(KEY_ID)).to.equal(undefined);
      expect(context.regionFor(KEY_ID, "eu-west-1")).to.equal("eu-west-1");
    } finally {
      if (environment === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = environment;
    }
  });

  it("reads kms-policy:maxAttempts, requestTimeoutSeconds and grantListingDelaySeconds, with defaults", () => {
    context.configure(
      config({ "kms-policy:maxAttempts": "3", "kms-policy:grantListingDelaySeconds": "0", "kms-policy:requestTimeoutSeconds": "2.5" }),
    );
    expect(context.settings).to.deep.include({ maxAttempts: 3, grantListingDelaySeconds: 0, requestTimeoutSeconds: 2.5 });
    context.configure(config({}));
    expect(context.settings).to.deep.include({
      maxAttempts: undefined,
      grantListingDelaySeconds: 300,
      requestTimeoutSeconds: undefined,
    });
  });

  it("refuses a value a setting does not take, naming the key, the value and what it takes", () => {
    context.configure(
      config({ "kms-policy:maxAttempts": "abc", "kms-policy:requestTimeoutSeconds": "0", "kms-policy:grantListingDelaySeconds": "60" }),
    );
    const problems = context.problems;
    expect(problems.map((p) => p.property)).to.deep.equal(["kms-policy:maxAttempts", "kms-policy:requestTimeoutSeconds"]);
    expect(problems[0].reason).to.contain('kms-policy:maxAttempts is "abc"').and.contain(STACK_SETTINGS.maxAttempts.accepts);
    expect(problems[0].reason).to.contain("pulumi config set kms-policy:maxAttempts");
    expect(problems[1].reason).to.contain('"0"').and.contain(STACK_SETTINGS.requestTimeoutSeconds.accepts);
    context.configure(config({ "kms-policy:maxAttempts": "3" }));
    expect(context.problems).to.deep.equal([]);
  });
});

describe("provider settings: kms-policy:assumeRole and aws:profile", () => {
  afterEach(() => context.configure(config({})));

  it("the stack settings feed the precedence (kms-policy:assumeRole, aws:profile)", () => {
    context.configure(
      config({ "kms-policy:assumeRole": JSON.stringify({ roleArn: ROLE, externalId: "ext-1" }), "aws:profile": "central" }),
    );
    expect(context.accessFor({})).to.deep.equal({ assumeRole: { roleArn: ROLE, externalId: "ext-1" }, profile: "central" });
    expect(context.accessFor({ profile: "b" })).to.deep.equal({ profile: "b" });
    expect(context.problems).to.deep.equal([]);
  });

  it("a bad kms-policy:assumeRole fails every resource's check, naming the setting and the fix", async () => {
    const failures = await check(
      {},
      { keyId: KEY, policy: policy(["kms:Decrypt"]) },
      {
        "kms-policy:assumeRole": JSON.stringify({ roleArn: "arn:aws:iam::111122223333:user/bob" }),
      },
    );
    expect(failures).to.have.length(1);
    expect(failures[0].property).to.equal("kms-policy:assumeRole");
    expect(failures[0].reason).to.match(
      /roleArn "arn:aws:iam::111122223333:user\/bob" is not an IAM role ARN.*arn:aws:iam::111122223333:role\/kms-admin/,
    );
  });
});

describe("stack settings table", () => {
  it("every setting names its key, its accepted values and what it does", () => {
    const rows = Object.values(STACK_SETTINGS);
    expect(rows.map((r) => r.key)).to.have.members([
      "aws:region",
      "kms-policy:maxAttempts",
      "kms-policy:requestTimeoutSeconds",
      "kms-policy:grantListingDelaySeconds",
      "kms-policy:dryRun",
      "kms-policy:assumeRole",
      "aws:profile",
      "kms-policy:iamPropagationSeconds",
      "kms-policy:previousPolicyInTags",
      "kms-policy:failOn",
      "kms-policy:ignore",
      "kms-policy:noNewAccess",
      "kms-policy:accessNotGranted",
    ]);
    for (const row of rows) {
      expect(row.accepts.length, row.key).to.be.greaterThan(0);
      expect(row.doc.length, row.key).to.be.greaterThan(0);
    }
  });

  it("each row parses what it accepts and refuses the rest", () => {
    expect(STACK_SETTINGS.maxAttempts.parse("3")).to.equal(3);
    expect(STACK_SETTINGS.maxAttempts.parse("2.5")).to.equal(undefined);
    expect(STACK_SETTINGS.requestTimeoutSeconds.parse("0.5")).to.equal(0.5);
    expect(STACK_SETTINGS.requestTimeoutSeconds.parse("-1")).to.equal(undefined);
    expect(STACK_SETTINGS.grantListingDelaySeconds.parse("0")).to.equal(0);
    expect(STACK_SETTINGS.grantListingDelaySeconds.parse("soon")).to.equal(undefined);
    expect(STACK_SETTINGS.region.parse("")).to.equal(undefined);
    expect(STACK_SETTINGS.dryRun.parse("true")).to.equal(true);
    expect(STACK_SETTINGS.dryRun.parse("false")).to.equal(false);
    expect(STACK_SETTINGS.dryRun.parse("yes")).to.equal(undefined);
    expect(STACK_SETTINGS.dryRun.default).to.equal(false);
    expect(STACK_SETTINGS.profile.parse("audit")).to.equal("audit");
    expect(STACK_SETTINGS.iamPropagationSeconds.default).to.equal(120);
    expect(STACK_SETTINGS.iamPropagationSeconds.parse("0")).to.equal(0);
    expect(STACK_SETTINGS.iamPropagationSeconds.parse("")).to.equal(undefined);
    expect(STACK_SETTINGS.iamPropagationSeconds.parse("-5")).to.equal(undefined);
    expect(STACK_SETTINGS.previousPolicyInTags.default).to.equal(true);
    expect(STACK_SETTINGS.previousPolicyInTags.parse("false")).to.equal(false);
    expect(STACK_SETTINGS.previousPolicyInTags.parse("no")).to.equal(undefined);
    const role = { roleArn: "arn:aws:iam::111122223333:role/kms-admin", externalId: "ext-1" };
    expect(STACK_SETTINGS.assumeRole.parse(JSON.stringify(role))).to.deep.equal(role);
    expect(STACK_SETTINGS.assumeRole.parse('{"roleArn":"arn:aws:iam::1:role/x"}')).to.equal(undefined);
    expect(STACK_SETTINGS.assumeRole.problem?.('{"roleArn":"arn:aws:iam::1:role/x"}')).to.match(
      /kms-policy:assumeRole\.roleArn .* is not an IAM role ARN/,
    );
    expect(STACK_SETTINGS.assumeRole.problem?.("arn:aws:iam::111122223333:role/x")).to.match(/not a JSON object.*config set --path/);
    expect(STACK_SETTINGS.assumeRole.problem?.(JSON.stringify(role))).to.equal(undefined);
  });
});
