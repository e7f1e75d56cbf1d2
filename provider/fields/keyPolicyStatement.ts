import { FieldTable } from "./table";

/**
 * Every field of a KeyPolicyStatement, once (see table.ts). Another key, Region or Sid replaces
 * the resource; a changed statement is an update. docs/key-policy-statement.md lists the same
 * inputs and outputs (a unit test compares them).
 */
export const KEY_POLICY_STATEMENT_FIELDS = {
  keyId: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/check.ts checkKeyId",
    doc: "key id or key ARN; another key replaces the resource",
  },
  statement: {
    input: "program",
    output: "declared",
    check: "runtime/keyPolicyStatementCheck.ts checkKeyPolicyStatement (validatePolicy, lint)",
    drift: true,
    doc: "one key policy statement with a non-empty `Sid`; compared by meaning",
  },
  sid: {
    input: "check",
    output: "declared",
    replaces: true,
    check: "runtime/keyPolicyStatementCheck.ts checkKeyPolicyStatement (the statement's Sid)",
    drift: true,
    doc: "the statement's Sid: which statement of the key's policy the resource owns",
  },
  adopt: {
    input: "program",
    output: "declared",
    check: "runtime/keyPolicyStatementCheck.ts checkKeyPolicyStatement (a boolean)",
    doc: "take over a statement with this Sid that the key's policy already has",
  },
  region: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/check.ts checkRegion",
    drift: true,
    doc: "the key's region",
  },
  assumeRole: { input: "program", check: "runtime/check.ts checkAccess", doc: "a role to assume for this resource's calls" },
  profile: {
    input: "program",
    check: "runtime/check.ts checkAccess",
    doc: "a profile of the shared AWS config files for this resource's calls",
  },
  keyArn: { output: "declared", drift: true, doc: "the key's ARN, from DescribeKey" },
  access: { output: "declared", drift: true, doc: "the role and profile its calls use" },
  ownerId: { output: "declared", doc: "this resource's id in its claim tag on the key" },
} as const satisfies FieldTable;

export type KeyPolicyStatementField = keyof typeof KEY_POLICY_STATEMENT_FIELDS;
