import { expect } from "chai";
import { unownedStatements } from "../../../provider/drift/statementCheck";

const keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const statement = (sid: string, role: string) => ({
  Sid: sid,
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::111122223333:role/${role}` },
  Action: "kms:Decrypt",
  Resource: "*",
});

describe("unownedStatements: what a key's policy holds that no KeyPolicyStatement of the stack owns", () => {
  it("a later duplicate of an owned Sid (KMS accepts them) is listed; the first, the resource's, is not", () => {
    const live = JSON.stringify({ Version: "2012-10-17", Statement: [statement("App", "app"), statement("App", "by-hand")] });
    const listed = unownedStatements(keyArn, live, new Set(["App"]));
    expect(listed).to.have.length(1);
    expect(listed[0].sid).to.equal("App");
    expect(listed[0].statement).to.contain("role/by-hand");
  });
});
