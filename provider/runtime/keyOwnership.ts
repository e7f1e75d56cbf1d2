import * as crypto from "crypto";
import * as zlib from "zlib";
import { canonicalPolicyJson } from "../policy";

/**
 * Which KeyPolicy resource manages a key, recorded on the key itself as tags, so that a resource
 * replaced or renamed without an alias hands the key over instead of reverting it. Pulumi creates
 * the new resource before it deletes the old one, and both name the same key.
 *
 * A tag is a claim by someone who may be gone (a resource removed with `pulumi state delete`,
 * `retainOnDelete` or `stack rm --force`, or a second stack), so a create trusts the pre-stack
 * policy recorded in another owner's tags only from a predecessor this stack is replacing:
 * - a replacement: the provider's diff named the old resource (its state, not the tags, gives
 *   the pre-stack policy);
 * - a rename without an alias, or a replacement the diff did not see: the successor records the
 *   key's live policy and names the owner it found as its predecessor; the predecessor's delete,
 *   later in the same `up`, proves it was this stack's and hands its own pre-stack policy over,
 *   marking the tags `handed-over-by`. The successor's refresh and delete then take it.
 * - an unfinished create (killed after its claim, before it was in any state): its claim is
 *   marked pending with a digest of the policy it was putting; while the key still has exactly
 *   that policy nobody has changed the key since, so its recorded pre-stack policy stands.
 * Pure: the tags are read and written through KeyApi (kms:ListResourceTags, kms:TagResource,
 * kms:UntagResource).
 */

export const OWNER_TAG = "pulumi-kms-policy:owner";
/** A claim written before its PutKeyPolicy and not confirmed yet: the digest of the policy being put. */
export const PENDING_TAG = "pulumi-kms-policy:pending";
/** The owner the current owner found on the key at its create: its predecessor, if it hands over. */
export const PREDECESSOR_TAG = "pulumi-kms-policy:predecessor";
/** Written by a predecessor's delete: the pre-stack policy tags are now that predecessor's, handed over. */
export const HANDED_OVER_TAG = "pulumi-kms-policy:handed-over-by";
/** The pre-stack policy, deflated and base64-encoded, in tag values of at most 256 characters. */
export const PREVIOUS_POLICY_TAG_PREFIX = "pulumi-kms-policy:previous-policy-";
const TAG_VALUE_LENGTH = 256;
/** KMS allows 50 tags per key; the user's own tags need room too. */
export const MAX_PREVIOUS_POLICY_TAGS = 30;

/** A new owner id: one per KeyPolicy create, kept in its outputs. */
export function newOwnerId(): string {
  return crypto.randomBytes(12).toString("hex");
}

/** What a claim says besides its owner. */
export interface ClaimDetails {
  /** The pre-stack policy; undefined records none (kms-policy:previousPolicyInTags false). */
  previousPolicy?: string;
  /** policyDigest of the policy about to be put: the claim is pending until the put is confirmed. */
  pending?: string;
  /** The owner found on the key at the create. */
  predecessor?: string;
  /**
   * Kept from the owner found: the predecessor that had handed it `previousPolicy`. Its delete,
   * later, hands that policy on rather than the older one in its state (which a refresh would
   * have replaced).
   */
  handedOverBy?: string;
}

/**
 * The tags that record `owner` and the pre-stack policy; only the owner tag (with the details)
 * when the policy does not fit or is not to be recorded.
 */
export function ownershipTags(owner: string, details: ClaimDetails | string = {}): Record<string, string> {
  const { previousPolicy, pending, predecessor, handedOverBy } = typeof details === "string" ? { previousPolicy: details } : details;
  const tags: Record<string, string> = { [OWNER_TAG]: owner };
  if (pending) tags[PENDING_TAG] = pending;
  if (predecessor) tags[PREDECESSOR_TAG] = predecessor;
  if (handedOverBy && previousPolicy !== undefined) tags[HANDED_OVER_TAG] = handedOverBy;
  if (previousPolicy === undefined) return tags;
  const encoded = zlib.deflateRawSync(previousPolicy, { level: 9 }).toString("base64");
  const chunks = encoded.match(new RegExp(`.{1,${TAG_VALUE_LENGTH}}`, "g")) ?? [];
  if (chunks.length <= MAX_PREVIOUS_POLICY_TAGS) chunks.forEach((chunk, i) => (tags[`${PREVIOUS_POLICY_TAG_PREFIX}${i}`] = chunk));
  return tags;
}

/**
 * A digest of what a policy means (the engine's canonical form, read tolerantly in the key's
 * partition): KMS returns a policy re-serialized, so the text put and the text read differ.
 */
