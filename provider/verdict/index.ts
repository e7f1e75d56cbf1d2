import { GrantListEntry } from "@aws-sdk/client-kms";
import { errorName } from "../aws/errors";
import { changedParameters, fromListing, GrantParameters } from "../aws/grantFacts";
import { GONE_KEY_STATES, KeyFacts } from "../aws/keys";
import { partitionOf } from "../aws/keyRef";
import { diffPolicies, PolicyDiff, policiesEquivalent } from "../policy";
import { AWS_UNIQUE_ID } from "../policy/grammar";

/**
 * What KMS's answers mean for a resource the state records: refresh (runtime/*Lifecycle.ts `read`)
 * and `kms-policy drift` (drift/check.ts) both judge with these, so that "drift" means the same in
 * both. Pure: the callers make the calls, pass the answers in and act on the verdict.
 */

/**
 * Whether a failure says the key does not exist. The AWS layer wraps the SDK's error in an
 * explained KmsOperationError, keeping the SDK's as its `cause`: NotFound is looked for in both.
 */
export function isKeyNotFound(err: unknown): boolean {
  return errorName(err) === "NotFoundException" || errorName((err as { cause?: unknown } | undefined)?.cause) === "NotFoundException";
}

/** What DescribeKey's answer means for every resource on the key. */
export type KeyVerdict =
  | { status: "usable"; key: KeyFacts }
  /** Deleted, or pending deletion (then `key` says its state): the resources on it are gone from the stack. */
  | { status: "gone"; reason: string; key?: KeyFacts }
  | { status: "error"; error: unknown };

/** Judges DescribeKey's answer (the key's facts, or the failure) for the key `keyRef` names. */
export function judgeKey(keyRef: string, answer: { key: KeyFacts } | { error: unknown }): KeyVerdict {
  if ("error" in answer) {
    return isKeyNotFound(answer.error)
      ? { status: "gone", reason: `key ${keyRef} no longer exists` }
      : { status: "error", error: answer.error };
  }
  const { key } = answer;
  if (GONE_KEY_STATES.has(key.state)) return { status: "gone", reason: `key ${key.arn} is ${key.state}`, key };
  return { status: "usable", key };
}

/**
 * Asks DescribeKey through `keys` and judges its answer (judgeKey): refresh, delete and drift read
 * a recorded key with this. A failure is judged too, never thrown: `error` carries one that is not
 * NotFound.
 */
export async function describeAndJudgeKey(keys: { describeKey(keyId: string): Promise<KeyFacts> }, keyRef: string): Promise<KeyVerdict> {
  try {
    return judgeKey(keyRef, { key: await keys.describeKey(keyRef) });
  } catch (error) {
    return judgeKey(keyRef, { error });
  }
}

/**
 * How a policy of a key is read: tolerantly, since a recorded or live policy is one KMS accepted
 * (validation is for what check lets through), with a bare account id meaning the root of the
 * key's own partition.
 */
export function policyReading(keyRef: string): { tolerant: true; partition?: string } {
  return { tolerant: true, partition: partitionOf(keyRef) };
}

/** The two policies of the key mean the same; a document the engine cannot read differs rather than fails. */
export function samePolicy(a: string, b: string, keyRef: string): boolean {
  try {
    return policiesEquivalent(a, b, policyReading(keyRef));
  } catch {
    return false;
  }
}

export type PolicyVerdict =
  | { status: "in-sync" }
  /** `diff` is absent only when the engine could not read one of the two (`unreadable` says why). */
  | { status: "drifted"; diff?: PolicyDiff; unreadable?: string };

/** Judges the live policy of a key (a settled read) against the recorded one. */
export function judgePolicy(recorded: string, live: string, keyRef: string): PolicyVerdict {
  if (samePolicy(recorded, live, keyRef)) return { status: "in-sync" };
  try {
    return { status: "drifted", diff: diffPolicies(recorded, live, policyReading(keyRef)) };
  } catch (err) {
    return { status: "drifted", unreadable: (err as Error).message };
  }
}

/** A field of a grant whose live value differs from the recorded one. */
export interface FieldChange {
  field: keyof GrantParameters;
  recorded: unknown;
  live: unknown;
}

/** What the state records of a grant; a stack export can lack the parameters. */
export interface RecordedGrant extends Partial<GrantParameters> {
  grantId: string;
  /** When this provider created the grant (ISO 8601); absent in an old state. */
  createdAt?: string;
}

