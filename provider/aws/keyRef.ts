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

const KEY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
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
  return { error: "it is neither a key id (1234abcd-12ab-34cd-56ef-1234567890ab, mrk-...) nor a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)" };
}

/** Two references name the same key when their ids match and any region or account both state agrees. */
export function sameKey(a: string, b: string): boolean {
  const x = parseKeyRef(a);
  const y = parseKeyRef(b);
  if ("error" in x || "error" in y) return a === b;
  if (x.keyId !== y.keyId) return false;
  if (x.region && y.region && x.region !== y.region) return false;
  if (x.account && y.account && x.account !== y.account) return false;
  return true;
}