export function policyDigest(policy: string, partition?: string): string {
  let canonical: string;
  try {
    canonical = canonicalPolicyJson(policy, { tolerant: true, partition });
  } catch {
    canonical = policy;
  }
  return crypto.createHash("sha256").update(canonical).digest("base64").slice(0, 43);
}

/** Whether `tags` (from ownershipTags) carry the pre-stack policy, or only the owner because it did not fit. */
export function recordsPreviousPolicy(tags: Record<string, string>): boolean {
  return `${PREVIOUS_POLICY_TAG_PREFIX}0` in tags;
}

/** What the key's tags say. */
export interface Ownership {
  /** The managing resource's ownerId. */
  owner?: string;
  /** The pre-stack policy recorded, if any. */
  previousPolicy?: string;
  /** The digest of the policy a create was putting when it claimed the key, if not confirmed. */
  pending?: string;
  /** The owner the managing resource found at its create. */
  predecessor?: string;
  /** The predecessor whose delete handed its pre-stack policy over. */
  handedOverBy?: string;
}

/** What the key's tags say: its managing resource and the policy the key had before it, if recorded. */
export function readOwnership(tags: Record<string, string>): Ownership {
  const owner = tags[OWNER_TAG];
  const chunks: string[] = [];
  for (let i = 0; tags[`${PREVIOUS_POLICY_TAG_PREFIX}${i}`] !== undefined; i++) chunks.push(tags[`${PREVIOUS_POLICY_TAG_PREFIX}${i}`]);
  let previousPolicy: string | undefined;
  if (chunks.length > 0) {
    try {
      previousPolicy = zlib.inflateRawSync(new Uint8Array(Buffer.from(chunks.join(""), "base64"))).toString("utf8");
    } catch {
      previousPolicy = undefined; // damaged by hand: the caller falls back to the live policy
    }
  }
  const optional = (key: string) => (tags[key] ? tags[key] : undefined);
  const found: Ownership = { ...(owner ? { owner } : {}), ...(previousPolicy !== undefined ? { previousPolicy } : {}) };
  const pending = optional(PENDING_TAG);
  const predecessor = optional(PREDECESSOR_TAG);
  const handedOverBy = optional(HANDED_OVER_TAG);
  return { ...found, ...(pending ? { pending } : {}), ...(predecessor ? { predecessor } : {}), ...(handedOverBy ? { handedOverBy } : {}) };
}

/**
 * The pre-stack policy a predecessor's delete handed to `owner` (whose create named `predecessor`),
 * if the tags say so; else undefined.
 */
export function handedOver(found: Ownership, owner: string | undefined, predecessor: string | undefined): string | undefined {
  if (!owner || !predecessor || found.owner !== owner || found.handedOverBy !== predecessor) return undefined;
  return found.previousPolicy;
}

/** Every tag key this module writes that is on the key. */
export function ownershipTagKeys(tags: Record<string, string>): string[] {
  const own = new Set([OWNER_TAG, PENDING_TAG, PREDECESSOR_TAG, HANDED_OVER_TAG]);
  return Object.keys(tags).filter((k) => own.has(k) || k.startsWith(PREVIOUS_POLICY_TAG_PREFIX));
}

/**
 * A KeyPolicyStatement's claim on a key: one tag per statement, `pulumi-kms-policy:statement:<Sid>`
 * (the Sid's digest when it does not fit a tag key), whose value is the Sid. A KeyPolicy create
 * finding one refuses the key: putting its whole policy would remove the statement, and the
 * statement's stack would put it back (docs/key-policy.md, "Keys with KeyPolicyStatements").
 */
export const STATEMENT_TAG_PREFIX = "pulumi-kms-policy:statement:";
/** KMS tag keys: at most 128 characters of letters, digits, spaces and `_.:/=+-@` (API Reference, Tag). */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_KEY_LENGTH = 128;

/** The tag that records a KeyPolicyStatement's claim on its Sid, and the tag's value. */
export function statementTag(sid: string): { key: string; value: string } {
  const readable = TAG_TEXT.test(sid) && STATEMENT_TAG_PREFIX.length + sid.length <= TAG_KEY_LENGTH;
  const key = STATEMENT_TAG_PREFIX + (readable ? sid : crypto.createHash("sha256").update(sid).digest("hex").slice(0, 32));
  const value = [...sid]
    .filter((c) => TAG_TEXT.test(c))
    .join("")
    .slice(0, TAG_VALUE_LENGTH);
  return { key, value };
}

/** The Sids (as their tags record them) of the statements KeyPolicyStatements claim on the key. */
export function statementClaims(tags: Record<string, string>): string[] {
  return Object.keys(tags)
    .filter((k) => k.startsWith(STATEMENT_TAG_PREFIX))
    .map((k) => tags[k] || k.slice(STATEMENT_TAG_PREFIX.length))
    .sort();
}
