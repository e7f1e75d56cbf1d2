/**
 * The access settings' part of a KeyPolicy's check at preview: `kms-policy:noNewAccess` (an update
 * may not grant access the current policy does not) and `kms-policy:accessNotGranted` (no policy may
 * grant these actions). Pure: the engine's offline checks (docs/access-checks.md), no AWS call.
 */
import { parseKeyRef } from "../aws/keyRef";
import { AccessCheckResult, AccessQuery, checkAccessNotGranted, checkNoNewAccess } from "../policy";
import { CheckFailure, isUnknown } from "./check";
import { ProviderSettings, defaultSettings } from "./settings";

/** The reasons of a FAIL, one line each: the statement's path and what it may grant. */
const reasonsText = (result: AccessCheckResult) => result.reasons.map((r) => `${r.path ? `${r.path}: ` : ""}${r.message}`).join("; ");

/**
 * The failures the access settings add for a KeyPolicy whose pure check passed. `olds` are the
 * previous inputs (empty for a new resource: there is no current policy to compare with, the
 * key's own is not known without a call), `policy` the checked policy text. A check that cannot
 * run is a failure too: with a setting on, a policy it cannot judge is not let through.
 */
export function keyPolicyAccessFailures(
  olds: Record<string, unknown>,
  policy: unknown,
  keyId: unknown,
  settings: Pick<ProviderSettings, "noNewAccess" | "accessNotGranted"> = defaultSettings(),
): CheckFailure[] {
  if (typeof policy !== "string" || isUnknown(policy) || policy === "") return [];
  const ref = typeof keyId === "string" && !isUnknown(keyId) ? parseKeyRef(keyId) : undefined;
  // The current policy was accepted by KMS (it may come from a refresh): read it as refresh does.
  const options = { tolerant: true, ...(ref && !("error" in ref) && ref.partition ? { partition: ref.partition } : {}) };
  const failures: CheckFailure[] = [];
  const current = olds.policy;
  if (settings.noNewAccess && typeof current === "string" && current !== "" && !isUnknown(current)) {
    const result = run(() => checkNoNewAccess(current, policy, options));
    if (result.result === "FAIL")
      failures.push({
        property: "policy",
        reason:
          `kms-policy:noNewAccess is on, and the new policy may grant access the current one does not (existing = current, candidate = new): ${reasonsText(result)}. ` +
          "Fix: narrow the statement to what the current policy allows; or, if the widening is intended, turn the setting off in the same change " +
          "(`pulumi config set kms-policy:noNewAccess false`, in the stack's Pulumi.<stack>.yaml for the reviewer to see) and on again after the update",
      });
  }
  if (settings.accessNotGranted) {
    const query: AccessQuery = settings.accessNotGranted;
    const result = run(() => checkAccessNotGranted(policy, query, options));
    if (result.result === "FAIL")
      failures.push({
        property: "policy",
        reason:
          `kms-policy:accessNotGranted refuses ${query.actions.join(", ")}${query.principals ? ` to ${query.principals.join(", ")}` : ""}, and the policy may grant it: ${reasonsText(result)}. ` +
          "Fix: remove the action or principal from the statement, narrow its conditions, or add a Deny for them",
      });
  }
  return failures;
}

/** The check's result, or a FAIL that says why it could not run. */
function run(check: () => AccessCheckResult): AccessCheckResult {
  try {
    return check();
  } catch (err) {
    return { result: "FAIL", reasons: [{ message: `could not check: ${(err as Error).message}` }] };
  }
}
