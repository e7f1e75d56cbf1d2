import {
  EngineOptions,
  LintSuppression,
  PolicyValidationError,
  Severity,
  atLeast,
  canonicalPolicyJson,
  diffPolicies,
  formatPolicyDiff,
  lintPolicy,
  parsePolicy,
  validatePolicy,
} from "../policy";
import { EXIT, packageVersion, readInput } from "./io";
import { LintFormat, locateFindings, renderLint } from "./lintReport";

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export interface ValidateOptions {
  /** Grammar only: no key-policy rules (for IAM identity or trust policies). */
  generic: boolean;
  format: LintFormat;
  /** Findings this bad or worse fail the run (exit 1); `error` findings always exit 2. */
  failOn: Severity;
  /** Sid:rule pairs left out, as the stack setting kms-policy:ignore. */
  ignore?: LintSuppression[];
  /** The account that owns the key (as a KeyPolicy learns it from a key ARN), for the cross-account rules. */
  account?: string;
}

/** How `normalize` and `diff` read their files; `validate` takes the same `generic`. */
export interface ReadOptions {
  /** Generic mode (the grammar alone, e.g. IAM identity policies); default key-policy mode, as validate. */
  generic: boolean;
  /**
   * Read the files as policies KMS returned (`aws kms get-key-policy`): not validated, since KMS
   * accepted them, and compared as well as they can be, as refresh and `kms-policy drift` do.
   */
  tolerant: boolean;
}

const engineOptions = (options: ReadOptions): EngineOptions => ({ keyPolicy: !options.generic, tolerant: options.tolerant });

/**
 * The files' validation problems on stderr, each under its file name; true when there were any.
 * A tolerant read validates nothing, but text that is not JSON is still unreadable: that is
 * reported here too, so that the message names the file.
 */
function reportInvalid(texts: Array<[string, string]>, io: Output, options: ReadOptions): boolean {
  let invalid = false;
  for (const [name, text] of texts) {
    const problems = options.tolerant ? unreadable(text) : validatePolicy(text, { keyPolicy: !options.generic });
    if (problems.length > 0) {
      io.err(new PolicyValidationError(problems, name).message);
      invalid = true;
    }
  }
  return invalid;
}

/** What stops even a tolerant read: the text is not JSON (the engine then has no document). */
function unreadable(text: string) {
  const parsed = parsePolicy(text, true);
  return parsed.value === undefined ? parsed.problems : [];
}

/**
 * `kms-policy validate FILE...`: every finding of every file, in the chosen format. Exit 2 if a
 * file has an `error` (KMS would refuse it), else 1 if a finding reaches `failOn`, else 0.
 */
export function validateCommand(files: string[], io: Output, options: ValidateOptions): number {
  const results = files.map((file) => {
    const text = readInput(file);
    return locateFindings(file, text, lintPolicy(text, { keyPolicy: !options.generic, ignore: options.ignore, account: options.account }));
  });
  io.out(renderLint(results, options.format, packageVersion()));
  const all = results.flatMap((r) => r.findings);
  if (all.some((f) => f.severity === "error")) return EXIT.invalid;
  return all.some((f) => atLeast(f.severity, options.failOn)) ? EXIT.different : EXIT.ok;
}

/** `kms-policy normalize FILE`: the canonical JSON; exit 2 with the problems for an invalid file. */
export function normalizeCommand(file: string, io: Output, options: ReadOptions): number {
  const text = readInput(file);
  if (reportInvalid([[file, text]], io, options)) return EXIT.invalid;
  io.out(canonicalPolicyJson(text, engineOptions(options)));
  return EXIT.ok;
}

/** `kms-policy diff A B`: exit 0 equivalent, 1 different (with the diff on stdout), 2 invalid. */
export function diffCommand(before: string, after: string, io: Output, format: "text" | "markdown", options: ReadOptions): number {
  const texts: Array<[string, string]> = [before, after].map((name) => [name, readInput(name)]);
  if (reportInvalid(texts, io, options)) return EXIT.invalid;
  const diff = diffPolicies(texts[0][1], texts[1][1], engineOptions(options));
  if (diff.equivalent) {
    io.out(`${before} and ${after} are equivalent`);
    return EXIT.ok;
  }
  io.out(formatPolicyDiff(diff, { format, title: `${after} differs from ${before}` }));
  return EXIT.different;
}
