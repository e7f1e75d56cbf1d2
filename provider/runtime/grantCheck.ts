import { Access } from "../aws/access";
import {
  GRANT_IAM_PRINCIPAL,
  GRANT_NAME,
  GRANT_OPERATIONS,
  GRANT_SERVICE_PRINCIPAL,
  GRANT_SOURCE_ARN,
  GrantConstraints,
  GrantParameters,
  MAX_CONTEXT_PAIRS,
  MAX_CONTEXT_VALUE_LENGTH,
} from "../aws/grantFacts";
import { CheckFailure, checkAccess, checkKeyId, checkRegion, Fail, isUnknown, plainInputs, withoutUndefined } from "./check";
import { GRANT_FIELDS } from "../fields/grant";

/** Inputs of a Grant after check: operations sorted and distinct, defaults filled. */
export interface GrantInputs extends GrantParameters, Access {
  keyId: string;
  grantTokens?: string[];
  name: string;
  retireOnDelete: boolean;
  region?: string;
}

const given = (value: unknown): boolean => value !== undefined && value !== null && value !== "";

/** The two fields of one principal: CreateGrant has an IAM field and a service field for each. */
interface PrincipalPair {
  iam: "granteePrincipal" | "retiringPrincipal";
  service: "granteeServicePrincipal" | "retiringServicePrincipal";
}
const GRANTEE: PrincipalPair = { iam: "granteePrincipal", service: "granteeServicePrincipal" };
const RETIRING: PrincipalPair = { iam: "retiringPrincipal", service: "retiringServicePrincipal" };

/** Each field takes its own kind of principal; the other kind gets an error that names the right field. */
function checkPrincipalPair(news: Record<string, unknown>, pair: PrincipalPair, fail: Fail, serviceNeeds = ""): void {
  const iam = news[pair.iam];
  const service = news[pair.service];
  if (given(iam) && !isUnknown(iam)) {
    if (typeof iam === "string" && GRANT_SERVICE_PRINCIPAL.test(iam) && !iam.startsWith("arn:")) {
      fail(
        pair.iam,
        `"${iam}" is a service principal, and ${pair.iam} takes IAM principals only: set it as ${pair.service} instead${serviceNeeds}`,
      );
    } else if (typeof iam !== "string" || !GRANT_IAM_PRINCIPAL.test(iam)) {
      fail(
        pair.iam,
        `${pair.iam} "${String(iam)}" is not a principal KMS accepts: use an IAM ARN such as "arn:aws:iam::111122223333:role/app", or ${pair.service} for an AWS service such as "logs.us-east-1.amazonaws.com"`,
      );
    }
  }
  if (given(service) && !isUnknown(service)) {
    if (typeof service === "string" && GRANT_IAM_PRINCIPAL.test(service)) {
      fail(
        pair.service,
        `"${service}" is an IAM principal, and ${pair.service} takes AWS service principals only: set it as ${pair.iam} instead`,
      );
    } else if (typeof service !== "string" || !GRANT_SERVICE_PRINCIPAL.test(service)) {
      fail(
        pair.service,
        `${pair.service} "${String(service)}" is not a service principal: use the service's principal, such as "logs.us-east-1.amazonaws.com" (at most 128 characters)`,
      );
    }
  }
  if (given(iam) && given(service) && !isUnknown(iam) && !isUnknown(service)) {
    fail(
      pair.service,
      `give ${pair.iam} or ${pair.service}, not both: CreateGrant takes one ${pair === GRANTEE ? "grantee" : "retiring principal"}; remove one`,
    );
  }
}

function checkContext(value: unknown, property: string, fail: Fail): Record<string, string> | undefined {
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

const CONSTRAINT_KEYS = ["encryptionContextEquals", "encryptionContextSubset", "sourceArn"];

/**
 * The constraints in one object form. @pulumi/aws's kms.Grant takes a list of one constraint
 * object; an empty list is no constraint. The result keeps Pulumi's unknown marker where it was.
 */
function checkConstraints(value: unknown, fail: Fail): GrantConstraints | undefined {
  let c = value;
  if (Array.isArray(c)) {
    if (c.length > 1)
      fail("constraints", `the list form of constraints (@pulumi/aws's) takes one element, not ${c.length}: merge them into one object`);
    c = c[0];
  }
  if (c === undefined || c === null) return undefined;
  if (isUnknown(c)) return c as GrantConstraints;
  if (typeof c !== "object" || Array.isArray(c)) {
    fail("constraints", "constraints must be an object with encryptionContextEquals or encryptionContextSubset, and/or sourceArn");
    return undefined;
  }
  const raw = c as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!CONSTRAINT_KEYS.includes(key))
      fail("constraints", `"${key}" is not a grant constraint: use encryptionContextEquals or encryptionContextSubset, and/or sourceArn`);
  }
  if (given(raw.encryptionContextEquals) && given(raw.encryptionContextSubset)) {
    fail("constraints", "give encryptionContextEquals or encryptionContextSubset, not both: KMS accepts one constraint type per grant");
  }
  const equals = checkContext(raw.encryptionContextEquals, "constraints.encryptionContextEquals", fail);
  const subset = checkContext(raw.encryptionContextSubset, "constraints.encryptionContextSubset", fail);
  const sourceArn = raw.sourceArn;
  if (given(sourceArn) && !isUnknown(sourceArn) && (typeof sourceArn !== "string" || !GRANT_SOURCE_ARN.test(sourceArn))) {
    fail(
      "constraints.sourceArn",
      `"${String(sourceArn)}" is not an ARN a SourceArn constraint takes: give the ARN of the resource the service acts for, with its account, such as "arn:aws:logs:us-east-1:111122223333:log-group:app" (20 to 512 characters)`,
    );
  }
  const constraints: GrantConstraints = {
    ...(equals ? { encryptionContextEquals: equals } : {}),
    ...(subset ? { encryptionContextSubset: subset } : {}),
    ...(given(sourceArn) ? { sourceArn: sourceArn as string } : {}),
  };
  return Object.keys(constraints).length ? constraints : undefined;
}

