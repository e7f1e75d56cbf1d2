/**
 * Turns KMS errors into messages a person can act on. Every message says what failed, why, and
 * what to do; transient failures also say that running again is safe.
 */

export interface KmsErrorContext {
  /** e.g. `PutKeyPolicy` */
  operation: string;
  /** The key the call was about. */
  keyId: string;
  /** IAM permission the call needs, e.g. `kms:PutKeyPolicy`. */
  permission: string;
}

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $retryable?: unknown;
}

export function errorName(err: unknown): string {
  return (err as SdkError)?.name ?? "";
}

export function isNotFound(err: unknown): boolean {
  return errorName(err) === "NotFoundException";
}

const TRANSIENT = new Set([
  "ThrottlingException",
  "KMSInternalException",
  "DependencyTimeoutException",
  "TimeoutError",
  "RequestTimeout",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
]);

export function isTransient(err: unknown): boolean {
  const e = err as SdkError & { code?: string };
  return TRANSIENT.has(errorName(err)) || TRANSIENT.has(e?.code ?? "") || (e?.$metadata?.httpStatusCode ?? 0) >= 500;
}

/**
 * Did KMS answer with a refusal, so that the request certainly changed nothing? A transient
 * failure does not say so, nor does a refusal of a retry: the SDK retried because an earlier
 * attempt failed in a way that leaves open whether KMS carried it out (`$metadata.attempts` > 1).
 */
export function isRefusal(err: unknown): boolean {
  const cause = err instanceof KmsOperationError ? err.cause : err;
  const metadata = (cause as SdkError)?.$metadata;
  const status = metadata?.httpStatusCode ?? 0;
  return status >= 400 && status < 500 && !isTransient(cause) && (metadata?.attempts ?? 1) <= 1;
}

/** A KMS failure, explained. `cause` keeps the SDK error for logs. */
export class KmsOperationError extends Error {
  readonly code: string;
  constructor(message: string, code: string, cause: unknown) {
    super(message, { cause });
    this.name = "KmsOperationError";
    this.code = code;
  }
}

export function explainKmsError(err: unknown, ctx: KmsErrorContext, extra = ""): KmsOperationError {
  const name = errorName(err) || "Error";
  const detail = ((err as SdkError)?.message ?? String(err)).trim();
  const what = `${ctx.operation} on key ${ctx.keyId} failed`;
  let advice: string;
  switch (name) {
    case "NotFoundException":
      advice =
        "KMS has no such key (or no such grant) in this account and region. Check keyId and region, or that the key was not deleted.";
      break;
    case "MalformedPolicyDocumentException":
      advice =
        "KMS refused the policy document. A principal that does not exist (deleted role or user) is the usual cause; KMS also refuses a policy that would lock out the caller unless bypassPolicyLockoutSafetyCheck is set.";
      break;
    case "KMSInvalidStateException":
      advice =
        "the key's state does not allow this operation (disabled, pending deletion, pending import or unavailable). Enable the key or cancel its deletion, then run again.";
      break;
    case "DisabledException":
      advice = "the key is disabled. Enable it (EnableKey), then run again.";
      break;
    case "LimitExceededException":
      advice =
        "a KMS quota was reached (policy size is at most 32 KB; grants per key and per grantee are limited). Remove unused grants or statements, or request a quota increase.";
      break;
    case "AccessDeniedException":
      // RetireGrant is authorized by the grant itself, not by key or IAM policies (KMS Developer
      // Guide, "Retiring and revoking grants"): no policy change can help.
      advice =
        ctx.operation === "RetireGrant"
          ? "the grant decides who may retire it, not the key policy or IAM: its retiring principal, its grantee if the grant allows RetireGrant, or the account that created it. " +
            "Run as one of those (assumeRole or profile), or delete with RevokeGrant instead (retireOnDelete: false; needs kms:RevokeGrant on the key)."
          : `the caller is not allowed to call ${ctx.operation}: grant ${ctx.permission} on this key to the identity Pulumi runs as (in the key policy, or in IAM if the key policy delegates to IAM).`;
      break;
    case "AssumeRoleError":
      advice = "no call reached KMS: the credentials for it could not be had (the message above names the role and the fix).";
      break;
    case "InvalidArnException":
    case "ValidationException":
    case "InvalidGrantIdException":
      advice = "KMS refused an argument; the message above says which.";
      break;
    default:
      advice = isTransient(err)
        ? "this looks transient (throttling or a KMS-side fault) and survived every retry. It is safe to run again."
        : "see the message above.";
  }
  return new KmsOperationError(`${what}: ${name}: ${detail}\n${advice}${extra ? `\n${extra}` : ""}`, name, err);
}
