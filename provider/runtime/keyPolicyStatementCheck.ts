import { Access } from "../aws/access";
import { parseKeyRef } from "../aws/keyRef";
import { atLeast, lintPolicy } from "../policy";
import { JsonSyntaxError, isJsonObject, readJson } from "../policy/json";
import { statementDocument, statementPath } from "../policy/statementMerge";
import {
  CheckFailure,
  KEY_POLICY_KEY_ID_MESSAGES,
  checkAccess,
  checkKeyId,
  checkRegion,
  isUnknown,
  plainInputs,
  withoutUndefined,
} from "./check";
import { KEY_POLICY_STATEMENT_FIELDS } from "../fields/keyPolicyStatement";
import { CheckSettings, keyAccountOf } from "./keyPolicyCheck";
import { defaultSettings } from "./settings";

/** Inputs of a KeyPolicyStatement after check: the statement as JSON text, its Sid beside it. */
export interface KeyPolicyStatementInputs extends Access {
  keyId: string;
  /** One key policy statement, as JSON text (an object input is serialized). */
  statement: string;
  /** The statement's Sid: which statement of the key's policy the resource owns. */
  sid: string;
  /** Take over a statement with this Sid that the key's policy already has, instead of failing. */
  adopt: boolean;
  region?: string;
}

/**
 * The Sid of a statement given as text or an object, read as check reads it; undefined when the
 * statement is not one JSON object with a string Sid. The program's registry uses it too.
 */
export function declaredSid(statement: unknown): string | undefined {
  let value: unknown = statement;
  if (typeof statement === "string") {
    try {
      value = readJson(statement, { tolerant: true });
    } catch {
      return undefined;
    }
  }
  return isJsonObject(value) && typeof value.Sid === "string" ? value.Sid : undefined;
}

/**
 * Validates KeyPolicyStatement inputs without calling AWS, as checkKeyPolicy does for a whole
 * policy: the statement is validated and linted as a one-statement policy (the merged policy's
 * lockout and size depend on the live policy, so create and update check them, before any write).
 */
export function checkKeyPolicyStatement(
  news: Record<string, unknown>,
  lint: CheckSettings = defaultSettings(),
): { inputs: KeyPolicyStatementInputs; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });

  const keyId = news.keyId;
  checkKeyId(news, fail, KEY_POLICY_KEY_ID_MESSAGES);

  let text = "";
  let sid = "";
  const statement = news.statement;
  if (isUnknown(statement)) {
    text = statement as string;
    sid = statement as string;
  } else if (statement === undefined || statement === null || statement === "") {
    fail(
      "statement",
      'statement is required: one key policy statement, as an object or JSON text, with a Sid (e.g. { Sid: "AppDecrypts", ... })',
    );
  } else if (typeof statement !== "string" && !isJsonObject(statement)) {
    fail(
      "statement",
      `statement must be one key policy statement (an object or JSON text), not ${Array.isArray(statement) ? "a list" : typeof statement}`,
    );
  } else {
    let value: unknown = statement;
    if (typeof statement === "string") {
      try {
        value = readJson(statement);
      } catch (err) {
        if (!(err instanceof JsonSyntaxError)) throw err;
        value = undefined;
        fail("statement", `statement is not JSON: ${err.message}. Fix: ${err.hint}`);
      }
    }
    if (value !== undefined && !isJsonObject(value)) {
      fail("statement", "statement must be one statement (a JSON object); for several statements declare one KeyPolicyStatement each");
    } else if (value !== undefined) {
      text = typeof statement === "string" ? statement : JSON.stringify(statement, null, 2);
      const declared = value.Sid;
      if (typeof declared !== "string" || declared.trim() === "") {
        fail(
          "statement",
          `statement.Sid is required and must be a non-empty string${declared === undefined ? "" : ` (it is ${JSON.stringify(declared)})`}: ` +
            'the Sid names the statement this resource owns in the key\'s policy. Fix: add a Sid that says what it allows, e.g. "AppDecrypts"',
        );
      } else sid = declared;
      // Validated and linted as checkKeyPolicy does a policy: lint includes validation's errors.
      const ref = typeof keyId === "string" ? parseKeyRef(keyId) : undefined;
      const account =
        (ref && !("error" in ref) ? ref.account : undefined) ?? keyAccountOf(news, { assumeRole: lint.assumeRole, profile: lint.profile });
      const findings = lintPolicy(statementDocument(text), { ignore: lint.lintIgnore, account }).filter((f) =>
        atLeast(f.severity, lint.failOn),
      );
      const failing = (f: (typeof findings)[number]) =>
        f.severity === "error" ? "" : `, ${f.severity}; kms-policy:failOn is ${lint.failOn}`;
      for (const f of findings) fail("statement", `${statementPath(f.path)}: ${f.message} [${f.rule}${failing(f)}]. Fix: ${f.hint}`);
    }
  }

  const region = news.region;
  checkRegion(region, fail);
  const access = checkAccess(news, fail);

  const inputs: KeyPolicyStatementInputs = {
    ...plainInputs(KEY_POLICY_STATEMENT_FIELDS, news, fail),
    keyId: keyId as string,
    statement: text,
    sid,
    ...(region !== undefined ? { region: region as string } : {}),
    ...access,
  };
  return { inputs: withoutUndefined(inputs), failures };
}
