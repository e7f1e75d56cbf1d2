import { GrantListEntry } from "@aws-sdk/client-kms";
import { errorName } from "../aws/errors";
import { changedParameters, fromListing, GrantConstraints } from "../aws/grantFacts";
import { GrantApi } from "../aws/grants";
import { GONE_KEY_STATES, KeyApi, KeyFacts } from "../aws/keys";
import { sameKey } from "../aws/keyRef";
import { AWS_UNIQUE_ID } from "../policy/grammar";
import { isUnknown, withoutUndefined } from "./check";
import { Clock, systemClock } from "./clock";
import { engineLog } from "./engineLog";
import { ResourceInitFailedError } from "./initFailure";
import { GrantInputs } from "./grantCheck";
import { GrantDirectory } from "./grantDirectory";
import { regionFor } from "./settings";

/** What a Grant keeps in state. `grantToken` is a Pulumi secret (see resources/grant.ts). */
export interface GrantOutputs extends GrantInputs {
  grantId: string;
  grantToken: string;
  keyArn: string;
  /** When this provider created the grant (ISO 8601), to tell "not listed yet" from "gone". */
  createdAt: string;
  issuingAccount?: string;
  creationDate?: string;
}

export interface GrantClients {
  grants(keyId: string, region?: string): GrantApi;
  keys(keyId: string, region?: string): KeyApi;
}

/** Same grant parameters (what CreateGrant's idempotency compares). */
function sameGrant(entry: GrantListEntry, inputs: GrantInputs): boolean {
  return entry.Name === inputs.name && changedParameters(inputs, fromListing(entry)).length === 0;
}

export class GrantLifecycle {
  private readonly directory: GrantDirectory;

  constructor(
    private readonly clients: GrantClients,
    private readonly consistencyPollMs = 500,
    /** How long after its creation a missing grant counts as not listed yet (eventual consistency). */
    private readonly listingDelayMs: () => number = () => 300_000,
    /** The clock of the ListGrants batching windows (see GrantDirectory). */
    directoryClock: Clock = systemClock,
  ) {
    this.directory = new GrantDirectory((keyArn) => clients.grants(keyArn, regionFor(keyArn)), undefined, undefined, directoryClock);
  }

  private async usableKey(inputs: Pick<GrantInputs, "keyId" | "region">): Promise<KeyFacts> {
    const key = await this.clients.keys(inputs.keyId, regionFor(inputs.keyId, inputs.region)).describeKey(inputs.keyId);
    if (key.state === "Disabled" || GONE_KEY_STATES.has(key.state)) {
      throw new Error(
        `key ${key.arn} is ${key.state}: KMS refuses new grants on it. Enable the key (or cancel its deletion), then run again.`,
      );
    }
    return key;
  }

