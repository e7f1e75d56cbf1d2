/**
 * `kms-policy check no-new-access BEFORE AFTER`, `kms-policy check access-not-granted FILE --action A`
 * and `kms-policy access FILE|EXPORT`: the offline access checks (docs/access-checks.md) on files,
 * reported in validate's formats and exit codes (check) or as the access matrix (access).
 */
import {
  AccessCheckResult,
  AccessMatrix,
  GrantAccess,
  PolicyValidationError,
  accessOf,
  checkAccessNotGranted,
  checkNoNewAccess,
} from "../policy";
import { ManagedGrant, parseStackExport } from "../drift/stackExport";
import { GRANT_TYPE, KEY_POLICY_TYPE } from "../resourceTypes";
import { ParsedArgs, UsageError, choiceFlag } from "./args";
import { ACCESS_FORMATS, CHECK_FORMATS } from "./commands";
import { EXIT, InputError, Output, packageVersion, readInput, readPolicyFile } from "./io";
import { jsonLocations } from "./jsonLocations";
import { FileFindings, ReportFinding, ReportRule, locateFindings, renderLint } from "./lintReport";

/** The checks `kms-policy check` runs, by the name the user gives. */
export const CHECKS = ["no-new-access", "access-not-granted"] as const;
type CheckName = (typeof CHECKS)[number];

// The model the checks follow (docs/access-checks.md): IAM's evaluation logic for a resource policy.
const DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html";

/** What SARIF says of each check's findings. */
export const CHECK_RULES: Record<CheckName, ReportRule> = {
  "no-new-access": {
    id: "no-new-access",
    severity: "security",
    description: "The changed key policy may allow a request the policy before the change did not allow",
    docs: DOCS,
  },
  "access-not-granted": {
    id: "access-granted",
    severity: "security",
    description: "The key policy may allow a principal an action that must not be granted",
    docs: DOCS,
  },
};

const HINTS: Record<CheckName, { proven: string; unproven: string }> = {
  "no-new-access": {
    proven: "remove or narrow the statement if the widening is not intended; if it is, say so in the review",
    unproven:
      "the check could not show that the policy before the change allowed it: narrow the statement to what it allowed, or review it by hand",
  },
  "access-not-granted": {
    proven: "remove the action or the principal from the statement, or add a Deny for them",
    unproven: "the check could not rule it out: narrow the statement or its conditions, or add a Deny for the principals and actions",
  },
};

/** `kms-policy check CHECK FILE...`: exit 0 PASS, 1 FAIL, 2 could not check. */
export function runCheck(args: ParsedArgs, io: Output): number {
  const [name, ...files] = args.operands;
  if (!(CHECKS as readonly string[]).includes(name))
    throw new UsageError(`check: the check is no-new-access or access-not-granted, not "${name}"\nsee: kms-policy help check`);
  const check = name as CheckName;
  const format = choiceFlag(args.flags, "format", CHECK_FORMATS, "text");
  const actions = (args.flags.action as string[] | undefined) ?? [];
  const principals = (args.flags.principal as string[] | undefined) ?? [];
  let result: FileFindings;
  if (check === "no-new-access") {
    if (files.length !== 2) throw new UsageError(`check no-new-access takes BEFORE AFTER (two files), not ${files.length}`);
    if (actions.length + principals.length > 0)
      throw new UsageError("check no-new-access takes no --action or --principal: only access-not-granted does");
    result = runOnFiles(check, files, (texts) => checkNoNewAccess(texts[0], texts[1]));
  } else {
    if (files.length !== 1) throw new UsageError(`check access-not-granted takes one FILE, not ${files.length}`);
    if (actions.length === 0)
      throw new UsageError("check access-not-granted needs --action ACTION (e.g. --action kms:Decrypt); repeat it for more");
    result = runOnFiles(check, files, (texts) => checkAccessNotGranted(texts[0], { actions, principals }));
  }
  if (format === "text") io.out(checkText(check, files, result));
  else io.out(renderLint([result], format, packageVersion(), [CHECK_RULES[check]]));
  if (result.error !== undefined) return EXIT.failed;
  return result.findings.length > 0 ? EXIT.findings : EXIT.ok;
}

