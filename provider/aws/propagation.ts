import { Clock, sleep } from "../clock";
import { errorName, KmsOperationError } from "./errors";

/**
 * IAM is eventually consistent: a role or user created moments ago (often in the same `pulumi up`)
 * is not yet known to KMS, which then refuses a call naming it. CreateGrant answers
 * InvalidArnException for such a grantee, PutKeyPolicy MalformedPolicyDocumentException with
 * "invalid principals" (KMS Developer Guide, "Troubleshooting key access"; IAM User Guide,
 * "Changes that I make are not always immediately visible"). Terraform retries both for two
 * minutes (terraform-provider-aws, `propagationTimeout` in internal/service/kms). Here the window
 * is the stack setting `kms-policy:iamPropagationSeconds`.
 */

/** Terraform's window for IAM propagation, in seconds. */
export const DEFAULT_IAM_PROPAGATION_SECONDS = 120;

/** How long to keep retrying a refusal that may only mean "not propagated yet", and the clock to measure it by. */
export interface PropagationWait {
  /** The window, in seconds; 0 turns the retry off. */
  seconds: number;
  clock: Clock;
  /** The first pause between attempts, doubled up to 10 s. */
  firstPauseMs?: number;
}

/** Whether a KMS refusal of `operation` may only mean that a principal in it has not propagated yet. */
export function isPropagationRefusal(operation: "CreateGrant" | "PutKeyPolicy", err: unknown): boolean {
  const cause = err instanceof KmsOperationError ? err.cause : err;
  const name = errorName(cause);
  if (operation === "CreateGrant") return name === "InvalidArnException";
  return name === "MalformedPolicyDocumentException" && /invalid principal/i.test((cause as Error)?.message ?? "");
}

/**
 * Runs `call`; while it fails with a propagation refusal and the window is open, waits and runs it
 * again. A refusal changed nothing, so running again is safe. The last refusal is rethrown with a
 * line saying how long propagation was waited for, and the setting that sets it.
 */
export async function retryWhilePropagating<T>(
  operation: "CreateGrant" | "PutKeyPolicy",
  wait: PropagationWait | undefined,
  call: () => Promise<T>,
): Promise<T> {
  if (!wait || wait.seconds <= 0) return call();
  const started = wait.clock.now();
  const deadline = started + wait.seconds * 1000;
  let pauseMs = wait.firstPauseMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isPropagationRefusal(operation, err)) throw err;
      const now = wait.clock.now();
      if (now >= deadline) {
        const waited = Math.round((now - started) / 1000);
        const message =
          `${(err as Error).message}\nIAM propagation was waited for: ${operation} was tried ${attempt} times over ${waited}s ` +
          `(kms-policy:iamPropagationSeconds is ${wait.seconds}). A principal this long unknown to KMS is most likely misspelt or deleted, ` +
          "not new; if it is new, raise kms-policy:iamPropagationSeconds.";
        if (err instanceof KmsOperationError) throw new KmsOperationError(message, err.code, err.cause);
        throw new Error(message, { cause: err });
      }
      await sleep(wait.clock, Math.min(pauseMs, deadline - now));
      pauseMs = Math.min(pauseMs * 2, 10_000);
    }
  }
}
