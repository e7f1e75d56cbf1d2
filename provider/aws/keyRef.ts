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

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
// A multi-Region key id is `mrk-` and 32 hex digits in KMS; moto writes `mrk-` and a dashed UUID
// (docs/kms-emulator.md). Both are accepted, or multi-Region keys could not be tested on moto.
const KEY_ID = new RegExp(`^(${UUID}|mrk-[0-9a-f]{32}|mrk-${UUID})$`);
const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;

/** Whether a key id is a multi-Region key's (`mrk-`): the only id that names more than one key, one per Region. */
export function isMultiRegionKeyId(keyId: string): boolean {
  return keyId.startsWith("mrk-");
}

/**
 * The environment variable the AWS SDK for JavaScript v3 reads a Region from, after any Region
 * the client is given and before the profile's `region` (it does not read AWS_DEFAULT_REGION).
 */
export const REGION_ENVIRONMENT_VARIABLE = "AWS_REGION";

/** The places a key's Region can come from besides the reference itself. */
export interface RegionSources {
  /** The resource's own `region` input. */
  resource?: string;
  /** The stack's `aws:region`. */
  stack?: string;
  /** The environment's {@link REGION_ENVIRONMENT_VARIABLE}. */
  environment?: string;
}

/**
 * The Region a key is called in, the one rule for the providers and the program: the resource's
 * `region`, else the Region of a key ARN, else the stack's `aws:region`, else AWS_REGION. The
 * providers leave `environment` out, because the SDK reads AWS_REGION itself; the program, which
 * hands nothing to an SDK, passes it. Undefined: the SDK goes on to the profile's `region`.
 */
export function keyRegion(keyRef: string, sources: RegionSources): string | undefined {
  if (sources.resource) return sources.resource;
  const ref = parseKeyRef(keyRef);
  if (!("error" in ref) && ref.region) return ref.region;
  return sources.stack || sources.environment || undefined;
}

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

/**
 * Whether two identities certainly name one key, as far as can be told without calling AWS (two
 * KeyPolicies of one program). Every part known on both sides must agree. A part known on one side
 * only is no doubt where the id alone decides: KMS key ids are unique, and only the replicas of a
 * multi-Region key share one, each in its own Region of one account. So for an `mrk-` id the
 * Region must be known on both sides (and equal), or unknown on both: both then fall to the same
 * SDK default. A known Region against an unknown one may be another replica, and is not "the same".
 */
export function certainlySameKey(x: KeyIdentity, y: KeyIdentity): boolean {
  if (!sameIdentity(x, y)) return false;
  return !isMultiRegionKeyId(x.keyId) || (x.region === undefined) === (y.region === undefined);
}

/**
 * Whether two identities may name one key: nothing known on both sides tells them apart. The
 * opposite doubt to certainlySameKey, for a refusal that must not let a possible collision through
 * (two Grants of one name): the ids match, and the partition, Region and account agree wherever
 * both sides know them. An account counts only as a 12-digit id: `profile p` (what a profile's
 * account is known as before any call) may be any account.
 */
export function possiblySameKey(x: KeyIdentity, y: KeyIdentity): boolean {
  const agree = (a?: string, b?: string) => a === undefined || b === undefined || a === b;
  const account = (a?: string) => (a !== undefined && /^\d{12}$/.test(a) ? a : undefined);
  return (
    x.keyId === y.keyId && agree(x.partition, y.partition) && agree(x.region, y.region) && agree(account(x.account), account(y.account))
  );
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
