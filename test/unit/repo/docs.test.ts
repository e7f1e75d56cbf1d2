import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { DOC_PAGES } from "../../../provider/docs";
import { STACK_SETTINGS, StackSetting } from "../../../provider/runtime/settings";
import { anchorsOf, brokenLink, headingSlug, isExternal, linkTargets } from "../../support/markdown";
import { REPO_ROOT } from "../../support/tools";

/** The Markdown pages a reader navigates: the repository's own top-level pages and docs/. */
function markdownPages(): string[] {
  const top = fs.readdirSync(REPO_ROOT).filter((f) => f.endsWith(".md"));
  const docs = fs.readdirSync(path.join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md"));
  return [...top.map((f) => path.join(REPO_ROOT, f)), ...docs.map((f) => path.join(REPO_ROOT, "docs", f))];
}

/** Every .ts file under a directory. */
function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

describe("docs: the Markdown helpers the link checks rely on", () => {
  it("anchors: GitHub's heading slugs (numbered when repeated) and explicit <a id>", () => {
    const anchors = anchorsOf(
      "# The policy engine\n## Equivalence rules\n## Equivalence rules\n### `kms-policy drift`, in CI!\n" +
        '- <a id="gate-exit-codes"></a>**Gate**\n```sh\n# not a heading\n```\n',
    );
    expect([...anchors]).to.have.members([
      "the-policy-engine",
      "equivalence-rules",
      "equivalence-rules-1",
      "kms-policy-drift-in-ci",
      "gate-exit-codes",
    ]);
    expect(headingSlug("Where we answer differently from hashicorp/awspolicyequivalence")).to.equal(
      "where-we-answer-differently-from-hashicorpawspolicyequivalence",
    );
  });

  it("links: inline links, images and references, none from code", () => {
    const targets = linkTargets(
      "See [a](a.md#x) and ![img](../b.svg), `[not](c.md)`.\n```\n[nor](d.md)\n```\n[ref]: e.md\n[web](https://example.com)",
    );
    expect(targets).to.deep.equal(["a.md#x", "../b.svg", "https://example.com", "e.md"]);
    expect(targets.filter((t) => !isExternal(t))).to.deep.equal(["a.md#x", "../b.svg", "e.md"]);
  });

  it("a link to a missing page or a missing anchor is broken, naming what is missing", () => {
    const readme = path.join(REPO_ROOT, "README.md");
    expect(brokenLink(readme, "docs/key-policy.md#replacing-and-renaming")).to.equal(undefined);
    expect(brokenLink(readme, "docs/no-such-page.md")).to.contain("does not exist");
    expect(brokenLink(readme, "docs/key-policy.md#no-such-anchor")).to.equal("key-policy.md has no anchor #no-such-anchor");
  });
});

describe("docs: every relative link and every page a runtime message cites resolves", () => {
  for (const page of markdownPages()) {
    const name = path.relative(REPO_ROOT, page);
    it(`${name}: every relative link names an existing file and anchor`, () => {
      const broken = linkTargets(fs.readFileSync(page, "utf8"))
        .filter((target) => !isExternal(target))
        .map((target) => ({ target, why: brokenLink(page, target) }))
        .filter((link) => link.why !== undefined);
      expect(broken, `${name}: ${JSON.stringify(broken, null, 1)}`).to.deep.equal([]);
    });
  }

  for (const [key, cited] of Object.entries(DOC_PAGES)) {
    it(`the page runtime messages cite as ${key} exists, with its anchor (${cited})`, () => {
      expect(cited).to.match(/^docs\/[\w-]+\.md#[\w-]+$/);
      expect(brokenLink(path.join(REPO_ROOT, "README.md"), cited)).to.equal(undefined);
    });
  }

  it("no provider source cites a README heading; every docs page it names exists", () => {
    const sources = sourcesUnder(path.join(REPO_ROOT, "provider"));
    expect(sources.length).to.be.greaterThan(10);
    const citesReadme = sources.filter((file) => /README[:,'"]|README's|the README/.test(fs.readFileSync(file, "utf8")));
    expect(citesReadme.map((f) => path.relative(REPO_ROOT, f))).to.deep.equal([]);
    const named = sources.flatMap((file) =>
      [...fs.readFileSync(file, "utf8").matchAll(/docs\/[\w-]+\.md(?:#[\w-]+)?/g)].map((m) => ({ file, target: m[0] })),
    );
    expect(named.length).to.be.greaterThan(0);
    const broken = named.filter(({ target }) => brokenLink(path.join(REPO_ROOT, "README.md"), target) !== undefined);
    expect(broken.map(({ file, target }) => `${path.relative(REPO_ROOT, file)}: ${target}`)).to.deep.equal([]);
  });
});

/** The rows of docs/stack-settings.md's table, by key: the default column as written. */
function documentedSettings(): Map<string, string> {
  const page = fs.readFileSync(path.join(REPO_ROOT, "docs", "stack-settings.md"), "utf8");
  const rows = new Map<string, string>();
  for (const line of page.split("\n")) {
    const cells = /^\|\s*`([^`]+)`\s*\|([^|]*)\|/.exec(line);
    if (cells) {
      expect(rows.has(cells[1]), `${cells[1]} is listed twice`).to.equal(false);
      rows.set(cells[1], cells[2].trim());
    }
  }
  return rows;
}

/**
 * The default a row applies, as the docs write it: its own default when it has one; for a row
 * that leaves it to the AWS layer, the default its `doc` states ("(default 8)"); otherwise none.
 */
function codeDefault(setting: StackSetting<unknown>): string | undefined {
  const value = setting.default;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean" || typeof value === "string") return `\`${value}\``;
  return /\(default ([^)]+)\)/.exec(setting.doc)?.[1];
}

describe("docs/stack-settings.md agrees with the settings table (provider/runtime/settings.ts)", () => {
  const rows = Object.values(STACK_SETTINGS) as Array<StackSetting<unknown>>;

  it("lists every setting the providers read, and no other", () => {
    expect([...documentedSettings().keys()]).to.have.members(rows.map((r) => r.key));
  });

  for (const row of rows) {
    it(`${row.key}: the documented default is the one the code applies`, () => {
      const documented = documentedSettings().get(row.key);
      expect(documented, `${row.key} is not in docs/stack-settings.md`).to.be.a("string");
      const applied = codeDefault(row);
      if (applied === undefined) expect(documented).to.match(/^(none|the SDK's)\b/);
      else expect(documented).to.equal(applied);
    });
  }
});