/**
 * Reads the files and runs the check; its reasons become findings of the last file (the candidate,
 * or the one policy), placed at their statements. A file that cannot be read, or a policy KMS would
 * refuse, is an error: there is nothing sound to say about it.
 */
function runOnFiles(check: CheckName, files: string[], run: (texts: string[]) => AccessCheckResult): FileFindings {
  const subject = files[files.length - 1];
  const reads = [];
  for (const file of files) {
    try {
      reads.push(readPolicyFile(file));
    } catch (err) {
      // The report names the subject: the reason alone for it, the other file's name with its reason.
      if (err instanceof InputError) return { file: subject, findings: [], error: err.file === subject ? err.reason : err.message };
      throw err;
    }
  }
  let result: AccessCheckResult;
  try {
    result = run(reads.map((r) => r.text));
  } catch (err) {
    if (!(err instanceof PolicyValidationError)) throw err;
    // The engine names the policy ("existing policy", "candidate policy"); the user gave files.
    const which = files.length === 2 && /^existing policy/.test(err.message) ? files[0] : subject;
    const problems = err.problems.map((p) => `${p.path || "(document)"}: ${p.message}`).join("; ");
    return {
      file: subject,
      findings: [],
      error: `${which} is not a valid key policy (${problems}); kms-policy validate ${which} shows where`,
    };
  }
  const read = reads[reads.length - 1];
  const findings: ReportFinding[] = result.reasons.map((r) => {
    const proven = r.message.startsWith("proven");
    return {
      path: r.path ?? "",
      rule: CHECK_RULES[check].id,
      severity: "security",
      message: r.message,
      hint: proven ? HINTS[check].proven : HINTS[check].unproven,
    };
  });
  const at = read.wrapping === undefined ? undefined : (jsonLocations(read.raw).get("Policy") ?? { line: 1, column: 1 });
  return { file: subject, findings: locateFindings(read.text, findings, at) };
}

function checkText(check: CheckName, files: string[], result: FileFindings): string {
  if (result.error !== undefined) return `${result.file}: could not check: ${result.error}`;
  const passed =
    check === "no-new-access"
      ? `PASS: ${files[1]} grants no access that ${files[0]} does not`
      : `PASS: ${files[0]} grants none of the actions asked about to the principals asked about`;
  if (result.findings.length === 0) return passed;
  const head =
    check === "no-new-access"
      ? `FAIL: ${files[1]} may grant access that ${files[0]} does not`
      : `FAIL: ${files[0]} may grant the actions asked about`;
  return [
    head,
    ...result.findings.map((f) => `${result.file}:${f.line}:${f.column}: ${f.path || "(document)"}: ${f.message}\n    fix: ${f.hint}`),
  ].join("\n");
}

/** One matrix of the `access` command: a policy file's, or one KeyPolicy's of a stack export. */
interface MatrixOf {
  /** The file, or the KeyPolicy's resource name. */
  source: string;
  keyArn?: string;
  matrix?: AccessMatrix;
  /** Why there is no matrix (a secret or invalid policy). */
  error?: string;
}

/** `kms-policy access FILE|EXPORT`: exit 0 printed, 2 a file or policy could not be read. */
export function runAccess(args: ParsedArgs, io: Output): number {
  const format = choiceFlag(args.flags, "format", ACCESS_FORMATS, "text");
  const file = args.operands[0];
  let text: string;
  try {
    text = readInput(file);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    io.err(`kms-policy access: ${err.message}`);
    return EXIT.failed;
  }
  const matrices = isStackExport(text) ? exportMatrices(text) : [policyMatrix(file, readPolicyFile(file).text)];
  io.out(renderMatrices(matrices, format));
  for (const m of matrices) if (m.error !== undefined) io.err(`kms-policy access: ${m.source}: ${m.error}`);
  return matrices.some((m) => m.error !== undefined) ? EXIT.failed : EXIT.ok;
}

function isStackExport(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && "deployment" in value;
  } catch {
    return false;
  }
}

