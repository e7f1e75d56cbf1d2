/** `kms-policy normalize` and `kms-policy diff`: read policies, print the canonical form or the difference. */
// From the engine's own modules rather than its index, which would load the lint and the access checks too.
import { EngineOptions, Normalized, canonicalJson, normalizeDocument } from "../policy/normalize";
import { PolicyValidationError } from "../policy/validate";
import { diffNormalized } from "../policy/diff";
import { formatPolicyDiff } from "../policy/format";
import { normalizedLockoutProblem } from "../policy/lockout";
import { PolicyProblem } from "../policy/types";
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
 * Each file's policy (unwrapped from `aws kms get-key-policy`'s output) in canonical form, with its
 * written form when `withWritten` (what the diff shows), or undefined after saying on stderr, under
 * the file's name, why it could not be read or is invalid (the lockout included, unless bypassed or
 * generic). A tolerant read validates nothing, but text that is not JSON is still unreadable. Each
 * text is read, validated and normalized once: the lockout check and the result share the form.
 */
function readAll(files: string[], io: Output, options: ReadOptions, withWritten: boolean): Normalized[] | undefined {
  let ok = true;
  const forms = files.map((name): Normalized | undefined => {
    let text: string;
    try {
      text = readPolicyFile(name).text;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      io.err(err.message);
      ok = false;
      return undefined;
    }
    let problems: PolicyProblem[];
    let form: Normalized | undefined;
    try {
      form = normalizeDocument(text, engineOptions(options), withWritten);
      problems = [];
    } catch (err) {
      if (!(err instanceof PolicyValidationError)) throw err;
      problems = err.problems;
    }
    // A policy about to be written that KMS would refuse for the lockout is as invalid as one it refuses
    // for its grammar (validate and KeyPolicy's check say so too); one KMS returned (--tolerant) was accepted.
    if (form && !options.tolerant && !options.generic && !options.bypassLockout) {
      const lockout = normalizedLockoutProblem(form.policy, LOCKOUT_OPT_OUT);
      if (lockout) problems = [lockout];
    }
    if (problems.length > 0) {
      io.err(new PolicyValidationError(problems, name).message);
      ok = false;
    }
    return form;
  });
  return ok ? (forms as Normalized[]) : undefined;
}

/** `kms-policy normalize FILE`: the canonical JSON; exit 2 with the problems for an unreadable or invalid file. */
export function runNormalize(args: ParsedArgs, io: Output): number {
  const options = readOptions(args);
  const forms = readAll(args.operands, io, options, false);
  if (!forms) return EXIT.failed;
  io.out(canonicalJson(forms[0].policy));
  return EXIT.ok;
}

/** `kms-policy diff A B`: exit 0 equivalent, 1 different (with the diff on stdout), 2 could not compare. */
export function runDiff(args: ParsedArgs, io: Output): number {
  const format = choiceFlag(args.flags, "format", DIFF_FORMATS, "text");
  const options = readOptions(args);
  const [before, after] = args.operands;
  const forms = readAll([before, after], io, options, true);
  if (!forms) return EXIT.failed;
  const diff = diffNormalized(forms[0], forms[1]);
  if (diff.equivalent) {
    io.out(`${before} and ${after} are equivalent`);
    return EXIT.ok;
  }
  io.out(formatPolicyDiff(diff, { format, title: `${after} differs from ${before}` }));
  return EXIT.findings;
}
