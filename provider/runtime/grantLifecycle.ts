import { GrantListEntry } from "@aws-sdk/client-kms";
import { errorName, isTransient } from "../aws/errors";
import {
  changedParameters,
  constraintsFromListing,
  EffectivePrincipal,
  effectivePrincipal,
  fromListing,
  GRANT_PARAMETER_FIELDS,
  GrantConstraints,
  GrantParameterField,
  GrantParameters,
  reportedGrantee,
} from "../aws/grantFacts";
import { GrantApi } from "../aws/grants";
import { GONE_KEY_STATES, KeyApi, KeyFacts } from "../aws/keys";
import { Access, accessKey } from "../aws/access";
import { describeAndJudgeKey, judgeGrantOnKey, KeyVerdict, unsettled, unsettledMessage } from "../verdict";
import { CheckFailure, isUnknown, withoutUndefined } from "./check";
import { sleep } from "../clock";
import { ProviderContext } from "./context";
import { ResourceInitFailedError } from "./initFailure";
import { GrantInputs } from "./grantCheck";
import { GrantDirectory } from "./grantDirectory";
import { KeyChange, keyChange, recordedAccess } from "./keyIdentity";
import { GRANT_FIELDS } from "../fields/grant";
import { CheckedInputs, ReplacingFields, StateFields, inputsFromState, sameFields } from "../fields/table";

/** What a Grant keeps in state. `grantToken` is a Pulumi secret (see resources/grant.ts). */
export interface GrantOutputs extends GrantInputs {
  grantId: string;
  grantToken: string;
  keyArn: string;
  /** When this provider created the grant (ISO 8601), to tell "not listed yet" from "gone". */
  createdAt: string;
  issuingAccount?: string;
  creationDate?: string;
  /** Who gets the permissions, whichever input named them. */
  effectiveGrantee?: EffectivePrincipal;
  /** Who may retire the grant, whichever input named them. */
  effectiveRetiringPrincipal?: EffectivePrincipal;
  /** The constraints as ListGrants last reported them; absent until KMS lists the grant. */
  reportedConstraints?: GrantConstraints;
  /** The grantee as ListGrants last reported it (a unique id once the principal was deleted); absent until KMS lists the grant. */
  reportedGrantee?: EffectivePrincipal;
  /** The role and profile the calls used (the resource's, else the stack's); see KeyPolicyOutputs. */
  access?: Access;
}

// The state and the checked inputs are the table's (fields/grant.ts): a field added to one and not to
// the other fails to compile here, naming it.
sameFields<keyof GrantOutputs & string, StateFields<typeof GRANT_FIELDS>>(true);
sameFields<keyof GrantInputs & string, CheckedInputs<typeof GRANT_FIELDS>>(true);
// What diff replaces a grant for: its key and Region (keyChange), each parameter and its name.
sameFields<KeyChange["replaces"][number] | GrantParameterField | "name", ReplacingFields<typeof GRANT_FIELDS>>(true);

/** The outputs that report the grant's principals, whichever fields name them. */
function effectiveOutputs(params: GrantParameters): Pick<GrantOutputs, "effectiveGrantee" | "effectiveRetiringPrincipal"> {
  return withoutUndefined({
    effectiveGrantee: effectivePrincipal(params.granteePrincipal, params.granteeServicePrincipal),
    effectiveRetiringPrincipal: effectivePrincipal(params.retiringPrincipal, params.retiringServicePrincipal),
  });
}

/** Which input a dry run's refusal is about: the key (access, state, existence) or else the grantee. */
function dryRunProperty(code: string, inputs: GrantInputs): string {
  if (["AccessDeniedException", "DisabledException", "KMSInvalidStateException", "NotFoundException"].includes(code)) return "keyId";
  return inputs.granteeServicePrincipal ? "granteeServicePrincipal" : "granteePrincipal";
}

export interface GrantClients {
  grants(keyId: string, region?: string, access?: Access): GrantApi;
  keys(keyId: string, region?: string, access?: Access): KeyApi;
}

/** Same grant parameters (what CreateGrant's idempotency compares). */
function sameGrant(entry: GrantListEntry, inputs: GrantInputs): boolean {
  return entry.Name === inputs.name && changedParameters(inputs, fromListing(entry)).length === 0;
}

