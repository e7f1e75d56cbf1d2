import { DEFAULT_POLICY_VERSION } from "../grammar";
import { EngineOptions, normalizePolicy } from "../normalize";
import { PolicyValidationError } from "../validate";
import { NormalizedStatement, PolicyInput } from "../types";
import { Entry, entriesOf } from "./conditions";

/** A statement as the access checks use it: normalized, with its conditions taken apart and its path. */
export interface Statement {
  /** JSON path in its document: `Statement[2]`, or `Statement` for a lone statement object. */
  path: string;
  effect: "Allow" | "Deny";
  s: NormalizedStatement;
  entries: Entry[];
}

export interface PreparedPolicy {
  statements: Statement[];
  partition: string;
  /** The document's Version (policy variables are text under 2008-10-17). */
  version: string;
}

/**
 * Validates the document (throwing PolicyValidationError as the engine does) and returns each of
 * its statements normalized on its own, so that every finding can name the statement's path in the
 * document as written (the normalized document is sorted and deduplicated).
 */
export function preparePolicy(input: PolicyInput | unknown, options: EngineOptions = {}, subject = "policy"): PreparedPolicy {
  try {
    normalizePolicy(input, options);
  } catch (err) {
    throw err instanceof PolicyValidationError ? new PolicyValidationError(err.problems, subject) : err;
  }
  const text = typeof input === "string" ? input : JSON.stringify(input);
  const doc = JSON.parse(text) as { Version?: unknown; Statement?: unknown };
  const raw = Array.isArray(doc.Statement) ? (doc.Statement as unknown[]) : doc.Statement === undefined ? [] : [doc.Statement];
  const lone = !Array.isArray(doc.Statement);
  const version = typeof doc.Version === "string" ? doc.Version : DEFAULT_POLICY_VERSION;
  const tolerant = { ...options, tolerant: true };
  const statements = raw.map((st, i): Statement => {
    const s = normalizePolicy({ Version: version, Statement: [st] }, tolerant).Statement[0];
    return { path: lone ? "Statement" : `Statement[${i}]`, effect: s.Effect, s, entries: entriesOf(s.Condition) };
  });
  return { statements, partition: options.partition ?? "aws", version };
}
