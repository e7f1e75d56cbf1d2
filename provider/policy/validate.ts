import {
  ACCOUNT_ID,
  ACCOUNT_PLACEHOLDER,
  ACTION_PATTERN,
  AWS_PRINCIPAL_ARN,
  AWS_UNIQUE_ID,
  CONDITION_OPERATORS,
  DOCUMENT_KEYS,
  POLICY_VERSIONS,
  PRINCIPAL_TYPES,
  SERVICE_PRINCIPAL,
  STATEMENT_KEYS,
  VALID_AWS_PRINCIPAL,
  closest,
} from "./grammar";
import { JsonNumber, countKeys, isJsonObject as isObject, keyLost } from "./json";
import { joinPath as join } from "./path";
import { ParsedPolicy, readPolicy } from "./parse";
import { PolicyInput, PolicyProblem, ProblemRule } from "./types";
import { engineWork } from "./work";

export interface ValidateOptions {
  /**
   * Key-policy mode (the default of every function of the engine): also apply the rule only key
   * policies have, that every statement names a Principal (or NotPrincipal). `false` is generic
   * mode, the policy grammar alone, e.g. for IAM identity policies compared with the same engine.
   */
  keyPolicy?: boolean;
}

/** Thrown by the engine's functions when a document is invalid; `problems` says why. */
export class PolicyValidationError extends Error {
  readonly problems: PolicyProblem[];
  constructor(problems: PolicyProblem[], subject = "policy") {
    super(
      `${subject} is invalid:\n` +
        problems.map((p) => `  - ${p.path || "(document)"}: ${p.message} (${p.rule}). Fix: ${p.hint}`).join("\n"),
    );
    this.name = "PolicyValidationError";
    this.problems = problems;
  }
}

type Obj = Record<string, unknown>;

/** Statement elements that take a string or a list of strings, checked in this order. */
const LIST_KEYS = ["Action", "NotAction", "Resource", "NotResource"] as const;
const PRINCIPAL_KEYS = ["Principal", "NotPrincipal"] as const;

/** The path of a list's item: `parent.key[i]`, or `parent.key` for a lone string (i undefined). */
const itemPath = (parent: string, key: string, i: number | undefined): string =>
  i === undefined ? join(parent, key) : `${join(parent, key)}[${i}]`;

/** The last index before `end` that holds `value`. */
function lastIndexBefore(values: string[], value: string, end: number): number {
  for (let i = end - 1; i >= 0; i--) if (values[i] === value) return i;
  return -1;
}

const isScalar = (v: unknown): boolean =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v instanceof JsonNumber;

const typeName = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : v instanceof JsonNumber ? "number" : typeof v);

/**
 * Lists everything wrong with a policy document: JSON syntax, KMS's size and character limits,
 * element types, unknown keys, exclusive pairs (Action/NotAction...), Effect, Version, principal,
 * action and condition-operator syntax. An empty list means KMS's grammar accepts the document.
 */
export function validatePolicy(input: PolicyInput | unknown, options: ValidateOptions = {}): PolicyProblem[] {
  return validateParsed(readPolicy(input, false, { deferKeyCheck: true }), options);
}

/**
 * validatePolicy for a document parsePolicy has already read (the engine parses each input once).
 * When the read left the duplicate-key check to it (ParsedPolicy.uncheckedKeys), it settles it as
 * json.ts's duplicate-key protocol says: a valid document's walk has met every object, so it knows
 * their keys; otherwise it counts them. A lost key sends the text to the strict reader alone, which
 * says where the duplicate is.
 */
export function validateParsed(parsed: ParsedPolicy, options: ValidateOptions = {}): PolicyProblem[] {
  engineWork.validations++;
  const problems = [...parsed.problems];
  if (parsed.value === undefined && problems.length > 0) return problems;
  const validator = new Validator(problems, options.keyPolicy ?? true);
  validator.document(parsed.value);
  const keysInValue = () => (problems.length === 0 ? validator.keys : countKeys(parsed.value));
  if (keyLost(parsed.uncheckedKeys, keysInValue)) return validateParsed(readPolicy(parsed.text, false, { strictReader: true }), options);
  return problems;
}

/**
 * For tests: the quick check of one statement (the keys of its objects, or -1: see
 * Validator.quick) and the problems the full checks find in it.
 */
export function checkStatementBothWays(statement: unknown, keyPolicy = true): { quick: number; problems: PolicyProblem[] } {
  const problems: PolicyProblem[] = [];
  const validator = new Validator(problems, keyPolicy);
  return { quick: validator.quickStatement(statement), problems: (validator.fullStatement(statement), problems) };
}