  async create(inputs: GrantInputs): Promise<{ id: string; outs: GrantOutputs }> {
    const key = await this.usableKey(inputs);
    const api = this.clients.grants(key.arn, regionFor(key.arn));
    // The Name makes CreateGrant idempotent in KMS: a retried or re-run create returns the same
    // grant. An interrupted run, or a service that does not deduplicate, can still leave a twin
    // with the same name and parameters; it is removed below so that exactly one grant remains.
    const request = { ...inputs, keyId: key.arn, ...flattenConstraints(inputs.constraints) };
    let asked = Date.now();
    let created = await api.createGrant(request);
    const { grantTokens: _tokens, ...kept } = inputs;
    const outsFor = (grantId: string, grantToken: string): GrantOutputs => ({
      ...kept,
      grantId,
      grantToken,
      keyArn: key.arn,
      createdAt: new Date().toISOString(),
      issuingAccount: key.account,
    });
    let outs = outsFor(created.grantId, created.grantToken);
    try {
      let listing = await this.directory.listAll(key.arn);
      if (
        existedBefore(
          listing.find((g) => g.GrantId === created.grantId),
          asked,
        )
      ) {
        // KMS handed back a grant that was there before this create: the grant of the resource
        // this one replaces (same name and parameters), whose delete will revoke it. Revoked
        // first, so that this resource gets a grant of its own.
        await api.removeGrant(key.arn, created.grantId, "revoke");
        asked = Date.now();
        created = await api.createGrant(request);
        outs = outsFor(created.grantId, created.grantToken);
        await engineLog(
          "info",
          `Grant ${inputs.name}: KMS returned the existing grant of the resource this one replaces; revoked it and created grant ${created.grantId}.`,
        );
        listing = await this.directory.listAll(key.arn);
      }
      const twins = listing.filter((g) => g.GrantId !== created.grantId && sameGrant(g, inputs));
      for (const twin of twins) await api.removeGrant(key.arn, twin.GrantId as string, "revoke");
      if (twins.length)
        await engineLog(
          "warning",
          `Grant ${inputs.name}: revoked ${twins.length} duplicate grant(s) of key ${key.arn} left by an earlier, interrupted create.`,
        );
    } catch (err) {
      // The grant exists: a plain failure would make Pulumi forget it, and it would leak.
      throw new ResourceInitFailedError(
        `Grant ${inputs.name}: created grant ${created.grantId} on ${key.arn}, but the check for duplicates of it failed: ${(err as Error).message}\n` +
          "The stack keeps the grant, so it is not lost: the next `pulumi up` clears this error, and `pulumi destroy` revokes the grant.",
        created.grantId,
        { ...outs },
      );
    }
    return { id: created.grantId, outs };
  }

  async read(id: string, props: GrantOutputs): Promise<{ id?: string; props?: GrantOutputs; inputs?: GrantInputs }> {
    const keyArn = props.keyArn;
    let entry: GrantListEntry | undefined;
    try {
      entry = await this.directory.find(keyArn, id);
      const age = Date.now() - Date.parse(props.createdAt || "1970-01-01T00:00:00Z");
      const delay = this.listingDelayMs();
      for (let wait = this.consistencyPollMs; !entry && age + wait < delay && wait <= 8 * this.consistencyPollMs; wait *= 2) {
        await new Promise((r) => setTimeout(r, wait));
        entry = await this.directory.find(keyArn, id);
      }
      if (!entry && age < delay) {
        await engineLog(
          "info",
          `Grant ${id} on ${keyArn} is not listed yet (created ${Math.round(age / 1000)}s ago; KMS lists new grants with a delay); keeping it.`,
        );
        return { id, props: withoutTokens(props), inputs: inputsOf(props) };
      }
    } catch (err) {
      if (await this.keyIsGone(props)) {
        await engineLog("warning", `Grant ${id}: key ${keyArn} is deleted or pending deletion; the grant is gone from the stack.`);
        return {};
      }
      throw err;
    }
    if (!entry) {
      await engineLog(
        "warning",
        `Grant ${id} (${props.name}) no longer exists on key ${keyArn}: it was revoked or retired outside Pulumi. \`pulumi up\` creates it again.`,
      );
      return {};
    }
    const live = fromListing(entry);
    const outs: GrantOutputs = withoutTokens(props);
    const changed = changedParameters(props, live);
    for (const field of changed) Object.assign(outs, { [field]: live[field] });
    if (changed.includes("granteePrincipal")) {
      const why = AWS_UNIQUE_ID.test(live.granteePrincipal)
        ? "KMS now shows the grantee as a bare unique id: the role or user it named was deleted, so the grant serves nobody."
        : "the grantee differs from the stack.";
      await engineLog("warning", `Grant ${id} (${props.name}): ${why} \`pulumi up\` replaces the grant.`);
    }
    if (entry.IssuingAccount) outs.issuingAccount = entry.IssuingAccount;
    if (entry.CreationDate) outs.creationDate = new Date(entry.CreationDate).toISOString();
    return { id, props: outs, inputs: inputsOf(outs) };
  }

  private async keyIsGone(props: GrantOutputs): Promise<boolean> {
    try {
      const key = await this.clients.keys(props.keyArn, regionFor(props.keyArn)).describeKey(props.keyArn);
      return GONE_KEY_STATES.has(key.state);
    } catch (err) {
      return errorName((err as Error).cause) === "NotFoundException";
    }
  }

