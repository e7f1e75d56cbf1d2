import * as crypto from "crypto";
import * as zlib from "zlib";

/**
 * Which KeyPolicy resource manages a key, recorded on the key itself as tags, so that a resource
 * replaced or renamed without an alias hands the key over instead of reverting it. Pulumi creates
 * the new resource before it deletes the old one, and both name the same key:
 * - the new resource's create finds the old one's tags: it takes the pre-stack policy recorded
 *   there as its own `previousPolicy` (not the old resource's policy, which the key has now) and
 *   writes its own owner id;
 * - the old resource's delete then finds an owner that is not itself and leaves the key alone.
 * Pure: the tags are read and written through KeyApi (kms:ListResourceTags, kms:TagResource,
 * kms:UntagResource).
 */

export const OWNER_TAG = "pulumi-kms-policy:owner";
/** The pre-stack policy, deflated and base64-encoded, in tag values of at most 256 characters. */
export const PREVIOUS_POLICY_TAG_PREFIX = "pulumi-kms-policy:previous-policy-";
const TAG_VALUE_LENGTH = 256;
/** KMS allows 50 tags per key; the user's own tags need room too. */
export const MAX_PREVIOUS_POLICY_TAGS = 30;

/** A new owner id: one per KeyPolicy create, kept in its outputs. */
export function newOwnerId(): string {
  return crypto.randomBytes(12).toString("hex");
}

/** The tags that record `owner` and the pre-stack policy; only the owner tag when the policy does not fit. */
export function ownershipTags(owner: string, previousPolicy: string): Record<string, string> {
  const encoded = zlib.deflateRawSync(previousPolicy, { level: 9 }).toString("base64");
  const chunks = encoded.match(new RegExp(`.{1,${TAG_VALUE_LENGTH}}`, "g")) ?? [];
  const tags: Record<string, string> = { [OWNER_TAG]: owner };
  if (chunks.length <= MAX_PREVIOUS_POLICY_TAGS) chunks.forEach((chunk, i) => (tags[`${PREVIOUS_POLICY_TAG_PREFIX}${i}`] = chunk));
  return tags;
}

/** Whether `tags` (from ownershipTags) carry the pre-stack policy, or only the owner because it did not fit. */
export function recordsPreviousPolicy(tags: Record<string, string>): boolean {
  return `${PREVIOUS_POLICY_TAG_PREFIX}0` in tags;
}

/** What the key's tags say: its managing resource and the policy the key had before it, if recorded. */
export function readOwnership(tags: Record<string, string>): { owner?: string; previousPolicy?: string } {
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
  return { ...(owner ? { owner } : {}), ...(previousPolicy !== undefined ? { previousPolicy } : {}) };
}

/** Every tag key this module writes that is on the key. */
export function ownershipTagKeys(tags: Record<string, string>): string[] {
  return Object.keys(tags).filter((k) => k === OWNER_TAG || k.startsWith(PREVIOUS_POLICY_TAG_PREFIX));
}
