import { FieldTable } from "./table";

/**
 * Every field of a Grant, once (see table.ts). A grant cannot change in place, so each parameter
 * CreateGrant takes replaces it. Each property's doc comment is the field's: GrantArgs and the
 * Grant class's output properties are mapped from this table (resources/grant.ts), so editors show
 * it on both. docs/grant.md lists the same inputs and outputs (a unit test compares them).
 */
export const GRANT_FIELDS = {
  /** The key, by id or ARN (the same key either way). */
  keyId: {
    input: "program",
    required: true,
    output: "declared",
    replaces: true,
    check: "runtime/check.ts checkKeyId",
    drift: { fallbackOf: "keyArn" },
  },
  /**
   * Who gets the permissions: an IAM ARN (role, user, account root). Give this or
   * `granteeServicePrincipal`, not both.
   */
  granteePrincipal: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkPrincipalPair",
    drift: true,
  },
  /**
   * An AWS service that gets the permissions, e.g. `logs.us-east-1.amazonaws.com`. It needs
   * `constraints.sourceArn` and a retiring principal (`retiringPrincipal` or `retiringServicePrincipal`).
   */
  granteeServicePrincipal: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkPrincipalPair",
    drift: true,
  },
  /** KMS grant operations, e.g. `["Decrypt", "GenerateDataKey"]`; order and duplicates do not matter. */
  operations: {
    input: "program",
    required: true,
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkGrant (GRANT_OPERATIONS)",
    drift: true,
  },
  /** Who may retire the grant besides its grantee: an IAM ARN. At most one of the two retiring fields. */
  retiringPrincipal: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkPrincipalPair",
    drift: true,
  },
  /** An AWS service that may retire the grant. */
  retiringServicePrincipal: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkPrincipalPair",
    drift: true,
  },
  /**
   * At most 8 encryption-context pairs (keys compare case-insensitively, values exactly) and/or a
   * `sourceArn`. `@pulumi/aws`'s list form, `[{ encryptionContextEquals }]`, is accepted too; the
   * output is the object form, as declared.
   */
  constraints: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkConstraints",
    drift: true,
  },
  /** Tokens of grants that are not yet consistent, used only while creating; changing them changes nothing. Kept secret. */
  grantTokens: {
    input: "program",
    secret: true,
    createOnly: true,
    check: "runtime/grantCheck.ts checkGrant (at most 10 tokens)",
  },
  /** `@pulumi/aws`'s name for `grantTokens`; give one of the two. Kept secret. */
  grantCreationTokens: {
    input: "program",
    secret: true,
    aliasOf: "grantTokens",
    check: "runtime/grantCheck.ts checkGrant (equal to grantTokens when both are given)",
  },
  /**
   * The grant's name. Default: the resource's name and a digest of its URN (defaultGrantName), unique
   * per resource, so that a retried or re-run create gets the same grant back instead of a second
   * one; once in the state, the name is kept (a `pulumi stack rename` replaces no grant). Two Grants
   * of a program may not give one key the same name.
   */
  name: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkGrant (GRANT_NAME)",
    drift: { as: "grantName" },
  },
  /** Delete with RetireGrant instead of RevokeGrant. Default false. */
  retireOnDelete: {
    input: "program",
    check: "runtime/check.ts plainInputs",
    plain: { type: "boolean", default: false },
  },
  /** The key's region; default: the region in a key ARN, then `aws:region`, then the AWS SDK's. */
  region: { input: "program", replaces: true, check: "runtime/check.ts checkRegion", drift: true },
  /** A role to assume for this grant's calls (the key's account); default: the stack's `kms-policy:assumeRole`. */
  assumeRole: { input: "program", check: "runtime/check.ts checkAccess", drift: { fallbackOf: "access" } },
  /** A profile of the shared AWS config files for this grant's calls; default: `aws:profile`. */
  profile: { input: "program", check: "runtime/check.ts checkAccess", drift: { fallbackOf: "access" } },
  /** The grant's id, from CreateGrant. */
  grantId: { output: "declared", drift: true },
  /** Secret: lets the grantee use the grant before it is consistent everywhere. */
  grantToken: { output: "declared", secret: true },
  /** The key's ARN, as DescribeKey reports it. */
  keyArn: { output: "declared", drift: true },
  /** When this provider created the grant (ISO 8601), to tell "not listed yet" from "gone". */
  createdAt: { output: "state", drift: true },
  /** The account that created the grant. */
  issuingAccount: { output: "declared" },
  /** When KMS created the grant, as ListGrants reports it (when it does). */
  creationDate: { output: "declared" },
  /** Who gets the permissions, an IAM or a service principal (`{ kind, principal }`), whichever input named them. */
  effectiveGrantee: { output: "declared" },
  /** Who may retire the grant, whichever input named them; undefined when nobody is named. */
  effectiveRetiringPrincipal: { output: "declared" },
  /** The constraints as ListGrants reports them; undefined until KMS lists the grant, or when it has none. */
  reportedConstraints: { output: "declared" },
  /** The grantee as ListGrants reports it: a bare unique id once the role or user it named was deleted. */
  reportedGrantee: { output: "declared" },
  /** The role and profile the provider's calls use (this grant's, else the stack's). Never a credential. */
  access: { output: "declared", drift: true },
} as const satisfies FieldTable;

export type GrantField = keyof typeof GRANT_FIELDS;
