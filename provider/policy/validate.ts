import {
  ACCOUNT_ID,
  ACTION_PATTERN,
  AWS_PRINCIPAL_ARN,
  AWS_UNIQUE_ID,
  CONDITION_OPERATORS,
  DOCUMENT_KEYS,
  POLICY_VERSIONS,
  PRINCIPAL_TYPES,
  SERVICE_PRINCIPAL,
  STATEMENT_KEYS,
  closest,
} from "./grammar";
import { JsonNumber, joinPath as join } from "./json";
import { ParsedPolicy, parsePolicy } from "./parse";
import { PolicyInput, PolicyProblem } from "./types";

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

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
const typeName = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : v instanceof JsonNumber ? "number" : typeof v);

/**
 * Lists everything wrong with a policy document: JSON syntax, KMS's size and character limits,
 * element types, unknown keys, exclusive pairs (Action/NotAction...), Effect, Version, principal,
 * action and condition-operator syntax. An empty list means KMS's grammar accepts the document.
 */
export function validatePolicy(input: PolicyInput | unknown, options: ValidateOptions = {}): PolicyProblem[] {
  return validateParsed(parsePolicy(input), options);
}

/** validatePolicy for a document parsePolicy has already read (the engine parses each input once). */
export function validateParsed(parsed: ParsedPolicy, options: ValidateOptions = {}): PolicyProblem[] {
  const problems = [...parsed.problems];
  if (parsed.value === undefined && problems.length > 0) return problems;
  new Validator(problems, options.keyPolicy ?? true).document(parsed.value);
  return problems;
}

/** Throws PolicyValidationError unless the document is valid. */
export function assertValidPolicy(input: PolicyInput | unknown, options: ValidateOptions = {}, subject?: string): void {
  const problems = validatePolicy(input, options);
  if (problems.length > 0) throw new PolicyValidationError(problems, subject);
}

class Validator {
  constructor(
    private readonly problems: PolicyProblem[],
    private readonly keyPolicy: boolean,
  ) {}

