import { expect } from "chai";
import { certainlySameKey, possiblySameKey } from "../../../provider/aws/keyRef";
import { KeyPolicy, ProgramSettings, programIdentity } from "../../../provider/resources/keyPolicy";
import { KEY_POLICY_TYPE } from "../../../provider/resourceTypes";
import keyPolicyProvider = require("../../../provider/runtime/keyPolicy");
import { PolicyDocument, PolicyStatement } from "../../../provider/policy/types";
import { runProgram } from "../../support/pulumiMocks";

const ROLE_A = "arn:aws:iam::111122223333:role/kms-admin";
const ROLE_B = "arn:aws:iam::444455556666:role/kms-admin";
// A multi-Region key id as KMS writes it (mrk- and 32 hex digits: KMS API Reference, KeyId) and as moto does.
const MRK = "mrk-1234abcd12ab34cd56ef1234567890ab";
const arnOf = (region: string, account: string, id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;

describe("the program's key identity (KeyPolicy and Grant in one program)", () => {
  it("the program's 'both manage key' check: a bare mrk- id takes the providers' Region, and a Region known on one side only is not the same", () => {
    const both = (a: Parameters<typeof programIdentity>[0], b: Parameters<typeof programIdentity>[0], settings: ProgramSettings) =>
      certainlySameKey(programIdentity(a, settings), programIdentity(b, settings));
    const role = { assumeRole: { roleArn: ROLE_A } };
    // The primary by bare id in AWS_REGION's Region, the replica by the same id in eu-west-1: two keys.
    expect(both({ keyId: MRK }, { keyId: MRK, region: "eu-west-1" }, { ...role, environmentRegion: "us-east-1" })).to.equal(false);
    // aws:region comes before AWS_REGION, as in the providers: here both are in eu-west-1, one key.
    expect(
      both({ keyId: MRK }, { keyId: MRK, region: "eu-west-1" }, { ...role, region: "eu-west-1", environmentRegion: "us-east-1" }),
    ).to.equal(true);
    // No Region known for the bare id (the SDK would take the profile's): maybe another replica, so not refused.
    expect(both({ keyId: MRK }, { keyId: MRK, region: "eu-west-1" }, role)).to.equal(false);
    expect(both({ keyId: MRK }, { keyId: arnOf("eu-west-1", "111122223333", MRK) }, role)).to.equal(false);
    // Unknown on both sides: both fall to the same SDK default, one key.
    expect(both({ keyId: MRK }, { keyId: MRK, profile: undefined }, role)).to.equal(true);
    // A bare id and its ARN are one key, even with the account unknown (default credentials): a key id names one key outside mrk- replicas.
    const single = "1234abcd-12ab-34cd-56ef-1234567890ab";
    expect(both({ keyId: single }, { keyId: arnOf("us-east-1", "111122223333", single) }, { environmentRegion: "us-east-1" })).to.equal(
      true,
    );
    expect(both({ keyId: single }, { keyId: arnOf("us-east-1", "111122223333", single) }, {})).to.equal(true);
    // Known parts that differ are never the same, whatever is unknown.
    expect(both({ keyId: MRK, ...role }, { keyId: MRK, assumeRole: { roleArn: ROLE_B } }, { region: "us-east-1" })).to.equal(false);
    expect(both({ keyId: MRK, region: "us-east-1" }, { keyId: MRK, region: "eu-west-1" }, {})).to.equal(false);
  });

  it("the program's 'both name their grant' check refuses unless the keys are certainly different: a bare id under a profile and the ARN, an mrk- id without Region", () => {
    const meet = (a: Parameters<typeof programIdentity>[0], b: Parameters<typeof programIdentity>[0], settings: ProgramSettings) =>
      possiblySameKey(programIdentity(a, settings), programIdentity(b, settings));
    const single = "1234abcd-12ab-34cd-56ef-1234567890ab";
    // A profile's account is unknown before a call: its bare id may be the key the ARN names.
    expect(meet({ keyId: single, profile: "dev" }, { keyId: arnOf("us-east-1", "111122223333", single) }, {})).to.equal(true);
    expect(meet({ keyId: MRK }, { keyId: MRK, region: "eu-west-1" }, {})).to.equal(true);
    expect(meet({ keyId: MRK }, { keyId: arnOf("eu-west-1", "111122223333", MRK) }, { assumeRole: { roleArn: ROLE_A } })).to.equal(true);
    // Certainly different: another id, two known Regions of a multi-Region key, two known accounts.
    expect(meet({ keyId: single }, { keyId: MRK }, {})).to.equal(false);
    expect(meet({ keyId: MRK, region: "us-east-1" }, { keyId: MRK, region: "eu-west-1" }, {})).to.equal(false);
    expect(
      meet({ keyId: MRK, assumeRole: { roleArn: ROLE_A } }, { keyId: MRK, assumeRole: { roleArn: ROLE_B } }, { region: "us-east-1" }),
    ).to.equal(false);
  });
});

describe("the KeyPolicy class in a program (Pulumi's runtime mocks)", () => {
  const ROOT = "arn:aws:iam::111122223333:root";
  const KEY = `arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const admin: PolicyStatement = { Sid: "Root", Effect: "Allow", Principal: { AWS: ROOT }, Action: "kms:*", Resource: "*" };
  // A public statement without a Sid: a security finding at .Principal and a missing-sid suggestion.
  const open: PolicyStatement = { Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" };
  const policy: PolicyDocument = { Version: "2012-10-17", Statement: [admin, open] };

  it("registers with the KeyPolicy provider under its type token; keyArn, previousPolicy, region and access are outputs to come", async () => {
    const run = await runProgram(
      () => void new KeyPolicy("kp", { keyId: KEY, policy: JSON.stringify({ Version: "2012-10-17", Statement: [admin] }) }),
    );
    const sent = run.registration("kp");
    expect(sent.type).to.equal(KEY_POLICY_TYPE);
    expect(sent.provider).to.equal(keyPolicyProvider);
    expect(sent.inputs).to.include({ keyId: KEY });
    for (const output of ["keyArn", "previousPolicy", "region", "access"]) expect(sent.inputs).to.not.have.property(output);
    expect(run.errors).to.deep.equal([]);
    expect(run.warnings).to.deep.equal([]);
  });

  it("warns on the resource of each lint finding below kms-policy:failOn, naming the resource, the path, the rule and the fix", async () => {
    const findings = async (config: Record<string, string>) =>
      (await runProgram(() => void new KeyPolicy("kp", { keyId: KEY, policy }), { config })).warnings;
    const all = await findings({});
    expect(all).to.have.length(2);
    expect(all[0]).to.match(/^KeyPolicy "kp": policy Statement\[1\]\.Principal: .*\[public-access, security\]\. Fix: /);
    expect(all[1]).to.match(/^KeyPolicy "kp": policy Statement\[1\]: .*\[missing-sid, suggestion\]\. Fix: /);
    // At failOn security the provider's check fails on public-access: the program leaves it to it.
    expect(await findings({ "kms-policy:failOn": "security" })).to.deep.equal([all[1]]);
    expect(await findings({ "kms-policy:ignore": "*:missing-sid" })).to.deep.equal([all[0]]);
  });

  it("a failOn or an ignore entry that means nothing is a warning naming the setting and the fix", async () => {
    const run = await runProgram(() => void new KeyPolicy("kp", { keyId: KEY, policy }), {
      config: { "kms-policy:failOn": "loud", "kms-policy:ignore": "Everyone:public-acess" },
    });
    expect(run.warnings[0]).to.contain('kms-policy:failOn "loud" is not one of').and.contain("pulumi config set kms-policy:failOn warning");
    expect(run.warnings[1]).to.contain("kms-policy:ignore: ").and.contain("those entries suppress nothing");
    expect(run.warnings.slice(2).map((w) => w.match(/\[([a-z-]+),/)?.[1])).to.deep.equal(["public-access", "missing-sid"]);
  });

  it("refuses two KeyPolicies on one key (by id and by ARN in the stack's Region), naming both; a replica in another Region is another key", async () => {
    const run = await runProgram(
      () => {
        new KeyPolicy("by-arn", { keyId: arnOf("us-east-1", "111122223333", MRK), policy });
        new KeyPolicy("by-id", { keyId: MRK, policy, assumeRole: { roleArn: ROLE_A } });
        new KeyPolicy("replica", { keyId: MRK, region: "eu-west-1", policy, assumeRole: { roleArn: ROLE_A } });
      },
      { config: { "aws:region": "us-east-1" } },
    );
    expect(run.errors.map((e) => e.message)).to.deep.equal([
      `KeyPolicy "by-id" and KeyPolicy "by-arn" both manage key ${MRK} (also given as ${arnOf("us-east-1", "111122223333", MRK)}); a key has one policy. Merge their statements into one KeyPolicy.`,
    ]);
  });

  it("the stack's kms-policy:assumeRole places a bare id in the role's account; one that is not JSON is ignored (the provider's check reports it)", async () => {
    const program = () => {
      new KeyPolicy("by-id", { keyId: MRK, policy });
      new KeyPolicy("by-arn", { keyId: arnOf("us-east-1", "111122223333", MRK), policy });
    };
    // Under a role of 444455556666 the bare id is that account's key: another key than the ARN's.
    const withRole = await runProgram(program, {
      config: { "aws:region": "us-east-1", "kms-policy:assumeRole": JSON.stringify({ roleArn: ROLE_B }) },
    });
    expect(withRole.errors).to.deep.equal([]);
    // With no usable role the account is unknown, and a key id names one key: the ARN's, so refused.
    const notJson = await runProgram(program, { config: { "aws:region": "us-east-1", "kms-policy:assumeRole": ROLE_B } });
    expect(notJson.errors.map((e) => e.message)).to.have.length(1);
    expect(notJson.errors[0].message).to.contain('KeyPolicy "by-arn" and KeyPolicy "by-id" both manage key');
  });

  it("a second run in one process (Automation API) starts with no claims: the same program passes again", async () => {
    const program = () => void new KeyPolicy("kp", { keyId: KEY, policy });
    for (const attempt of ["first run", "second run"]) expect((await runProgram(program)).errors, attempt).to.deep.equal([]);
  });
});
