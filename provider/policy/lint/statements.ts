/**
 * The warning and suggestion rules, statement by statement. Defensive about shapes: validatePolicy
 * reports wrong types as errors, and the lint still looks at whatever parts are well formed.
 */
import { arnFields, closest, parseOperator, wildcardRegExp } from "../grammar";
import { JsonNumber, isJsonObject as isObject } from "../json";
import { ConditionKeyInfo, KmsAction, KmsCatalog } from "./catalog";
import { valueProblem } from "./operators";
import { joinPath } from "./path";

export type Obj = Record<string, unknown>;
/** A condition value as the policy wrote it: a number keeps its text (`0.0000001`, not `1e-7`). */
const written = (v: string | boolean | JsonNumber): string => (v instanceof JsonNumber ? v.text : JSON.stringify(v));

/** A finding before its severity is attached (that comes from the rule table). */
export interface RawFinding {
  path: string;
  rule: string;
  message: string;
  hint: string;
  sid?: string;
}

/** One statement with its path, as the rules see it. */
export interface StatementView {
  value: Obj;
  at: string;
  sid?: string;
  /** The kms actions the statement's Action (or NotAction) covers; undefined when it names none we know. */
  actions?: KmsAction[];
}

/** The strings of a string-or-list element, each with its path; other shapes give nothing. */
export function strings(value: unknown, at: string): Array<[string, string]> {
  if (typeof value === "string") return [[value, at]];
  if (!Array.isArray(value)) return [];
  return value.flatMap((v, i): Array<[string, string]> => (typeof v === "string" ? [[v, joinPath(at, i)]] : []));
}

export function statementsOf(doc: Obj): StatementView[] {
  const list = Array.isArray(doc.Statement)
    ? doc.Statement.map((s, i) => [s, `Statement[${i}]`] as const)
    : [[doc.Statement, "Statement"] as const];
  return list.flatMap(([value, at]) =>
    isObject(value) ? [{ value, at, ...(typeof value.Sid === "string" && value.Sid !== "" ? { sid: value.Sid } : {}) }] : [],
  );
}

/*
 * Action names are compared without case, as AWS does. A Resource is too: the rule reports only
 * a Resource certain to match no key ARN, so it reads the pattern broadly.
 */
const wildcardRegex = (pattern: string) => wildcardRegExp(pattern, { ignoreCase: true });

/** Document-level suggestions and duplicate Sids. */
export function documentRules(doc: Obj, statements: StatementView[], report: (f: RawFinding) => void): void {
  if (!("Version" in doc)) {
    report({
      path: "Version",
      rule: "missing-version",
      message: "the policy has no Version, so it is read as 2008-10-17",
      hint: 'add "Version": "2012-10-17"',
    });
  } else if (doc.Version === "2008-10-17") {
    report({
      path: "Version",
      rule: "old-version",
      message: 'Version "2008-10-17" does not substitute policy variables such as ${aws:username}',
      hint: 'use "Version": "2012-10-17" (the statements mean the same unless they contain ${...})',
    });
  }
  const seen = new Map<string, string>();
  for (const s of statements) {
    if (s.sid === undefined) {
      report({
        path: s.at,
        rule: "missing-sid",
        message: "the statement has no Sid",
        hint: 'add a "Sid" that says what it allows, e.g. "AppDecrypts"',
      });
      continue;
    }
    const first = seen.get(s.sid);
    if (first !== undefined) {
      report({
        path: joinPath(s.at, "Sid"),
        rule: "duplicate-sid",
        message: `Sid "${s.sid}" is also the Sid of ${first}`,
        hint: "give each statement its own Sid",
        sid: s.sid,
      });
    } else seen.set(s.sid, s.at);
  }
}

/**
 * Rules that hold for any policy: no-effect statements, Allow with NotPrincipal, condition values
 * and set operators. `catalog` may be a function that loads it, called only when a set operator needs it.
 */