export type GrantVerdict =
  | { status: "in-sync"; live: GrantParameters }
  /** `granteeDeleted`: KMS shows the grantee as a bare unique id on a grant old enough for it to mean so. */
  | { status: "drifted"; live: GrantParameters; changes: FieldChange[]; granteeDeleted: boolean }
  /** A grant younger than the listing delay that ListGrants does not show yet. */
  | { status: "not-listed-yet"; ageMs: number }
  /**
   * A grant younger than the listing delay whose grantee KMS shows as a unique id (`AROA...`): KMS
   * does so for a role created moments before, until IAM has propagated it (aws-sdk-go#1718; the
   * Terraform provider reads again, terraform-provider-aws#29245). Not yet drift.
   */
  | { status: "unsettled-grantee"; ageMs: number; shownAs: string }
  /** Revoked or retired outside Pulumi. */
  | { status: "gone" };

/**
 * How long ago the grant was created: the recorded time, else the listing's CreationDate; Infinity
 * when neither says (an old state, and a grant ListGrants does not show).
 */
export function grantAge(recorded: Pick<RecordedGrant, "createdAt">, entry: GrantListEntry | undefined, now: number): number {
  const at = Date.parse(recorded.createdAt ?? "");
  if (!Number.isNaN(at)) return now - at;
  return entry?.CreationDate ? now - new Date(entry.CreationDate).getTime() : Infinity;
}

/**
 * Judges a grant against its listing (`entry`: undefined when ListGrants does not show it). A grant
 * younger than `youngMs` (the listing delay) that is missing, or whose grantee KMS shows as a unique
 * id, is not settled yet: the caller may read again, and reports neither as drift.
 */
export function judgeGrant(recorded: RecordedGrant, entry: GrantListEntry | undefined, now: number, youngMs: number): GrantVerdict {
  const ageMs = grantAge(recorded, entry, now);
  if (!entry) return ageMs < youngMs ? { status: "not-listed-yet", ageMs } : { status: "gone" };
  const live = fromListing(entry);
  const changes: FieldChange[] = changedParameters(recorded, live).map((field) => ({
    field,
    recorded: recorded[field] ?? null,
    live: live[field] ?? null,
  }));
  if (changes.length === 0) return { status: "in-sync", live };
  const shownAs = live.granteePrincipal ?? "";
  const uniqueId = changes.some((c) => c.field === "granteePrincipal") && AWS_UNIQUE_ID.test(shownAs);
  if (uniqueId && ageMs < youngMs) return { status: "unsettled-grantee", ageMs, shownAs };
  return { status: "drifted", live, changes, granteeDeleted: uniqueId };
}

/** What a grant's key and its listing mean together: a grant verdict, or the key's gone or failed reading. */
export type GrantOnKeyVerdict =
  | GrantVerdict
  /** The key is deleted or pending deletion (`reason` says which): the grant is gone from the stack. */
  | { status: "key-gone"; reason: string }
  /** DescribeKey or ListGrants failed: nothing can be said of the grant. */
  | { status: "error"; error: unknown };

/**
 * Judges a grant from its key's verdict (DescribeKey, asked first) and the key's listing
 * (`undefined` when not asked, which a gone or failed key leaves unneeded). A grant on a key pending
 * deletion is gone, as a KeyPolicy on it is (judgeKey): ListGrants still answers there (KMS
 * Developer Guide, "Key states of AWS KMS keys"), but the key cannot be used and is deleted at the
 * end of its waiting period, taking its grants with it; cancelling the deletion brings the key
 * back, and the next refresh finds the grant as it is then. Refresh and drift both judge with this.
 */
export function judgeGrantOnKey(
  recorded: RecordedGrant,
  key: KeyVerdict,
  listing: { entry: GrantListEntry | undefined } | { error: unknown } | undefined,
  now: number,
  youngMs: number,
): GrantOnKeyVerdict {
  if (key.status === "gone") return { status: "key-gone", reason: key.reason };
  if (key.status === "error") return { status: "error", error: key.error };
  if (listing === undefined) return { status: "error", error: new Error(`grant ${recorded.grantId}: its key's grants were not listed`) };
  if ("error" in listing) return { status: "error", error: listing.error };
  return judgeGrant(recorded, listing.entry, now, youngMs);
}

/** Whether reading the grant again may change the verdict (it is young, and not settled). */
export function unsettled(
  verdict: GrantOnKeyVerdict,
): verdict is Extract<GrantVerdict, { status: "not-listed-yet" | "unsettled-grantee" }> {
  return verdict.status === "not-listed-yet" || verdict.status === "unsettled-grantee";
}

/** One line on an unsettled verdict, for refresh's log and drift's report (both name the grant before it). */
export function unsettledMessage(verdict: Extract<GrantVerdict, { status: "not-listed-yet" | "unsettled-grantee" }>): string {
  const age = `created ${Math.round(verdict.ageMs / 1000)}s ago`;
  return verdict.status === "not-listed-yet"
    ? `not listed yet (${age}; KMS lists new grants with a delay)`
    : `its grantee is listed as the unique id ${verdict.shownAs} (${age}; KMS shows a role or user created moments before so until IAM has propagated it): not drift unless it persists`;
}
