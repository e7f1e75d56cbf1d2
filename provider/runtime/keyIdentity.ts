import { Access, accessKey } from "../aws/access";
import { keyIdentity, parseKeyRef, sameIdentity } from "../aws/keyRef";
import { accessFor, accountFor } from "./settings";

/**
 * Key identity in the lifecycles' terms: which credentials a resource in state used, and whether
 * its key and a new reference are one key (partition, account, Region, id).
 */

/** The Access recorded in state; a state written before accounts were recorded uses today's settings. */
export function recordedAccess(props: Access & { access?: Access }): Access {
  return props.access ?? accessFor(props);
}

/**
 * Whether the old key (its ARN from state) and the new reference are one key: partition, account,
 * Region and id. A bare new id takes its account from the new credentials, asked of STS only when
 * the credentials changed (otherwise they are the ones that found the old key).
 */
export async function sameKeyAs(
  oldKey: string,
  oldRegion: string | undefined,
  newKey: string,
  newRegion: string | undefined,
  oldAccess: Access,
  newAccess: Access,
): Promise<boolean> {
  const ref = parseKeyRef(newKey);
  const needsAccount = !("error" in ref) && !ref.account && accessKey(oldAccess) !== accessKey(newAccess);
  const account = needsAccount ? await accountFor(newAccess, newRegion) : undefined;
  return sameIdentity(keyIdentity(oldKey, { region: oldRegion }), keyIdentity(newKey, { region: newRegion, account }));
}
