import { formatPolicyDiff } from "../policy";
import { accessChangeLine } from "./access";
import { DriftReport, DriftStatus, ResourceReport, UnownedStatement } from "./check";

/** Version of the JSON report's schema; bumped on any incompatible change. */
export const DRIFT_REPORT_SCHEMA_VERSION = 1;

export interface DriftSummary {
  resources: number;
  inSync: number;
  /** Grants younger than the listing delay that ListGrants does not show yet: not drift. */
  notListedYet: number;
  /** Grants younger than the listing delay that ListGrants shows with a unique-id grantee: not drift yet. */
  unsettledGrantee: number;
  drifted: number;
  /** Drifted key policies whose live policy may grant access the stack's does not (a security alert). */
  newAccess: number;
  gone: number;
  errors: number;
  unmanagedGrants: number;
  /** Statements no KeyPolicyStatement of the stack owns (when asked for): listed for review, not drift. */
  unownedStatements: number;
}

export function summarize(report: DriftReport): DriftSummary {
  const count = (s: DriftStatus) => report.resources.filter((r) => r.status === s).length;
  return {
    resources: report.resources.length,
    inSync: count("in-sync"),
    notListedYet: count("not-listed-yet"),
    unsettledGrantee: count("unsettled-grantee"),
    drifted: count("drifted"),
    newAccess: report.resources.filter((r) => r.access?.newAccess === true).length,
    gone: count("gone"),
    errors: count("error"),
    unmanagedGrants: report.unmanagedGrants?.length ?? 0,
    unownedStatements: report.unownedStatements?.length ?? 0,
  };
}

/**
 * 0 in sync, 1 drift (drifted, gone, or unmanaged grants when asked for), 2 error. Unowned
 * statements never fail the check: every key has one (its default statement), by design.
 */
export function exitCodeOf(report: DriftReport): 0 | 1 | 2 {
  const s = summarize(report);
  if (s.errors > 0) return 2;
  return s.drifted + s.gone + s.unmanagedGrants > 0 ? 1 : 0;
}

/** The JSON report (documented in docs/drift-in-ci.md): stable field names, no secrets. */
export function jsonReport(report: DriftReport): string {
  return JSON.stringify(
    {
      schemaVersion: DRIFT_REPORT_SCHEMA_VERSION,
      summary: summarize(report),
      resources: report.resources.map((r) => ({
        kind: r.kind,
        name: r.name,
        urn: r.urn,
        keyArn: r.keyArn,
        ...(r.account ? { account: r.account } : {}),
        ...(r.region ? { region: r.region } : {}),
        ...(r.grantId ? { grantId: r.grantId } : {}),
        status: r.status,
        ...(r.message ? { message: r.message } : {}),
        ...(r.policyDiff
          ? {
              policyDiff: {
                added: r.policyDiff.added,
                removed: r.policyDiff.removed,
                changed: r.policyDiff.changed.map(({ before: _b, after: _a, ...change }) => change),
                ...(r.policyDiff.version ? { version: r.policyDiff.version } : {}),
                ...(r.policyDiff.id ? { id: r.policyDiff.id } : {}),
              },
            }
          : {}),
        ...(r.access ? { access: r.access } : {}),
        ...(r.changes ? { changes: r.changes } : {}),
      })),
      ...(report.unmanagedGrants ? { unmanagedGrants: report.unmanagedGrants } : {}),
      ...(report.unownedStatements ? { unownedStatements: report.unownedStatements } : {}),
    },
    null,
    2,
  );
}

/** How a report names an unowned statement: its Sid, else its place in the policy. */
function statementName(u: UnownedStatement): string {
  return u.sid !== undefined ? `Sid "${u.sid}"` : `statement ${u.index ?? 0} (no Sid)`;
}

const COLORS: Record<DriftStatus, string> = {
  "in-sync": "\u001b[32m",
  "not-listed-yet": "\u001b[36m",
  "unsettled-grantee": "\u001b[36m",
  drifted: "\u001b[31m",
  gone: "\u001b[33m",
  error: "\u001b[35m",
};
const RESET = "\u001b[0m";

function headline(s: DriftSummary): string {
  const parts = [`${s.inSync} in sync`];
  if (s.notListedYet) parts.push(`${s.notListedYet} not listed yet`);
  if (s.unsettledGrantee) parts.push(`${s.unsettledGrantee} with a grantee not settled yet`);
  if (s.drifted) parts.push(`${s.drifted} drifted${s.newAccess ? ` (${s.newAccess} granting new access)` : ""}`);
  if (s.gone) parts.push(`${s.gone} gone`);
  if (s.errors) parts.push(`${s.errors} could not be checked`);
  if (s.unmanagedGrants) parts.push(`${s.unmanagedGrants} unmanaged grant${s.unmanagedGrants > 1 ? "s" : ""}`);
  if (s.unownedStatements) parts.push(`${s.unownedStatements} unowned statement${s.unownedStatements > 1 ? "s" : ""}`);
  return `${s.resources} resource${s.resources === 1 ? "" : "s"}: ${parts.join(", ")}`;
}

