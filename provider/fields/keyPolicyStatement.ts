import { FieldTable } from "./table";

/**
 * Every field of a KeyPolicyStatement, once (see table.ts). Another key, Region or Sid replaces
 * the resource; a changed statement is an update. Each property's doc comment is the field's: the
 * class's output properties are mapped from this table (resources/keyPolicyStatement.ts).
 * docs/key-policy-statement.md lists the same inputs and outputs (a unit test compares them).
 */
export const KEY_POLICY_STATEMENT_FIELDS = {
  /** The key, by id or ARN (the same key either way), as given in the inputs; another key replaces the resource. */
  keyId: {
    input: "program",
    required: true,
    output: "declared",
    replaces: true,
    check: "runtime/check.ts checkKeyId",
    drift: { fallbackOf: "keyArn" },
  },
  /**
   * One key policy statement, as an object or JSON text, with a non-empty `Sid`: the Sid is which
   * statement of the key's policy this resource owns. Compared by meaning, as KeyPolicy's policy.
   * Another Sid replaces the resource (the old statement is removed, the new one added). As an
   * output: the statement as declared (JSON text), or as the key has it after drift was refreshed.
   */
  statement: {
    input: "program",
    required: true,
    output: "declared",
    check: "runtime/keyPolicyStatementCheck.ts checkKeyPolicyStatement (validatePolicy, lint)",
    drift: true,
  },
  /** The statement's Sid: which statement of the key's policy the resource owns. */
  sid: {
    input: "check",
    output: "declared",
    replaces: true,
    check: "runtime/keyPolicyStatementCheck.ts checkKeyPolicyStatement (the statement's Sid)",
    drift: true,
  },
  /**
   * Take over a statement with this Sid that the key's policy already has (written by hand or by
   * a stack that is gone): from then on this resource owns it and its delete removes it. Default
   * false: a create that finds the Sid fails, naming it, and writes nothing.
   */
  adopt: {
    input: "program",
    output: "declared",
    check: "runtime/check.ts plainInputs",
    plain: { type: "boolean", default: false },
  },
  /** The key's region; default: the region in a key ARN, then the stack's `aws:region`, then the AWS SDK's. */
  region: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/check.ts checkRegion",
    drift: true,
  },
  /** A role to assume for this resource's calls; default: the stack's `kms-policy:assumeRole`. */
  assumeRole: { input: "program", check: "runtime/check.ts checkAccess", drift: { fallbackOf: "access" } },
  /** A profile of the shared AWS config files for this resource's calls; default: `aws:profile`. */
  profile: { input: "program", check: "runtime/check.ts checkAccess", drift: { fallbackOf: "access" } },
  /** The key's ARN, as DescribeKey reports it. */
  keyArn: { output: "declared", drift: true },
  /** The role and profile the provider's calls use (this resource's, else the stack's). Never a credential. */
  access: { output: "declared", drift: true },
  /** This resource's id in its claim tag on the key (`pulumi-kms-policy:statement:<Sid>`): who owns the statement. */
  ownerId: { output: "declared" },
} as const satisfies FieldTable;

export type KeyPolicyStatementField = keyof typeof KEY_POLICY_STATEMENT_FIELDS;