export class GrantLifecycle {
  private readonly directory: GrantDirectory;
  /**
   * The grants that creates in this process were given, by grant id, with the `createdAt` of the
   * resource that holds each now. KMS answers a CreateGrant whose name and parameters match an
   * existing grant with that grant (CreateGrant's Name rule), so a replacement whose name does not
   * change, or a move without an alias, is handed its predecessor's grant. Pulumi deletes the
   * predecessor after the create, in the same deployment and so in this process: its delete must
   * leave the grant to its successor. (Telling the two apart from ListGrants' CreationDate instead
   * fails while KMS does not list the grant yet, and would revoke a grant adopted in a migration.)
   */
  private readonly holders = new Map<string, string>();
  /**
   * The grant ids that a diff of this deployment saw recorded by a Grant it keeps (no replacement).
   * Pulumi diffs every resource of the program before it runs the deletes of replaced or removed
   * resources, so a delete can tell that another Grant of the stack still records its grant id (two
   * Grants that old default names, or a program made before the one-name check, gave one grant):
   * revoking it would silently take the other's grantee's access away.
   */
  private readonly keptIds = new Set<string>();
  /** The grant ids of Grants a diff of this deployment replaces: their successor may be handed the grant. */
  private readonly replacedIds = new Set<string>();
  /** DescribeKey verdicts in flight, by key and access (see judgeKeyOf). */
  private readonly keyReads = new Map<string, Promise<KeyVerdict>>();

  /**
   * `context`: the provider's settings (the listing delay, `kms-policy:dryRun`), its Region and
   * access rules, its clock (the polls, the ListGrants batching windows, `createdAt`) and its log.
   */
  constructor(
    private readonly clients: GrantClients,
    private readonly consistencyPollMs = 500,
    private readonly context: ProviderContext = new ProviderContext(),
  ) {
    this.directory = new GrantDirectory(
      (keyArn, access) => clients.grants(keyArn, context.regionFor(keyArn), access),
      undefined,
      undefined,
      context.clock,
    );
  }

  /** How long after its creation a missing grant counts as not listed yet (eventual consistency). */
  private get listingDelayMs(): number {
    return this.context.settings.grantListingDelaySeconds * 1000;
  }

  private async usableKey(inputs: Pick<GrantInputs, "keyId" | "region">, access: Access): Promise<KeyFacts> {
    const key = await this.clients
      .keys(inputs.keyId, this.context.regionFor(inputs.keyId, inputs.region), access)
      .describeKey(inputs.keyId);
    if (key.state === "Disabled" || GONE_KEY_STATES.has(key.state)) {
      throw new Error(
        `key ${key.arn} is ${key.state}: KMS refuses new grants on it. Enable the key (or cancel its deletion), then run again.`,
      );
    }
    return key;
  }

