/** `kms-policy normalize` and `kms-policy diff`: read policies, print the canonical form or the difference. */
// From the engine's own modules rather than its index, which would load the lint and the access checks too.
import { EngineOptions, canonicalPolicyJson } from "../policy/normalize";
import { PolicyValidationError, validatePolicy } from "../policy/validate";
import { diffPolicies } from "../policy/diff";
import { formatPolicyDiff } from "../policy/format";
import { lockoutProblem } from "../policy/lockout";
import { parsePolicy } from "../policy/parse";
import { ParsedArgs, choiceFlag } from "./args";
import { DIFF_FORMATS, LOCKOUT_OPT_OUT } from "./commands";
import { EXIT, InputError, Output, readPolicyFile } from "./io";

/** How `normalize` and `diff` read their files; `validate` takes the same `generic`. */
export interface ReadOptions {
  /** Generic mode (the grammar alone, e.g. IAM identity policies); default key-policy mode, as validate. */
  generic: boolean;
  /**
   * Read the files as policies KMS returned (`aws kms get-key-policy`): not validated, since KMS
   * accepted them, and compared as well as they can be, as refresh and `kms-policy drift` do.
   */
  tolerant: boolean;
  /** Leave out the lockout check (`--bypass-policy-lockout-safety-check`), as validate does. */
  bypassLockout: boolean;
}

const readOptions = (args: ParsedArgs): ReadOptions => ({
  generic: args.flags.generic === true,
  tolerant: args.flags.tolerant === true,
  bypassLockout: args.flags["bypass-policy-lockout-safety-check"] === true,
});
const engineOptions = (options: ReadOptions): EngineOptions => ({ keyPolicy: !options.generic, tolerant: options.tolerant });

/**
 * Each file's policy (unwrapped from `aws kms get-key-policy`'s output), or undefined after saying
 * on stderr, under the file's name, why it could not be read or is invalid (the lockout included,
 * unless bypassed or generic). A tolerant read validates nothing, but text that is not JSON is still unreadable.
 */
function readAll(files: string[], io: Output, options: ReadOptions): string[] | undefined {
  let ok = true;
  const texts = files.map((name) => {
    let text: string;
    try {
      text = readPolicyFile(name).text;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      io.err(err.message);
      ok = false;
      return "";
    }
    let problems = options.tolerant ? unreadable(text) : validatePolicy(text, { keyPolicy: !options.generic });
    // A policy about to be written that KMS would refuse for the lockout is as invalid as one it refuses
    // for its grammar (validate and KeyPolicy's check say so too); one KMS returned (--tolerant) was accepted.
    if (problems.length === 0 && !options.tolerant && !options.generic && !options.bypassLockout) {
      const lockout = lockoutProblem(text, LOCKOUT_OPT_OUT);
      if (lockout) problems = [lockout];
    }
    if (problems.length > 0) {
      io.err(new PolicyValidationError(problems, name).message);
      ok = false;
    }
    return text;
  });
  return ok ? texts : undefined;
}

/** What stops even a tolerant read: the text is not JSON (the engine then has no document). */
function unreadable(text: string) {
  const parsed = parsePolicy(text, true);
  return parsed.value === undefined ? parsed.problems : [];
}

/** `kms-policy normalize FILE`: the canonical JSON; exit 2 with the problems for an unreadable or invalid file. */
export function runNormalize(args: ParsedArgs, io: Output): number {
  const options = readOptions(args);
  const texts = readAll(args.operands, io, options);
  if (!texts) return EXIT.failed;
  io.out(canonicalPolicyJson(texts[0], engineOptions(options)));
  return EXIT.ok;
}

/** `kms-policy diff A B`: exit 0 equivalent, 1 different (with the diff on stdout), 2 could not compare. */
export function runDiff(args: ParsedArgs, io: Output): number {
  const format = choiceFlag(args.flags, "format", DIFF_FORMATS, "text");
  const options = readOptions(args);
  const [before, after] = args.operands;
  const texts = readAll([before, after], io, options);
  if (!texts) return EXIT.failed;
  const diff = diffPolicies(texts[0], texts[1], engineOptions(options));
  if (diff.equivalent) {
    io.out(`${before} and ${after} are equivalent`);
    return EXIT.ok;
  }
  io.out(formatPolicyDiff(diff, { format, title: `${after} differs from ${before}` }));
  return EXIT.findings;
}
