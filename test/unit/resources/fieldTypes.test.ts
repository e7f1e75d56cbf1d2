import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { Grant, GrantArgs, GrantConstraintsArgs, GrantPrincipal } from "../../../provider/resources/grant";
import { KeyPolicy, KeyPolicyArgs } from "../../../provider/resources/keyPolicy";
import { KeyPolicyStatement, KeyPolicyStatementArgs } from "../../../provider/resources/keyPolicyStatement";
import { PolicyStatement } from "../../../provider/policy/types";
import { withSecretInputs } from "../../../provider/resources/fieldTypes";
import { runProgram } from "../../support/pulumiMocks";

const KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ROOT = "arn:aws:iam::111122223333:root";
const policy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: "Root", Effect: "Allow", Principal: { AWS: ROOT }, Action: "kms:*", Resource: "*" }],
});
const statement: PolicyStatement = { Sid: "App", Effect: "Allow", Principal: { AWS: ROOT }, Action: "kms:Decrypt", Resource: "*" };

/**
 * What a program writes with the Args and the outputs mapped from the field tables: this module
 * compiles only while each of these keeps its type (a user's program compiles the same way).
 */
function programUses(grant: Grant, keyPolicy: KeyPolicy, st: KeyPolicyStatement): unknown[] {
  const given = pulumi.output("x");
  const args: GrantArgs = {
    keyId: given,
    operations: [given, "Decrypt"],
    granteePrincipal: given,
    constraints: [{ encryptionContextEquals: { app: given } }],
    grantTokens: [given],
    grantCreationTokens: pulumi.output(["t"]),
    retireOnDelete: pulumi.output(true),
    assumeRole: { roleArn: given, durationSeconds: 900 },
  };
  const kpArgs: KeyPolicyArgs = { keyId: given, policy: { Version: "2012-10-17", Statement: [] }, onDelete: "retain" };
  const stArgs: KeyPolicyStatementArgs = { keyId: given, statement, adopt: true };
  // @ts-expect-error keyId is required
  const noKey: GrantArgs = { operations: ["Decrypt"] };
  const constraints: pulumi.Output<GrantConstraintsArgs | undefined> = grant.constraints;
  const grantee: pulumi.Output<GrantPrincipal> = grant.effectiveGrantee;
  const token: pulumi.Output<string> = grant.grantToken;
  const operations: pulumi.Output<string[]> = grant.operations;
  const onDelete: pulumi.Output<"restore" | "default" | "retain"> = keyPolicy.onDelete;
  const profile = keyPolicy.access.apply((a) => a.profile);
  const sid: pulumi.Output<string> = st.sid;
  // @ts-expect-error the state's bookkeeping is no property of the class
  const replaced = keyPolicy.replacedPolicy;
  return [args, kpArgs, stArgs, noKey, constraints, grantee, token, operations, onDelete, profile, sid, replaced];
}

describe("the resource classes' output properties (mapped from the field tables)", () => {
  it("each output property a class declares is registered, also when no input sets it; the state's bookkeeping is not", async () => {
    const made: { grant?: Grant; keyPolicy?: KeyPolicy; statement?: KeyPolicyStatement } = {};
    await runProgram(() => {
      made.grant = new Grant("g", { keyId: KEY, granteePrincipal: "arn:aws:iam::111122223333:role/app", operations: ["Decrypt"] });
      made.keyPolicy = new KeyPolicy("kp", { keyId: KEY, policy });
      made.statement = new KeyPolicyStatement("st", { keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", statement });
    });
    const outputs = (resource: object) =>
      Object.entries(resource)
        .filter(([name, value]) => pulumi.Output.isInstance(value) && !["urn", "id", "__provider"].includes(name))
        .map(([name]) => name);
    expect(outputs(made.keyPolicy as KeyPolicy)).to.have.members([
      "keyId",
      "policy",
      "bypassPolicyLockoutSafetyCheck",
      "policyName",
      "region",
      "onDelete",
      "keyArn",
      "previousPolicy",
      "ownerId",
      "access",
    ]);
    expect(outputs(made.statement as KeyPolicyStatement)).to.have.members([
      "keyId",
      "statement",
      "sid",
      "adopt",
      "region",
      "keyArn",
      "access",
      "ownerId",
    ]);
    const grantOutputs = outputs(made.grant as Grant);
    expect(grantOutputs).to.include.members(["grantId", "grantToken", "keyArn", "effectiveGrantee", "reportedGrantee", "access", "name"]);
    expect(grantOutputs).to.not.include.members(["createdAt"]);
    expect(programUses).to.be.a("function");
  });

  it("sends each program input a table marks secret as a Pulumi secret; other inputs, and absent ones, as they are", async () => {
    const table = {
      token: { input: "program", secret: true },
      other: { input: "program" },
      absent: { input: "program", secret: true },
      reported: { output: "declared", secret: true },
    } as const;
    const sent = withSecretInputs(table, { token: "t", other: "o", absent: undefined, reported: undefined });
    expect(pulumi.Output.isInstance(sent.token)).to.equal(true);
    expect(await pulumi.isSecret(sent.token as unknown as pulumi.Output<string>)).to.equal(true);
    expect(sent.other).to.equal("o");
    expect(sent).to.include({ absent: undefined, reported: undefined });
  });
});
