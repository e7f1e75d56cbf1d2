import { FieldTable } from "./table";

/**
 * Every field of a Grant, once (see table.ts). A grant cannot change in place, so each parameter
 * CreateGrant takes replaces it. docs/grant.md lists the same inputs and outputs (a unit test compares them).
 */
export const GRANT_FIELDS = {
  keyId: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/check.ts checkKeyId",
    doc: "key id or ARN (the same key either way)",
  },
  granteePrincipal: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkPrincipalPair",
    drift: true,
    doc: "who gets the permissions: an IAM ARN (role, user, account root)",
  },
  granteeServicePrincipal: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkPrincipalPair",
    drift: true,
    doc: "an AWS service that gets the permissions, e.g. `logs.us-east-1.amazonaws.com`",
  },
  operations: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkGrant (GRANT_OPERATIONS)",
    drift: true,
    doc: "KMS `GrantOperation` values; order and duplicates are not a change",
  },
  retiringPrincipal: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkPrincipalPair",
    drift: true,
    doc: "who may retire the grant: an IAM ARN",
  },
  retiringServicePrincipal: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkPrincipalPair",
    drift: true,
    doc: "an AWS service that may retire the grant",
  },
  constraints: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkConstraints",
    drift: true,
    doc: "encryption-context pairs and/or a `sourceArn`, as declared (the object form)",
  },
  grantTokens: {
    input: "program",
    secret: true,
    createOnly: true,
    check: "runtime/grantCheck.ts checkGrant (at most 10 tokens)",
    doc: "used only while creating; a secret; changing them changes nothing",
  },
  grantCreationTokens: {
    input: "program",
    secret: true,
    aliasOf: "grantTokens",
    check: "runtime/grantCheck.ts checkGrant (equal to grantTokens when both are given)",
    doc: "`@pulumi/aws`'s name for `grantTokens`",
  },
  name: {
    input: "program",
    output: "declared",
    replaces: true,
    check: "runtime/grantCheck.ts checkGrant (GRANT_NAME)",
    drift: "grantName",
    doc: "the grant's name; makes CreateGrant idempotent",
  },
  retireOnDelete: {
    input: "program",
    check: "runtime/grantCheck.ts checkGrant (a boolean)",
    doc: "delete with RetireGrant instead of RevokeGrant",
  },
  region: { input: "program", replaces: true, check: "runtime/check.ts checkRegion", drift: true, doc: "the key's region" },
  assumeRole: { input: "program", check: "runtime/check.ts checkAccess", doc: "a role to assume for this grant's calls" },
  profile: {
    input: "program",
    check: "runtime/check.ts checkAccess",
    doc: "a profile of the shared AWS config files for this grant's calls",
  },
  grantId: { output: "declared", drift: true, doc: "the grant's id, from CreateGrant" },
  grantToken: { output: "declared", secret: true, doc: "lets the grantee use the grant before it is consistent everywhere" },
  keyArn: { output: "declared", drift: true, doc: "the key's ARN, from DescribeKey" },
  createdAt: {
    output: "state",
    drift: true,
    doc: 'when this provider created the grant (ISO 8601), to tell "not listed yet" from "gone"',
  },
  issuingAccount: { output: "declared", doc: "the account that created the grant" },
  creationDate: { output: "declared", doc: "when KMS created the grant, when ListGrants reports it" },
  effectiveGrantee: { output: "declared", doc: "`{ kind, principal }`: whichever input named the grantee" },
  effectiveRetiringPrincipal: { output: "declared", doc: "the same for the retiring principal" },
  reportedConstraints: { output: "declared", doc: "the constraints as ListGrants reports them" },
  reportedGrantee: { output: "declared", doc: "`{ kind, principal }`: the grantee as ListGrants reports it" },
  access: { output: "declared", drift: true, doc: "the role and profile its calls use" },
} as const satisfies FieldTable;

export type GrantField = keyof typeof GRANT_FIELDS;