function details(r: ResourceReport, format: "text" | "markdown"): string[] {
  const lines: string[] = [];
  if (r.message) lines.push(r.message);
  if (r.access) {
    lines.push(
      `${format === "markdown" && r.access.newAccess ? "**" : ""}${accessChangeLine(r.access)}${format === "markdown" && r.access.newAccess ? "**" : ""}`,
    );
    for (const reason of r.access.reasons) lines.push(`${format === "markdown" ? "- " : "  "}${reason.message}`);
  }
  const what = r.kind === "KeyPolicyStatement" ? "live statement" : "live policy";
  if (r.policyDiff) lines.push(formatPolicyDiff(r.policyDiff, { format, title: `${what} differs from the stack (- stack, + live)` }));
  for (const c of r.changes ?? []) {
    const show = (v: unknown) => (format === "markdown" ? "`" + JSON.stringify(v) + "`" : JSON.stringify(v));
    lines.push(`${format === "markdown" ? "- " : ""}${c.field}: stack ${show(c.recorded)}, live ${show(c.live)}`);
  }
  return lines;
}

/** `account A, REGION: ` for the text report, when known. */
function location(r: ResourceReport): string {
  const parts = [r.account ? `account ${r.account}` : "", r.region ?? ""].filter(Boolean);
  return parts.length ? `${parts.join(", ")}: ` : "";
}

export function textReport(report: DriftReport, color = false): string {
  const paint = (status: DriftStatus, text: string) => (color ? `${COLORS[status]}${text}${RESET}` : text);
  const lines = [`kms-policy drift: ${headline(summarize(report))}`];
  for (const r of report.resources) {
    lines.push(
      `  ${paint(r.status, r.status.padEnd(8))} ${r.kind} ${r.name}  (${location(r)}${r.keyArn}${r.grantId ? `, grant ${r.grantId}` : ""})${r.access?.newAccess ? "  NEW ACCESS" : ""}`,
    );
    if (r.status !== "in-sync") for (const d of details(r, "text")) lines.push(...d.split("\n").map((l) => `             ${l}`));
  }
  if (report.unmanagedGrants?.length) {
    lines.push(`  unmanaged grants (on managed keys, declared by no Grant in the stack):`);
    for (const g of report.unmanagedGrants)
      lines.push(
        `    ${g.grantId}  ${g.name ?? "(no name)"}  ${g.granteeServicePrincipal ?? g.granteePrincipal ?? ""}  ${g.operations.join(",")}  (${g.keyArn})`,
      );
  }
  if (report.unownedStatements?.length) {
    lines.push(`  unowned statements (on keys managed statement by statement, owned by no KeyPolicyStatement in the stack):`);
    for (const u of report.unownedStatements) lines.push(`    ${statementName(u)}  ${u.statement}  (${u.keyArn})`);
  }
  return lines.join("\n");
}

const ICONS: Record<DriftStatus, string> = {
  "in-sync": "in sync",
  "not-listed-yet": "not listed yet",
  "unsettled-grantee": "grantee not settled yet",
  drifted: "**drifted**",
  gone: "**gone**",
  error: "**error**",
};

/** For a GitHub step summary or a pull-request comment. */
export function markdownReport(report: DriftReport): string {
  const lines = [
    `### KMS drift: ${headline(summarize(report))}`,
    "",
    "| resource | account | Region | key | status |",
    "|---|---|---|---|---|",
  ];
  for (const r of report.resources)
    lines.push(
      `| ${r.kind} \`${r.name}\` | ${r.account ?? ""} | ${r.region ?? ""} | \`${r.keyArn}\` | ${ICONS[r.status]}${r.access?.newAccess ? " **new access**" : ""} |`,
    );
  for (const r of report.resources.filter((x) => x.status !== "in-sync")) {
    lines.push(
      "",
      `<details><summary>${r.kind} <code>${r.name}</code>: ${r.status}${r.access?.newAccess ? ", grants new access" : ""}</summary>`,
      "",
      ...details(r, "markdown"),
      "",
      "</details>",
    );
  }
  if (report.unmanagedGrants?.length) {
    lines.push("", "#### Unmanaged grants", "", "| grant | name | grantee | operations | key |", "|---|---|---|---|---|");
    for (const g of report.unmanagedGrants)
      lines.push(
        `| \`${g.grantId}\` | ${g.name ?? ""} | \`${g.granteeServicePrincipal ?? g.granteePrincipal ?? ""}\` | ${g.operations.join(", ")} | \`${g.keyArn}\` |`,
      );
  }
  if (report.unownedStatements?.length) {
    lines.push("", "#### Unowned statements", "", "| statement | key | text |", "|---|---|---|");
    // A pipe would end the cell: escaped, as GitHub's tables take it.
    for (const u of report.unownedStatements)
      lines.push(`| ${statementName(u)} | \`${u.keyArn}\` | \`${u.statement.replace(/\|/g, "\\|")}\` |`);
  }
  return lines.join("\n");
}

