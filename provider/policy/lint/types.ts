/** How bad a lint finding is, from worst to mildest. */
export type Severity = "error" | "security" | "warning" | "suggestion";

/** Every severity, worst first: the order `failOn` thresholds use. */
export const SEVERITIES: readonly Severity[] = ["error", "security", "warning", "suggestion"];

/** True when `severity` is as bad as `threshold` or worse. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}

/** One finding of `lintPolicy`. */
export interface LintFinding {
  /** JSON path of the element, in `validatePolicy`'s format (`Statement[1].Condition.Bool["aws:SecureTransport"]`); `""` for the document. */
  path: string;
  /** Stable rule id, listed in the rules table of docs/lint-rules.md. */
  rule: string;
  severity: Severity;
  /** What is wrong, in one sentence. */
  message: string;
  /** How to fix it. */
  hint: string;
  /** The Sid of the statement the finding is in, if it has one (what `ignore` matches). */
  sid?: string;
}

/** A rule switched off for one statement: `{ sid: "PublicRead", rule: "public-access" }`. `sid: "*"` matches every statement and the document. */
export interface LintSuppression {
  sid: string;
  rule: string;
}

export interface LintOptions {
  /**
   * Key-policy mode (default true): KMS's action and condition-key catalog, the Resource and the
   * security rules apply. False lints the grammar-level rules only, for IAM identity policies.
   */
  keyPolicy?: boolean;
  /**
   * The account that owns the key, e.g. from its ARN. Used to tell another account's principals
   * from the key's own; when absent it is inferred from who may call kms:PutKeyPolicy.
   */
  account?: string;
  /** Findings to leave out. `error` findings are never suppressed: KMS refuses the document anyway. */
  ignore?: readonly LintSuppression[];
}