function policyMatrix(source: string, policy: string, grants: GrantAccess[] = [], keyArn?: string): MatrixOf {
  try {
    // A policy from a stack export or KMS was accepted by KMS: read it as refresh does.
    return { source, keyArn, matrix: accessOf(policy, { grants, tolerant: keyArn !== undefined }) };
  } catch (err) {
    if (!(err instanceof PolicyValidationError)) throw err;
    return {
      source,
      keyArn,
      error: `not a valid key policy: ${err.problems.map((p) => `${p.path || "(document)"}: ${p.message}`).join("; ")}`,
    };
  }
}

/** The key id of a key ARN or id, so that a KeyPolicy given a key id and a Grant given its ARN meet. */
const keyIdOf = (key: string) => key.slice(key.lastIndexOf("/") + 1);

/** Each KeyPolicy of the export, its matrix with the stack's Grants on the same key added. */
function exportMatrices(text: string): MatrixOf[] {
  const resources = parseStackExport(text);
  const grants = resources.filter((r): r is ManagedGrant => r.kind === "Grant");
  const out: MatrixOf[] = [];
  for (const r of resources) {
    if (r.kind !== "KeyPolicy") continue;
    if (r.policy === undefined) {
      out.push({
        source: r.name,
        keyArn: r.keyArn,
        error: "the policy is a secret in the export (or absent): decrypt the export (pulumi stack export --show-secrets)",
      });
      continue;
    }
    const onKey = grants
      .filter((g) => keyIdOf(g.keyArn) === keyIdOf(r.keyArn))
      .flatMap((g): GrantAccess[] => {
        const grantee = g.granteePrincipal ?? g.granteeServicePrincipal;
        if (!grantee || !g.operations) return [];
        const constraints = g.constraints && Object.keys(g.constraints).length > 0 ? { ...g.constraints } : undefined;
        return [{ granteePrincipal: grantee, operations: g.operations, name: g.name, ...(constraints ? { constraints } : {}) }];
      });
    out.push(policyMatrix(r.name, r.policy, onKey, r.keyArn));
  }
  if (out.length === 0) out.push({ source: "the export", error: `it holds no ${KEY_POLICY_TYPE} resource (only ${GRANT_TYPE} or others)` });
  return out;
}

type AccessFormat = (typeof ACCESS_FORMATS)[number];

function renderMatrices(matrices: MatrixOf[], format: AccessFormat): string {
  if (format === "json") return JSON.stringify({ schemaVersion: 1, policies: matrices }, null, 2);
  const md = format === "markdown";
  const parts: string[] = [];
  for (const m of matrices) {
    const title = `${m.source}${m.keyArn ? ` (${m.keyArn})` : ""}`;
    parts.push(md ? `## ${title}\n` : `${title}:`);
    if (m.error !== undefined || !m.matrix) {
      parts.push(`${md ? "" : "  "}could not show: ${m.error}`, "");
      continue;
    }
    if (md) {
      parts.push("| Principal | Allowed | Under conditions | Denied |", "|---|---|---|---|");
      for (const e of m.matrix.entries) {
        const conditional = e.conditional.map((c) => `${c.actions.join(", ")} (${c.source}: ${c.conditions.join("; ")})`).join("<br>");
        const cell = (s: string) => (s === "" ? "–" : s.replace(/\|/g, "\\|"));
        parts.push(`| ${cell(e.principal)} | ${cell(e.allowed.join(", "))} | ${cell(conditional)} | ${cell(e.denied.join(", "))} |`);
      }
    } else {
      for (const e of m.matrix.entries) {
        parts.push(`  ${e.principal}`);
        if (e.allowed.length) parts.push(`    allowed: ${e.allowed.join(", ")}`);
        for (const c of e.conditional)
          parts.push(`    under conditions (${c.source}): ${c.actions.join(", ")}`, ...c.conditions.map((t) => `      - ${t}`));
        if (e.denied.length) parts.push(`    denied: ${e.denied.join(", ")}`);
      }
    }
    parts.push("", ...m.matrix.notes.map((n) => (md ? `> ${n}` : `note: ${n}`)), "");
  }
  return parts.join("\n").trimEnd();
}
