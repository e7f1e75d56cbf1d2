import { Severity } from "./types";

/** What a rule is, for docs/lint-rules.md, SARIF's rule metadata and the `--format` outputs. */
export interface LintRule {
  id: string;
  severity: Severity;
  /** One line. */
  description: string;
  /** The AWS documentation the rule rests on. */
  docs: string;
}

const IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide";
const KMS = "https://docs.aws.amazon.com/kms/latest/developerguide";
const SAR_KMS = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html";

const rule = (id: string, severity: Severity, description: string, docs: string): LintRule => ({ id, severity, description, docs });

/** Every rule lintPolicy adds to validatePolicy's. The one place a rule's id, severity and text live. */
export const LINT_RULES: readonly LintRule[] = [
  rule(
    "public-access",
    "security",
    'An Allow to everyone (`"*"`) with no condition that limits callers to an account or organization',
    `${KMS}/conditions-kms.html#conditions-kms-caller-account`,
  ),
  rule(
    "wildcard-principal-admin",
    "security",
    "`kms:PutKeyPolicy`, `kms:*` or an unrestricted `kms:CreateGrant` given to a wildcard principal",
    `${KMS}/key-policy-default.html`,
  ),
  rule(
    "cross-account-create-grant",
    "security",
    "`kms:CreateGrant` given to another account without `kms:GrantIsForAWSResource`",
    `${KMS}/conditions-kms.html#conditions-kms-grant-is-for-aws-resource`,
  ),
  rule(
    "unknown-action",
    "warning",
    "An action that the `kms` service does not have",
    `${SAR_KMS}#awskeymanagementservice-actions-as-permissions`,
  ),
  rule(
    "action-matches-nothing",
    "warning",
    "A wildcard action that matches no `kms` action",
    `${IAM}/reference_policies_elements_action.html`,
  ),
  rule(
    "action-other-service",
    "warning",
    "An action of another service: a key policy only controls `kms` actions",
    `${KMS}/key-policy-overview.html`,
  ),
  rule(
    "unknown-condition-key",
    "warning",
    "A condition key that is neither a `kms` key nor a global key",
    `${SAR_KMS}#awskeymanagementservice-policy-keys`,
  ),
  rule(
    "condition-key-not-applicable",
    "warning",
    "A `kms` condition key that none of the statement's actions supports",
    `${SAR_KMS}#awskeymanagementservice-actions-as-permissions`,
  ),
  rule(
    "condition-value-type",
    "warning",
    "A value of the wrong type for its operator (number, date, boolean, IP address, ARN)",
    `${IAM}/reference_policies_elements_condition_operators.html`,
  ),
  rule(
    "set-operator-single-valued",
    "warning",
    "`ForAllValues:`/`ForAnyValue:` on a single-valued condition key",
    `${IAM}/reference_policies_condition-single-vs-multi-valued-context-keys.html`,
  ),
  rule(
    "statement-no-effect",
    "warning",
    "A statement with no `Action`/`NotAction` or no `Resource`/`NotResource`, which never applies",
    `${KMS}/key-policy-overview.html`,
  ),
  rule("duplicate-sid", "warning", "Two statements with the same `Sid`", `${IAM}/reference_policies_elements_sid.html`),
  rule(
    "allow-not-principal",
    "warning",
    "`Allow` with `NotPrincipal`: it allows everyone not listed",
    `${IAM}/reference_policies_elements_notprincipal.html`,
  ),
  rule(
    "resource-not-key",
    "warning",
    "A `Resource` that cannot match a KMS key ARN: in a key policy it matches nothing",
    `${KMS}/key-policy-overview.html`,
  ),
  rule(
    "missing-version",
    "suggestion",
    "No `Version`: the document is read as `2008-10-17`, without policy variables",
    `${IAM}/reference_policies_elements_version.html`,
  ),
  rule(
    "old-version",
    "suggestion",
    "`Version` `2008-10-17`: policy variables are not substituted",
    `${IAM}/reference_policies_elements_version.html`,
  ),
  rule(
    "missing-sid",
    "suggestion",
    "A statement without a `Sid`: diffs, drift reports and `kms-policy:ignore` can name it only by position",
    `${IAM}/reference_policies_elements_sid.html`,
  ),
];

/** The rule behind every validatePolicy problem: the document as KMS's grammar sees it. */
const GRAMMAR_DOCS = `${IAM}/reference_policies_grammar.html`;

const BY_ID = new Map(LINT_RULES.map((r) => [r.id, r]));

/** The metadata of a rule id; validatePolicy's ids (`invalid-effect`, `unknown-key`, ...) are `error` rules. */
export function lintRule(id: string): LintRule {
  return BY_ID.get(id) ?? rule(id, "error", `KMS refuses the document (validatePolicy rule \`${id}\`)`, GRAMMAR_DOCS);
}
