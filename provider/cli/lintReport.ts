/**
 * The findings formats every checking command shares (`validate`, and any command that reports
 * findings per file): text for people, json for scripts, SARIF 2.1.0 for code scanning, and GitHub
 * workflow commands that annotate a pull request; with the exit code for them (lintExitCode).
 */
import * as path from "path";
import { pathToFileURL } from "url";
import { LINT_RULES, LintFinding, LintRule, SEVERITIES, Severity, atLeast, lintRule } from "../policy/lint";
import { LINT_FORMATS } from "./commands";
import { EXIT, ExitCode } from "./io";
import { Location, findingLocation, jsonLocations } from "./jsonLocations";

export type LintFormat = (typeof LINT_FORMATS)[number];

/**
 * A rule another command reports by (`kms-policy check`'s `no-new-access`), with what SARIF says
 * of it; validate's rules are the lint table's.
 */
export interface ReportRule extends Omit<LintRule, "id"> {
  id: string;
}

/** A finding of validate, or of another command that reports by its own rules (ReportRule). */
export type ReportFinding = Omit<LintFinding, "rule"> & { rule: LintFinding["rule"] | string };

/** The findings of one file, each with where its path starts in the file; or why the file could not be checked. */
export interface FileFindings {
  file: string;
  findings: Array<ReportFinding & Location>;
  /** Findings an --ignore entry left out. */
  suppressed?: number;
  /** Set when the file could not be checked (missing, a directory, unreadable): the reason. */
  error?: string;
}

/**
 * The findings with their places in the file, in file order (line, column, then worst first).
 * `at` places every finding there instead: for a policy unwrapped from `aws kms get-key-policy`'s
 * output, whose own lines are not the file's.
 */
export function locateFindings<F extends ReportFinding>(text: string, findings: F[], at?: Location): Array<F & Location> {
  // Nothing to place, nothing to scan the text for.
  const locations = at || findings.length === 0 ? undefined : jsonLocations(text);
  const place = (f: F): Location => (locations ? findingLocation(locations, f) : (at as Location));
  const located = findings.map((f) => ({ ...f, ...place(f) }));
  return located.sort((a, b) => a.line - b.line || a.column - b.column || SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
}

/** The exit code for these results: 2 if a file could not be checked, 1 if a finding reaches `failOn`, else 0. */
export function lintExitCode(files: FileFindings[], failOn: Severity): ExitCode {
  if (files.some((f) => f.error !== undefined)) return EXIT.failed;
  return files.some((f) => f.findings.some((x) => atLeast(x.severity, failOn))) ? EXIT.findings : EXIT.ok;
}

/** The report in `format`; `rules` are the rules SARIF describes when they are not validate's (the lint table). */
export function renderLint(files: FileFindings[], format: LintFormat, toolVersion: string, rules?: readonly ReportRule[]): string {
  switch (format) {
    case "json":
      return JSON.stringify({ schemaVersion: 1, files }, null, 2);
    case "sarif":
      return JSON.stringify(sarif(files, toolVersion, rules), null, 2);
    case "github":
      return files.flatMap(github).join("\n");
    default:
      return files.flatMap(text).join("\n");
  }
}

function text({ file, findings, suppressed, error }: FileFindings): string[] {
  if (error !== undefined) return [`${file}: could not check: ${error}`];
  if (findings.length === 0) return [`${file}: valid, no findings${suppressed ? ` (${suppressed} suppressed by --ignore)` : ""}`];
  return findings.map(
    (f) => `${file}:${f.line}:${f.column}: ${f.severity} [${f.rule}] ${f.path || "(document)"}: ${f.message}\n    fix: ${f.hint}`,
  );
}

/** GitHub's workflow-command levels; a `security` finding is as loud as an error. */
const GITHUB_LEVEL: Record<Severity, string> = { error: "error", security: "error", warning: "warning", suggestion: "notice" };
// Workflow commands end at a newline, and properties at a comma or colon: escape them.
const escapeData = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

function github({ file, findings, error }: FileFindings): string[] {
  if (error !== undefined) return [`::error file=${escapeProperty(file)},title=kms-policy could not check::${escapeData(error)}`];
  return findings.map(
    (f) =>
      `::${GITHUB_LEVEL[f.severity]} file=${escapeProperty(file)},line=${f.line},col=${f.column},title=${escapeProperty(`kms-policy ${f.rule} (${f.severity})`)}::` +
      escapeData(`${f.path || "(document)"}: ${f.message}. Fix: ${f.hint}`),
  );
}

const SARIF_LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  error: "error",
  security: "error",
  warning: "warning",
  suggestion: "note",
};
/** GitHub code scanning ranks security results by this property (0-10; 7 and up is "high"). */
const SECURITY_SEVERITY: Record<Severity, string | undefined> = {
  error: undefined,
  security: "8.0",
  warning: undefined,
  suggestion: undefined,
};