/**
 * Validates Grant inputs without calling AWS; every failure names the property and the fix. `olds`
 * are the inputs the state records (none for a new resource): a Grant the program gives no name
 * keeps the state's, as Pulumi's own autonaming does, and only a new one takes the program's
 * `defaultName` (derived from its URN). So a `pulumi stack rename`, which changes the URN, replaces
 * no grant, and a stack made before the URN-derived default keeps its grants' names.
 */
export function checkGrant(
  news: Record<string, unknown>,
  olds: Record<string, unknown> = {},
): { inputs: GrantInputs; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });

  const keyId = news.keyId;
  checkKeyId(news, fail, { required: "keyId is required: the id or ARN of the KMS key the grant is for" });

  if (!given(news.granteePrincipal) && !given(news.granteeServicePrincipal)) {
    fail(
      "granteePrincipal",
      "granteePrincipal is required: the ARN of the role, user or account root that gets the permissions (e.g. role.arn); for an AWS service, set granteeServicePrincipal instead",
    );
  }
  const serviceNeeds = " (a service grantee also needs constraints.sourceArn and a retiringPrincipal or retiringServicePrincipal)";
  checkPrincipalPair(news, GRANTEE, fail, serviceNeeds);
  checkPrincipalPair(news, RETIRING, fail);

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

  const constraints = checkConstraints(news.constraints, fail);
  if (given(news.granteeServicePrincipal)) {
    if (!isUnknown(constraints) && !given(constraints?.sourceArn)) {
      fail(
        "constraints.sourceArn",
        "a grant to a service principal needs a SourceArn constraint (CreateGrant): set constraints.sourceArn to the ARN of the resource the service acts for",
      );
    }
    if (!given(news.retiringPrincipal) && !given(news.retiringServicePrincipal)) {
      fail(
        "retiringPrincipal",
        "a grant to a service principal needs a retiring principal (CreateGrant): set retiringPrincipal (an IAM ARN) or retiringServicePrincipal",
      );
    }
  }

  // @pulumi/aws's kms.Grant calls them grantCreationTokens: the alias becomes grantTokens here, so
  // that either spelling makes the same inputs and no diff.
  let tokens = news.grantTokens;
  let tokensProperty = "grantTokens";
  if (given(news.grantCreationTokens)) {
    if (!given(tokens)) [tokens, tokensProperty] = [news.grantCreationTokens, "grantCreationTokens"];
    else if (
      !isUnknown(tokens) &&
      !isUnknown(news.grantCreationTokens) &&
      JSON.stringify(tokens) !== JSON.stringify(news.grantCreationTokens)
    ) {
      fail(
        "grantCreationTokens",
        "grantCreationTokens is another name for grantTokens (@pulumi/aws's), and the two differ: give one of them",
      );
    }
  }
  if (tokens !== undefined && tokens !== null && !isUnknown(tokens)) {
    if (!Array.isArray(tokens) || tokens.length > 10 || tokens.some((t) => typeof t !== "string" || t.length === 0 || t.length > 8192)) {
      fail(tokensProperty, `${tokensProperty} must be a list of at most 10 non-empty grant tokens`);
    }
  }

  const name = given(news.name) ? news.name : given(olds.name) ? olds.name : news.defaultName;
  if (!isUnknown(name) && (typeof name !== "string" || !GRANT_NAME.test(name))) {
    fail("name", `name "${String(name)}" must be 1 to 256 characters of letters, digits, ":", "/", "_" and "-"`);
  }

  const region = news.region;
  checkRegion(region, fail);
  const access = checkAccess(news, fail);

  const inputs: GrantInputs = {
    ...plainInputs(GRANT_FIELDS, news, fail),
    keyId: keyId as string,
    ...(given(news.granteePrincipal) ? { granteePrincipal: news.granteePrincipal as string } : {}),
    ...(given(news.granteeServicePrincipal) ? { granteeServicePrincipal: news.granteeServicePrincipal as string } : {}),
    operations,
    name: name as string,
    ...(given(news.retiringPrincipal) ? { retiringPrincipal: news.retiringPrincipal as string } : {}),
    ...(given(news.retiringServicePrincipal) ? { retiringServicePrincipal: news.retiringServicePrincipal as string } : {}),
    ...(constraints ? { constraints } : {}),
    ...(Array.isArray(tokens) && tokens.length > 0 ? { grantTokens: tokens as string[] } : {}),
    ...(region !== undefined ? { region: region as string } : {}),
    ...access,
  };
  return { inputs: withoutUndefined(inputs), failures };
}
