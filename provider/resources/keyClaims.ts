import * as pulumi from "@pulumi/pulumi";
import { KeyIdentity, certainlySameKey } from "../aws/keyRef";
import { perRunRegistry } from "./perRun";

/**
 * What the program's resources claim of each key: a KeyPolicy the whole policy, a
 * KeyPolicyStatement the statement with its Sid. Two claims that would overwrite each other on
 * every `pulumi up` fail the preview, naming both resources. One key is one partition, account,
 * Region and id (two replicas of a multi-Region key are two keys).
 */
export interface KeyClaim {
  kind: "KeyPolicy" | "KeyPolicyStatement";
  name: string;
  /** The resource's URN: two resources of one name under different parents are two claims. */
  urn: string;
  /** The key as the program gave it. */
  keyId: string;
  identity: KeyIdentity;
  /** A KeyPolicyStatement's Sid. */
  sid?: string;
}

/** The claims of this run of the program, by URN (perRunRegistry: Automation API runs never meet). */
const claimsOfThisRun = perRunRegistry<KeyClaim>();

/** Why two claims on one key cannot both stand; undefined when they can. */
function conflict(claim: KeyClaim, other: KeyClaim): string | undefined {
  const key = `key ${claim.keyId}${other.keyId === claim.keyId ? "" : ` (also given as ${other.keyId})`}`;
  if (claim.kind === "KeyPolicy" && other.kind === "KeyPolicy") {
    return `KeyPolicy "${claim.name}" and KeyPolicy "${other.name}" both manage ${key}; a key has one policy. Merge their statements into one KeyPolicy.`;
  }
  if (claim.kind === "KeyPolicyStatement" && other.kind === "KeyPolicyStatement") {
    if (claim.sid !== other.sid) return undefined;
    return `KeyPolicyStatement "${claim.name}" and KeyPolicyStatement "${other.name}" both manage the statement with Sid "${claim.sid}" of ${key}; a Sid names one statement. Give one of them another Sid.`;
  }
  const [whole, part] = claim.kind === "KeyPolicy" ? [claim, other] : [other, claim];
  return (
    `KeyPolicy "${whole.name}" manages the whole policy of ${key}, and KeyPolicyStatement "${part.name}" one statement of it ("${part.sid}"): ` +
    "the KeyPolicy would remove the statement on every update. Put the statement into the KeyPolicy's policy, or replace the KeyPolicy with KeyPolicyStatements."
  );
}

/** Records the claim, or throws a ResourceError on `resource` naming the claim it conflicts with. */
export function claimKey(claim: KeyClaim, resource: pulumi.Resource): void {
  const claims = claimsOfThisRun();
  for (const other of claims.values()) {
    if (other.urn === claim.urn) continue;
    if (!certainlySameKey(other.identity, claim.identity)) continue;
    const why = conflict(claim, other);
    if (why) throw new pulumi.ResourceError(why, resource);
  }
  claims.set(claim.urn, claim);
}
