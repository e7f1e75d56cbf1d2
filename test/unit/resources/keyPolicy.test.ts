import { expect } from "chai";
import { certainlySameKey, possiblySameKey } from "../../../provider/aws/keyRef";
import { ProgramSettings, programIdentity } from "../../../provider/resources/keyPolicy";

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
