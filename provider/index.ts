/**
 * pulumi-kms-policy: KMS key policies and grants as Pulumi resources, compared by meaning.
 *
 * - `KeyPolicy`, `KeyPolicyStatement`, `Grant`: the resources.
 * - The policy engine (`validatePolicy`, `lintPolicy`, `normalizePolicy`, `canonicalPolicyJson`,
 *   `policiesEquivalent`, `diffPolicies`, `formatPolicyDiff`), also at `pulumi-kms-policy/policy`
 *   without loading Pulumi or the AWS SDK.
 */
export * from "./policy";
export { KeyPolicy, KeyPolicyArgs, KeyPolicyOnDelete, AssumeRoleArgs } from "./resources/keyPolicy";
export { KeyPolicyStatement, KeyPolicyStatementArgs } from "./resources/keyPolicyStatement";
export { Grant, GrantArgs, GrantConstraintsArgs, GrantPrincipal, defaultGrantName } from "./resources/grant";