  async create(inputs: GrantInputs): Promise<{ id: string; outs: GrantOutputs }> {
    const access = this.context.accessFor(inputs);
    const key = await this.usableKey(inputs, access);
    const api = this.clients.grants(key.arn, this.context.regionFor(key.arn), access);
    // The Name makes CreateGrant idempotent in KMS: a retried or re-run create returns the same
    // grant. An interrupted run, or a service that does not deduplicate, can still leave a twin
    // with the same name and parameters; it is removed below so that exactly one grant remains.
    const request = { ...inputs, keyId: key.arn };
    const asked = this.context.clock.now();
    const created = await api.createGrant(request);
    const { grantTokens: _tokens, ...kept } = inputs;
    const outs: GrantOutputs = {
      ...kept,
      grantId: created.grantId,
      grantToken: created.grantToken,
      keyArn: key.arn,
      createdAt: new Date(this.context.clock.now()).toISOString(),
      issuingAccount: key.account,
      ...effectiveOutputs(inputs),
      access,
    };
    if (this.holders.has(created.grantId)) {
      // KMS handed this create the grant another create of this deployment holds: two Grants of the
      // stack with this key, name and parameters (the program's check refuses them when it can tell
      // the keys apart). Recording the grant twice would let either resource's delete revoke the other's.
      throw new Error(
        `Grant ${inputs.name}: KMS returned grant ${created.grantId} on ${key.arn}, which another Grant of this stack created in this run with the same name and parameters. ` +
          "Two Grants with one key and one name share one grant, and deleting either would revoke the other's: give each its own name, or keep one of them.",
      );
    }
    this.holders.set(created.grantId, outs.createdAt);
    try {
      const listed = await this.directory.listAll(key.arn, access);
      const returned = listed.find((g) => g.GrantId === created.grantId);
      if (existedBefore(returned, asked)) {
        const since = new Date(returned?.CreationDate as Date).toISOString();
        if (this.replacedIds.has(created.grantId))
          await this.context.log(
            "info",
            `Grant ${inputs.name}: KMS returned the existing grant ${created.grantId} with this name and these parameters (created ${since}), which the Grant this one replaces held; this resource manages it from now on.`,
          );
        else
          await this.context.log(
            "warning",
            `Grant ${inputs.name}: KMS returned grant ${created.grantId} on ${key.arn}, which existed before this create (created ${since}) with this name and these parameters (CreateGrant's Name rule), and this resource records it from now on. ` +
              "If another Grant of this stack (or another stack) records the same grant id, the delete of either revokes the other's access: give one of them its own name. " +
              "Expected only when this resource takes over from a Grant renamed without an alias or replaced with --replace, or after an interrupted create.",
          );
      }
      const reported = constraintsFromListing(returned?.Constraints);
      if (reported) outs.reportedConstraints = reported;
      const grantee = returned && reportedGrantee(returned);
      if (grantee) outs.reportedGrantee = grantee;
      // A grant another create of this run made is another resource's of this stack: never a twin to revoke.
      const twins = listed.filter((g) => g.GrantId !== created.grantId && !this.holders.has(g.GrantId ?? "") && sameGrant(g, inputs));
      for (const twin of twins) await api.removeGrant(key.arn, twin.GrantId as string, "revoke");
      if (twins.length)
        await this.context.log(
          "warning",
          `Grant ${inputs.name}: revoked ${twins.length} other grant(s) of key ${key.arn} with this name and these parameters (left by an interrupted create, or held by the resource this one replaces, on an endpoint that does not deduplicate by name).`,
        );
    } catch (err) {
      // The grant exists: a plain failure would make Pulumi forget it, and it would leak.
      throw new ResourceInitFailedError(
        `Grant ${inputs.name}: created grant ${created.grantId} on ${key.arn}, but the check for duplicates of it failed: ${(err as Error).message}\n` +
          "The stack keeps the grant, so it is not lost: the next `pulumi up` clears this error, and `pulumi destroy` revokes the grant. " +
          "If this resource replaces another Grant of the same name, that resource's delete may revoke the grant in the next run: run `pulumi up --refresh` after it.",
        created.grantId,
        { ...outs },
      );
    }
    return { id: created.grantId, outs };
  }

  async read(id: string, props: GrantOutputs): Promise<{ id?: string; props?: GrantOutputs; inputs?: GrantInputs }> {
    const keyArn = props.keyArn;
    const access = recordedAccess(props, this.context);
    const delay = this.listingDelayMs;
    const asRecorded = { ...props, grantId: id };
    // The key first, then its listing, judged together as drift judges them (judgeGrantOnKey).
    const keyRead = this.judgeKeyOf(props);
    let entry: GrantListEntry | undefined;
    const listing = async (fresh: boolean) => {
      try {
        entry = await this.directory.find(keyArn, id, access, fresh ? { fresh: true } : undefined);
        return { entry };
      } catch (error) {
        return { error };
      }
    };
    // Asked together, so that reads arriving together still share one listing (GrantDirectory).
    const [key, first] = await Promise.all([keyRead, listing(false)]);
    let verdict = judgeGrantOnKey(asRecorded, key, first, this.context.clock.now(), delay);
    // A young grant KMS does not list yet, or lists with its grantee as a unique id, may settle
    // in a moment: read again (afresh, not from a shared listing) a few times within the delay.
    for (
      let wait = this.consistencyPollMs;
      unsettled(verdict) && verdict.ageMs + wait < delay && wait <= 8 * this.consistencyPollMs;
      wait *= 2
    ) {
      await sleep(this.context.clock, wait);
      verdict = judgeGrantOnKey(asRecorded, key, await listing(true), this.context.clock.now(), delay);
    }
    if (verdict.status === "key-gone") {
      await this.context.log("warning", `Grant ${id}: ${verdict.reason}; the grant is gone from the stack.`);
      return {};
    }
    if (verdict.status === "error") throw verdict.error;
    if (unsettled(verdict)) {
      await this.context.log("info", `Grant ${id} on ${keyArn}: ${unsettledMessage(verdict)}; keeping it as the stack records it.`);
      return { id, props: withoutTokens(props), inputs: inputsOf(props) };
    }
    if (verdict.status === "gone" || !entry) {
      await this.context.log(
        "warning",
        `Grant ${id} (${props.name}) no longer exists on key ${keyArn}: it was revoked or retired outside Pulumi. \`pulumi up\` creates it again.`,
      );
      return {};
    }
    const live = verdict.live;
    // A state written before the access was recorded records it now, for drift.
    const outs: GrantOutputs = { ...withoutTokens(props), reportedConstraints: live.constraints, access };
    const changed = verdict.status === "drifted" ? verdict.changes.map((c) => c.field) : [];
    for (const field of changed) Object.assign(outs, { [field]: live[field] });
    Object.assign(outs, { effectiveGrantee: undefined, effectiveRetiringPrincipal: undefined }, effectiveOutputs(outs));
    if (changed.includes("granteePrincipal")) {
      const why =
        verdict.status === "drifted" && verdict.granteeDeleted
          ? "KMS now shows the grantee as a bare unique id: the role or user it named was deleted, so the grant serves nobody."
          : "the grantee differs from the stack.";
      await this.context.log("warning", `Grant ${id} (${props.name}): ${why} \`pulumi up\` replaces the grant.`);
    }
    if (entry.IssuingAccount) outs.issuingAccount = entry.IssuingAccount;
    outs.reportedGrantee = reportedGrantee(entry);
    if (entry.CreationDate) outs.creationDate = new Date(entry.CreationDate).toISOString();
    // Without undefined values: the host cannot send them back to the engine.
    const recorded = withoutUndefined(outs);
    return { id, props: recorded, inputs: inputsOf(recorded) };
  }