export function grammarRules(s: StatementView, catalog: KmsCatalog | (() => KmsCatalog), report: (f: RawFinding) => void): void {
  const { value, at, sid } = s;
  const hasAction = "Action" in value || "NotAction" in value;
  const hasResource = "Resource" in value || "NotResource" in value;
  if (!hasAction || !hasResource) {
    const missing = !hasAction ? "Action" : "Resource";
    report({
      path: joinPath(at, missing),
      rule: "statement-no-effect",
      message: `the statement has no ${missing} or Not${missing}, so it never applies`,
      hint: `add "${missing}" (${missing === "Action" ? '"kms:Decrypt"' : '"*", which in a key policy means this key'}) or remove the statement`,
      sid,
    });
  }
  if (value.Effect === "Allow" && "NotPrincipal" in value) {
    report({
      path: joinPath(at, "NotPrincipal"),
      rule: "allow-not-principal",
      message: "Allow with NotPrincipal allows everyone except the principals listed, including other accounts and anonymous callers",
      hint: "name the principals to allow in Principal instead; keep NotPrincipal for Deny statements",
      sid,
    });
  }
  if (!isObject(value.Condition)) return;
  for (const [operator, block] of Object.entries(value.Condition)) {
    if (!isObject(block)) continue;
    const op = parseOperator(operator);
    const opAt = joinPath(joinPath(at, "Condition"), operator);
    for (const [key, values] of Object.entries(block)) {
      const keyAt = joinPath(opAt, key);
      const list = Array.isArray(values) ? values.map((v, i) => [v, joinPath(keyAt, i)] as const) : [[values, keyAt] as const];
      for (const [v, vAt] of list) {
        if (typeof v !== "string" && typeof v !== "boolean" && !(v instanceof JsonNumber)) continue;
        const problem = valueProblem(op.base, v instanceof JsonNumber ? v.text : v);
        if (problem)
          report({
            path: vAt,
            rule: "condition-value-type",
            message: `${written(v)} is not ${problem.expected}, which ${op.base} compares`,
            hint: `write ${problem.example}, or use a String operator if the value is text`,
            sid,
          });
      }
      if (!op.set) continue;
      const info = (typeof catalog === "function" ? catalog() : catalog).conditionKey(key);
      if (info && !info.multivalued) {
        report({
          path: opAt,
          rule: "set-operator-single-valued",
          message: `${op.set}: treats "${key}" as a set, but a request carries one value for it${op.set === "ForAllValues" ? ", and ForAllValues also matches when the key is absent" : ""}`,
          hint: `write "${op.base}${op.ifExists ? "IfExists" : ""}" without ${op.set}:`,
          sid,
        });
      }
    }
  }
}

/** Key-policy rules: actions against KMS's catalog, condition keys, resources. Sets `s.actions`. */
export function keyPolicyRules(s: StatementView, catalog: KmsCatalog, report: (f: RawFinding) => void): void {
  const { value, at, sid } = s;
  const element = "Action" in value ? "Action" : "NotAction" in value ? "NotAction" : undefined;
  if (element) {
    const matched = new Set<KmsAction>();
    for (const [action, path] of strings(value[element], joinPath(at, element))) {
      for (const a of actionMatches(action, path, catalog, sid, report)) matched.add(a);
    }
    const all = [...catalog.actions.values()];
    const covered = element === "Action" ? [...matched] : all.filter((a) => !matched.has(a));
    if (covered.length > 0 || element === "NotAction") s.actions = covered;
  }
  if (isObject(value.Condition)) {
    for (const [operator, block] of Object.entries(value.Condition)) {
      if (!isObject(block)) continue;
      for (const key of Object.keys(block))
        conditionKey(key, joinPath(joinPath(joinPath(at, "Condition"), operator), key), s, catalog, report);
    }
  }
  for (const element of ["Resource", "NotResource"] as const) {
    for (const [resource, path] of strings(value[element], joinPath(at, element))) {
      if (mayMatchKeyArn(resource)) continue;
      report({
        path,
        rule: "resource-not-key",
        message: `"${resource}" is not "*" or a KMS key ARN; a key policy applies only to its own key, so it matches nothing`,
        hint: 'write "*" (in a key policy, the key itself)',
        sid,
      });
    }
  }
}

