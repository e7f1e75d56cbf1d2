/**
 * The policy engine: validates, normalizes, compares and explains key policies. Pure: no AWS SDK,
 * no Pulumi. Shared by the resources, the drift check and the `kms-policy` command. Every function
 * defaults to key-policy mode; `{ keyPolicy: false }` is generic mode.
 */
export * from "./types";
export { joinPath } from "./path";
export { validatePolicy, assertValidPolicy, PolicyValidationError, ValidateOptions } from "./validate";
export { normalizePolicy, canonicalPolicyJson, policiesEquivalent, clearPolicyCache, EngineOptions } from "./normalize";
export { diffPolicies, statementLabel, PolicyDiff, StatementChange, SetChange, ConditionEntry } from "./diff";
export { formatPolicyDiff, FormatOptions } from "./format";
export { allowsPolicyChanges, lockoutProblem } from "./lockout";
export { KMS_POLICY_MAX_BYTES, DEFAULT_PARTITION } from "./grammar";
export { parsePolicy } from "./parse";
export { JsonNumber } from "./json";
export {
  lintPolicy,
  lintPolicyReport,
  LintReport,
  LintRuleId,
  LINT_RULES,
  LintRule,
  lintRule,
  parseSuppressions,
  LintFinding,
  LintOptions,
  LintSuppression,
  Severity,
  SEVERITIES,
  atLeast,
} from "./lint";
export {
  checkNoNewAccess,
  checkAccessNotGranted,
  accessOf,
  AccessOfOptions,
  AccessCheckResult,
  AccessReason,
  AccessQuery,
  AccessMatrix,
  AccessEntry,
  ConditionalAccess,
  GrantAccess,
} from "./access";
