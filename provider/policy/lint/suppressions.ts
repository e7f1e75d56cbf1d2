import { closest } from "../grammar";
import { LINT_RULES } from "./rules";
import { LintSuppression } from "./types";

/** Where the entries come from, for the fix a message gives: the stack setting, or `--ignore` flags. */
export type SuppressionSource = "setting" | "flag";

/** What parseSuppressions read: the entries it took, and each one it did not with the reason. */
export interface ParsedSuppressions {
  suppressions: LintSuppression[];
  /** The entries that are not a `Sid:rule` pair with a known rule id, as written. */
  invalid: string[];
  /** One sentence per invalid entry, in the same order: what is wrong and the fix. */
  problems: string[];
}

/** The rule ids an entry may name: `error` findings are never suppressed, so validatePolicy's ids are not among them. */
const IGNORABLE: ReadonlySet<string> = new Set(["*", ...LINT_RULES.map((r) => r.id)]);
const ignorable = (rule: string): rule is LintSuppression["rule"] => IGNORABLE.has(rule);
const ruleList = () => [...IGNORABLE].join(", ");

/**
 * Reads the `kms-policy:ignore` setting: `"Sid:rule"` entries, as a list (an array, or JSON text,
 * which is how Pulumi passes a list set with `--path`), or one string of entries separated by
 * commas or newlines. A key policy's Sid is any text (KMS developer guide, "Key policy format":
 * spaces allowed, unlike IAM's), so the rule id is what follows the last colon and the Sid is all
 * before it, spaces and colons included; a Sid with a comma needs the list form. A `Sid` or `rule`
 * of `*` matches any. An entry that is not `Sid:rule`, or whose rule is not a lint rule id, would
 * suppress nothing, so it is reported in `invalid` (with the reason in `problems`), never taken.
 */
export function parseSuppressions(setting: unknown, source: SuppressionSource = "setting"): ParsedSuppressions {
  let entries: unknown[] = [];
  if (Array.isArray(setting)) entries = setting;
  else if (typeof setting === "string" && setting.trim().startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(setting);
      entries = Array.isArray(parsed) ? parsed : [setting];
    } catch {
      entries = [setting];
    }
  } else if (typeof setting === "string") entries = setting.split(/[,\r\n]+/);
  const result: ParsedSuppressions = { suppressions: [], invalid: [], problems: [] };
  for (const entry of entries) {
    const text = String(entry).trim();
    if (text === "") continue;
    const problem = entryProblem(text, source);
    if (problem) {
      result.invalid.push(text);
      result.problems.push(problem);
      continue;
    }
    const colon = text.lastIndexOf(":");
    const rule = text.slice(colon + 1).trim();
    if (ignorable(rule)) result.suppressions.push({ sid: text.slice(0, colon).trim(), rule });
  }
  return result;
}

/** Why an entry is not taken, or undefined when it is a `Sid:rule` pair with a known rule. */
function entryProblem(text: string, source: SuppressionSource): string | undefined {
  const colon = text.lastIndexOf(":");
  const sid = colon < 0 ? "" : text.slice(0, colon).trim();
  const rule = colon < 0 ? "" : text.slice(colon + 1).trim();
  if (colon < 0 || sid === "" || rule === "")
    return `"${text}" is not a Sid:rule pair: write the statement's Sid, a colon and a rule id (e.g. "Allow everyone:public-access"; * as Sid or rule matches any)`;
  // An old space- or comma-separated list reads as one entry whose Sid holds the other entries' rule ids.
  const joined = [...IGNORABLE].find((id) => sid.includes(`:${id} `) || sid.includes(`:${id},`));
  if (joined !== undefined) {
    const fix =
      source === "flag"
        ? "repeat --ignore, one Sid:rule per flag"
        : "separate them with commas or newlines, or set a list (pulumi config set --path 'kms-policy:ignore[0]' ...)";
    return `"${text}" looks like several entries (its Sid holds ":${joined}"): ${fix}`;
  }
  if (!ignorable(rule)) {
    // One likely rule reads better than all of them; the list is for a rule id nothing resembles.
    const guess = closest(
      rule,
      LINT_RULES.map((r) => r.id),
    );
    return guess
      ? `"${text}": "${rule}" is not a rule id that can be ignored; did you mean ${guess}? (write "${text.slice(0, colon).trim()}:${guess}")`
      : `"${text}": "${rule}" is not a rule id that can be ignored; the rule after the last colon is one of ${ruleList()} (error findings never are)`;
  }
  return undefined;
}
