/**
 * The pages of this package's documentation that runtime messages cite, by path from the
 * repository root and anchor. Messages cite them through `seeDocs`, never a README heading by
 * name: a unit test checks that each page and anchor exists, so a citation cannot outlive a move.
 */
export const DOC_PAGES = {
  /** How a replaced or renamed KeyPolicy hands its key over through the key's tags. */
  keyPolicyReplacing: "docs/key-policy.md#replacing-and-renaming",
} as const;

export type DocPage = keyof typeof DOC_PAGES;

/** A citation for the end of a message: `(see pulumi-kms-policy's docs/....md#anchor)`. */
export function seeDocs(page: DocPage): string {
  return `(see pulumi-kms-policy's ${DOC_PAGES[page]})`;
}