/**
 * Whether a Resource can match a key ARN (`arn:partition:kms:region:account:key/id`): `"*"`, a
 * key ARN, or a pattern whose service and resource parts can stand for `kms` and `key/...`
 * (`arn:aws:kms:*:111122223333:*`). Policy variables are not judged.
 */
function mayMatchKeyArn(resource: string): boolean {
  if (resource === "*" || resource.includes("${")) return true;
  const parts = arnFields(resource);
  if (parts.length < 6 || !wildcardRegex(parts[0]).test("arn")) return false;
  const rest = parts[5];
  return wildcardRegex(parts[2]).test("kms") && (/^key\/./i.test(rest) || wildcardRegex(rest).test("key/x"));
}

/** The actions a wildcard matches, remembered per pattern: policies repeat `kms:GenerateDataKey*` in many statements. */
const wildcardCache = new WeakMap<KmsCatalog, Map<string, KmsAction[]>>();
function wildcardMatches(pattern: string, catalog: KmsCatalog): KmsAction[] {
  let cache = wildcardCache.get(catalog);
  if (!cache) wildcardCache.set(catalog, (cache = new Map()));
  const key = pattern.toLowerCase();
  let found = cache.get(key);
  if (!found) {
    const re = wildcardRegex(pattern);
    found = [...catalog.actions.values()].filter((a) => re.test(a.name));
    cache.set(key, found);
  }
  return found;
}

function actionMatches(
  action: string,
  path: string,
  catalog: KmsCatalog,
  sid: string | undefined,
  report: (f: RawFinding) => void,
): KmsAction[] {
  if (action === "*") return [...catalog.actions.values()];
  const colon = action.indexOf(":");
  if (colon < 0) return []; // validatePolicy reports it
  const service = action.slice(0, colon).toLowerCase();
  const name = action.slice(colon + 1);
  if (service !== "kms") {
    report({
      path,
      rule: "action-other-service",
      message: `"${action}" is not a KMS action; a key policy controls only kms actions, so it has no effect here`,
      hint: "remove it, or move it to an IAM policy or the other service's resource policy",
      sid,
    });
    return [];
  }
  if (/[*?]/.test(name)) {
    const found = wildcardMatches(name, catalog);
    if (found.length === 0)
      report({
        path,
        rule: "action-matches-nothing",
        message: `"${action}" matches no KMS action`,
        hint: "check the spelling against the KMS actions list, or write the actions out",
        sid,
      });
    return found;
  }
  const found = catalog.actions.get(name.toLowerCase());
  if (!found) {
    const suggestion = closest(
      name,
      [...catalog.actions.values()].map((a) => a.name),
    );
    report({
      path,
      rule: "unknown-action",
      message: `"${action}" is not a KMS action`,
      hint: suggestion ? `did you mean "kms:${suggestion}"?` : "see the KMS actions list",
      sid,
    });
    return [];
  }
  return [found];
}

function conditionKey(key: string, path: string, s: StatementView, catalog: KmsCatalog, report: (f: RawFinding) => void): void {
  const info: ConditionKeyInfo | undefined = catalog.conditionKey(key);
  if (!info) {
    const suggestion = closest(key, catalog.conditionKeyNames);
    const hint = suggestion
      ? `did you mean "${suggestion}"?`
      : "use a kms: key or a global aws: key; a key that is not in the request makes the condition false (or true for a negated operator)";
    report({
      path,
      rule: "unknown-condition-key",
      message: `"${key}" is not a KMS or global condition key, so KMS requests never carry it`,
      hint,
      sid: s.sid,
    });
    return;
  }
  if (info.global || s.actions === undefined || s.actions.length === 0) return;
  const reference = info.key.toLowerCase();
  if (s.actions.some((a) => a.conditionKeys.has(reference))) return;
  const names =
    s.actions
      .slice(0, 3)
      .map((a) => `kms:${a.name}`)
      .join(", ") + (s.actions.length > 3 ? ", ..." : "");
  report({
    path,
    rule: "condition-key-not-applicable",
    message: `"${key}" is not in the request of any of the statement's actions (${names})`,
    hint: "move the condition to a statement of the actions that support it, or remove it",
    sid: s.sid,
  });
}
