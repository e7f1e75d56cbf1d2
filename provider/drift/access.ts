import { AccessReason, EngineOptions, checkNoNewAccess } from "../policy";

/**
 * What a drifted key policy does to access: whether the live policy allows any request the
 * stack's does not (a security alert: someone widened the key outside Pulumi), or only narrows
 * or rewrites it. Judged by checkNoNewAccess(stack's, live), which is sound: "no new access" is
 * said only when proven, and anything it cannot prove counts as new access.
 */
export interface PolicyAccessChange {
  /** True when the live policy may grant access the stack's does not (proven, or not disproven). */
  newAccess: boolean;
  /** The engine's reasons (paths in the live policy; "existing" is the stack's, "candidate" the live one). */
  reasons: AccessReason[];
}

/**
 * The access change from the stack's policy to the live one, or undefined when it cannot be judged
 * (a live policy the engine cannot read even tolerantly): reading never throws on what KMS stored.
 */
export function accessChange(declared: string, live: string, options: EngineOptions): PolicyAccessChange | undefined {
  try {
    const result = checkNoNewAccess(declared, live, options);
    return { newAccess: result.result === "FAIL", reasons: result.reasons };
  } catch {
    return undefined;
  }
}

/** One line for a report: the alert, or that the drift only narrows. */
export function accessChangeLine(change: PolicyAccessChange): string {
  return change.newAccess
    ? "SECURITY: the live policy may grant access the stack's policy does not (existing = the stack's, candidate = the live policy):"
    : "the live policy grants no access the stack's policy does not: the drift only narrows it (or says the same otherwise)";
}