  /** The key's state, judged as drift judges it: gone (deleted or pending deletion), usable, or unknown. */
  private judgeKeyOf(props: GrantOutputs): Promise<KeyVerdict> {
    // Reads of one key that arrive together (a refresh) share one DescribeKey, as they share one listing.
    const access = recordedAccess(props, this.context);
    const slot = `${props.keyArn}\u0000${accessKey(access)}`;
    let verdict = this.keyReads.get(slot);
    if (!verdict) {
      verdict = describeAndJudgeKey(this.clients.keys(props.keyArn, this.context.regionFor(props.keyArn), access), props.keyArn).finally(
        () => this.keyReads.delete(slot),
      );
      this.keyReads.set(slot, verdict);
    }
    return verdict;
  }

  /**
   * A grant cannot change in place: another key, Region, grantee, operations, retiring principal,
   * constraints or name replaces it. The key by id or by ARN is the same key: no change at all.
   * An input not known yet (preview) decides nothing: what is known is reported, and when nothing
   * known changes, `changes` is left unknown for the engine to settle once the value is known.
   */
  async diff(olds: GrantOutputs, news: GrantInputs): Promise<{ changes?: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
    const key = await keyChange(olds, news, this.context);
    const replaces: string[] = [...key.replaces];
    replaces.push(...changedParameters(olds, news).filter((field) => !isUnknown((news as unknown as Record<string, unknown>)[field])));
    if (!isUnknown(news.name) && olds.name !== news.name) replaces.push("name");
    // grantTokens only matter while CreateGrant runs: changing them changes no grant.
    const retireChanged = !isUnknown(news.retireOnDelete) && olds.retireOnDelete !== news.retireOnDelete;
    if (olds.grantId) (replaces.length === 0 ? this.keptIds : this.replacedIds).add(olds.grantId);
    if (replaces.length > 0 || retireChanged || key.accessChanged) return { changes: true, replaces, deleteBeforeReplace: false };
    const undecided =
      !key.keyKnown ||
      !key.accessKnown ||
      isUnknown(news.name) ||
      isUnknown(news.retireOnDelete) ||
      GRANT_PARAMETER_FIELDS.some((field) => isUnknown(news[field]));
    return undecided ? { replaces, deleteBeforeReplace: false } : { changes: false, replaces, deleteBeforeReplace: false };
  }

