import {
  PolicyValidationError,
  canonicalPolicyJson,
  diffPolicies,
  formatPolicyDiff,
  validatePolicy,
} from "../policy";
import { EXIT, readInput } from "./io";

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** `kms-policy validate FILE`: every problem with its path, rule and fix; exit 2 if any. */
export function validateCommand(file: string, io: Output, generic: boolean): number {
  const problems = validatePolicy(readInput(file), { keyPolicy: !generic });
  if (problems.length === 0) {
    io.out(`${file}: valid`);
    return EXIT.ok;
  }
  for (const p of problems) io.out(`${file}: ${p.path || "(document)"}: ${p.message} [${p.rule}]\n    fix: ${p.hint}`);
  return EXIT.invalid;
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
