/**
 * KMS key references as users write them: a key id (`1234abcd-...`, `mrk-...`) or a key ARN.
 * Pure; used at check time and to tell whether two references name the same key.
 */

export interface KeyRef {
  /** The bare key id, the part every form shares. */
  keyId: string;
  /** Set when the reference was an ARN. */
  arn?: string;
  partition?: string;
  region?: string;
  account?: string;
}

/** An AWS Region name such as `us-east-1` or `us-gov-west-1`. */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
// A multi-Region key id is `mrk-` and 32 hex digits in KMS; moto writes `mrk-` and a dashed UUID
// (docs/kms-emulator.md). Both are accepted, or multi-Region keys could not be tested on moto.
const KEY_ID = new RegExp(`^(${UUID}|mrk-[0-9a-f]{32}|mrk-${UUID})$`);
const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;

/** Parses a key id or key ARN; returns a reason instead when it is neither. */
export function parseKeyRef(value: string): KeyRef | { error: string } {
  if (KEY_ID.test(value)) return { keyId: value };
  const arn = KEY_ARN.exec(value);
  if (arn) {
    if (!KEY_ID.test(arn[4])) return { error: `"${arn[4]}" in the ARN is not a key id` };
    return { keyId: arn[4], arn: value, partition: arn[1], region: arn[2], account: arn[3] };
  }
  if (value.startsWith("alias/") || /:alias\//.test(value)) {
    return { error: "an alias can name a different key tomorrow, and KMS's key policy operations refuse aliases" };
  }
  return {
    error: "it is neither a key id (1234abcd-12ab-34cd-56ef-1234567890ab, mrk-...) nor a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)",
  };
}

/**
 * Which key a reference names: partition, account, Region and key id. A key ARN carries all four;
 * for a bare id the caller supplies what it knows (the Region in use, the account of the
 * credentials in use). A field left undefined is unknown. Two `mrk-` replicas share the id and
 * differ in Region, so the Region is part of a key's identity.
 */
export interface KeyIdentity {
  partition?: string;
  account?: string;
  region?: string;
  keyId: string;
}

/** The identity of a key reference; `context` fills what a bare id does not say. An ARN's own fields win. */
export function keyIdentity(ref: string, context: { region?: string; account?: string; partition?: string } = {}): KeyIdentity {
  const parsed = parseKeyRef(ref);
  if ("error" in parsed) return { keyId: ref };
  return {
    keyId: parsed.keyId,
    partition: parsed.partition ?? context.partition,
    account: parsed.account ?? context.account,
    region: parsed.region ?? context.region,
  };
}

/** One text per fully known identity, for grouping; unknown parts are written `?`. */
export function identityText(id: KeyIdentity): string {
  return `${id.partition ?? "?"}:${id.account ?? "?"}:${id.region ?? "?"}:${id.keyId}`;
}

/** The same key: the ids match, and so do the partition, account and Region wherever both are known. */
export function sameIdentity(x: KeyIdentity, y: KeyIdentity): boolean {
  const agree = (a?: string, b?: string) => a === undefined || b === undefined || a === b;
  return x.keyId === y.keyId && agree(x.partition, y.partition) && agree(x.account, y.account) && agree(x.region, y.region);
}

/** Two references name the same key when their ids match and any partition, region or account both state agrees. */
export function sameKey(a: string, b: string): boolean {
  if ("error" in parseKeyRef(a) || "error" in parseKeyRef(b)) return a === b;
  return sameIdentity(keyIdentity(a), keyIdentity(b));
}

/** The partition a key ARN names (`aws`, `aws-cn`, ...); undefined for a bare key id. */
export function partitionOf(keyRef: string): string | undefined {
  const ref = parseKeyRef(keyRef);
  return "error" in ref ? undefined : ref.partition;
}
