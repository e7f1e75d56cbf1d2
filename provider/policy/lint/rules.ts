import { ProblemRule } from "../types";
import { Severity } from "./types";

/** What a rule is, for docs/lint-rules.md, SARIF's rule metadata and the `--format` outputs. */
export interface LintRule {
  id: LintRuleId | ProblemRule;
  severity: Severity;
  /** One line. */
  description: string;
  /** The AWS documentation the rule rests on. */
  docs: string;
}

const IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide";
const KMS = "https://docs.aws.amazon.com/kms/latest/developerguide";
const SAR_KMS = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html";

/** Every rule lintPolicy adds to validatePolicy's, by id. The one place a rule's id, severity and text live. */
const RULES = {
  "public-access": {
    severity: "security",
    description: 'An Allow to everyone (`"*"`) with no condition that limits callers to an account or organization',
    docs: `${KMS}/conditions-kms.html#conditions-kms-caller-account`,
  },
  "wildcard-principal-admin": {
    severity: "security",
    description: "`kms:PutKeyPolicy`, `kms:*` or an unrestricted `kms:CreateGrant` given to a wildcard principal",
    docs: `${KMS}/key-policy-default.html`,
  },
  "cross-account-create-grant": {
    severity: "security",
    description: "`kms:CreateGrant` given to another account without `kms:GrantIsForAWSResource`",
    docs: `${KMS}/conditions-kms.html#conditions-kms-grant-is-for-aws-resource`,
  },
  "allow-not-principal": {
    severity: "security",
    description: "`Allow` with `NotPrincipal`: it allows everyone not listed, other accounts and anonymous callers included",
    docs: `${IAM}/reference_policies_elements_notprincipal.html`,
  },
  "unknown-action": {
    severity: "warning",
    description: "An action that the `kms` service does not have",
    docs: `${SAR_KMS}#awskeymanagementservice-actions-as-permissions`,
  },
  "action-matches-nothing": {
    severity: "warning",
    description: "A wildcard action that matches no `kms` action",
    docs: `${IAM}/reference_policies_elements_action.html`,
  },
  "action-other-service": {
    severity: "warning",
    description: "An action of another service: a key policy only controls `kms` actions",
    docs: `${KMS}/key-policy-overview.html`,
  },
  "unknown-condition-key": {
    severity: "warning",
    description: "A condition key that is neither a `kms` key nor a global key",
    docs: `${SAR_KMS}#awskeymanagementservice-policy-keys`,
  },
  "condition-key-not-applicable": {
    severity: "warning",
    description: "A `kms` condition key that none of the statement's actions supports",
    docs: `${SAR_KMS}#awskeymanagementservice-actions-as-permissions`,
  },
  "condition-value-type": {
    severity: "warning",
    description: "A value of the wrong type for its operator (number, date, boolean, IP address, ARN)",
    docs: `${IAM}/reference_policies_elements_condition_operators.html`,
  },
  "set-operator-single-valued": {
    severity: "warning",
    description: "`ForAllValues:`/`ForAnyValue:` on a single-valued condition key",
    docs: `${IAM}/reference_policies_condition-single-vs-multi-valued-context-keys.html`,
  },
  "statement-no-effect": {
    severity: "warning",
    description: "A statement with no `Action`/`NotAction` or no `Resource`/`NotResource`, which never applies",
    docs: `${KMS}/key-policy-overview.html`,
  },
  "duplicate-sid": {
    severity: "warning",
    description: "Two statements with the same `Sid`",
    docs: `${IAM}/reference_policies_elements_sid.html`,
  },
  "resource-not-key": {
    severity: "warning",
    description: "A `Resource` that cannot match a KMS key ARN: in a key policy it matches nothing",
    docs: `${KMS}/key-policy-overview.html`,
  },
  "missing-version": {
    severity: "suggestion",
    description: "No `Version`: the document is read as `2008-10-17`, without policy variables",
    docs: `${IAM}/reference_policies_elements_version.html`,
  },
  "old-version": {
    severity: "suggestion",
    description: "`Version` `2008-10-17`: policy variables are not substituted",
    docs: `${IAM}/reference_policies_elements_version.html`,
  },
  "missing-sid": {
    severity: "suggestion",
    description: "A statement without a `Sid`: diffs, drift reports and `kms-policy:ignore` can name it only by position",
    docs: `${IAM}/reference_policies_elements_sid.html`,
  },
} as const satisfies Record<string, Omit<LintRule, "id">>;

/**
 * The id of a rule of the lint table. Findings and suppressions are typed with it, so a misspelt id
 * fails to compile instead of becoming an `error` finding nobody can suppress.
 */
export type LintRuleId = keyof typeof RULES;

/** Every rule of the table, in its order (worst severity first). */
export const LINT_RULES: readonly LintRule[] = (Object.keys(RULES) as LintRuleId[]).map((id) => ({ id, ...RULES[id] }));

const isLintRuleId = (id: string): id is LintRuleId => Object.prototype.hasOwnProperty.call(RULES, id);

/** The rule behind every validatePolicy problem: the document as KMS's grammar sees it. */
const GRAMMAR_DOCS = `${IAM}/reference_policies_grammar.html`;

/** The metadata of a rule id; validatePolicy's ids (`invalid-effect`, `unknown-key`, ...) are `error` rules. */
export function lintRule(id: LintRuleId | ProblemRule): LintRule {
  if (isLintRuleId(id)) return { id, ...RULES[id] };
  return { id, severity: "error", description: `KMS refuses the document (grammar rule ${id})`, docs: GRAMMAR_DOCS };
}
