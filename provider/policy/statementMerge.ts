import { KMS_POLICY_MAX_BYTES } from "./grammar";
import { JsonNumber, isJsonObject, readJson } from "./json";
import { allowsPolicyChanges } from "./lockout";
import { EngineOptions, canonicalPolicyJson } from "./normalize";
import { PolicyProblem } from "./types";

/*
 * One statement of a key policy, identified by its Sid, merged into, replaced in or removed from a
 * policy that other people wrote. Everything else in the document (Version, Id, the other
 * statements, their order, their keys' order, a number's text) is carried over as it was read:
 * only the one statement changes. Pure: KeyPolicyStatement and its tests share it.
 */

type Raw = Record<string, unknown>;

/** A policy this module can edit: a JSON object whose Statement is one statement or a list (or absent). */
interface Editable {
  doc: Raw;
  statements: unknown[];
}

/** Reads a policy KMS stored (leniently: KMS accepted it) into the parts an edit needs; throws when it is not a policy document. */
function editable(policy: string): Editable {
  const doc = readJson(policy, { tolerant: true });
  if (!isJsonObject(doc)) throw new Error("the key's policy is not a JSON object, so no statement can be merged into it");
  const statement = doc.Statement;
  if (statement === undefined) return { doc, statements: [] };
  if (Array.isArray(statement)) return { doc, statements: statement };
  if (isJsonObject(statement)) return { doc, statements: [statement] };
  throw new Error("the key's policy has a Statement that is neither a statement nor a list, so no statement can be merged into it");
}

const sidOf = (statement: unknown): string | undefined =>
  isJsonObject(statement) && typeof statement.Sid === "string" ? statement.Sid : undefined;

/** JSON text of a value read by readJson: a JsonNumber keeps the text it was written with. */
export function writeJson(value: unknown, indent = 2): string {
  const pad = (depth: number) => (indent > 0 ? `\n${" ".repeat(indent * depth)}` : "");
  const colon = indent > 0 ? ": " : ":";
  const write = (v: unknown, depth: number): string => {
    if (v instanceof JsonNumber) return v.text;
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      return `[${v.map((item) => `${pad(depth + 1)}${write(item, depth + 1)}`).join(",")}${pad(depth)}]`;
    }
    if (isJsonObject(v)) {
      const entries = Object.entries(v).filter(([, item]) => item !== undefined);
      if (entries.length === 0) return "{}";
      return `{${entries.map(([k, item]) => `${pad(depth + 1)}${JSON.stringify(k)}${colon}${write(item, depth + 1)}`).join(",")}${pad(depth)}}`;
    }
    return JSON.stringify(v) ?? "null";
  };
  return write(value, 0);
}

/** The document with `statements` in place of its Statement, every other key where it was. */
function withStatements(e: Editable, statements: unknown[]): Raw {
  if ("Statement" in e.doc) return Object.fromEntries(Object.entries(e.doc).map(([k, v]) => [k, k === "Statement" ? statements : v]));
  return { ...e.doc, Statement: statements };
}

/**
 * The text to put: indented while it fits KMS's size limit, compact when only that fits (KMS
 * stores its own serialization either way).
 */
function serialize(doc: Raw): string {
  const pretty = writeJson(doc, 2);
  return Buffer.byteLength(pretty, "utf8") <= KMS_POLICY_MAX_BYTES ? pretty : writeJson(doc, 0);
}

/** The Sids of the policy's statements, in document order (statements without a Sid are left out). */
export function statementSids(policy: string): string[] {
  return editable(policy)
    .statements.map(sidOf)
    .filter((s): s is string => s !== undefined);
}

/** The policy's statements, as read (numbers as JsonNumber), each with its Sid if it has one, in document order. */
export function policyStatements(policy: string): Array<{ sid?: string; statement: unknown }> {
  return editable(policy).statements.map((statement) => {
    const sid = sidOf(statement);
    return sid === undefined ? { statement } : { sid, statement };
  });
}

/** The statement with this Sid, as read (numbers as JsonNumber); undefined when there is none. */
export function findStatement(policy: string, sid: string): Raw | undefined {
  return editable(policy).statements.find((s) => sidOf(s) === sid) as Raw | undefined;
}

/** The statements of the policy other than those with this Sid, as read, in document order. */
export function otherStatements(policy: string, sid: string): unknown[] {
  return editable(policy).statements.filter((s) => sidOf(s) !== sid);
}

