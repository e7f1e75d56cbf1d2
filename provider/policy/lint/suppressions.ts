import { LintSuppression } from "./types";

/**
 * Reads the `kms-policy:ignore` setting: `"Sid:rule"` entries, as a list (an array, or JSON text,
 * which is how Pulumi passes a list set with `--path`), or one string of entries separated by
 * commas or newlines. A key policy's Sid is any text (KMS developer guide, "Key policy format":
 * spaces allowed, unlike IAM's), so the rule id is what follows the last colon and the Sid is all
 * before it, spaces and colons included; a Sid with a comma needs the list form. A `Sid` or `rule`
 * of `*` matches any. Entries that are not `Sid:rule` are reported in `invalid`.
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
  } else if (typeof setting === "string") entries = setting.split(/[,\r\n]+/);
  const suppressions: LintSuppression[] = [];
  const invalid: string[] = [];
  for (const entry of entries) {
    const text = String(entry).trim();
    if (text === "") continue;
    const colon = text.lastIndexOf(":");
    const sid = text.slice(0, colon).trim();
    const rule = text.slice(colon + 1).trim();
    if (colon < 0 || sid === "" || rule === "" || /\s/.test(rule)) invalid.push(text);
    else suppressions.push({ sid, rule });
  }
  return { suppressions, invalid };
}
