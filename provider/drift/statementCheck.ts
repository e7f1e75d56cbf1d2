import { KeyApi } from "../aws/keys";
import { partitionOf } from "../aws/keyRef";
import { KEY_POLICY_NAME } from "../aws/keyPolicyFacts";
import { diffPolicies, policiesEquivalent } from "../policy";
import { ownStatementText, policyStatements, statementDocument, statementText } from "../policy/statementMerge";
import type { ResourceReport, UnownedStatement } from "./check";
import { ManagedKeyPolicyStatement } from "./stackExport";

/**
 * A KeyPolicyStatement's drift: its own statement only (by Sid), recorded against live, compared
 * by meaning. Another owner's statement changing is not its drift. As refresh does, a statement
 * that differs is read until KMS answers it twice (a deploy moments ago may still show).
 */
export async function checkStatement(
  resource: ManagedKeyPolicyStatement,
  keys: KeyApi,
): Promise<Pick<ResourceReport, "status" | "message" | "policyDiff"> & { live?: string }> {
  const recorded = resource.statement;
  if (recorded === undefined)
    return { status: "error", message: "the recorded statement is a secret in this export; export with --show-secrets to check it" };
  try {
    const options = { tolerant: true, partition: partitionOf(resource.keyArn) };
    const own = (policy: string) => statementDocument(ownStatementText(policy, resource.sid));
    const live = await keys.settledKeyPolicy(resource.keyArn, KEY_POLICY_NAME, statementDocument(recorded), (a, b) =>
      policiesEquivalent(own(a), own(b), options),
    );
    const diff = diffPolicies(statementDocument(recorded), own(live), options);
    return diff.equivalent ? { status: "in-sync", live } : { status: "drifted", policyDiff: diff, live };
  } catch (err) {
    return { status: "error", message: (err as Error).message };
  }
}

/**
 * The statements of a key's policy that no KeyPolicyStatement of the stack owns (by Sid), in the
 * policy's order: the key's default statement, hand-written ones, other stacks' statements. A
 * statement without a Sid is listed by its place in the policy.
 */
export function unownedStatements(keyArn: string, live: string, owned: ReadonlySet<string>): UnownedStatement[] {
  return policyStatements(live)
    .map((s, index) => ({ ...s, index }))
    .filter(({ sid }) => sid === undefined || !owned.has(sid))
    .map(({ sid, statement, index }) => ({ keyArn, ...(sid !== undefined ? { sid } : { index }), statement: statementText(statement, 0) }));
}
