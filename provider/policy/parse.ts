import { KMS_POLICY_CHARACTERS, KMS_POLICY_MAX_BYTES } from "./grammar";
import { PolicyInput, PolicyProblem } from "./types";

export interface ParsedPolicy {
  /** The parsed JSON value (not yet known to be a valid document). */
  value: unknown;
  /** The text KMS would receive: the input string, or the object serialized. */
  text: string;
  problems: PolicyProblem[];
}

/** Parses JSON text (or takes an object) and checks what KMS checks on the raw text: size, characters. */
export function parsePolicy(input: PolicyInput | unknown): ParsedPolicy {
  const problems: PolicyProblem[] = [];
  let value: unknown;
  let text: string;
  if (typeof input === "string") {
    text = input;
    try {
      value = JSON.parse(input);
    } catch (err) {
      problems.push({
        path: "",
        rule: "invalid-json",
        message: `the policy is not valid JSON: ${(err as Error).message}`,
        hint: "check for a missing comma, brace or quote; `kms-policy validate FILE` shows the position",
      });
      return { value: undefined, text, problems };
    }
  } else {
    // What KMS receives is the JSON text, so judge the object as that text: properties set to
    // undefined are absent, as they are once serialized.
    text = JSON.stringify(input) ?? "";
    value = text === "" ? input : JSON.parse(text);
  }
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > KMS_POLICY_MAX_BYTES) {
    problems.push({
      path: "",
      rule: "policy-too-large",
      message: `the policy is ${bytes} bytes; KMS accepts at most ${KMS_POLICY_MAX_BYTES}`,
      hint: "merge statements that share Effect, Principal and Condition, or move grantees to grants",
    });
  }
  if (!KMS_POLICY_CHARACTERS.test(text)) {
    const bad = [...text].find((c) => !KMS_POLICY_CHARACTERS.test(c)) ?? "";
    const code = bad.codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0");
    problems.push({
      path: "",
      rule: "invalid-character",
      message: `the policy contains U+${code}, which KMS refuses (it accepts tab, LF, CR and U+0020 to U+00FF)`,
      hint: "replace the character, or write it as a JSON escape only if it is inside a string value KMS accepts",
    });
  }
  return { value, text, problems };
}