  /**
   * With `kms-policy:dryRun`, asks KMS whether the CreateGrant that `pulumi up` would make for a new
   * or replaced grant would succeed, so that a refusal shows at preview before anything is written.
   * `olds` are the previous inputs (none for a new grant). Only a refusal is a failure: a transient
   * error says nothing about the grant, so it is a warning.
   */
  async preflight(olds: Record<string, unknown>, inputs: GrantInputs): Promise<CheckFailure[]> {
    if (!this.context.settings.dryRun) return [];
    if (isUnknown(inputs)) {
      await this.context.log("info", `Grant ${inputs.name}: no dry run of CreateGrant at preview: some inputs are known only at apply.`);
      return [];
    }
    const isNew = olds.keyId === undefined;
    if (!isNew && (await this.diff(olds as unknown as GrantOutputs, inputs)).replaces.length === 0) return [];
    const result = await this.clients
      .grants(inputs.keyId, this.context.regionFor(inputs.keyId, inputs.region), this.context.accessFor(inputs))
      .dryRunCreateGrant(inputs);
    if (result.ok) return [];
    if (isTransient(result.error.cause)) {
      await this.context.log(
        "warning",
        `Grant ${inputs.name}: the dry run of CreateGrant could not finish, so preview cannot say whether pulumi up will succeed: ${result.error.message}`,
      );
      return [];
    }
    const property = dryRunProperty(errorName(result.error.cause), inputs);
    return [
      { property, reason: `pulumi up would fail: a dry run of CreateGrant (kms-policy:dryRun) was refused: ${result.error.message}` },
    ];
  }

  update(olds: GrantOutputs, news: GrantInputs): { outs: GrantOutputs } {
    // Without undefined values: the host cannot send them back to the engine.
    const { assumeRole, profile } = news;
    return {
      outs: withoutUndefined({
        ...withoutTokens(olds),
        retireOnDelete: news.retireOnDelete,
        assumeRole,
        profile,
        access: this.context.accessFor(news),
      }),
    };
  }

  async delete(id: string, props: GrantOutputs): Promise<void> {
    const holder = this.holders.get(id);
    if (holder !== undefined && holder !== props.createdAt) {
      await this.context.log(
        "info",
        `Grant ${id} (${props.name}): not revoked: KMS handed this grant to the resource that replaces this one (same name and parameters), which manages it now.`,
      );
      return;
    }
    if (this.keptIds.has(id)) {
      await this.context.log(
        "warning",
        `Grant ${id} (${props.name}): not ${props.retireOnDelete ? "retired" : "revoked"}: another Grant of this stack records the same grant id and stays, so revoking it would take that Grant's grantee's access away. ` +
          "The grant is left to that Grant, whose own delete removes it.",
      );
      return;
    }
    const api = this.clients.grants(props.keyArn, this.context.regionFor(props.keyArn), recordedAccess(props, this.context));
    const done = props.retireOnDelete ? "retired" : "revoked";
    try {
      // RevokeGrant and RetireGrant succeed on a key pending deletion (KMS Developer Guide, "Key
      // states of AWS KMS keys"); a grant or key already gone is success (removeGrant). Only a
      // refusal for the key's state is skipped: AccessDenied or a failure that outlived the
      // retries fails the delete, as the grant may still serve its grantee.
      await api.removeGrant(props.keyArn, id, props.retireOnDelete ? "retire" : "revoke");
    } catch (err) {
      const invalidState = [err, (err as { cause?: unknown }).cause].some((e) => errorName(e) === "KMSInvalidStateException");
      if (!invalidState) throw err;
      const key = await this.judgeKeyOf(props);
      const state =
        key.status === "usable" ? `key ${key.key.arn} is ${key.key.state}` : key.status === "gone" ? key.reason : `key ${props.keyArn}`;
      await this.context.log(
        "warning",
        `Grant ${id} (${props.name}): not ${done}: KMS refused the call for the key's state (${state}): ${(err as Error).message}. ` +
          "The grant goes with the key if it is deleted; otherwise revoke it (RevokeGrant) once the key is usable, or import it into a stack.",
      );
    }
  }
}

/**
 * Whether a listed grant was created before `asked` (when this create called CreateGrant): KMS
 * returns an existing grant's id for the same name and parameters. ListGrants reports CreationDate
 * (moto does not, but neither does it deduplicate); a grant not listed yet tells nothing. Used
 * only to say so in the log: what the create does is the same either way.
 */
function existedBefore(entry: GrantListEntry | undefined, asked: number): boolean {
  return entry?.CreationDate !== undefined && new Date(entry.CreationDate).getTime() < asked;
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

/** The inputs a refresh gives back: the table's inputs but the create-only tokens. */
function inputsOf(outs: GrantOutputs): GrantInputs {
  return inputsFromState(GRANT_FIELDS, outs);
}
