import {
  CONDITION_OPERATORS,
  DOCUMENT_KEYS,
  KMS_POLICY_CHARACTERS,
  KMS_POLICY_MAX_BYTES,
  PRINCIPAL_TYPES,
  STATEMENT_KEYS,
} from "./grammar";
import { isAscii } from "buffer";
import { JsonSyntaxError, keyTable, readJsonText } from "./json";
import { PolicyInput, PolicyProblem } from "./types";
import { engineWork } from "./work";

export interface ParsedPolicy {
  /** The parsed JSON value (not yet known to be a valid document); numbers are JsonNumber. */
  value: unknown;
  /** The text KMS would receive: the input string, or the object serialized. */
  text: string;
  problems: PolicyProblem[];
  /** A string or key of the document holds U+0000 (see statementKey). */
  holdsNul: boolean;
  /**
   * Set when the duplicate-key check was left to the caller (ParseOptions.deferKeyCheck): the
   * number of keys the text holds. validateParsed settles it (json.ts: the duplicate-key protocol).
   */
  uncheckedKeys?: number;
}

export interface ParseOptions {
  /** See JsonReadOptions.deferKeyCheck: for a caller that walks every object of a valid document anyway. */
  deferKeyCheck?: boolean;
  /** Read with the strict reader alone (see JsonReadOptions.native). */
  strictReader?: boolean;
}

/** The names a policy's objects use, shared by every document read. */
const POLICY_KEYS = keyTable([...DOCUMENT_KEYS, ...STATEMENT_KEYS, ...PRINCIPAL_TYPES, ...CONDITION_OPERATORS]);

const scratch = Buffer.allocUnsafe(KMS_POLICY_MAX_BYTES);

/**
 * The UTF-8 size of a text, or its length when that is as good (both within KMS's limit). A
 * character up to U+00FF takes at most two bytes, so a short text of such characters is within
 * the limit whatever it holds; a longer one is copied byte for byte into a buffer kept for it,
 * where a native ASCII check is much faster than counting the bytes.
 */
function utf8Bytes(text: string, outsideLatin1: boolean): number {
  if (!outsideLatin1 && text.length <= KMS_POLICY_MAX_BYTES) {
    if (text.length * 2 <= KMS_POLICY_MAX_BYTES) return text.length;
    if (isAscii(scratch.subarray(0, scratch.write(text, 0, "latin1")))) return text.length;
  }
  return Buffer.byteLength(text, "utf8");
}

/**
 * Parses JSON text (or takes an object) and checks what KMS checks on the raw text: strict JSON,
 * size, characters. `tolerant` reads text KMS already stored: it skips those checks and accepts
 * what only a strict reader refuses (see JsonReadOptions.tolerant).
 */
export function parsePolicy(input: PolicyInput | unknown, tolerant = false): ParsedPolicy {
  return readPolicy(input, tolerant);
}

/**
 * parsePolicy with the engine's own options. Not exported from the package: with
 * `deferKeyCheck`, a duplicate key is found only by validateParsed, so a caller that skipped it
 * would silently lose one of the two.
 */
export function readPolicy(input: PolicyInput | unknown, tolerant = false, options: ParseOptions = {}): ParsedPolicy {
  engineWork.reads++;
  const problems: PolicyProblem[] = [];
  // What KMS receives is the JSON text, so judge an object as that text: properties set to
  // undefined are absent, as they are once serialized.
  let text: string;
  try {
    text = typeof input === "string" ? input : (JSON.stringify(input) ?? "");
  } catch (err) {
    // A cycle, or an object nested deeper than any stack (RangeError): no text KMS could receive.
    const what = err instanceof RangeError ? `lists and objects are nested too deep to serialize` : (err as Error).message;
    problems.push({
      path: "",
      rule: "nesting-too-deep",
      message: `the policy object is not JSON: ${what}`,
      hint: "pass the policy as a plain JSON document",
    });
    return { value: undefined, text: "", problems, holdsNul: false };
  }
  let value: unknown;
  // What the read saw of the text, so that the checks below need not scan it again.
  let ascii = true;
  let outsideLatin1 = false;
  let holdsNul = false;
  let uncheckedKeys: number | undefined;
  try {
    const read = readJsonText(text, {
      // An object's own text is JSON.stringify's, which never repeats a key.
      tolerant: tolerant || typeof input !== "string",
      keys: POLICY_KEYS,
      deferKeyCheck: options.deferKeyCheck === true,
      native: options.strictReader !== true,
    });
    ({ value, ascii, outsideLatin1, holdsNul, uncheckedKeys } = read);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    if (typeof input !== "string")
      value = input; // not JSON-serializable, e.g. undefined: the validator names its type
    else {
      problems.push({ path: err.path, rule: err.rule, message: err.message, hint: err.hint });
      return { value: undefined, text, problems, holdsNul };
    }
  }
  if (tolerant) return { value, text, problems, holdsNul };
  const parsed: ParsedPolicy = { value, text, problems, holdsNul };
  if (uncheckedKeys !== undefined) parsed.uncheckedKeys = uncheckedKeys;
  const bytes = ascii ? text.length : utf8Bytes(text, outsideLatin1);
  if (bytes > KMS_POLICY_MAX_BYTES) {
    problems.push({
      path: "",
      rule: "policy-too-large",
      message: `the policy is ${bytes} bytes; KMS accepts at most ${KMS_POLICY_MAX_BYTES}`,
      hint: "merge statements that share Effect, Principal and Condition, or move grantees to grants",
    });
  }
  if (outsideLatin1 && !KMS_POLICY_CHARACTERS.test(text)) problems.push(invalidCharacter(text));
  return parsed;
}

/** What a pasted document usually holds that KMS refuses, and what to type instead. */
const LOOKALIKES: Record<number, [string, string]> = {
  0x2013: ["an en dash", "-"],
  0x2014: ["an em dash", "-"],
  0x2018: ["a curly single quote", "'"],
  0x2019: ["a curly single quote", "'"],
  0x201c: ["a curly double quote", '"'],
  0x201d: ["a curly double quote", '"'],
  0x2026: ["an ellipsis", "..."],
  0x200b: ["a zero-width space", "nothing"],
};

/** The first character KMS refuses, named, with its line and column (1-based, UTF-16 units, as the command reports places). */
function invalidCharacter(text: string): PolicyProblem {
  let index = 0;
  while (index < text.length && KMS_POLICY_CHARACTERS.test(text[index])) index++;
  const code = text.codePointAt(index) ?? 0;
  const before = text.slice(0, index);
  const line = before.split("\n").length;
  const column = index - before.lastIndexOf("\n");
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  const [name, typed] = LOOKALIKES[code] ?? [undefined, undefined];
  return {
    path: "",
    rule: "invalid-character",
    message: `the policy contains U+${hex}${name ? ` (${name})` : ""}, which KMS refuses (it accepts tab, LF, CR and U+0020 to U+00FF), at line ${line}, column ${column}`,
    hint: typed
      ? `type ${typed === "nothing" ? "nothing there (delete it)" : typed} instead; such characters come from pasting out of a document or web page`
      : "replace the character with one KMS accepts",
  };
}