/** Throws PolicyValidationError unless the document is valid. */
export function assertValidPolicy(input: PolicyInput | unknown, options: ValidateOptions = {}, subject?: string): void {
  const problems = validatePolicy(input, options);
  if (problems.length > 0) throw new PolicyValidationError(problems, subject);
}

/** Which elements a statement holds, one bit each (see Validator.quick). */
const HAS = {
  Sid: 1,
  Effect: 2,
  Principal: 4,
  NotPrincipal: 8,
  Action: 16,
  NotAction: 32,
  Resource: 64,
  NotResource: 128,
  Condition: 256,
} as const;

/** A string or a non-empty list of strings, every one non-empty and passing `test` (when given). */
function quickList(value: unknown, test?: RegExp): boolean {
  if (typeof value === "string") return value !== "" && (test === undefined || test.test(value));
  if (!Array.isArray(value) || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== "string" || item === "" || (test !== undefined && !test.test(item))) return false;
  }
  return true;
}

/** Keys of a valid principal's object (0 for `"*"`), or -1 when it may not be valid. */
function quickPrincipal(value: unknown): number {
  if (value === "*") return 0;
  if (!isObject(value)) return -1;
  let keys = 0;
  for (const type in value) {
    keys++;
    const list = value[type];
    if (type === "AWS") {
      if (!quickList(list, VALID_AWS_PRINCIPAL)) return -1;
    } else if (type === "Service") {
      if (!quickList(list, SERVICE_PRINCIPAL)) return -1;
    } else if (type === "Federated" || type === "CanonicalUser") {
      if (!quickList(list)) return -1;
    } else return -1;
  }
  return keys === 0 ? -1 : keys;
}

/** Keys of a valid Condition's objects, or -1 when it may not be valid. */
function quickCondition(value: unknown): number {
  if (!isObject(value)) return -1;
  let keys = 0;
  for (const operator in value) {
    keys++;
    const block = value[operator];
    if (!CONDITION_OPERATORS.has(operator) || !isObject(block)) return -1;
    let previous: string | undefined;
    let count = 0;
    for (const key in block) {
      if (key === "") return -1;
      // Keys that differ only in case are one key given twice; a block of more than two keys is
      // left to the full checks, which compare every pair. No shortcut by length: lower-casing can
      // change it ("\u0130" is "i\u0307").
      if (previous !== undefined && (count > 1 || previous.toLowerCase() === key.toLowerCase())) return -1;
      previous = key;
      count++;
      const values = block[key];
      if (!isScalar(values)) {
        if (!Array.isArray(values) || values.length === 0) return -1;
        for (let i = 0; i < values.length; i++) if (!isScalar(values[i])) return -1;
      }
    }
    keys += count;
  }
  return keys;
}

class Validator {
  /** Keys of the objects a valid document holds, counted on the way (see validateParsed). */
  keys = 0;

  constructor(
    private readonly problems: PolicyProblem[],
    private readonly keyPolicy: boolean,
  ) {}

  /**
   * A statement that is certainly valid, checked without making a path or a message: the number
   * of keys of its objects; -1 when it may not be valid, and the full checks (which name every
   * problem) must look at it. Accepts only what those checks accept.
   */
  quickStatement(s: unknown): number {
    if (!isObject(s)) return -1;
    let has = 0;
    let keys = 0;
    for (const key in s) {
      keys++;
      const value = s[key];
      switch (key) {
        case "Sid":
          if (typeof value !== "string") return -1;
          break;
        case "Effect":
          if (value !== "Allow" && value !== "Deny") return -1;
          break;
        case "Action":
        case "NotAction":
          if (!quickList(value, ACTION_PATTERN)) return -1;
          break;
        case "Resource":
        case "NotResource":
          if (!quickList(value)) return -1;
          break;
        case "Principal":
        case "NotPrincipal": {
          const n = quickPrincipal(value);
          if (n < 0) return -1;
          keys += n;
          break;
        }
        case "Condition": {
          const n = quickCondition(value);
          if (n < 0) return -1;
          keys += n;
          break;
        }
        default:
          return -1;
      }
      has |= HAS[key];
    }
    if (!(has & HAS.Effect)) return -1;
    const both = (a: number, b: number) => (has & a) !== 0 && (has & b) !== 0;
    if (both(HAS.Action, HAS.NotAction) || both(HAS.Resource, HAS.NotResource) || both(HAS.Principal, HAS.NotPrincipal)) return -1;
    if (this.keyPolicy && !(has & (HAS.Principal | HAS.NotPrincipal))) return -1;
    return keys;
  }

