import { FieldTable } from "./table";

/**
 * Every field of a KeyPolicy, once (see table.ts). Another key, Region or policy name replaces the
 * resource; the policy and the settings change in place. docs/key-policy.md lists the same inputs
 * and outputs (a unit test compares them).
 */
export const KEY_POLICY_FIELDS = {
  keyId: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/check.ts checkKeyId",
    doc: "key id or key ARN; another key replaces the resource",
  },
  policy: {
    input: "program",
    output: "declared",
    check: "runtime/keyPolicyCheck.ts checkKeyPolicy (validatePolicy, lint, lockout)",
    drift: true,
    doc: "the key policy; the key's policy now once refreshed (the declared text while it means the same)",
  },
  bypassPolicyLockoutSafetyCheck: {
    input: "program",
    output: "declared",
    check: "runtime/keyPolicyCheck.ts checkKeyPolicy (a boolean)",
    doc: "passed to PutKeyPolicy; also turns off this package's own lockout check",
  },
  policyName: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/keyPolicyCheck.ts checkKeyPolicy (KEY_POLICY_NAME)",
    drift: true,
    doc: 'KMS has only `"default"`',
  },
  region: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/check.ts checkRegion",
    drift: true,
    doc: "the key's region",
  },
  onDelete: {
    input: "program",
    output: "declared",
    check: "runtime/keyPolicyCheck.ts checkKeyPolicy (ON_DELETE_CHOICES)",
    doc: "on delete: restore the policy the key had before, write AWS's default key policy, or retain",
  },
  readBackTimeoutSeconds: {
    input: "program",
    check: "runtime/keyPolicyCheck.ts checkKeyPolicy (a positive number)",
    doc: "how long to wait for KMS to return the policy that was put",
  },
  assumeRole: { input: "program", check: "runtime/check.ts checkAccess", doc: "a role to assume for this resource's calls" },
  profile: {
    input: "program",
    check: "runtime/check.ts checkAccess",
    doc: "a profile of the shared AWS config files for this resource's calls",
  },
  keyArn: { output: "declared", drift: true, doc: "the key's ARN, from DescribeKey" },
  previousPolicy: { output: "declared", doc: "the policy the key had before this resource managed it" },
  ownerId: { output: "declared", doc: "this resource's id in the key's ownership tag" },
  access: { output: "declared", drift: true, doc: "the role and profile its calls use" },
  replacedPolicy: { output: "state", doc: "the policy this resource's last put replaced (a stale read, not drift)" },
  predecessor: { output: "state", doc: "the owner id another KeyPolicy had left on the key when this one took it over" },
} as const satisfies FieldTable;

export type KeyPolicyField = keyof typeof KEY_POLICY_FIELDS;