/**
 * The policy with `statement` as the statement whose Sid is `sid`: in the place of the first
 * statement with that Sid (later ones with the same Sid are dropped: a Sid names one statement),
 * or after the last statement when none has it. `statement` must carry `sid` as its Sid.
 */
export function mergeStatement(policy: string, sid: string, statement: Raw): string {
  if (sidOf(statement) !== sid) throw new Error(`the statement to merge has Sid ${JSON.stringify(sidOf(statement))}, not "${sid}"`);
  const e = editable(policy);
  const at = e.statements.findIndex((s) => sidOf(s) === sid);
  const rest = e.statements.filter((s, i) => i === at || sidOf(s) !== sid);
  const statements = at < 0 ? [...rest, statement] : rest.map((s) => (sidOf(s) === sid ? statement : s));
  return serialize(withStatements(e, statements));
}

/** The policy without the statements whose Sid is `sid`; the same text when it has none. */
export function removeStatement(policy: string, sid: string): string {
  const e = editable(policy);
  if (!e.statements.some((s) => sidOf(s) === sid)) return policy;
  return serialize(
    withStatements(
      e,
      e.statements.filter((s) => sidOf(s) !== sid),
    ),
  );
}

/**
 * The canonical text of each statement of the policy other than `sid`'s (engine's normal form,
 * read tolerantly): what another owner's statement means, whatever KMS did to its text.
 */
export function otherStatementKeys(policy: string, sid: string, options: EngineOptions = {}): string[] {
  return otherStatements(policy, sid).map((s) =>
    canonicalPolicyJson({ Version: "2012-10-17", Statement: [s] }, { ...options, tolerant: true }),
  );
}

/**
 * What KMS would refuse, or what would lock the key, in a policy about to be put after merging
 * `sid`: its size over KMS's limit, or no principal left allowed to call kms:PutKeyPolicy (see
 * lockout.ts). Each problem names the statement, since it is the one being written.
 */
export function mergedPolicyProblems(merged: string, sid: string, options: EngineOptions = {}): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const bytes = Buffer.byteLength(merged, "utf8");
  if (bytes > KMS_POLICY_MAX_BYTES) {
    problems.push({
      path: "",
      rule: "policy-too-large",
      message: `with statement "${sid}" the key's policy is ${bytes} bytes; KMS accepts at most ${KMS_POLICY_MAX_BYTES}`,
      hint: "shorten the statement (merge principals or actions into one list), or move grantees to grants",
    });
  }
  let allows: boolean;
  try {
    allows = allowsPolicyChanges(merged, { ...options, tolerant: true });
  } catch {
    allows = true; // a policy the engine cannot read is KMS's to judge; only a certain lockout is refused
  }
  if (!allows) {
    problems.push({
      path: "",
      rule: "policy-lockout",
      message: `with statement "${sid}" no principal is left allowed to call kms:PutKeyPolicy on the key (an unconditional Deny takes it back), so nobody could change the policy again`,
      hint: "narrow the statement's Deny (its Principal or Action) so that it leaves an administrator or the account root allowed kms:PutKeyPolicy",
    });
  }
  return problems;
}

/** The Version a lone statement is judged under (validation, lint, comparison). */
const STATEMENT_VERSION = "2012-10-17";

/**
 * A one-statement policy holding `statement` (JSON text of one statement, already read as one JSON
 * value): how the engine validates, lints and compares a statement without a policy around it.
 * Paths of its problems start with `Statement[0]`; statementPath turns them into the statement's.
 * No statement (`""`, one that is not in a key's policy) is a policy without statements.
 */
export function statementDocument(statement: string): string {
  return `{"Version":"${STATEMENT_VERSION}","Statement":[${statement}]}`;
}

/** The text of the policy's statement with this Sid (statementText), or `""` when it has none. */
export function ownStatementText(policy: string, sid: string): string {
  const found = findStatement(policy, sid);
  return found === undefined ? "" : statementText(found);
}

/** A path in a statementDocument as a path in the statement: `Statement[0].Action` -> `statement.Action`. */
export function statementPath(path: string): string {
  return path.startsWith("Statement[0]") ? `statement${path.slice("Statement[0]".length)}` : path || "statement";
}

/** A statement as read from a policy, as JSON text: what a statementDocument holds. */
export function statementText(statement: unknown, indent = 2): string {
  return writeJson(statement, indent);
}
