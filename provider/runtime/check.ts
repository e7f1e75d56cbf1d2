import type { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { Access, checkAssumeRole } from "../aws/access";
import { parseKeyRef } from "../aws/keyRef";
import { REGION_NAME } from "../policy/grammar";
import { FieldTable, PlainInputs, PlainSpec, fieldsWhere } from "../fields/table";

/**
 * What both resources' `check` share: the failure shape, Pulumi's unknown marker, and the rules
 * for the key and its Region. Pure: check runs at preview, before any AWS call.
 */

/** One refused input: the property, then the rule and the fix in `reason` (the SDK's own type). */
export type { CheckFailure } from "@pulumi/pulumi/dynamic";

export type Fail = (property: string, reason: string) => void;

/**
 * The value Pulumi passes for an input not known until apply (e.g. a key created in the same run).
 * Typed by the SDK's own constant, so a different marker fails to compile; not loaded from it, since
 * its module would pull the SDK's RPC runtime into every check.
 */
export const UNKNOWN: typeof unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(isUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(isUnknown);
  return false;
}

/**
 * The provider host serializes check's inputs with protobuf, which cannot carry `undefined`: a
 * missing input must be absent, or the user sees a serialization error instead of the failure.
 */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * `keyId` must be a key id or key ARN (never an alias), and a `region` given beside a key ARN must
 * be the ARN's. `required` is the message for a missing key id; `fix` is appended to an unusable one.
 */
export function checkKeyId(news: Record<string, unknown>, fail: Fail, messages: { required: string; fix?: string }): void {
  const keyId = news.keyId;
  if (isUnknown(keyId)) return;
  if (typeof keyId !== "string" || keyId.trim() === "") return fail("keyId", messages.required);
  const ref = parseKeyRef(keyId);
  if ("error" in ref) fail("keyId", `keyId "${keyId}" is not usable: ${ref.error}${messages.fix ?? ""}`);
  else if (ref.region && typeof news.region === "string" && ref.region !== news.region) {
    fail("region", `region "${news.region}" contradicts the key ARN's region "${ref.region}": remove region, or use the key's region`);
  }
}

/** What checkKeyId says of a missing or unusable keyId for the resources that manage a key's policy. */
export const KEY_POLICY_KEY_ID_MESSAGES = {
  required: "keyId is required: give the key id (1234abcd-12ab-34cd-56ef-1234567890ab) or key ARN of an existing KMS key",
  fix: ". Pass the key's id or ARN (e.g. key.arn)",
};

/** `region`, when given, must be a Region name. */
export function checkRegion(region: unknown, fail: Fail): void {
  if (region !== undefined && !isUnknown(region) && (typeof region !== "string" || !REGION_NAME.test(region))) {
    fail("region", `region "${String(region)}" is not an AWS region name such as "us-east-1"`);
  }
}

/**
 * `assumeRole` and `profile`, when given, must be usable: a role ARN and STS's rules for the other
 * fields, a non-empty profile name. Returns them for the inputs (unknown values pass through).
 */
export function checkAccess(news: Record<string, unknown>, fail: Fail): Access {
  const access: Access = {};
  const role = news.assumeRole;
  if (role !== undefined && role !== null) {
    if (isUnknown(role)) access.assumeRole = role as Access["assumeRole"];
    else {
      const checked = checkAssumeRole(role, "assumeRole");
      for (const problem of checked.problems) fail("assumeRole", problem);
      if (checked.value) access.assumeRole = withoutUndefined(checked.value);
    }
  }
  const profile = news.profile;
  if (profile !== undefined && profile !== null) {
    if (!isUnknown(profile) && (typeof profile !== "string" || profile.trim() === ""))
      fail("profile", 'profile must be the name of a profile in the shared AWS config files (e.g. "audit")');
    else access.profile = profile as string;
  }
  return access;
}

const PLAIN_TYPE_TEXT = { boolean: "true or false", string: "a non-empty string", strings: "a list of non-empty strings" } as const;

/**
 * The program inputs the table marks plain (FieldSpec.plain), as check keeps them: the program's
 * value, or the default when it gives none; a value of another type fails naming the field. A value
 * not known yet (preview) is kept: it is checked when it is known.
 */
export function plainInputs<T extends FieldTable>(table: T, news: Record<string, unknown>, fail: Fail): PlainInputs<T> {
  const kept: Record<string, unknown> = {};
  for (const name of fieldsWhere(table, (spec) => spec.input === "program" && spec.plain !== undefined)) {
    const plain = table[name].plain as PlainSpec;
    const value = news[name] ?? plain.default;
    if (value === undefined) continue;
    if (isUnknown(value) || plainTypeFits(plain.type, value)) kept[name] = value;
    else fail(name, `${name} must be ${PLAIN_TYPE_TEXT[plain.type]}`);
  }
  return kept as PlainInputs<T>;
}

function plainTypeFits(type: PlainSpec["type"], value: unknown): boolean {
  const text = (v: unknown) => (typeof v === "string" && v !== "") || isUnknown(v);
  if (type === "boolean") return typeof value === "boolean";
  if (type === "string") return text(value);
  return Array.isArray(value) && value.every(text);
}
