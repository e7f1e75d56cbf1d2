import { GrantListEntry } from "@aws-sdk/client-kms";

/**
 * What a KMS grant is, in this package's terms, and when two grants are the same to KMS. Pure; the
 * Grant lifecycle (diff, read, the twin check) and the drift check both judge grants with it.
 */

/**
 * How long a new grant may be missing from ListGrants: KMS documents that a grant can take up to
 * five minutes to be consistent everywhere (Developer Guide, "Eventual consistency" under grants).
 */
export const DEFAULT_GRANT_LISTING_DELAY_SECONDS = 300;

/** An encryption-context constraint: at most one of the two maps. */
export interface GrantConstraints {
  encryptionContextEquals?: Record<string, string>;
  encryptionContextSubset?: Record<string, string>;
}

/** The parameters that make a grant: CreateGrant takes them, ListGrants reports them back. */
export interface GrantParameters {
  granteePrincipal: string;
  operations: string[];
  retiringPrincipal?: string;
  constraints?: GrantConstraints;
}

/** Same members, whatever the order (operations are a set to KMS). */
export const sameSet = (a: string[] = [], b: string[] = []): boolean =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** Same constraint to KMS: context keys compare case-insensitively, values exactly. */
export function sameConstraints(a: GrantConstraints | undefined, b: GrantConstraints | undefined): boolean {
  const canon = (c: Record<string, string> | undefined) =>
    c
      ? JSON.stringify(
          Object.entries(c)
            .map(([k, v]) => [k.toLowerCase(), v])
            .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
        )
      : "";
  return (
    canon(a?.encryptionContextEquals) === canon(b?.encryptionContextEquals) &&
    canon(a?.encryptionContextSubset) === canon(b?.encryptionContextSubset)
  );
}

/** The grant as KMS lists it, in the inputs' terms. */
export function fromListing(entry: GrantListEntry): GrantParameters {
  const c = entry.Constraints;
  const constraints: GrantConstraints = {
    ...(c?.EncryptionContextEquals ? { encryptionContextEquals: c.EncryptionContextEquals } : {}),
    ...(c?.EncryptionContextSubset ? { encryptionContextSubset: c.EncryptionContextSubset } : {}),
  };
  return {
    granteePrincipal: entry.GranteePrincipal ?? "",
    operations: [...(entry.Operations ?? [])].sort(),
    ...(entry.RetiringPrincipal ? { retiringPrincipal: entry.RetiringPrincipal } : {}),
    ...(Object.keys(constraints).length ? { constraints } : {}),
  };
}

/**
 * The parameters in which two grants differ, in a fixed order. A grantee or operations that
 * `recorded` leaves out (a stack export can lack them) are not compared: nothing says they changed.
 */
export function changedParameters(recorded: Partial<GrantParameters>, other: GrantParameters): Array<keyof GrantParameters> {
  const changed: Array<keyof GrantParameters> = [];
  if (recorded.granteePrincipal !== undefined && recorded.granteePrincipal !== other.granteePrincipal) changed.push("granteePrincipal");
  if (recorded.operations !== undefined && !sameSet(recorded.operations, other.operations)) changed.push("operations");
  if ((recorded.retiringPrincipal ?? "") !== (other.retiringPrincipal ?? "")) changed.push("retiringPrincipal");
  if (!sameConstraints(recorded.constraints, other.constraints)) changed.push("constraints");
  return changed;
}
