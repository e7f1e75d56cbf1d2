import { ConditionEntry, PolicyDiff, SetChange, StatementChange, flattenConditions, flattenPrincipal, statementLabel } from "./diff";
import { NormalizedConditions, NormalizedStatement } from "./types";
import { canonicalOperator } from "./values";

export interface FormatOptions {
  /** `text` (default) for a terminal or a log, `markdown` for a pull-request comment or step summary. */
  format?: "text" | "markdown";
  /** First line, e.g. `live policy of key 1234abcd differs from the program`. */
  title?: string;
  /** Longest list shown in full; longer ones end with "and N more". Default 6. */
  maxListItems?: number;
}

interface Style {
  code(s: string): string;
  line(depth: number, marker: "+" | "-" | "~", text: string): string;
}

const textStyle: Style = {
  code: (s) => s,
  line: (depth, marker, text) => `${"  ".repeat(depth + 1)}${marker} ${text}`,
};

const markdownWords = { "+": "added", "-": "removed", "~": "changed" } as const;
const markdownStyle: Style = {
  code: (s) => "`" + s.replace(/`/g, "'") + "`",
  line: (depth, marker, text) => `${"  ".repeat(depth)}- **${markdownWords[marker]}** ${text}`,
};

function list(items: string[], style: Style, max: number): string {
  const shown = items.slice(0, max).map(style.code).join(", ");
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

function conditionLabel(c: ConditionEntry): string {
  return `${c.operator} ${c.key} = ${c.value}`;
}

/** One-line summary of a whole statement, in policy terms. */
function summarize(s: NormalizedStatement, style: Style, max: number): string {
  const parts: string[] = [s.Effect];
  if (s.Action) parts.push(list(s.Action, style, max));
  if (s.NotAction) parts.push(`every action except ${list(s.NotAction, style, max)}`);
  if (s.Principal) parts.push(`to ${list(flattenPrincipal(s.Principal), style, max)}`);
  if (s.NotPrincipal) parts.push(`to everyone except ${list(flattenPrincipal(s.NotPrincipal), style, max)}`);
  if (s.Resource && !(s.Resource.length === 1 && s.Resource[0] === "*")) parts.push(`on ${list(s.Resource, style, max)}`);
  if (s.NotResource) parts.push(`on every resource except ${list(s.NotResource, style, max)}`);
  const conditions = flattenConditions(s.Condition);
  if (conditions.length > 0) parts.push(`when ${list(conditions.map(conditionLabel), style, max)}`);
  return parts.join(" ");
}

function statementName(s: NormalizedStatement, style: Style): string {
  return s.Sid !== undefined ? `statement ${style.code(s.Sid)}` : `statement ${statementLabel(s)}`;
}

/*
 * Whether a change gives access or takes it away. In an Allow, naming more principals, actions or
 * resources, or constraining less, widens access; in a Deny, the same change narrows it. A Not
 * element works the other way round, and so does a condition: a new condition key constrains
 * more, while another value for a key a condition already has (with a positive operator) matches
 * more requests.
 */
type Access = "widens" | "narrows";
function access(effect: string, grows: boolean): Access {
  return (effect === "Allow") === grows ? "widens" : "narrows";
}
const accessNote = (a: Access) => ` (${a} access)`;

function hasConditionKey(conditions: NormalizedConditions | undefined, c: ConditionEntry): boolean {
  const operator = canonicalOperator(c.operator);
  const key = c.key.toLowerCase();
  return Object.entries(conditions ?? {}).some(
    ([op, keys]) => canonicalOperator(op) === operator && Object.keys(keys).some((k) => k.toLowerCase() === key),
  );
}

function conditionAccess(change: StatementChange, c: ConditionEntry, added: boolean): Access {
  const other = added ? change.before.Condition : change.after.Condition;
  const negated = /Not/.test(c.operator);
  // A value added to (or removed from) a key both sides have changes what matches.
  const grows = hasConditionKey(other, c) ? added !== negated : !added;
  return access(change.after.Effect, grows);
}

function changeLines(change: StatementChange, style: Style, max: number): string[] {
  const lines: string[] = [];
  const sets: Array<[string, SetChange]> = [
    ["principal", change.principals],
    ["excluded principal (NotPrincipal)", change.notPrincipals],
    ["action", change.actions],
    ["excluded action (NotAction)", change.notActions],
    ["resource", change.resources],
    ["excluded resource (NotResource)", change.notResources],
  ];
  if (change.sid)
    lines.push(style.line(1, "~", `Sid ${style.code(change.sid.from ?? "(none)")} -> ${style.code(change.sid.to ?? "(none)")}`));
  if (change.effect) {
    lines.push(
      style.line(
        1,
        "~",
        `Effect ${change.effect.from} -> ${change.effect.to}${accessNote(change.effect.to === "Deny" ? "narrows" : "widens")}`,
      ),
    );
  }
  // With the Effect flipped, what an element adds or removes is not a widening of either side.
  const note = (a: Access) => (change.effect ? "" : accessNote(a));
  for (const [noun, set] of sets) {
    const positive = !noun.startsWith("excluded");
    const effect = change.after.Effect;
    if (set.added.length)
      lines.push(
        style.line(1, "+", `${noun}${set.added.length > 1 ? "s" : ""} ${list(set.added, style, max)}${note(access(effect, positive))}`),
      );
    if (set.removed.length)
      lines.push(
        style.line(
          1,
          "-",
          `${noun}${set.removed.length > 1 ? "s" : ""} ${list(set.removed, style, max)}${note(access(effect, !positive))}`,
        ),
      );
  }
  const conditionLines = (entries: ConditionEntry[], added: boolean) => {
    for (const a of ["widens", "narrows"] as const) {
      const group = entries.filter((c) => conditionAccess(change, c, added) === a);
      if (group.length)
        lines.push(
          style.line(
            1,
            added ? "+" : "-",
            `condition${group.length > 1 ? "s" : ""} ${list(group.map(conditionLabel), style, max)}${note(a)}`,
          ),
        );
    }
  };
  conditionLines(change.conditions.added, true);
  conditionLines(change.conditions.removed, false);
  return lines;
}

function counts(diff: PolicyDiff): string {
  const parts: string[] = [];
  const n = (count: number, word: string) => `${count} statement${count === 1 ? "" : "s"} ${word}`;
  if (diff.added.length) parts.push(n(diff.added.length, "added"));
  if (diff.removed.length) parts.push(n(diff.removed.length, "removed"));
  if (diff.changed.length) parts.push(n(diff.changed.length, "changed"));
  if (diff.version) parts.push("Version changed");
  if (diff.id) parts.push("Id changed");
  return parts.join(", ");
}

/**
 * Renders a diff for a person, in the words each policy used: one line per statement added or
 * removed, and under each changed statement one line per kind of element added or removed, each
 * saying whether it widens or narrows access. `+` is what `after` has and `before` lacks. A
 * statement without a Sid is named by its content. Returns "" for equivalent policies.
 */
export function formatPolicyDiff(diff: PolicyDiff, options: FormatOptions = {}): string {
  if (diff.equivalent) return "";
  const style = options.format === "markdown" ? markdownStyle : textStyle;
  const max = options.maxListItems ?? 6;
  const title = options.title ?? "policy differs";
  const lines = [options.format === "markdown" ? `**${title}**: ${counts(diff)}` : `${title}: ${counts(diff)}`];
  if (options.format === "markdown") lines.push("");
  if (diff.version) lines.push(style.line(0, "~", `Version ${diff.version.from} -> ${diff.version.to}`));
  if (diff.id) lines.push(style.line(0, "~", `Id ${style.code(diff.id.from ?? "(none)")} -> ${style.code(diff.id.to ?? "(none)")}`));
  for (const change of diff.changed) {
    lines.push(style.line(0, "~", statementName(change.after, style)));
    lines.push(...changeLines(change, style, max));
  }
  const whole = (s: NormalizedStatement) => (s.Sid !== undefined ? `${statementName(s, style)}: ` : "statement: ");
  for (const s of diff.added) lines.push(style.line(0, "+", `${whole(s)}${summarize(s, style, max)}${accessNote(access(s.Effect, true))}`));
  for (const s of diff.removed)
    lines.push(style.line(0, "-", `${whole(s)}${summarize(s, style, max)}${accessNote(access(s.Effect, false))}`));
  return lines.join("\n");
}
