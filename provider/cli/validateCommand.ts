/** `kms-policy validate FILE...` (also `lint`): every finding of every file, in the chosen format. */
// The lint and the lockout check from their own modules, not the engine's index: the command starts
// faster without the modules it does not run (the access checks, the diff formatter).
import { LintFinding, LintSuppression, SEVERITIES, lintParsed, parseSuppressions } from "../policy/lint";
import { normalizedLockoutProblem } from "../policy/lockout";
import { normalizeParsed } from "../policy/normalize";
import { parsePolicy } from "../policy/parse";
import { ACCOUNT_ID } from "../policy/grammar";
import { ParsedArgs, UsageError, choiceFlag, stringFlag } from "./args";
import { LINT_FORMATS, LOCKOUT_OPT_OUT } from "./commands";
import { InputError, Output, packageVersion, readPolicyFile } from "./io";
import { jsonLocations } from "./jsonLocations";
import { FileFindings, lintExitCode, locateFindings, renderLint } from "./lintReport";

export interface ValidateOptions {
  /** Grammar only: no key-policy rules (for IAM identity or trust policies). */
  generic: boolean;
  /** Sid:rule pairs left out, as the stack setting kms-policy:ignore. */
  ignore: LintSuppression[];
  /** The account that owns the key (as a KeyPolicy learns it from a key ARN), for the cross-account rules. */
  account?: string;
  /** Leave out the lockout check (`--bypass-policy-lockout-safety-check`). */
  bypassLockout: boolean;
}

export function run(args: ParsedArgs, io: Output): number {
  const { flags } = args;
  const format = choiceFlag(flags, "format", LINT_FORMATS, "text");
  const failOn = choiceFlag(flags, "fail-on", SEVERITIES, "security");
  // Each --ignore is one entry, so that a Sid may hold the commas the setting's string form splits at.
  const ignore = parseSuppressions((flags.ignore as string[] | undefined) ?? [], "flag");
  if (ignore.problems.length > 0) throw new UsageError(`--ignore takes one Sid:rule pair each: ${ignore.problems.join("; ")}`);
  const account = stringFlag(flags, "account");
  if (account !== undefined && !ACCOUNT_ID.test(account))
    throw new UsageError(`--account must be a 12-digit AWS account id, not "${account}"`);
  const options: ValidateOptions = {
    generic: flags.generic === true,
    ignore: ignore.suppressions,
    account,
    bypassLockout: flags["bypass-policy-lockout-safety-check"] === true,
  };
  const used = new Set<LintSuppression>();
  const results = args.operands.map((file) => checkFile(file, options, used));
  io.out(renderLint(results, format, packageVersion()));
  for (const entry of ignore.suppressions)
    if (!used.has(entry)) io.err(`kms-policy validate: --ignore "${entry.sid}:${entry.rule}" suppressed nothing in any file`);
  return lintExitCode(results, failOn);
}

/** One file's findings, or why it could not be checked; the --ignore entries that left a finding out go to `used`. */
export function checkFile(file: string, options: ValidateOptions, used: Set<LintSuppression>): FileFindings {
  let read;
  try {
    read = readPolicyFile(file);
  } catch (err) {
    if (err instanceof InputError) return { file, findings: [], error: err.reason };
    throw err;
  }
  // Read once: the lint and the lockout check share what was read.
  const parsed = parsePolicy(read.text);
  const report = lintParsed(parsed, { keyPolicy: !options.generic, ignore: options.ignore, account: options.account });
  for (const s of report.suppressed) used.add(s.by);
  const findings: LintFinding[] = report.findings;
  // No error finding: the grammar accepts the document, so it needs no second validation to be normalized.
  if (!options.generic && !options.bypassLockout && !findings.some((f) => f.severity === "error")) {
    const lockout = normalizedLockoutProblem(normalizeParsed(parsed, {}, false).policy, LOCKOUT_OPT_OUT);
    if (lockout) findings.unshift({ ...lockout, severity: "error" });
  }
  // A policy unwrapped from get-key-policy's output: its lines are not the file's, so point at the Policy string.
  const at = read.wrapping === undefined ? undefined : (jsonLocations(read.raw).get("Policy") ?? { line: 1, column: 1 });
  return { file, findings: locateFindings(read.text, findings, at), suppressed: report.suppressed.length };
}