  private report(path: string, rule: string, message: string, hint: string): void {
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
      statements.forEach((s, i) => this.statement(s, `Statement[${i}]`));
    } else if (isObject(statements)) {
      this.statement(statements, "Statement");
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
    for (const key of ["Action", "NotAction"] as const) if (key in s) this.actions(s[key], join(at, key));
    for (const key of ["Resource", "NotResource"] as const) if (key in s) this.stringList(s[key], join(at, key), 'resource ARN or "*"');
    for (const key of ["Principal", "NotPrincipal"] as const) if (key in s) this.principal(s[key], join(at, key));
    if ("Condition" in s) this.condition(s.Condition, join(at, "Condition"));
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
        'add "Principal": {"AWS": "arn:aws:iam::111122223333:root"}',
      );
    }
  }

  /** A string or a non-empty list of non-empty strings; returns the strings with their paths. */
  private stringList(value: unknown, at: string, what: string): Array<[string, string]> {
    if (typeof value === "string") {
      if (value === "") this.report(at, "empty-value", `an empty string is not a ${what}`, `write a ${what} or remove the element`);
      return [[value, at]];
    }
    if (!Array.isArray(value)) {
      this.report(at, "invalid-type", `expected a ${what} or a list of them, not ${typeName(value)}`, `write "${what}" or ["...", "..."]`);
      return [];
    }
    if (value.length === 0) {
      this.report(at, "empty-value", `an empty list names no ${what}`, "list at least one value or remove the element");
    }
    const out: Array<[string, string]> = [];
    value.forEach((item, i) => {
      const itemAt = `${at}[${i}]`;
      if (typeof item !== "string") {
        this.report(itemAt, "invalid-type", `expected a ${what} string, not ${typeName(item)}`, "quote the value");
      } else if (item === "") {
        this.report(itemAt, "empty-value", `an empty string is not a ${what}`, "remove it from the list");
      } else {
        out.push([item, itemAt]);
      }
    });
    return out;
  }

  private actions(value: unknown, at: string): void {
    for (const [action, path] of this.stringList(value, at, "action")) {
      if (!ACTION_PATTERN.test(action)) {
        this.report(path, "invalid-action", `"${action}" is not an action name`, 'write "service:Action", e.g. "kms:Decrypt", or "kms:*"');
      }
    }
  }

  private principal(value: unknown, at: string): void {
    if (value === "*") return;
    if (!isObject(value)) {
      this.report(
        at,
        "invalid-principal",
        `a principal must be "*" or an object such as {"AWS": [...]}, not ${JSON.stringify(value)}`,
        'write {"AWS": "arn:aws:iam::111122223333:role/name"} or {"Service": "logs.amazonaws.com"}',
      );
      return;
    }
    if (Object.keys(value).length === 0) {
      this.report(at, "empty-value", "the principal names nobody", 'add {"AWS": [...]} or {"Service": [...]}');
    }
    for (const [type, entries] of Object.entries(value)) {
      const typeAt = join(at, type);
      if (!(PRINCIPAL_TYPES as readonly string[]).includes(type)) {
        const suggestion = closest(type, PRINCIPAL_TYPES);
        this.report(
          typeAt,
          "invalid-principal-type",
          `"${type}" is not a principal type`,
          suggestion ? `did you mean "${suggestion}"?` : `use one of ${PRINCIPAL_TYPES.join(", ")}`,
        );
        continue;
      }
      for (const [principal, path] of this.stringList(entries, typeAt, `${type} principal`)) {
        if (type === "AWS") this.awsPrincipal(principal, path);
        else if (type === "Service" && !SERVICE_PRINCIPAL.test(principal)) {
          this.report(
            path,
            "invalid-principal",
            `"${principal}" is not a service principal (a DNS name)`,
            'write the service\'s domain, e.g. "logs.us-east-1.amazonaws.com"',
          );
        }
      }
    }
  }

  private awsPrincipal(principal: string, path: string): void {
    if (principal !== "*" && /[*?]/.test(principal)) {
      this.report(
        path,
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
        ? 'write an IAM ARN such as "arn:aws:iam::111122223333:role/name" (service "iam" or "sts", 12-digit account)'
        : 'write "*", a 12-digit account id, or an IAM ARN such as "arn:aws:iam::111122223333:root"';
    this.report(path, "invalid-principal", `"${principal}" is not an AWS principal`, hint);
  }

  private condition(value: unknown, at: string): void {
    if (!isObject(value)) {
      this.report(
        at,
        "invalid-type",
        `Condition must be an object, not ${typeName(value)}`,
        'write {"StringEquals": {"kms:ViaService": "..."}}',
      );
      return;
    }
    for (const [operator, block] of Object.entries(value)) {
      const opAt = join(at, operator);
      if (!CONDITION_OPERATORS.has(operator)) {
        const suggestion = closest(operator, [...CONDITION_OPERATORS]);
        this.report(
          opAt,
          "invalid-condition-operator",
          `"${operator}" is not a condition operator`,
          suggestion ? `did you mean "${suggestion}"? (operator names are case-sensitive)` : "see the IAM condition operator reference",
        );
      }
      if (!isObject(block)) {
        this.report(
          opAt,
          "invalid-type",
          `a condition operator takes an object of keys, not ${typeName(block)}`,
          `write "${operator}": {"kms:CallerAccount": "111122223333"}`,
        );
        continue;
      }
      const seen = new Map<string, string>();
      for (const [key, values] of Object.entries(block)) {
        const keyAt = join(opAt, key);
        const lower = key.toLowerCase();
        if (seen.has(lower)) {
          this.report(
            keyAt,
            "duplicate-condition-key",
            `"${key}" repeats "${seen.get(lower)}" (condition keys are case-insensitive)`,
            "merge the two into one key with a list of values",
          );
        }
        seen.set(lower, key);
        if (key === "") this.report(keyAt, "empty-value", "a condition key cannot be empty", 'write a key such as "kms:ViaService"');
        this.conditionValues(values, keyAt);
      }
    }
  }

  private conditionValues(values: unknown, at: string): void {
    const scalar = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v instanceof JsonNumber;
    if (scalar(values)) return;
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
      if (!scalar(v))
        this.report(
          `${at}[${i}]`,
          "invalid-type",
          `a condition value must be a string, number or boolean, not ${typeName(v)}`,
          "quote the value",
        );
    });
  }
}
