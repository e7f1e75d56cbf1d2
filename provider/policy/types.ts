/**
 * Shapes of an IAM/KMS policy document. Compatible with `@pulumi/aws`'s `iam.PolicyDocument`, so an
 * object built for that package can be passed here as it is.
 */

/** A value that may be written as one string or as a list of strings. */
export type StringOrList = string | string[];

/** `"*"` or a map from principal type to one or more principals. */
export type Principal =
  | "*"
  | {
      AWS?: StringOrList;
      Service?: StringOrList;
      Federated?: StringOrList;
      CanonicalUser?: StringOrList;
    };

/** A condition value as it may be written: booleans and numbers mean their string form. */
export type ConditionValue = string | number | boolean;

/** `{ "StringEquals": { "kms:ViaService": "s3.us-east-1.amazonaws.com" } }` */
export type Conditions = Record<string, Record<string, ConditionValue | ConditionValue[]>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: Principal;
  NotPrincipal?: Principal;
  Action?: StringOrList;
  NotAction?: StringOrList;
  Resource?: StringOrList;
  NotResource?: StringOrList;
  Condition?: Conditions;
}

export interface PolicyDocument {
  Version?: "2008-10-17" | "2012-10-17" | string;
  Id?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** What every function of the engine accepts: JSON text or an already-parsed document. */
export type PolicyInput = string | PolicyDocument;

/** Principal types after normalization: each a sorted list without duplicates. */
export interface NormalizedPrincipal {
  AWS?: string[];
  Service?: string[];
  Federated?: string[];
  CanonicalUser?: string[];
}

/** One condition entry: operator, lower-cased key, sorted distinct string values. */
export type NormalizedConditions = Record<string, Record<string, string[]>>;

export interface NormalizedStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: NormalizedPrincipal;
  NotPrincipal?: NormalizedPrincipal;
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: NormalizedConditions;
}

/** The canonical form: two documents that mean the same thing have deep-equal canonical forms. */
export interface NormalizedPolicy {
  Version: string;
  Id?: string;
  Statement: NormalizedStatement[];
}

/** The rules the JSON reader refuses a text by (provider/policy/json.ts). */
export type JsonRule = "invalid-json" | "duplicate-key" | "byte-order-mark" | "control-character" | "nesting-too-deep";

/** Every rule a document can break: KMS (or the AWS CLI, for the lockout) refuses the document. */
export type ProblemRule =
  | JsonRule
  | "policy-too-large"
  | "invalid-character"
  | "unknown-key"
  | "invalid-type"
  | "invalid-version"
  | "missing-element"
  | "empty-value"
  | "invalid-effect"
  | "exclusive-elements"
  | "invalid-action"
  | "invalid-principal"
  | "invalid-principal-type"
  | "wildcard-principal"
  | "invalid-condition-operator"
  | "duplicate-condition-key"
  | "policy-lockout";

/** One thing wrong with a document. */
export interface PolicyProblem {
  /** JSON path of the offending element, e.g. `Statement[2].Principal.AWS[0]`; `""` for the whole document. */
  path: string;
  /** Stable identifier of the rule broken, e.g. `unknown-key`, `invalid-effect`. */
  rule: ProblemRule;
  /** What is wrong, in one sentence. */
  message: string;
  /** How to fix it. */
  hint: string;
}
