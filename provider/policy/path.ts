/**
 * JSON paths in the format every finding and problem uses: identifiers joined with `.`, other keys
 * as `["kms:ViaService"]` (JSON string syntax, so a key holding `"` or `\` reads back as itself),
 * list items as `[2]`. The one home of the format: the reader, the validator, the lint and the
 * command's line/column lookup all build paths here, so one element never has two spellings.
 */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  if (!isIdentifier(key)) return `${base}[${JSON.stringify(key)}]`;
  return base ? `${base}.${key}` : key;
}

/** The validator builds a path for every element, and policies repeat the same few keys. */
const identifiers = new Map<string, boolean>();
function isIdentifier(key: string): boolean {
  let known = identifiers.get(key);
  if (known === undefined) {
    known = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key);
    if (identifiers.size < 1024) identifiers.set(key, known);
  }
  return known;
}
