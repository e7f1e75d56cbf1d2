import { LintSuppression } from "./types";

/**
 * Reads the `kms-policy:ignore` setting: `"Sid:rule"` entries, as a list (JSON text, which is how
 * Pulumi passes a list set with `--path`) or one string separated by commas or spaces. A `Sid` or
 * `rule` of `*` matches any. Entries without a colon are reported in `invalid`.
 */
export function parseSuppressions(setting: unknown): { suppressions: LintSuppression[]; invalid: string[] } {
  let entries: unknown[] = [];
  if (Array.isArray(setting)) entries = setting;
  else if (typeof setting === "string" && setting.trim().startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(setting);
      entries = Array.isArray(parsed) ? parsed : [setting];
    } catch {
      entries = [setting];
    }
  } else if (typeof setting === "string") entries = setting.split(/[\s,]+/).filter((e) => e !== "");
  const suppressions: LintSuppression[] = [];
  const invalid: string[] = [];
  for (const entry of entries) {
    const text = String(entry).trim();
    const colon = text.lastIndexOf(":");
    if (colon <= 0 || colon === text.length - 1) invalid.push(text);
    else suppressions.push({ sid: text.slice(0, colon), rule: text.slice(colon + 1) });
  }
  return { suppressions, invalid };
}
