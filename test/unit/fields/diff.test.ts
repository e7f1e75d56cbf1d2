import { expect } from "chai";
import { GRANT_FIELDS } from "../../../provider/fields/grant";
import { KEY_POLICY_FIELDS } from "../../../provider/fields/keyPolicy";
import { KEY_POLICY_STATEMENT_FIELDS } from "../../../provider/fields/keyPolicyStatement";
import { FieldTable, ProgramInputs } from "../../../provider/fields/table";
import { checkGrant } from "../../../provider/runtime/grantCheck";
import { GrantClients, GrantLifecycle, GrantOutputs } from "../../../provider/runtime/grantLifecycle";
import { checkKeyPolicy } from "../../../provider/runtime/keyPolicyCheck";
import { KeyPolicyLifecycle, KeyPolicyOutputs } from "../../../provider/runtime/keyPolicyLifecycle";
import { checkKeyPolicyStatement } from "../../../provider/runtime/keyPolicyStatementCheck";
import { KeyPolicyStatementLifecycle, KeyPolicyStatementOutputs } from "../../../provider/runtime/keyPolicyStatementLifecycle";

const ACCOUNT = "123456789012";
const keyArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const otherKey = `arn:aws:kms:us-east-1:${ACCOUNT}:key/5678abcd-12ab-34cd-56ef-1234567890ab`;
/** A bare id in another Region: the key's Region changes (and so, to diff, the key). */
const inEuWest1 = { keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", region: "eu-west-1" };
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const service = "logs.us-east-1.amazonaws.com";
const statement = (sid: string, action = "kms:Decrypt") => ({
  Sid: sid,
  Effect: "Allow",
  Principal: { AWS: role("app") },
  Action: action,
  Resource: "*",
});
const policy = (action: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
      statement("App", action),
    ],
  });

/**
 * For each input the program gives, a change of it (as the program would write it, merged over the
 * base inputs): typed by the table, so an input added to a table needs its change here.
 */
type Changes<T extends FieldTable> = Record<ProgramInputs<T>, Record<string, unknown>>;

/**
 * Runs diff for a change of each program input and compares with the table: an input the table
 * says replaces the resource is among diff's `replaces` (under `reportedAs` when diff names it by
 * the input that carries it); any other input changes in place (no replace). A field check derives
 * (a statement's Sid) has its own test.
 */
function diffAgreesWithTable<T extends FieldTable>(
  table: T,
  changes: Changes<T>,
  diffOf: (change: Record<string, unknown>) => Promise<string[]>,
  reportedAs: Partial<Record<string, string>> = {},
): void {
  for (const field of Object.keys(changes) as Array<ProgramInputs<T>>) {
    const replaces = table[field].replaces === true;
    it(`${field}: ${replaces ? "a change replaces the resource" : "a change is made in place"}, as the table says`, async () => {
      const replaced = await diffOf(changes[field]);
      if (replaces) expect(replaced).to.include(reportedAs[field] ?? field);
      else expect(replaced).to.deep.equal([]);
    });
  }
}

