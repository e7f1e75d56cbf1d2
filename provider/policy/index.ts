/**
 * The policy engine: validates, normalizes, compares and explains key policies. Pure: no AWS SDK,
 * no Pulumi. Shared by the resources, the drift check and the `kms-policy` command.
 */
export * from "./types";
export { validatePolicy, assertValidPolicy, PolicyValidationError, ValidateOptions } from "./validate";
export { normalizePolicy, canonicalPolicyJson, policiesEquivalent } from "./normalize";
export { diffPolicies, PolicyDiff, StatementChange, SetChange, ConditionEntry } from "./diff";
export { formatPolicyDiff, FormatOptions } from "./format";
export { KMS_POLICY_MAX_BYTES } from "./grammar";
export { parsePolicy } from "./parse";
export { lintPolicy, LINT_RULES, LintRule, lintRule, parseSuppressions, LintFinding, LintOptions, LintSuppression, Severity, SEVERITIES, atLeast } from "./lint";
