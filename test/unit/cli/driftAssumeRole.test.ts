import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../../provider/cli/main";
import { KEY_POLICY_TYPE } from "../../../provider/resourceTypes";

const ROLE_A = "arn:aws:iam::111122223333:role/kms-admin";
const ROLE_B = "arn:aws:iam::444455556666:role/kms-admin";
// A multi-Region key id as KMS writes it (mrk- and 32 hex digits: KMS API Reference, KeyId) and as moto does.
const MRK = "mrk-1234abcd12ab34cd56ef1234567890ab";
const arnOf = (region: string, account: string, id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;

describe("kms-policy drift --assume-role", () => {
  it("refuses a value that is not a role ARN before reading anything, naming the option and an example", async () => {
    const err: string[] = [];
    const status = await main(["drift", "-", "--assume-role", "arn:aws:iam::111122223333:user/bob"], {
      out: () => undefined,
      err: (t) => err.push(t),
    });
    expect(status).to.equal(2);
    expect(err.join("\n"))
      .to.contain('--assume-role "arn:aws:iam::111122223333:user/bob" is not an IAM role ARN')
      .and.contain("arn:aws:iam::<ACCOUNT-ID>:role/kms-audit");
  });

  /** A stack export with one KeyPolicy, written to a temp file for main() to read. */
  const exportFile = () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "drift-role-")), "export.json");
    const resource = {
      urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/kms:KeyPolicy::kp",
      type: KEY_POLICY_TYPE,
      id: arnOf("us-east-1", "444455556666", MRK),
      outputs: { keyArn: arnOf("us-east-1", "444455556666", MRK), policy: "{}", policyName: "default" },
    };
    fs.writeFileSync(file, JSON.stringify({ deployment: { resources: [resource] } }));
    return file;
  };

  /**
   * Runs main() with STS answered in-process: every AssumeRole the command sends is recorded and
   * refused, so no call leaves the process and the input STS was given can be asserted.
   */
  const driftWithSts = async (args: string[]) => {
    const sent: Array<Record<string, unknown>> = [];
    const send = STSClient.prototype.send;
    STSClient.prototype.send = async function (command: { input: Record<string, unknown> }) {
      if (command instanceof AssumeRoleCommand) sent.push(command.input);
      throw Object.assign(new Error("refused by the unit test"), { name: "AccessDenied" });
    } as typeof send;
    const out: string[] = [];
    const err: string[] = [];
    try {
      const status = await main(["drift", exportFile(), ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
      return { status, out: out.join("\n"), err: err.join("\n"), sent };
    } finally {
      STSClient.prototype.send = send;
    }
  };

  it("--external-id and --session-name go to STS with the --assume-role role, and the default session name without them", async () => {
    const withBoth = await driftWithSts([
      "--assume-role",
      ROLE_B,
      "--external-id",
      "audit-7f3a",
      "--session-name",
      "nightly-audit",
      "--format",
      "json",
    ]);
    expect(withBoth.status, withBoth.err).to.equal(2);
    expect(withBoth.sent).to.have.length.greaterThan(0);
    for (const input of withBoth.sent)
      expect(input).to.include({ RoleArn: ROLE_B, ExternalId: "audit-7f3a", RoleSessionName: "nightly-audit" });
    const report = JSON.parse(withBoth.out) as { resources: Array<{ status: string; message: string }> };
    expect(report.resources[0].status).to.equal("error");
    expect(report.resources[0].message).to.contain(`could not assume role ${ROLE_B}`);

    const plain = await driftWithSts(["--assume-role", ROLE_A]);
    expect(plain.sent).to.have.length.greaterThan(0);
    for (const input of plain.sent) {
      expect(input).to.include({ RoleArn: ROLE_A, RoleSessionName: "pulumi-kms-policy" });
      expect(input).to.not.have.property("ExternalId");
    }
  });

  it("refuses --external-id or --session-name without --assume-role, and values STS would refuse, naming the flag", async () => {
    const orphan = await driftWithSts(["--external-id", "audit-7f3a"]);
    expect(orphan.status).to.equal(2);
    expect(orphan.err).to.contain("--external-id goes with --assume-role");
    expect(orphan.sent).to.deep.equal([]);
    const badId = await driftWithSts(["--assume-role", ROLE_B, "--external-id", "x"]);
    expect(badId.status).to.equal(2);
    expect(badId.err).to.contain("--external-id must be 2 to 1224 characters");
    const badSession = await driftWithSts(["--assume-role", ROLE_B, "--session-name", "has space"]);
    expect(badSession.status).to.equal(2);
    expect(badSession.err).to.contain("--session-name must be 2 to 64 characters");
    expect([...badId.sent, ...badSession.sent]).to.deep.equal([]);
  });
});
