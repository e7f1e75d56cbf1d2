/**
 * lintPolicy: validatePolicy's errors plus findings KMS accepts but a reviewer would flag, each
 * with a severity. Pure, apart from reading the KMS catalog once on first use.
 */
import { parsePolicy } from "../parse";
import { PolicyInput } from "../types";
import { validateParsed } from "../validate";
import { kmsCatalog } from "./catalog";
import { lintRule } from "./rules";
import { administeringAccounts, securityRules } from "./security";
import { RawFinding, documentRules, grammarRules, isObject, keyPolicyRules, statementsOf } from "./statements";
import { LintFinding, LintOptions, LintSuppression } from "./types";

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
  // The rules read plain JSON values, whatever form the engine's parser keeps numbers in.
  let doc: unknown;
  try {
    doc = JSON.parse(parsed.text);
  } catch {
    return findings; // not JSON: validatePolicy has said so
  }
  if (!isObject(doc)) return findings;

  const raw: RawFinding[] = [];
  const report = (f: RawFinding) => raw.push(f);
  const statements = statementsOf(doc);
  documentRules(doc, statements, report);
  const catalog = keyPolicy ? kmsCatalog() : undefined;
  for (const s of statements) {
    if (catalog) keyPolicyRules(s, catalog, report);
    grammarRules(s, catalog, report);
  }
  if (keyPolicy) {
    const accounts = options.account ? new Set([options.account]) : administeringAccounts(statements);
    for (const s of statements) securityRules(s, accounts, report);
  }
  const ignored = (f: RawFinding) =>
    (options.ignore ?? []).some((i: LintSuppression) => (i.sid === "*" || i.sid === f.sid) && (i.rule === "*" || i.rule === f.rule));
  for (const f of raw) if (!ignored(f)) findings.push({ ...f, severity: lintRule(f.rule).severity });
  return findings.sort((a, b) => rank(a) - rank(b));
}

const ORDER = ["error", "security", "warning", "suggestion"];
const rank = (f: LintFinding) => ORDER.indexOf(f.severity);