  /**
   * A grant cannot change in place: another key, Region, grantee, operations, retiring principal,
   * constraints or name replaces it. The key by id or by ARN is the same key: no change at all.
   * An input not known yet (preview) decides nothing: what is known is reported, and when nothing
   * known changes, `changes` is left unknown for the engine to settle once the value is known.
   */
  diff(olds: GrantOutputs, news: GrantInputs): { changes?: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
    const replaces: string[] = [];
    const keyKnown = !isUnknown(news.keyId) && !isUnknown(news.region);
    if (!isUnknown(news.keyId) && !sameKey(olds.keyArn || olds.keyId, news.keyId) && !sameKey(olds.keyId, news.keyId))
      replaces.push("keyId");
    if (keyKnown) {
      const oldRegion = regionFor(olds.keyArn || olds.keyId, olds.region);
      const newRegion = regionFor(news.keyId, news.region);
      if (oldRegion && newRegion && oldRegion !== newRegion) replaces.push("region");
    }
    const parameters = ["granteePrincipal", "operations", "retiringPrincipal", "constraints"] as const;
    replaces.push(...changedParameters(olds, news).filter((field) => !isUnknown(news[field])));
    if (!isUnknown(news.name) && olds.name !== news.name) replaces.push("name");
    // grantTokens only matter while CreateGrant runs: changing them changes no grant.
    const retireChanged = !isUnknown(news.retireOnDelete) && olds.retireOnDelete !== news.retireOnDelete;
    if (replaces.length > 0 || retireChanged) return { changes: true, replaces, deleteBeforeReplace: false };
    const undecided =
      !keyKnown || isUnknown(news.name) || isUnknown(news.retireOnDelete) || parameters.some((field) => isUnknown(news[field]));
    return undecided ? { replaces, deleteBeforeReplace: false } : { changes: false, replaces, deleteBeforeReplace: false };
  }

  update(olds: GrantOutputs, news: GrantInputs): { outs: GrantOutputs } {
    // Without undefined values: the host cannot send them back to the engine.
    return { outs: withoutUndefined({ ...withoutTokens(olds), retireOnDelete: news.retireOnDelete }) };
  }

  async delete(id: string, props: GrantOutputs): Promise<void> {
    const api = this.clients.grants(props.keyArn, regionFor(props.keyArn));
    try {
      await api.removeGrant(props.keyArn, id, props.retireOnDelete ? "retire" : "revoke");
    } catch (err) {
      if (await this.keyIsGone(props)) return;
      throw err;
    }
  }
}

/**
 * Whether a listed grant was created before `asked` (when this create called CreateGrant): KMS
 * returns an existing grant's id for the same name and parameters. ListGrants reports CreationDate
 * (moto does not, but neither does it deduplicate); a grant not listed yet tells nothing.
 */
function existedBefore(entry: GrantListEntry | undefined, asked: number): boolean {
  return entry?.CreationDate !== undefined && new Date(entry.CreationDate).getTime() < asked;
}

function flattenConstraints(
  c: GrantConstraints | undefined,
): Pick<GrantConstraints, "encryptionContextEquals" | "encryptionContextSubset"> {
  return { encryptionContextEquals: c?.encryptionContextEquals, encryptionContextSubset: c?.encryptionContextSubset };
}

/**
 * Grant tokens are used only by CreateGrant, so they are never kept in outputs, nor returned by
 * read: the state holds them only as the (secret) inputs the program gave. A state written before
 * may still have them in its outputs.
 */
function withoutTokens(outs: GrantOutputs): GrantOutputs {
  const { grantTokens: _tokens, ...rest } = outs;
  return rest;
}

function inputsOf(outs: GrantOutputs): GrantInputs {
  const { grantId: _i, grantToken: _t, keyArn: _k, createdAt: _c, issuingAccount: _a, creationDate: _d, grantTokens: _g, ...inputs } = outs;
  return inputs;
}
