import { Access, accessKey } from "../aws/access";
import { keyIdentity, parseKeyRef, sameIdentity } from "../aws/keyRef";
import { isUnknown } from "./check";
import type { ProviderContext } from "./context";

/** What key identity reads of a provider's context: the stack's Region and access, the STS account. */
export type IdentityContext = Pick<ProviderContext, "accessFor" | "accountFor" | "regionFor">;

/**
 * Key identity in the lifecycles' terms: which credentials a resource in state used, and whether
 * its key and a new reference are one key (partition, account, Region, id).
 */

/** The Access recorded in state; a state written before accounts were recorded uses today's settings. */
export function recordedAccess(props: Access & { access?: Access }, context: IdentityContext): Access {
  return props.access ?? context.accessFor(props);
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
  context: IdentityContext,
): Promise<boolean> {
  const ref = parseKeyRef(newKey);
  const needsAccount = !("error" in ref) && !ref.account && accessKey(oldAccess) !== accessKey(newAccess);
  const account = needsAccount ? await context.accountFor(newAccess, newRegion) : undefined;
  return sameIdentity(keyIdentity(oldKey, { region: oldRegion }), keyIdentity(newKey, { region: newRegion, account }));
}

/** What the inputs say of a resource's key and access against its state, as both lifecycles' diff() start. */
export interface KeyChange {
  /** The known changes of key or Region, each of which replaces the resource. */
  replaces: Array<"keyId" | "region">;
  /** The key and its Region are known (not a preview's unknown): they decide. */
  keyKnown: boolean;
  /** The role and profile are known: they decide. */
  accessKnown: boolean;
  /** The key the state records: its ARN, else the id given. */
  oldKey: string;
  oldAccess: Access;
  /** The new inputs' Access; the recorded one while it is not known. */
  newAccess: Access;
  /** The known role or profile differs from the recorded one (an update: the calls change hands). */
  accessChanged: boolean;
}

/**
 * Compares the key (partition, account, Region, id: by id and by ARN the same key) and the access
 * of a resource's state with its new inputs. An input not known yet (preview) decides nothing.
 */
export async function keyChange(
  olds: Access & { keyId: string; keyArn?: string; region?: string; access?: Access },
  news: Access & { keyId: string; region?: string },
  context: IdentityContext,
): Promise<KeyChange> {
  const oldKey = olds.keyArn || olds.keyId;
  const keyKnown = !isUnknown(news.keyId) && !isUnknown(news.region);
  const accessKnown = !isUnknown(news.assumeRole) && !isUnknown(news.profile);
  const oldRegion = context.regionFor(oldKey, olds.region);
  const newRegion = keyKnown ? context.regionFor(news.keyId, news.region) : undefined;
  const oldAccess = recordedAccess(olds, context);
  const newAccess = accessKnown ? context.accessFor(news) : oldAccess;
  const replaces: KeyChange["replaces"] = [];
  if (keyKnown && !(await sameKeyAs(oldKey, oldRegion, news.keyId, newRegion, oldAccess, newAccess, context))) replaces.push("keyId");
  if (oldRegion && newRegion && oldRegion !== newRegion) replaces.push("region");
  const accessChanged = accessKnown && accessKey(oldAccess) !== accessKey(newAccess);
  return { replaces, keyKnown, accessKnown, oldKey, oldAccess, newAccess, accessChanged };
}
