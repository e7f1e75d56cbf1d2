/**
 * JSON paths in the format validatePolicy reports: identifiers joined with `.`, other keys as
 * `["kms:ViaService"]`, list items as `[2]`. The lint and the CLI's line/column lookup share it.
 */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}