  /** The full checks of one statement alone. */
  fullStatement(s: unknown): void {
    this.statement(s, "Statement[0]");
  }

  /** A statement: the quick check, and the full checks unless it passed. */
  private check(s: unknown, at: () => string): void {
    const quick = this.quickStatement(s);
    if (quick >= 0) {
      this.keys += quick;
      return;
    }
    this.keys += countKeys(s);
    this.statement(s, at());
  }

  private report(path: string, rule: ProblemRule, message: string, hint: string): void {
    this.problems.push({ path, rule, message, hint });
  }

  private unknownKeys(value: Obj, allowed: readonly string[], at: string): void {
    for (const key of Object.keys(value)) {
      if (allowed.includes(key)) continue;
      const suggestion = closest(key, allowed);
      this.report(
        join(at, key),
        "unknown-key",
        `"${key}" is not a policy ${at ? "statement" : "document"} element`,
        suggestion ? `did you mean "${suggestion}"?` : `use only ${allowed.join(", ")}`,
      );
    }
  }

  document(doc: unknown): void {
    if (!isObject(doc)) {
      this.report(
        "",
        "invalid-type",
        `a policy must be a JSON object, not ${typeName(doc)}`,
        'write {"Version": "2012-10-17", "Statement": [...]}',
      );
      return;
    }
    this.unknownKeys(doc, DOCUMENT_KEYS, "");
    for (const _key in doc) this.keys++;
    if ("Version" in doc && !(POLICY_VERSIONS as readonly unknown[]).includes(doc.Version)) {
      this.report(
        "Version",
        "invalid-version",
        `Version ${JSON.stringify(doc.Version)} is not a policy language version`,
        'use "2012-10-17"',
      );
    }
    if ("Id" in doc && typeof doc.Id !== "string") {
      this.report("Id", "invalid-type", `Id must be a string, not ${typeName(doc.Id)}`, "quote the Id or remove it");
    }
    if (!("Statement" in doc)) {
      this.report("Statement", "missing-element", "the policy has no Statement", "add a Statement list");
      return;
    }
    const statements = doc.Statement;
    if (Array.isArray(statements)) {
      if (statements.length === 0)
        this.report(
          "Statement",
          "empty-value",
          "the Statement list is empty; KMS refuses a policy without statements",
          "add at least one statement",
        );
      for (let i = 0; i < statements.length; i++) this.check(statements[i], () => `Statement[${i}]`);
    } else if (isObject(statements)) {
      this.check(statements, () => "Statement");
    } else {
      this.report(
        "Statement",
        "invalid-type",
        `Statement must be an object or a list of objects, not ${typeName(statements)}`,
        "wrap the statements in a list: [ {...}, {...} ]",
      );
    }
  }

  private statement(s: unknown, at: string): void {
    if (!isObject(s)) {
      this.report(
        at,
        "invalid-type",
        `a statement must be an object, not ${typeName(s)}`,
        'write each statement as { "Effect": ..., "Action": ... }',
      );
      return;
    }
    this.unknownKeys(s, STATEMENT_KEYS, at);
    if ("Sid" in s && typeof s.Sid !== "string") {
      this.report(join(at, "Sid"), "invalid-type", `Sid must be a string, not ${typeName(s.Sid)}`, "quote the Sid");
    }
    if (!("Effect" in s)) {
      this.report(join(at, "Effect"), "missing-element", "the statement has no Effect", 'add "Effect": "Allow" or "Effect": "Deny"');
    } else if (s.Effect !== "Allow" && s.Effect !== "Deny") {
      const hint =
        typeof s.Effect === "string" && /^(allow|deny)$/i.test(s.Effect)
          ? `write "${s.Effect[0].toUpperCase()}${s.Effect.slice(1).toLowerCase()}" (Effect is case-sensitive)`
          : 'use "Allow" or "Deny"';
      this.report(join(at, "Effect"), "invalid-effect", `Effect ${JSON.stringify(s.Effect)} is neither "Allow" nor "Deny"`, hint);
    }
    // A statement without Action or Resource has no effect, but PutKeyPolicy accepts it.
    this.exclusivePair(s, at, "Action", "NotAction", false);
    this.exclusivePair(s, at, "Resource", "NotResource", false);
    this.exclusivePair(s, at, "Principal", "NotPrincipal", this.keyPolicy);
    // Paths are made only for a problem: a valid document, the common case, needs none.
    for (const key of LIST_KEYS) if (key in s) this.actionsOrResources(s[key], at, key);
    for (const key of PRINCIPAL_KEYS) if (key in s) this.principal(s[key], at, key);
    if ("Condition" in s) this.condition(s.Condition, at);
  }