describe("Grant: what diff replaces is what the field table says", () => {
  const noKms: GrantClients = { grants: () => expect.fail("diff called KMS"), keys: () => expect.fail("diff called KMS") };
  const lifecycle = new GrantLifecycle(noKms, 10);
  const base = { keyId: keyArn, granteePrincipal: role("app"), operations: ["Decrypt"], name: "app-grant" };
  const checked = (program: Record<string, unknown>) => {
    const { inputs, failures } = checkGrant(program);
    expect(failures).to.deep.equal([]);
    return inputs;
  };
  const olds: GrantOutputs = { ...checked(base), grantId: "g1", grantToken: "t", keyArn, createdAt: "2000-01-01T00:00:00.000Z" };
  const toService = { granteePrincipal: undefined, granteeServicePrincipal: service, retiringPrincipal: role("ops") };
  const changes: Changes<typeof GRANT_FIELDS> = {
    keyId: { keyId: otherKey },
    granteePrincipal: { granteePrincipal: role("other") },
    granteeServicePrincipal: { ...toService, constraints: { sourceArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:app` } },
    operations: { operations: ["Decrypt", "Encrypt"] },
    retiringPrincipal: { retiringPrincipal: role("ops") },
    retiringServicePrincipal: { retiringServicePrincipal: service },
    constraints: { constraints: { encryptionContextSubset: { app: "billing" } } },
    grantTokens: { grantTokens: ["token"] },
    grantCreationTokens: { grantCreationTokens: ["token"] },
    name: { name: "other-name" },
    retireOnDelete: { retireOnDelete: true },
    region: inEuWest1,
    assumeRole: { assumeRole: { roleArn: role("kms-admin") } },
    profile: { profile: "other" },
  };
  diffAgreesWithTable(GRANT_FIELDS, changes, async (change) => (await lifecycle.diff(olds, checked({ ...base, ...change }))).replaces);
});

describe("KeyPolicy: what diff replaces is what the field table says", () => {
  const lifecycle = new KeyPolicyLifecycle(() => expect.fail("diff called KMS"), 10);
  const base = { keyId: keyArn, policy: policy("kms:Decrypt") };
  const checked = (program: Record<string, unknown>) => {
    const { inputs, failures } = checkKeyPolicy(program);
    expect(failures).to.deep.equal([]);
    return inputs;
  };
  const olds: KeyPolicyOutputs = { ...checked(base), keyArn, previousPolicy: policy("kms:Encrypt") };
  const changes: Changes<typeof KEY_POLICY_FIELDS> = {
    keyId: { keyId: otherKey },
    policy: { policy: policy("kms:Encrypt") },
    bypassPolicyLockoutSafetyCheck: { bypassPolicyLockoutSafetyCheck: true },
    // check refuses any name but "default" (KMS has no other): diff still replaces for one.
    policyName: { policyName: "other" },
    region: inEuWest1,
    onDelete: { onDelete: "retain" },
    readBackTimeoutSeconds: { readBackTimeoutSeconds: 5 },
    assumeRole: { assumeRole: { roleArn: role("kms-admin") } },
    profile: { profile: "other" },
  };
  diffAgreesWithTable(KEY_POLICY_FIELDS, changes, async (change) => {
    const { policyName, ...rest } = change;
    const news = { ...checked({ ...base, ...rest }), ...(policyName !== undefined ? { policyName: policyName as string } : {}) };
    return (await lifecycle.diff(olds, news)).replaces;
  });
});

describe("KeyPolicyStatement: what diff replaces is what the field table says", () => {
  const lifecycle = new KeyPolicyStatementLifecycle(() => expect.fail("diff called KMS"), 10);
  const base = { keyId: keyArn, statement: statement("AppDecrypts") };
  const checked = (program: Record<string, unknown>) => {
    const { inputs, failures } = checkKeyPolicyStatement(program);
    expect(failures).to.deep.equal([]);
    return inputs;
  };
  const olds: KeyPolicyStatementOutputs = { ...checked(base), keyArn };
  const changes: Changes<typeof KEY_POLICY_STATEMENT_FIELDS> = {
    keyId: { keyId: otherKey },
    statement: { statement: statement("AppDecrypts", "kms:Encrypt") },
    adopt: { adopt: true },
    region: inEuWest1,
    assumeRole: { assumeRole: { roleArn: role("kms-admin") } },
    profile: { profile: "other" },
  };
  const diffOf = async (change: Record<string, unknown>) => (await lifecycle.diff(olds, checked({ ...base, ...change }))).replaces;
  diffAgreesWithTable(KEY_POLICY_STATEMENT_FIELDS, changes, diffOf, { sid: "statement" });

  it("sid: another Sid replaces the resource, which diff names by the input that carries it (statement)", async () => {
    expect(await diffOf({ statement: statement("OtherSid") })).to.deep.equal(["statement"]);
  });
});
