import * as fs from "fs";
import * as path from "path";

/**
 * What a Markdown page links to and which anchors it offers, as GitHub renders it: enough to
 * check that the documentation's relative links and the pages runtime messages cite resolve.
 */

/** The page's text with fenced code blocks and inline code blanked out (they hold no links). */
function proseOf(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "``");
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as hyphens. */
export function headingSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*]/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Every anchor of a page: its headings' slugs (a repeated one numbered as GitHub does) and its `<a id>`/`<a name>`. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const match of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = headingSlug(match[1]);
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  for (const match of withoutFences.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
  return anchors;
}

/** The link targets of a page: inline links and images, and reference definitions. */
export function linkTargets(markdown: string): string[] {
  const prose = proseOf(markdown);
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const references = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]);
  return [...inline, ...references];
}

/** Whether a link target leaves the repository (a URL with a scheme). */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}

/**
 * Why a relative link from `fromFile` does not resolve: the file or directory it names is missing,
 * or the anchor is not on that page. Undefined when it resolves.
 */
export function brokenLink(fromFile: string, target: string): string | undefined {
  const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
  const file = pathPart === "" ? fromFile : path.resolve(path.dirname(fromFile), decodeURIComponent(pathPart));
  if (!fs.existsSync(file)) return `${file} does not exist`;
  if (anchor === undefined || anchor === "") return undefined;
  if (!file.endsWith(".md")) return `an anchor (#${anchor}) on ${file}, which is not a Markdown page`;
  return anchorsOf(fs.readFileSync(file, "utf8")).has(anchor) ? undefined : `${path.basename(file)} has no anchor #${anchor}`;
}
