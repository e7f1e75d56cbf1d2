import { GrantOperation } from "@aws-sdk/client-kms";
import { GrantConstraints, GrantParameters } from "../aws/grantFacts";
import { Access } from "../aws/access";
import { CheckFailure, checkAccess, checkKeyId, checkRegion, isUnknown, withoutUndefined } from "./check";

export const GRANT_OPERATIONS: readonly string[] = Object.values(GrantOperation);
export const MAX_CONTEXT_PAIRS = 8;
export const MAX_CONTEXT_VALUE_LENGTH = 384;

/** Inputs of a Grant after check: operations sorted and distinct, defaults filled. */
export interface GrantInputs extends GrantParameters, Access {
  keyId: string;
  grantTokens?: string[];
  name: string;
  retireOnDelete: boolean;
  region?: string;
}

const PRINCIPAL = /^(arn:aws[a-z-]*:(iam|sts)::\d{12}:\S+|[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?)$/;
const GRANT_NAME = /^[a-zA-Z0-9:/_-]{1,256}$/;

function checkPrincipal(value: unknown, property: string, required: boolean, fail: (p: string, r: string) => void): void {
  if (isUnknown(value)) return;
  if (value === undefined || value === null || value === "") {
    if (required)
      fail(
        property,
        `${property} is required: the ARN of the role, user or account root that gets the permissions (e.g. role.arn), or a service principal`,
      );
    return;
  }
  if (typeof value !== "string" || !PRINCIPAL.test(value)) {
    fail(
      property,
      `${property} "${String(value)}" is not a principal KMS accepts: use an IAM ARN such as "arn:aws:iam::111122223333:role/app" or a service principal such as "logs.us-east-1.amazonaws.com"`,
    );
  }
}

function checkContext(value: unknown, property: string, fail: (p: string, r: string) => void): Record<string, string> | undefined {
  if (value === undefined || value === null || isUnknown(value)) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    fail(property, `${property} must be a map of encryption-context keys to string values`);
    return undefined;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) fail(property, `${property} is empty: list at least one encryption-context pair or leave constraints out`);
  if (entries.length > MAX_CONTEXT_PAIRS)
    fail(property, `${property} has ${entries.length} pairs; a grant constraint takes at most ${MAX_CONTEXT_PAIRS}`);
  const seen = new Map<string, string>();
  for (const [key, v] of entries) {
    if (key === "") fail(property, `${property} has an empty key`);
    const lower = key.toLowerCase();
    if (seen.has(lower))
      fail(property, `${property} keys "${seen.get(lower)}" and "${key}" are the same key to KMS (keys are case-insensitive): keep one`);
    seen.set(lower, key);
    if (typeof v !== "string") fail(`${property}.${key}`, `encryption-context value for "${key}" must be a string, not ${typeof v}`);
    else if (v.length === 0 || v.length > MAX_CONTEXT_VALUE_LENGTH)
      fail(
        `${property}.${key}`,
        `encryption-context value for "${key}" must be 1 to ${MAX_CONTEXT_VALUE_LENGTH} characters (it has ${v.length})`,
      );
  }
  return value as Record<string, string>;
}

/** Validates Grant inputs without calling AWS; every failure names the property and the fix. */
export function checkGrant(news: Record<string, unknown>): { inputs: GrantInputs; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });

  const keyId = news.keyId;
  checkKeyId(news, fail, { required: "keyId is required: the id or ARN of the KMS key the grant is for" });

  checkPrincipal(news.granteePrincipal, "granteePrincipal", true, fail);
  checkPrincipal(news.retiringPrincipal, "retiringPrincipal", false, fail);

  let operations: string[] = [];
  const ops = news.operations;
  if (!isUnknown(ops)) {
    if (!Array.isArray(ops) || ops.length === 0) {
      fail("operations", `operations must list at least one of: ${GRANT_OPERATIONS.join(", ")}`);
    } else {
      for (const op of ops) {
        if (!GRANT_OPERATIONS.includes(op as string)) {
          const near = GRANT_OPERATIONS.find((g) => g.toLowerCase() === String(op).toLowerCase());
          fail(
            "operations",
            `"${String(op)}" is not a grant operation${near ? `: did you mean "${near}"? (operation names are case-sensitive)` : `; use ${GRANT_OPERATIONS.join(", ")}`}`,
          );
        }
      }
      operations = [...new Set(ops as string[])].sort();
    }
  } else {
    operations = ops as string[];
  }

  let constraints: GrantConstraints | undefined;
  const c = news.constraints;
  if (c !== undefined && c !== null && !isUnknown(c)) {
    if (typeof c !== "object" || Array.isArray(c))
      fail("constraints", "constraints must be an object with encryptionContextEquals or encryptionContextSubset");
    else {
      const raw = c as Record<string, unknown>;
      for (const key of Object.keys(raw)) {
        if (key !== "encryptionContextEquals" && key !== "encryptionContextSubset") {
          fail("constraints", `"${key}" is not a grant constraint: use encryptionContextEquals or encryptionContextSubset`);
        }
      }
      if (raw.encryptionContextEquals !== undefined && raw.encryptionContextSubset !== undefined) {
        fail("constraints", "give encryptionContextEquals or encryptionContextSubset, not both: KMS accepts one constraint type per grant");
      }
      const equals = checkContext(raw.encryptionContextEquals, "constraints.encryptionContextEquals", fail);
      const subset = checkContext(raw.encryptionContextSubset, "constraints.encryptionContextSubset", fail);
      constraints = { ...(equals ? { encryptionContextEquals: equals } : {}), ...(subset ? { encryptionContextSubset: subset } : {}) };
    }
  } else if (isUnknown(c)) {
    constraints = c as GrantConstraints;
  }

  const tokens = news.grantTokens;
  if (tokens !== undefined && !isUnknown(tokens)) {
    if (!Array.isArray(tokens) || tokens.length > 10 || tokens.some((t) => typeof t !== "string" || t.length === 0 || t.length > 8192)) {
      fail("grantTokens", "grantTokens must be a list of at most 10 non-empty grant tokens");
    }
  }

  const name = news.name;
  if (!isUnknown(name) && (typeof name !== "string" || !GRANT_NAME.test(name))) {
    fail("name", `name "${String(name)}" must be 1 to 256 characters of letters, digits, ":", "/", "_" and "-"`);
  }

  const retireOnDelete = news.retireOnDelete ?? false;
  if (!isUnknown(retireOnDelete) && typeof retireOnDelete !== "boolean")
    fail("retireOnDelete", "retireOnDelete must be true (RetireGrant) or false (RevokeGrant)");

  const region = news.region;
  checkRegion(region, fail);
  const access = checkAccess(news, fail);

  const inputs: GrantInputs = {
    keyId: keyId as string,
    granteePrincipal: news.granteePrincipal as string,
    operations,
    name: name as string,
    retireOnDelete: retireOnDelete as boolean,
    ...(news.retiringPrincipal ? { retiringPrincipal: news.retiringPrincipal as string } : {}),
    ...(constraints && (isUnknown(constraints) || Object.keys(constraints).length > 0) ? { constraints } : {}),
    ...(Array.isArray(tokens) && tokens.length > 0 ? { grantTokens: tokens as string[] } : {}),
    ...(region !== undefined ? { region: region as string } : {}),
    ...access,
  };
  return { inputs: withoutUndefined(inputs), failures };
}
