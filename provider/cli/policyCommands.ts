import {
  LintSuppression,
  PolicyValidationError,
  Severity,
  atLeast,
  canonicalPolicyJson,
  diffPolicies,
  formatPolicyDiff,
  lintPolicy,
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
}

/**
 * `kms-policy validate FILE...`: every finding of every file, in the chosen format. Exit 2 if a
 * file has an `error` (KMS would refuse it), else 1 if a finding reaches `failOn`, else 0.
 */
export function validateCommand(files: string[], io: Output, options: ValidateOptions): number {
  const results = files.map((file) => {
    const text = readInput(file);
    return locateFindings(file, text, lintPolicy(text, { keyPolicy: !options.generic, ignore: options.ignore }));
  });
  io.out(renderLint(results, options.format, packageVersion()));
  const all = results.flatMap((r) => r.findings);
  if (all.some((f) => f.severity === "error")) return EXIT.invalid;
  return all.some((f) => atLeast(f.severity, options.failOn)) ? EXIT.different : EXIT.ok;
}

/** `kms-policy normalize FILE`: the canonical JSON. */
export function normalizeCommand(file: string, io: Output): number {
  io.out(canonicalPolicyJson(readInput(file)));
  return EXIT.ok;
}

/** `kms-policy diff A B`: exit 0 equivalent, 1 different (with the diff on stdout). */
export function diffCommand(before: string, after: string, io: Output, format: "text" | "markdown"): number {
  const texts: Array<[string, string]> = [before, after].map((name) => [name, readInput(name)]);
  let invalid = false;
  for (const [name, text] of texts) {
    const problems = validatePolicy(text, { keyPolicy: false });
    if (problems.length > 0) {
      io.err(new PolicyValidationError(problems, name).message);
      invalid = true;
    }
  }
  if (invalid) return EXIT.invalid;
  const diff = diffPolicies(texts[0][1], texts[1][1]);
  if (diff.equivalent) {
    io.out(`${before} and ${after} are equivalent`);
    return EXIT.ok;
  }
  io.out(formatPolicyDiff(diff, { format, title: `${after} differs from ${before}` }));
  return EXIT.different;
}
