/**
 * lintPolicy: validatePolicy's errors plus findings KMS accepts but a reviewer would flag, each
 * with a severity. Pure, apart from reading the KMS catalog once on first use.
 */
import { parsePolicy } from "../parse";
import { PolicyInput } from "../types";
import { validateParsed } from "../validate";
import { kmsCatalog } from "./catalog";
import { lintRule } from "./rules";
import { keyOwner, securityRules } from "./security";
import { isJsonObject } from "../json";
import { RawFinding, documentRules, grammarRules, keyPolicyRules, statementsOf } from "./statements";
import { LintFinding, LintOptions, LintSuppression, SEVERITIES } from "./types";

export * from "./types";
export { LINT_RULES, LintRule, lintRule } from "./rules";
export { parseSuppressions } from "./suppressions";

/**
 * Every finding for a policy document, worst first. `error` findings are exactly validatePolicy's
 * problems (KMS refuses the document); `security`, `warning` and `suggestion` findings are for a
 * document KMS accepts. Never throws on any input.
 */
export function lintPolicy(input: PolicyInput | unknown, options: LintOptions = {}): LintFinding[] {
  const keyPolicy = options.keyPolicy ?? true;
  const parsed = parsePolicy(input);
  const findings: LintFinding[] = validateParsed(parsed, { keyPolicy }).map((p) => ({ ...p, severity: "error" }));
  // The engine's reading of the document: duplicate keys refused, numbers kept as written (JsonNumber).
  const doc = parsed.value;
  if (!isJsonObject(doc)) return findings; // not JSON, or not an object: validatePolicy has said so

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
  const ignored = (f: RawFinding) =>
    (options.ignore ?? []).some((i: LintSuppression) => (i.sid === "*" || i.sid === f.sid) && (i.rule === "*" || i.rule === f.rule));
  for (const f of raw) if (!ignored(f)) findings.push({ ...f, severity: lintRule(f.rule).severity });
  return findings.sort((a, b) => rank(a) - rank(b));
}

const rank = (f: LintFinding) => SEVERITIES.indexOf(f.severity);
