import { FieldTable } from "./table";

/**
 * Every field of a KeyPolicy, once (see table.ts). Another key, Region or policy name replaces the
 * resource; the policy and the settings change in place. Each property's doc comment is the
 * field's: the KeyPolicy class's output properties are mapped from this table (resources/keyPolicy.ts).
 * docs/key-policy.md lists the same inputs and outputs (a unit test compares them).
 */
export const KEY_POLICY_FIELDS = {
  /** The key, by id or ARN, as given in the inputs. The id and the ARN of one key are the same key; another key replaces the resource. */
  keyId: {
    input: "program",
    required: true,
    output: "declared",
    replaces: true,
    check: "runtime/check.ts checkKeyId",
    drift: { fallbackOf: "keyArn" },
  },
  /**
   * The key policy, compared semantically: a rewrite that means the same thing is not a change.
   * As an output: the policy as the key has it now (the declared text while the live policy means the same).
   */
  policy: {
    input: "program",
    required: true,
    output: "declared",
    check: "runtime/keyPolicyCheck.ts checkKeyPolicy (validatePolicy, lint, lockout)",
    drift: true,
  },
  /**
   * Skip KMS's check that the caller can still change the policy afterwards. Also turns off this
   * package's own check that some principal keeps kms:PutKeyPolicy. Default false.
   */
  bypassPolicyLockoutSafetyCheck: {
    input: "program",
    output: "declared",
    check: "runtime/check.ts plainInputs",
    plain: { type: "boolean", default: false },
  },
  /** Only `default` exists in KMS; anything else is refused at preview. */
  policyName: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/keyPolicyCheck.ts checkKeyPolicy (KEY_POLICY_NAME)",
    drift: true,
  },
  /** The key's region; default: the region in a key ARN, then the stack's `aws:region`, then the AWS SDK's. */
  region: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/check.ts checkRegion",
    drift: true,
  },
  /**
   * `restore` (default): put back the policy the key had before this resource took it over.
   * `default`: write AWS's default key policy (the account root may use IAM to grant access).
   * `retain`: leave the policy as it is.
   */
  onDelete: {
    input: "program",
    output: "declared",
    check: "runtime/keyPolicyCheck.ts checkKeyPolicy (ON_DELETE_CHOICES)",
  },
  /** How long to wait for KMS to return the policy that was put (it is eventually consistent). Default 60. */
  readBackTimeoutSeconds: {
    input: "program",
    check: "runtime/keyPolicyCheck.ts checkKeyPolicy (a positive number)",
  },
  /**
   * A role to assume for this resource's calls, e.g. to reach a key in another account. Default:
   * the stack's `kms-policy:assumeRole`. See docs/accounts-and-regions.md.
   */
  assumeRole: { input: "program", check: "runtime/check.ts checkAccess", drift: { fallbackOf: "access" } },
  /** A profile of the shared AWS config files for this resource's calls (with `assumeRole`: the source credentials). Default: `aws:profile`. */
  profile: { input: "program", check: "runtime/check.ts checkAccess", drift: { fallbackOf: "access" } },
  /** The key's ARN, as DescribeKey reports it. */
  keyArn: { output: "declared", drift: true },
  /** The policy the key had before this resource managed it. */
  previousPolicy: { output: "declared" },
  /** This resource's id in the key's ownership tag (docs/key-policy.md); absent when tagging was not allowed. */
  ownerId: { output: "declared" },
  /** The role and profile the provider's calls use (this resource's, else the stack's). Never a credential. */
  access: { output: "declared", drift: true },
  /** The policy this resource's last put replaced (a stale read, not drift). */
  replacedPolicy: { output: "state" },
  /** The owner id another KeyPolicy had left on the key when this one took it over. */
  predecessor: { output: "state" },
} as const satisfies FieldTable;

export type KeyPolicyField = keyof typeof KEY_POLICY_FIELDS;