function sarif(files: FileFindings[], toolVersion: string, own?: readonly ReportRule[]): object {
  const used = new Set(files.flatMap((f) => f.findings.map((x) => x.rule)));
  const known: readonly ReportRule[] = own ?? LINT_RULES;
  const ruleIds = [...known.map((r) => r.id), ...[...used].filter((id) => !known.some((r) => r.id === id)).sort()];
  const rules = ruleIds.map((id) => {
    const r = known.find((k) => k.id === id) ?? lintRule(id as LintFinding["rule"]);
    const securitySeverity = SECURITY_SEVERITY[r.severity];
    return {
      id,
      name: id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
      shortDescription: { text: r.description.replace(/`/g, "") },
      fullDescription: { text: r.description.replace(/`/g, "") },
      helpUri: r.docs,
      help: {
        text: `${r.description.replace(/`/g, "")}. See ${r.docs}`,
        markdown: `${r.description}. See [the AWS documentation](${r.docs}).`,
      },
      defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
      properties: {
        tags: r.severity === "security" ? ["security"] : [r.severity],
        severity: r.severity,
        ...(securitySeverity ? { "security-severity": securitySeverity } : {}),
      },
    };
  });
  const notifications = files.flatMap(({ file, error }) =>
    error === undefined
      ? []
      : [
          {
            level: "error",
            message: { text: `could not check ${file}: ${error}` },
            locations: [{ physicalLocation: { artifactLocation: { uri: toUri(file) } } }],
          },
        ],
  );
  const results = files.flatMap(({ file, findings }) =>
    findings.map((f) => ({
      ruleId: f.rule,
      ruleIndex: ruleIds.indexOf(f.rule),
      level: SARIF_LEVEL[f.severity],
      message: { text: `${f.path || "(document)"}: ${f.message}. Fix: ${f.hint}` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: toUri(file) }, region: { startLine: f.line, startColumn: f.column } },
          logicalLocations: [{ fullyQualifiedName: f.path || "(document)", kind: "member" }],
        },
      ],
      properties: { severity: f.severity, ...(f.sid ? { sid: f.sid } : {}) },
    })),
  );
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: { name: "kms-policy", informationUri: "https://www.npmjs.com/package/pulumi-kms-policy", version: toolVersion, rules },
        },
        invocations: [{ executionSuccessful: notifications.length === 0, toolExecutionNotifications: notifications }],
        results,
      },
    ],
  };
}

/**
 * The file as SARIF wants it: a path relative to the working directory (code scanning resolves it
 * against the repository root), a file: URI outside it, `stdin` for standard input.
 */
function toUri(file: string): string {
  if (file === "-") return "stdin";
  const relative = path.relative(process.cwd(), path.resolve(file));
  if (relative.startsWith("..") || path.isAbsolute(relative)) return pathToFileURL(path.resolve(file)).href;
  return relative.split(path.sep).map(encodeURIComponent).join("/");
}