/** XML 1.0 allows no control characters but tab, LF and CR, even escaped. */
const xmlCharacter = (c: string) => c >= " " || c === "\t" || c === "\n" || c === "\r";
const xml = (s: string) =>
  [...s]
    .filter(xmlCharacter)
    .join("")
    .replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c);

/** A test case's `<properties>`: the resource's account and Region, those that are known. */
function junitProperties(r: ResourceReport): string[] {
  const known = (
    [
      ["account", r.account],
      ["region", r.region],
    ] as const
  ).filter((p): p is readonly ["account" | "region", string] => Boolean(p[1]));
  if (!known.length) return [];
  return [
    "      <properties>",
    ...known.map(([name, value]) => `        <property name="${name}" value="${xml(value)}"/>`),
    "      </properties>",
  ];
}

/**
 * JUnit XML for CI dashboards: one test case per resource (and per unmanaged grant, when asked
 * for). Drifted and gone are failures, a resource that could not be checked is an error; a grant
 * not listed yet, or with a grantee not settled yet, passes, with the reason as its output. A resource's account and Region, when
 * known, are test-case properties `account` and `region`: a dashboard then tells two replicas of a
 * multi-Region key apart without parsing the key ARN.
 */
export function junitReport(report: DriftReport): string {
  const s = summarize(report);
  const cases: string[] = [];
  for (const r of report.resources) {
    const attributes = `classname="kms-policy.${r.kind}" name="${xml(r.name)}" file="${xml(r.urn)}"`;
    const body = details(r, "text").join("\n");
    const summary =
      r.message ??
      `${r.kind} ${r.name} is ${r.status}${r.access?.newAccess ? " and grants new access" : ""} (${r.keyArn}${r.grantId ? `, grant ${r.grantId}` : ""})`;
    const inner = [...junitProperties(r)];
    if (r.status === "not-listed-yet" || r.status === "unsettled-grantee") inner.push(`      <system-out>${xml(summary)}</system-out>`);
    else if (r.status !== "in-sync") {
      const tag = r.status === "error" ? "error" : "failure";
      // A type of its own, so that a dashboard can alert on widening alone.
      const type = r.access?.newAccess ? "drifted-new-access" : r.status;
      inner.push(`      <${tag} type="${type}" message="${xml(summary.split("\n")[0])}">${xml(body)}</${tag}>`);
    }
    cases.push(inner.length ? [`    <testcase ${attributes}>`, ...inner, "    </testcase>"].join("\n") : `    <testcase ${attributes}/>`);
  }
  for (const g of report.unmanagedGrants ?? []) {
    const what = `grant ${g.grantId} (${g.name ?? "no name"}) on ${g.keyArn} is declared by no Grant in the stack`;
    cases.push(
      `    <testcase classname="kms-policy.UnmanagedGrant" name="${xml(g.grantId)}">\n      <failure type="unmanaged" message="${xml(what)}">${xml(`grantee ${g.granteePrincipal ?? ""}, operations ${g.operations.join(",")}`)}</failure>\n    </testcase>`,
    );
  }
  // Listed for review, so they pass: their text is the test case's output.
  for (const u of report.unownedStatements ?? []) {
    const name = statementName(u);
    cases.push(
      `    <testcase classname="kms-policy.UnownedStatement" name="${xml(name)}" file="${xml(u.keyArn)}">\n      <system-out>${xml(`${name} on ${u.keyArn} is owned by no KeyPolicyStatement in the stack: ${u.statement}`)}</system-out>\n    </testcase>`,
    );
  }
  const failures = s.drifted + s.gone + s.unmanagedGrants;
  const counts = `tests="${cases.length}" failures="${failures}" errors="${s.errors}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kms-policy drift" ${counts}>`,
    `  <testsuite name="kms-policy drift" ${counts} skipped="0">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
  ].join("\n");
}
