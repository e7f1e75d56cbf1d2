/**
 * lintPolicy: validatePolicy's errors plus findings KMS accepts but a reviewer would flag, each
 * with a severity. Pure, apart from reading the KMS catalog once on first use.
 */
import { ParsedPolicy, parsePolicy } from "../parse";
import { PolicyInput } from "../types";
import { validateParsed } from "../validate";
import { kmsCatalog } from "./catalog";
import { lintRule } from "./rules";
import { keyOwner, securityRules } from "./security";
import { isJsonObject } from "../json";
import { engineWork } from "../work";
import { RawFinding, documentRules, grammarRules, keyPolicyRules, statementsOf } from "./statements";
import { LintFinding, LintOptions, LintSuppression, SEVERITIES } from "./types";

export * from "./types";
export { LINT_RULES, LintRule, LintRuleId, lintRule } from "./rules";
export { parseSuppressions } from "./suppressions";

/** lintPolicyReport's answer: the findings, and those an `ignore` entry left out, with the entry. */
export interface LintReport {
  findings: LintFinding[];
  suppressed: Array<{ finding: LintFinding; by: LintSuppression }>;
}

/**
 * Every finding for a policy document, worst first. `error` findings are exactly validatePolicy's
 * problems (KMS refuses the document); `security`, `warning` and `suggestion` findings are for a
 * document KMS accepts. Never throws on any input.
 */
export function lintPolicy(input: PolicyInput | unknown, options: LintOptions = {}): LintFinding[] {
  return lintPolicyReport(input, options).findings;
}

/** lintPolicy, with the findings each `ignore` entry left out (so a caller can tell an entry that suppresses nothing). */
export function lintPolicyReport(input: PolicyInput | unknown, options: LintOptions = {}): LintReport {
  return lintParsed(parsePolicy(input), options);
}

/**
 * lintPolicyReport of a document parsePolicy has already read: for a caller that goes on to use
 * what was read (`kms-policy validate` normalizes it for the lockout check), so that the text is
 * read once.
 */
export function lintParsed(parsed: ParsedPolicy, options: LintOptions = {}): LintReport {
  engineWork.lints++;
  const keyPolicy = options.keyPolicy ?? true;
  const findings: LintFinding[] = validateParsed(parsed, { keyPolicy }).map((p) => ({ ...p, severity: "error" }));
  const suppressed: LintReport["suppressed"] = [];
  // The engine's reading of the document: duplicate keys refused, numbers kept as written (JsonNumber).
  const doc = parsed.value;
  if (!isJsonObject(doc)) return { findings, suppressed }; // not JSON, or not an object: validatePolicy has said so

  const raw: RawFinding[] = [];
  const report = (f: RawFinding) => raw.push(f);
  const statements = statementsOf(doc);
  documentRules(doc, statements, report);
  const catalog = keyPolicy ? kmsCatalog() : undefined;
  for (const s of statements) {
    if (catalog) keyPolicyRules(s, catalog, report);
    // Generic mode has no use for the catalog but for the set-operator rule on kms and global keys:
    // it is read only when a statement has a set operator.
    grammarRules(s, catalog ?? kmsCatalog, report);
  }
  if (keyPolicy) {
    const owner = keyOwner(statements, options.account);
    for (const s of statements) securityRules(s, owner, report);
  }
  const ignoredBy = (f: RawFinding) =>
    (options.ignore ?? []).find((i: LintSuppression) => (i.sid === "*" || i.sid === f.sid) && (i.rule === "*" || i.rule === f.rule));
  for (const f of raw) {
    const finding: LintFinding = { ...f, severity: lintRule(f.rule).severity };
    const by = ignoredBy(f);
    if (by) suppressed.push({ finding, by });
    else findings.push(finding);
  }
  return { findings: findings.sort((a, b) => rank(a) - rank(b)), suppressed };
}

const rank = (f: LintFinding) => SEVERITIES.indexOf(f.severity);
