/**
 * The request model of the access checks (docs/access-checks.md): the key policy alone decides,
 * the resource is the key, and the request context is free.
 */

/** Who makes a request. */
export type RequestPrincipal =
  /** An IAM identity: an account's root, a user, a role, or a role's session (STS assumed-role ARN). */
  | { kind: "aws"; arn: string }
  /** An AWS service acting for itself (`logs.amazonaws.com`). */
  | { kind: "service"; name: string }
  /** A web-identity or SAML federated caller, by its provider. */
  | { kind: "federated"; name: string }
  /** An S3 canonical user. */
  | { kind: "canonical"; id: string }
  /** A caller no principal element names: an anonymous caller, or a type the policy does not use. */
  | { kind: "anonymous" };

/** One concrete request to the key. */
export interface AccessRequest {
  principal: RequestPrincipal;
  /** `kms:Decrypt` (any case). */
  action: string;
  /** The key's ARN. */
  resource: string;
  /** Condition keys (any case) and their values; a key not named is absent from the request. */
  context: Record<string, string[]>;
}

/** Why a check failed: the statement, and what it may grant. */
export interface AccessReason {
  /** JSON path of the statement, e.g. `Statement[2]`, in the policy the message names. */
  path?: string;
  message: string;
}

export interface AccessCheckResult {
  result: "PASS" | "FAIL";
  reasons: AccessReason[];
}

/** What checkAccessNotGranted asks about. */
export interface AccessQuery {
  /** Actions, wildcards allowed (`kms:*`, `kms:Re*`). */
  actions: string[];
  /** Principals (ARNs, account ids, service names); none means every principal. */
  principals?: string[];
}

/** A grant, as `kms-policy drift`'s live read or a stack export knows it, added to the matrix. */
export interface GrantAccess {
  /** The grantee principal's ARN. */
  granteePrincipal: string;
  /** The grant's operations (`Decrypt`, `GenerateDataKey`, ...). */
  operations: string[];
  /** The grant's constraints (encryption context), if any: its operations then hold only under them. */
  constraints?: Record<string, unknown>;
  /** The grant's id or name, shown as its source. */
  name?: string;
}

/** Actions a principal is allowed under conditions, and the statements (paths) and conditions that decide it. */
export interface ConditionalAccess {
  actions: string[];
  /** JSON path of the statement, or `grant <name>`. */
  source: string;
  /** The statement's conditions, one text each (`StringEquals kms:ViaService = s3.us-east-1.amazonaws.com`). */
  conditions: string[];
}

/** One row of the access matrix. */
export interface AccessEntry {
  /** The principal as the policy names it, or a pattern: `*`, `every principal except ...`, `any identity of account ...`. */
  principal: string;
  /** Actions allowed whatever the request context (no condition, no Deny that may apply). */
  allowed: string[];
  /** Actions allowed under conditions (of the Allow, or unless a conditional Deny applies). */
  conditional: ConditionalAccess[];
  /** Actions denied whatever the request context. */
  denied: string[];
}

/** Who can do what: accessOf's answer. */
export interface AccessMatrix {
  entries: AccessEntry[];
  /** What the matrix cannot show (e.g. access through the account's own IAM policies). */
  notes: string[];
}
