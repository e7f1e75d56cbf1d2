import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { LINT_RULES, Severity } from "../../../provider/policy";
import { ProblemRule } from "../../../provider/policy/types";
import { linkTargets } from "../../support/markdown";
import { REPO_ROOT } from "../../support/tools";

/**
 * Grammar problems (validatePolicy's, so `error`) that the page lists and explains one by one:
 * they are not lint rules, and the code keeps no list of them. Typed, so a renamed id fails to compile.
 */
const GRAMMAR_RULES_WITH_ENTRIES: readonly ProblemRule[] = ["policy-lockout", "nesting-too-deep"];
/** The grammar rules the table's summary row names as examples of "every validatePolicy rule". */
const GRAMMAR_RULES_IN_SUMMARY: readonly ProblemRule[] = ["invalid-effect", "unknown-key", "invalid-principal"];

/** The first cell of the row that stands for every validatePolicy rule, before its examples. */
const SUMMARY_ROW = "every `validatePolicy` rule";

const PAGE = path.join(REPO_ROOT, "docs", "lint-rules.md");

interface TableRow {
  firstCell: string;
  ids: string[];
  severity: string;
  reference: string;
}

/** The rows of the rule table (the one headed `| rule | severity | ...`). */
function ruleTable(markdown: string): TableRow[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => /^\|\s*rule\s*\|\s*severity\s*\|/.test(l));
  expect(start, "docs/lint-rules.md has a table headed | rule | severity |").to.be.at.least(0);
  const rows: TableRow[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());
    rows.push({
      firstCell: cells[0],
      ids: [...cells[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]),
      severity: cells[1],
      reference: cells[cells.length - 1],
    });
  }
  return rows;
}

interface Entry {
  heading: string;
  body: string;
}

/** The `###` entries of the "## Rule entries" section, up to the next `##` heading. */
function ruleEntries(markdown: string): Entry[] {
  const start = markdown.search(/^## Rule entries\s*$/m);
  expect(start, 'docs/lint-rules.md has a "## Rule entries" section').to.be.at.least(0);
  const rest = markdown.slice(start).split("\n").slice(1).join("\n");
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  return section
    .split(/^(?=### )/m)
    .filter((part) => part.startsWith("### "))
    .map((part) => {
      const [heading, ...body] = part.split("\n");
      return { heading: heading.slice(4).trim(), body: body.join("\n") };
    });
}

const ENTRY_HEADING = /^`([a-z-]+)` \(([a-z]+)\)$/;

describe("docs: lint-rules.md against the lint's rule table", () => {
  const markdown = fs.readFileSync(PAGE, "utf8");
  const rows = ruleTable(markdown);
  const entries = ruleEntries(markdown);
  const known = new Map<string, Severity>([
    ...LINT_RULES.map((r): [string, Severity] => [r.id, r.severity]),
    ...GRAMMAR_RULES_WITH_ENTRIES.map((id): [string, Severity] => [id, "error"]),
  ]);

  it("gives every LINT_RULES rule one table row with its severity and its documentation link", () => {
    for (const r of LINT_RULES) {
      const matching = rows.filter((row) => row.firstCell === `\`${r.id}\``);
      expect(matching, `table rows for ${r.id}`).to.have.lengthOf(1);
      expect(matching[0].severity, `severity of ${r.id} in the table`).to.equal(r.severity);
      expect(linkTargets(matching[0].reference), `reference of ${r.id} in the table`).to.include(r.docs);
    }
  });

  it("names in the table's first column only rules of the code, with the code's severity", () => {
    for (const row of rows) {
      if (row.firstCell.startsWith(SUMMARY_ROW)) {
        expect(row.severity).to.equal("error");
        const named = [...row.firstCell.slice(SUMMARY_ROW.length).matchAll(/`([^`]+)`/g)].map((m) => m[1]);
        expect(named, "the validatePolicy row names examples").to.have.length.above(0);
        for (const id of named) expect(GRAMMAR_RULES_IN_SUMMARY, `${id} in the validatePolicy row`).to.include(id);
        continue;
      }
      expect(row.ids, `first cell ${row.firstCell}`).to.have.lengthOf(1);
      const id = row.ids[0];
      expect(known.has(id), `${id} in the table is a rule of the code`).to.equal(true);
      expect(row.severity, `severity of ${id} in the table`).to.equal(known.get(id));
    }
  });

  it('gives every rule one "### `id` (severity)" entry, and no entry to anything else', () => {
    for (const entry of entries) {
      const match = ENTRY_HEADING.exec(entry.heading);
      expect(match, `entry heading "${entry.heading}" has the form \`id\` (severity)`).to.not.equal(null);
      const [, id, severity] = match as RegExpExecArray;
      expect(known.has(id), `entry ${id} is a rule of the code`).to.equal(true);
      expect(severity, `severity in the heading of ${id}`).to.equal(known.get(id));
    }
    const ids = entries.map((e) => ENTRY_HEADING.exec(e.heading)?.[1]);
    for (const id of known.keys())
      expect(
        ids.filter((x) => x === id),
        `entries for ${id}`,
      ).to.have.lengthOf(1);
  });

  it("says in every entry what it flags, why, the fix and the source, with the rule's documentation link", () => {
    for (const entry of entries) {
      const id = ENTRY_HEADING.exec(entry.heading)?.[1] ?? entry.heading;
      for (const part of ["**Flags**", "**Why**", "**Fix**", "**Source**"]) expect(entry.body, `${id}: ${part}`).to.contain(part);
      const source = entry.body.slice(entry.body.indexOf("**Source**"));
      const links = linkTargets(source);
      expect(links, `${id}: a link in its Source`).to.have.length.above(0);
      const rule = LINT_RULES.find((r) => r.id === id);
      if (rule) expect(links, `${id}: its Source is the rule's docs link`).to.include(rule.docs);
    }
  });
});