  private exclusivePair(s: Obj, at: string, positive: string, negative: string, required: boolean): void {
    const hasPositive = positive in s;
    const hasNegative = negative in s;
    if (hasPositive && hasNegative) {
      this.report(
        join(at, negative),
        "exclusive-elements",
        `a statement cannot have both ${positive} and ${negative}`,
        `keep one of ${positive} and ${negative}`,
      );
    } else if (required && !hasPositive && !hasNegative) {
      this.report(
        join(at, positive),
        "missing-element",
        `the statement has neither ${positive} nor ${negative}; a key policy statement must name who it applies to`,
        `add "Principal": {"AWS": "arn:aws:iam::${ACCOUNT_PLACEHOLDER}:root"}`,
      );
    }
  }

  /**
   * A string or a non-empty list of non-empty strings, at `join(parent, key)`; calls `each` with
   * every string and its index in the list (undefined for a lone string).
   */
  private stringList(
    value: unknown,
    parent: string,
    key: string,
    what: string,
    each?: (item: string, i: number | undefined) => void,
  ): void {
    if (typeof value === "string") {
      if (value === "")
        this.report(join(parent, key), "empty-value", `an empty string is not a ${what}`, `write a ${what} or remove the element`);
      else if (each) each(value, undefined);
      return;
    }
    if (!Array.isArray(value)) {
      this.report(
        join(parent, key),
        "invalid-type",
        `expected a ${what} or a list of them, not ${typeName(value)}`,
        `write "${what}" or ["...", "..."]`,
      );
      return;
    }
    if (value.length === 0) {
      this.report(join(parent, key), "empty-value", `an empty list names no ${what}`, "list at least one value or remove the element");
    }
    // The list's own problems come first, then those `each` finds, in list order.
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== "string") {
        this.report(itemPath(parent, key, i), "invalid-type", `expected a ${what} string, not ${typeName(item)}`, "quote the value");
      } else if (item === "") {
        this.report(itemPath(parent, key, i), "empty-value", `an empty string is not a ${what}`, "remove it from the list");
      }
    }
    if (each) for (let i = 0; i < value.length; i++) if (typeof value[i] === "string" && value[i] !== "") each(value[i] as string, i);
  }

  private actionsOrResources(value: unknown, at: string, key: (typeof LIST_KEYS)[number]): void {
    if (key === "Resource" || key === "NotResource") return this.stringList(value, at, key, 'resource ARN or "*"');
    this.stringList(value, at, key, "action", (action, i) => {
      if (!ACTION_PATTERN.test(action)) {
        this.report(
          itemPath(at, key, i),
          "invalid-action",
          `"${action}" is not an action name`,
          'write "service:Action", e.g. "kms:Decrypt", or "kms:*"',
        );
      }
    });
  }

  private principal(value: unknown, parent: string, key: string): void {
    if (value === "*") return;
    if (!isObject(value)) {
      this.report(
        join(parent, key),
        "invalid-principal",
        `a principal must be "*" or an object such as {"AWS": [...]}, not ${JSON.stringify(value)}`,
        `write {"AWS": "arn:aws:iam::${ACCOUNT_PLACEHOLDER}:role/name"} or {"Service": "logs.amazonaws.com"}`,
      );
      return;
    }
    const types = Object.keys(value);
    if (types.length === 0) {
      this.report(join(parent, key), "empty-value", "the principal names nobody", 'add {"AWS": [...]} or {"Service": [...]}');
    }
    for (const type of types) {
      if (!(PRINCIPAL_TYPES as readonly string[]).includes(type)) {
        const suggestion = closest(type, PRINCIPAL_TYPES);
        this.report(
          join(join(parent, key), type),
          "invalid-principal-type",
          `"${type}" is not a principal type`,
          suggestion ? `did you mean "${suggestion}"?` : `use one of ${PRINCIPAL_TYPES.join(", ")}`,
        );
        continue;
      }
      const principalAt = join(parent, key);
      this.stringList(value[type], principalAt, type, `${type} principal`, (principal, i) => {
        if (type === "AWS") this.awsPrincipal(principal, principalAt, i);
        else if (type === "Service" && !SERVICE_PRINCIPAL.test(principal)) {
          this.report(
            itemPath(principalAt, type, i),
            "invalid-principal",
            `"${principal}" is not a service principal (a DNS name)`,
            'write the service\'s domain, e.g. "logs.us-east-1.amazonaws.com"',
          );
        }
      });
    }
  }

  private awsPrincipal(principal: string, principalAt: string, i: number | undefined): void {
    if (principal !== "*" && /[*?]/.test(principal)) {
      this.report(
        itemPath(principalAt, "AWS", i),
        "wildcard-principal",
        `"${principal}" has a wildcard; KMS refuses wildcards inside a principal (only "*" alone means everyone)`,
        'name each principal in full, or use "*" with a condition such as aws:PrincipalArn (ArnLike) to match a pattern',
      );
      return;
    }
    if (principal === "*" || ACCOUNT_ID.test(principal) || AWS_PRINCIPAL_ARN.test(principal) || AWS_UNIQUE_ID.test(principal)) return;
    const hint = /^\d+$/.test(principal)
      ? "an account id has exactly 12 digits (keep leading zeros and quote it)"
      : /^arn:/.test(principal)
        ? `write an IAM ARN such as "arn:aws:iam::${ACCOUNT_PLACEHOLDER}:role/name" (service "iam" or "sts", 12-digit account)`
        : `write "*", a 12-digit account id, or an IAM ARN such as "arn:aws:iam::${ACCOUNT_PLACEHOLDER}:root"`;
    this.report(itemPath(principalAt, "AWS", i), "invalid-principal", `"${principal}" is not an AWS principal`, hint);
  }

  private condition(value: unknown, parent: string): void {
    if (!isObject(value)) {
      this.report(
        join(parent, "Condition"),
        "invalid-type",
        `Condition must be an object, not ${typeName(value)}`,
        'write {"StringEquals": {"kms:ViaService": "..."}}',
      );
      return;
    }
    const at = join(parent, "Condition");
    for (const operator of Object.keys(value)) {
      const block = value[operator];
      if (!CONDITION_OPERATORS.has(operator)) {
        const suggestion = closest(operator, [...CONDITION_OPERATORS]);
        this.report(
          join(at, operator),
          "invalid-condition-operator",
          `"${operator}" is not a condition operator`,
          suggestion ? `did you mean "${suggestion}"? (operator names are case-sensitive)` : "see the IAM condition operator reference",
        );
      }
      if (!isObject(block)) {
        this.report(
          join(at, operator),
          "invalid-type",
          `a condition operator takes an object of keys, not ${typeName(block)}`,
          `write "${operator}": {"kms:CallerAccount": "${ACCOUNT_PLACEHOLDER}"}`,
        );
        continue;
      }
      const keys = Object.keys(block);
      // Keys that differ only in case are the same key; a block holds a few, so compare them in pairs.
      const lowered = keys.length > 1 ? keys.map((k) => k.toLowerCase()) : keys;
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k];
        if (k > 0) {
          const first = lowered.indexOf(lowered[k]);
          if (first < k) {
            this.report(
              join(join(at, operator), key),
              "duplicate-condition-key",
              `"${key}" repeats "${keys[lastIndexBefore(lowered, lowered[k], k)]}" (condition keys are case-insensitive)`,
              "merge the two into one key with a list of values",
            );
          }
        }
        if (key === "")
          this.report(
            join(join(at, operator), key),
            "empty-value",
            "a condition key cannot be empty",
            'write a key such as "kms:ViaService"',
          );
        const values = block[key];
        if (!isScalar(values)) this.conditionValues(values, join(join(at, operator), key));
      }
    }
  }

  private conditionValues(values: unknown, at: string): void {
    if (isScalar(values)) return;
    if (!Array.isArray(values)) {
      this.report(
        at,
        "invalid-type",
        `a condition value must be a string, number, boolean or a list of them, not ${typeName(values)}`,
        'write "value" or ["a", "b"]',
      );
      return;
    }
    if (values.length === 0)
      this.report(at, "empty-value", "an empty list of condition values never matches", "list at least one value or remove the key");
    values.forEach((v, i) => {
      if (!isScalar(v))
        this.report(
          `${at}[${i}]`,
          "invalid-type",
          `a condition value must be a string, number or boolean, not ${typeName(v)}`,
          "quote the value",
        );
    });
  }
}
