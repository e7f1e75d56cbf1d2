import { GONE_KEY_STATES, KeyApi, KeyFacts } from "../aws/keys";
import { isRefusal } from "../aws/errors";
import { Access } from "../aws/access";
import { partitionOf } from "../aws/keyRef";
import { KEY_POLICY_NAME, defaultKeyPolicy } from "../aws/keyPolicyFacts";
import { diffPolicies, formatPolicyDiff, validatePolicy } from "../policy";
import { KeyPolicyInputs } from "./keyPolicyCheck";
import { ProviderContext } from "./context";
import { ResourceInitFailedError } from "./initFailure";
import { isUnknown } from "./check";
import { seeDocs } from "../docs";
import { statementSids } from "../policy/statementMerge";
import { KeyChange, keyChange, recordedAccess } from "./keyIdentity";
import { describeAndJudgeKey, judgePolicy, policyReading, samePolicy } from "../verdict";
import {
  HANDED_OVER_TAG,
  PENDING_TAG,
  MAX_PREVIOUS_POLICY_TAGS,
  Ownership,
  handedOver,
  newOwnerId,
  ownershipTagKeys,
  statementClaims,
  statementTag,
  STATEMENT_TAG_PREFIX,
  ownershipTags,
  policyDigest,
  readOwnership,
  recordsPreviousPolicy,
} from "./keyOwnership";
import { KEY_POLICY_FIELDS } from "../fields/keyPolicy";
import { CheckedInputs, ReplacingFields, StateFields, inputsFromState, sameFields } from "../fields/table";

/** What a KeyPolicy keeps in state: its inputs, plus what it learned from KMS. */
export interface KeyPolicyOutputs extends KeyPolicyInputs {
  /** The key's ARN, from DescribeKey; all later calls use it. */
  keyArn: string;
  /** The policy the key had before this resource took it over; put back on delete with onDelete "restore". */
  previousPolicy: string;
  /**
   * This resource's id in the key's ownership tag (see keyOwnership.ts); absent in a state written
   * before the tags existed, or when tagging was not allowed.
   */
  ownerId?: string;
  /**
   * The role and profile the calls used (the resource's, else the stack's): refresh, destroy and
   * `kms-policy drift` use the same. Never a credential.
   */
  access?: Access;
  /**
   * The policy this resource's last put replaced. A read answering it moments later is a KMS host
   * that has not seen the put yet: stale, not drift (KeyApi.settledKeyPolicy).
   */
  replacedPolicy?: string;
  /**
   * The owner id another KeyPolicy had left on the key when this one took it over, unless this
   * stack was known to replace it: should its delete hand the key over (a rename without an
   * alias), the pre-stack policy it hands over becomes this resource's previousPolicy.
   */
  predecessor?: string;
}

// The state, the checked inputs and what replaces the resource are the table's (fields/keyPolicy.ts):
// a field added to one and not to the other fails to compile here, naming it.
sameFields<keyof KeyPolicyOutputs & string, StateFields<typeof KEY_POLICY_FIELDS>>(true);
sameFields<keyof KeyPolicyInputs & string, CheckedInputs<typeof KEY_POLICY_FIELDS>>(true);
sameFields<KeyChange["replaces"][number] | "policyName", ReplacingFields<typeof KEY_POLICY_FIELDS>>(true);

/** Where a create's previousPolicy came from, for its message and its tests. */
export type PreStackSource = "live" | "replaced" | "unfinished-create";

export type ApiFor = (keyId: string, region?: string, access?: Access) => KeyApi;

/** The statement-level diff of two policies of the key, as text; the engine's error when it cannot read one. */
export function explainDiff(before: string, after: string, title: string, keyRef: string): string {
  try {
    return formatPolicyDiff(diffPolicies(before, after, policyReading(keyRef)), { title });
  } catch (err) {
    return `${title}: ${(err as Error).message}`;
  }
}

/**
 * The recorded key as a refresh reads it (describeAndJudgeKey): its facts while usable; undefined
 * when it is deleted or pending deletion, after telling `who` (the resource, as its messages name
 * it) is gone from the stack. A failure to read it is thrown: the state stays as it is.
 */
export async function refreshedKey(
  api: KeyApi,
  keyArn: string,
  who: string,
  context: Pick<ProviderContext, "log">,
): Promise<KeyFacts | undefined> {
  const verdict = await describeAndJudgeKey(api, keyArn);
  if (verdict.status === "error") throw verdict.error;
  if (verdict.status === "usable") return verdict.key;
  await context.log(
    "warning",
    `${who}: ${verdict.reason}; the resource is gone from the stack` +
      (verdict.key ? " (cancel the deletion and run `pulumi up` to manage it again)." : "."),
  );
  return undefined;
}

/** DescribeKey, refusing a key pending deletion: its policy cannot be managed. */
export async function describeUsableKey(api: KeyApi, keyId: string): Promise<KeyFacts> {
  const key = await api.describeKey(keyId);
  if (GONE_KEY_STATES.has(key.state)) {
    throw new Error(
      `key ${key.arn} is ${key.state}: its policy cannot be managed. Cancel the deletion (CancelKeyDeletion) or point keyId at another key.`,
    );
  }
  return key;
}

export class KeyPolicyLifecycle {
  /**
   * The resources of the stack's state this process's diff saw, by key ARN: their owner id and
   * the pre-stack policy from their state. Pulumi diffs a resource, creates its replacement, and
   * only then deletes it, all in one provider process; the replacement's create trusts that state,
   * never a tag alone.
   */
  private readonly inStack = new Map<string, { ownerId?: string; previousPolicy: string; predecessor?: string }>();

  /**
   * `context`: the provider's settings (`kms-policy:previousPolicyInTags`), its Region and access
   * rules and its log; the clock is the one `apiFor`'s KeyApis wait on.
   */
  constructor(
    private readonly apiFor: ApiFor,
    private readonly readBackPollMs = 250,
    private readonly context: ProviderContext = new ProviderContext(),
  ) {}

  private api(inputs: Pick<KeyPolicyInputs, "keyId" | "region">, access: Access, keyArn?: string): KeyApi {
    return this.apiFor(keyArn ?? inputs.keyId, this.context.regionFor(keyArn ?? inputs.keyId, inputs.region), access);
  }

  private lint(policy: string): string {
    const problems = validatePolicy(policy);
    return problems.length
      ? `The policy engine also finds: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`
      : "The policy engine finds no syntax problem, so check that every principal in it exists.";
  }

  private async put(api: KeyApi, keyArn: string, inputs: KeyPolicyInputs): Promise<void> {
    await api.putKeyPolicy(keyArn, inputs.policyName, inputs.policy, inputs.bypassPolicyLockoutSafetyCheck, this.lint(inputs.policy));
  }

  /**
   * Reads back until KMS returns a policy equivalent to the one put, several times in a row (KMS
   * is eventually consistent: one host may have the change while the next does not).
   */
  private async confirm(api: KeyApi, keyArn: string, inputs: KeyPolicyInputs): Promise<string> {
    const { confirmed, live } = await api.readBack(
      keyArn,
      inputs.policyName,
      inputs.policy,
      (a, b) => samePolicy(a, b, keyArn),
      this.readBackPollMs,
      inputs.readBackTimeoutSeconds * 1000,
    );
    if (confirmed) return inputs.policy;
    throw new Error(
      `PutKeyPolicy on ${keyArn} succeeded, but after ${inputs.readBackTimeoutSeconds}s GetKeyPolicy still returns a different policy.\n` +
        explainDiff(inputs.policy, live, "what KMS returns differs from what was put", keyArn) +
        "\nKMS is eventually consistent: run again (it is safe), or raise readBackTimeoutSeconds.",
    );
  }

  /** The key's policy now, as a settled read: moments after another stack's destroy, KMS may still answer with that stack's policy. */
  private settledLive(api: KeyApi, keyArn: string, inputs: KeyPolicyInputs): Promise<string> {
    return api.settledKeyPolicy(keyArn, inputs.policyName, undefined, (a, b) => samePolicy(a, b, keyArn), this.readBackPollMs, {
      timeoutMs: inputs.readBackTimeoutSeconds * 1000,
    });
  }

  /**
   * The policy a create records as the one to restore: the live one, unless the tags' owner is a
   * predecessor this stack is replacing (see keyOwnership.ts).
   */
  private preStackPolicy(keyArn: string, live: string, found: Ownership): { previousPolicy: string; source: PreStackSource } {
    const replaced = this.inStack.get(keyArn);
    if (found.owner && replaced && replaced.ownerId === found.owner) {
      // The replaced resource may itself have been handed the pre-stack policy since its state was written.
      const previousPolicy = handedOver(found, replaced.ownerId, replaced.predecessor) ?? replaced.previousPolicy;
      return { previousPolicy, source: "replaced" };
    }
    if (found.owner && found.pending && found.previousPolicy !== undefined && found.pending === policyDigest(live, partitionOf(keyArn))) {
      return { previousPolicy: found.previousPolicy, source: "unfinished-create" };
    }
    return { previousPolicy: live, source: "live" };
  }

  /** Says at create which owner the tags named, and which policy is recorded as the one to restore. */
  private async reportPreStack(keyArn: string, found: Ownership, previousPolicy: string, source: PreStackSource): Promise<void> {
    if (!found.owner) return;
    const recorded =
      found.previousPolicy !== undefined
        ? `They record this pre-stack policy:\n${found.previousPolicy}\n`
        : "They record no pre-stack policy. ";
    const why: Record<PreStackSource, string> = {
      replaced: "That resource is the one this stack is replacing, so its pre-stack policy (from its state) is recorded as previousPolicy.",
      "unfinished-create":
        "That claim is from a create that never finished (killed after it claimed the key), and the key still has the policy it was putting, so the pre-stack policy it recorded is kept as previousPolicy.",
      live:
        "That owner is not a resource this stack is replacing in this update (it may have left its stack without its delete: `pulumi state delete`, retainOnDelete, `stack rm --force`, or belong to another stack), so its tags are not trusted: " +
        "the key's live policy is recorded as previousPolicy, and a destroy restores that. If that owner is a resource of this stack renamed without an alias, its delete later in this update hands its pre-stack policy over " +
        seeDocs("keyPolicyReplacing") +
        ".",
    };
    await this.context.log(
      source === "live" && found.previousPolicy !== undefined && !samePolicy(found.previousPolicy, previousPolicy, keyArn)
        ? "warning"
        : "info",
      `KeyPolicy: key ${keyArn} carries the ownership tags of another KeyPolicy (owner ${found.owner}). ${recorded}${why[source]}` +
        (source === "live" ? `\nRecorded previousPolicy:\n${previousPolicy}` : ""),
    );
  }

  async create(inputs: KeyPolicyInputs): Promise<{ id: string; outs: KeyPolicyOutputs }> {
    const access = this.context.accessFor(inputs);
    const api = this.api(inputs, access);
    const key = await describeUsableKey(api, inputs.keyId);
    const names = await api.listKeyPolicies(key.arn);
    if (!names.includes(inputs.policyName)) {
      throw new Error(`key ${key.arn} has no key policy named "${inputs.policyName}" (it has: ${names.join(", ") || "none"})`);
    }
    const tags = await this.tags(api, key.arn);
    const found = tags ? readOwnership(tags) : {};
    // Captured before anything changes, so that a failed create can put it back.
    const livePolicy = await this.settledLive(api, key.arn, inputs);
    refuseStatementOwners(key.arn, tags, livePolicy);
    const { previousPolicy, source } = this.preStackPolicy(key.arn, livePolicy, found);
    await this.reportPreStack(key.arn, found, previousPolicy, source);
    const predecessor = found.owner && source === "live" ? found.owner : undefined;
    // Claimed before the put, marked pending: should the process be killed before the state is
    // written, the next create finds the pre-stack policy recorded (keyOwnership.ts).
    // A predecessor that had itself been handed a pre-stack policy (a rename, not refreshed since)
    // hands that one on at its delete: the claim keeps it, and who handed it, in the tags.
    const carried =
      predecessor && found.handedOverBy && found.handedOverBy === found.predecessor && found.previousPolicy !== undefined
        ? found
        : undefined;
    const ownerId = tags
      ? await this.claim(
          api,
          key.arn,
          {
            owner: newOwnerId(),
            previousPolicy: carried?.previousPolicy ?? previousPolicy,
            pending: policyDigest(inputs.policy, partitionOf(key.arn)),
            predecessor,
            handedOverBy: carried?.handedOverBy,
          },
          tags,
          found,
        )
      : undefined;
    // What the state records, with the policy the key has (or, after a failure, may have).
    const outs = (policy: string): KeyPolicyOutputs => ({
      ...inputs,
      policy,
      keyArn: key.arn,
      previousPolicy,
      access,
      replacedPolicy: livePolicy,
      ...(ownerId ? { ownerId } : {}),
      ...(predecessor ? { predecessor } : {}),
    });
    let putAnswered = false;
    try {
      await this.put(api, key.arn, inputs);
      putAnswered = true;
      const policy = await this.confirm(api, key.arn, inputs);
      if (ownerId) await this.settleClaim(api, key.arn);
      return { id: key.arn, outs: outs(policy) };
    } catch (err) {
      if (!putAnswered && isRefusal(err)) {
        if (ownerId && tags) await this.unclaim(api, key.arn, tags);
        throw err; // KMS refused the put: the key is as it was
      }
      // A failed create leaves Pulumi with no state, so the key must not keep a policy nobody
      // asked for. The old policy is put back without reading first: while the new one
      // propagates, a read can still show the old one.
      const restoreFailure = await this.putBack(api, key.arn, inputs, livePolicy);
      if (!restoreFailure) {
        // The key is as it was, and so are its tags: a predecessor still owns it.
        if (ownerId && tags) await this.unclaim(api, key.arn, tags);
        throw reverted(key.arn, err as Error);
      }
      throw new ResourceInitFailedError(
        `${(err as Error).message}\nPutting the key's previous policy back failed as well: ${restoreFailure.message}\n` +
          "The key may now have the new policy, so the stack keeps this resource, with the previous policy, rather than forget it: " +
          "run `pulumi up` to finish the create, or `pulumi destroy` to put the previous policy back.",
        key.arn,
        // Whether the new policy landed is unknown, so the state says the old one: the next
        // `pulumi up` then puts the declared policy for certain. The claim stays: the key may have
        // this resource's policy.
        { ...outs(livePolicy) },
      );
    }
  }

  /** The key's tags; undefined (with a warning) when the caller may not list them. */
  private async tags(api: KeyApi, keyArn: string): Promise<Record<string, string> | undefined> {
    try {
      return await api.listTags(keyArn);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      await this.context.log(
        "warning",
        `KeyPolicy: ${(err as Error).message}\nWithout the key's tags, a replaced or renamed KeyPolicy cannot hand the key over ${seeDocs("keyPolicyReplacing")}.`,
      );
      return undefined;
    }
  }

  /**
   * Marks the key as managed by `claim.owner`, recording the policy to restore (unless
   * kms-policy:previousPolicyInTags is false); returns the owner id, or undefined if KMS refuses
   * and no other owner is named. When the tags name another owner, a claim that fails fails the
   * caller: that owner's delete would otherwise revert the key.
   */
  private async claim(
    api: KeyApi,
    keyArn: string,
    claim: { owner: string; previousPolicy: string; pending?: string; predecessor?: string; handedOverBy?: string },
    current: Record<string, string>,
    found: Ownership,
  ): Promise<string | undefined> {
    const inTags = this.context.settings.previousPolicyInTags;
    const tags = ownershipTags(claim.owner, { ...claim, previousPolicy: inTags ? claim.previousPolicy : undefined });
    if (inTags && !recordsPreviousPolicy(tags)) {
      await this.context.log(
        "warning",
        `KeyPolicy: the policy key ${keyArn} had before this stack (${claim.previousPolicy.length} characters) is too large for the key's ownership tags ` +
          `(deflated, it needs more than ${MAX_PREVIOUS_POLICY_TAGS} tag values of 256 characters), so only the owner is recorded. This resource keeps it as previousPolicy and restores it on delete; ` +
          `but should this KeyPolicy be replaced, or renamed without an alias, its successor cannot learn it and would restore this stack's policy instead ${seeDocs("keyPolicyReplacing")}.`,
      );
    }
    try {
      await api.tag(keyArn, tags);
      // Tags of an earlier claim (chunks of a longer policy, a handover mark) would corrupt this one.
      await api.untag(
        keyArn,
        ownershipTagKeys(current).filter((k) => !(k in tags)),
      );
      return claim.owner;
    } catch (err) {
      if (found.owner) {
        throw new Error(
          `${(err as Error).message}\nKey ${keyArn} is managed by another KeyPolicy (owner ${found.owner}), and this one could not record itself as the owner, ` +
            "so that one's delete would revert the key: nothing was changed. Allow kms:TagResource and kms:UntagResource on the key, then run again.",
          { cause: err },
        );
      }
      await this.context.log(
        "warning",
        `KeyPolicy: ${(err as Error).message}\nThe key's policy is set, but a replaced or renamed KeyPolicy on it could revert it ${seeDocs("keyPolicyReplacing")}.`,
      );
      return undefined;
    }
  }

  /** Confirms a pending claim once its put is read back; a failure only warns (the claim still names this resource). */
  private async settleClaim(api: KeyApi, keyArn: string): Promise<void> {
    try {
      await api.untag(keyArn, [PENDING_TAG]);
    } catch (err) {
      await this.context.log(
        "warning",
        `KeyPolicy: the key's policy is set, but its claim stays marked pending: ${(err as Error).message}`,
      );
    }
  }

  /** Puts the ownership tags back as a failed create found them. */
  private async unclaim(api: KeyApi, keyArn: string, before: Record<string, string>): Promise<void> {
    const owned = Object.fromEntries(ownershipTagKeys(before).map((k) => [k, before[k]]));
    try {
      const now = await api.listTags(keyArn);
      await api.untag(
        keyArn,
        ownershipTagKeys(now).filter((k) => !(k in owned)),
      );
      if (Object.keys(owned).length > 0) await api.tag(keyArn, owned);
    } catch (err) {
      await this.context.log(
        "warning",
        `KeyPolicy: the key's policy is as it was, but its ownership tags could not be put back: ${(err as Error).message}`,
      );
    }
  }

  private async putBack(api: KeyApi, keyArn: string, inputs: KeyPolicyInputs, previous: string): Promise<Error | undefined> {
    try {
      await api.putKeyPolicy(keyArn, inputs.policyName, previous, true);
      return undefined;
    } catch (restoreErr) {
      return restoreErr as Error;
    }
  }

  async read(id: string, props: KeyPolicyOutputs): Promise<{ id?: string; props?: KeyPolicyOutputs; inputs?: KeyPolicyInputs }> {
    const keyArn = props.keyArn || id;
    const api = this.api(props, recordedAccess(props, this.context), keyArn);
    const key = await refreshedKey(api, keyArn, "KeyPolicy", this.context);
    if (!key) return {};
    // One read that differs may be KMS still answering with the policy before this stack's own put.
    const live = await api.settledKeyPolicy(
      keyArn,
      props.policyName || KEY_POLICY_NAME,
      props.policy,
      (a, b) => samePolicy(a, b, keyArn),
      this.readBackPollMs,
      { replaced: props.replacedPolicy, timeoutMs: (props.readBackTimeoutSeconds ?? 60) * 1000 },
    );
    // Keep the recorded text while it means the same: a refresh then changes nothing.
    let policy = props.policy;
    if (judgePolicy(props.policy, live, keyArn).status === "drifted") {
      policy = live;
      await this.context.log(
        "warning",
        explainDiff(props.policy, live, `KeyPolicy: the live policy of ${keyArn} has drifted from the stack (- stack, + live)`, keyArn),
      );
    }
    // A state written before the access was recorded records it now, for drift.
    const outs: KeyPolicyOutputs = { ...props, policy, keyArn: key.arn, access: recordedAccess(props, this.context) };
    const handed = await this.handedOverPolicy(api, keyArn, props);
    if (handed !== undefined) outs.previousPolicy = handed;
    return { id: key.arn, props: outs, inputs: inputsFromState(KEY_POLICY_FIELDS, outs) };
  }

  /**
   * Replaces only for another key, Region or policy name; a changed policy is an update. The key by
   * id or by ARN is the same key: no change at all. An input not known yet (preview, e.g. a key
   * created in the same run) decides nothing: what is known is reported, and when nothing known
   * changes, `changes` is left unknown for the engine to settle once the value is known.
   */
  async diff(olds: KeyPolicyOutputs, news: KeyPolicyInputs): Promise<{ changes?: boolean; replaces: string[] }> {
    const key = await keyChange(olds, news, this.context);
    const replaces: string[] = [...key.replaces];
    const oldKey = key.oldKey;
    if (!isUnknown(news.policyName) && (olds.policyName || KEY_POLICY_NAME) !== news.policyName) replaces.push("policyName");
    const policyKnown = !isUnknown(news.policy);
    const policyChanged = policyKnown && !samePolicy(olds.policy, news.policy, oldKey);
    if (policyChanged && replaces.length === 0) {
      await this.context.log(
        "info",
        explainDiff(olds.policy, news.policy, `KeyPolicy ${news.keyId}: policy will change (- current, + program)`, oldKey),
      );
    }
    const settings = ["bypassPolicyLockoutSafetyCheck", "onDelete", "readBackTimeoutSeconds"] as const;
    const settingsChanged =
      settings.some((s) => !isUnknown(news[s]) && olds[s] !== news[s]) ||
      (!isUnknown(news.region) && olds.region !== news.region) ||
      key.accessChanged;
    // A create on this key later in this process (the replacement) trusts this state, which is
    // in the stack (see `inStack`).
    if (olds.keyArn)
      this.inStack.set(olds.keyArn, { ownerId: olds.ownerId, previousPolicy: olds.previousPolicy, predecessor: olds.predecessor });
    if (replaces.length > 0 || policyChanged || settingsChanged) return { changes: true, replaces };
    const undecided =
      !key.keyKnown || !key.accessKnown || !policyKnown || isUnknown(news.policyName) || settings.some((s) => isUnknown(news[s]));
    return undecided ? { replaces } : { changes: false, replaces };
  }

  async update(olds: KeyPolicyOutputs, news: KeyPolicyInputs): Promise<{ outs: KeyPolicyOutputs }> {
    const keyArn = olds.keyArn;
    const access = this.context.accessFor(news);
    const policyChanged = !samePolicy(olds.policy, news.policy, keyArn);
    let ownerId = olds.ownerId;
    let predecessor = olds.predecessor;
    let replacedPolicy = olds.replacedPolicy;
    // Settings such as onDelete live only in state: no API call unless the policy itself changed,
    // or the key is not claimed yet (a create that failed after its put, a state from before the tags).
    if (policyChanged || !ownerId) {
      const api = this.api(news, access, keyArn);
      await describeUsableKey(api, keyArn);
      const tags = await this.tags(api, keyArn);
      const found = tags ? readOwnership(tags) : {};
      if (tags && (!ownerId || !found.owner)) {
        // A key this state does not own yet: unclaimed, a predecessor's delete later in this
        // update would revert it. The tags' owner, if another, is named as the predecessor.
        if (found.owner && found.owner !== ownerId) predecessor = found.owner;
        ownerId = await this.claim(
          api,
          keyArn,
          { owner: ownerId ?? newOwnerId(), previousPolicy: olds.previousPolicy, predecessor },
          tags,
          found,
        );
      } else if (ownerId && found.owner && found.owner !== ownerId) {
        await this.context.log(
          "warning",
          `KeyPolicy: key ${keyArn} is now claimed by another KeyPolicy (owner ${found.owner}); this update puts its policy, but that one's delete may revert it. Two KeyPolicies on one key overwrite each other: keep one.`,
        );
      }
      if (policyChanged) {
        await this.put(api, keyArn, news);
        await this.confirm(api, keyArn, news);
        replacedPolicy = olds.policy;
      }
      if (ownerId && found.owner === ownerId && found.pending) await this.settleClaim(api, keyArn);
    }
    return {
      outs: {
        ...news,
        keyArn,
        previousPolicy: olds.previousPolicy,
        access,
        ...(replacedPolicy !== undefined ? { replacedPolicy } : {}),
        ...(ownerId ? { ownerId } : {}),
        ...(predecessor ? { predecessor } : {}),
      },
    };
  }

  /**
   * The pre-stack policy a predecessor's delete handed to this resource (see keyOwnership.ts);
   * undefined when none was, or the tags cannot be read.
   */
  private async handedOverPolicy(api: KeyApi, keyArn: string, props: KeyPolicyOutputs): Promise<string | undefined> {
    if (!props.predecessor || !props.ownerId) return undefined;
    const tags = await this.tags(api, keyArn);
    return tags ? handedOver(readOwnership(tags), props.ownerId, props.predecessor) : undefined;
  }

  /**
   * This resource's delete found a successor on the key. A successor that named this resource as
   * its predecessor recorded the live policy and waits for the pre-stack policy: it is handed over
   * from this state through the tags. One that did not took it from this state (a replacement the
   * diff saw), or found the key under another owner. Where the pre-stack policy cannot reach the
   * successor, this says so and prints it.
   */
  private async handOver(
    api: KeyApi,
    keyArn: string,
    props: KeyPolicyOutputs,
    tags: Record<string, string>,
    recorded: Ownership,
  ): Promise<void> {
    const stays = `KeyPolicy: key ${keyArn} is now managed by another KeyPolicy (this one was replaced or renamed); its policy stays as that one set it.`;
    // Handed a pre-stack policy itself (kept in the tags by the successor's claim), this resource
    // hands that one on, not the older one its state still has.
    const own =
      props.predecessor && recorded.handedOverBy === props.predecessor && recorded.previousPolicy !== undefined
        ? recorded.previousPolicy
        : props.previousPolicy;
    const waiting = !!props.ownerId && recorded.predecessor === props.ownerId;
    if (!own) {
      await this.context.log("info", stays);
      return;
    }
    if (!waiting) {
      const alreadyRecorded = recorded.previousPolicy !== undefined && samePolicy(recorded.previousPolicy, own, keyArn);
      if (props.ownerId || alreadyRecorded) {
        await this.context.log("info", stays);
        return;
      }
    } else if (recorded.owner && this.context.settings.previousPolicyInTags) {
      const handover = {
        ...ownershipTags(recorded.owner, { previousPolicy: own, pending: recorded.pending, predecessor: recorded.predecessor }),
        [HANDED_OVER_TAG]: props.ownerId as string,
      };
      if (recordsPreviousPolicy(handover)) {
        try {
          await api.tag(keyArn, handover);
          await api.untag(
            keyArn,
            ownershipTagKeys(tags).filter((k) => !(k in handover)),
          );
          await this.context.log(
            "info",
            `${stays} This resource's pre-stack policy is handed over to it: its refresh records it as previousPolicy, its delete restores it.`,
          );
          return;
        } catch (err) {
          await this.context.log("warning", `KeyPolicy: handing the pre-stack policy over failed: ${(err as Error).message}`);
        }
      }
    }
    // Once this resource leaves the state, this message is the last place the pre-stack policy is written.
    await this.context.log(
      "warning",
      `${stays} ` +
        `That KeyPolicy could not learn from the key's tags the policy the key had before the stack, so with onDelete "restore" its delete will put back a policy this stack set instead. ` +
        `The pre-stack policy (this resource's previousPolicy) was:\n${own}`,
    );
  }

  async delete(_id: string, props: KeyPolicyOutputs): Promise<void> {
    const keyArn = props.keyArn;
    const api = this.api(props, recordedAccess(props, this.context), keyArn);
    const verdict = await describeAndJudgeKey(api, keyArn);
    if (verdict.status === "error") throw verdict.error;
    if (verdict.status === "gone") {
      if (!verdict.key) return; // the key no longer exists: nothing left to restore
      const retained = props.onDelete === "retain";
      await this.context.log(
        retained ? "info" : "warning",
        `KeyPolicy: ${verdict.reason}, so its policy was left as this stack set it` +
          (retained ? ' (onDelete "retain"). ' : ` (onDelete "${props.onDelete}" not carried out): KMS deletes the key with its policy. `) +
          "Should the deletion be cancelled, the key keeps this stack's policy: put back the one you want then (PutKeyPolicy), or manage the key in a stack again.",
      );
      return;
    }
    const key = verdict.key;
    const tags = await this.tags(api, keyArn);
    const recorded = tags ? readOwnership(tags) : {};
    const owner = recorded.owner;
    if (owner && owner !== props.ownerId) {
      if (tags) await this.handOver(api, keyArn, props, tags, recorded);
      return;
    }
    if (props.onDelete !== "retain") {
      const handed = tags && owner ? handedOver(recorded, props.ownerId, props.predecessor) : undefined;
      const target = props.onDelete === "default" ? defaultKeyPolicy(key.arn) : (handed ?? props.previousPolicy);
      // Always put, never "read and skip when it already matches": right after a change, a read
      // can still show the policy from before it (KMS is eventually consistent), as in create.
      try {
        await api.putKeyPolicy(keyArn, props.policyName || KEY_POLICY_NAME, target, props.bypassPolicyLockoutSafetyCheck);
      } catch (err) {
        const what = props.onDelete === "default" ? "AWS's default key policy" : "the policy the key had before this stack managed it";
        throw new Error(
          `${(err as Error).message}\nKMS refused to put back ${what}; the key still has the policy this stack set, unchanged. ` +
            `To finish the delete: set onDelete to "default" (AWS's default policy) or "retain" (leave the policy), run \`pulumi up\`, then delete again.`,
          { cause: err },
        );
      }
    }
    if (tags && owner) {
      try {
        await api.untag(keyArn, ownershipTagKeys(tags));
      } catch (err) {
        await this.context.log(
          "warning",
          `KeyPolicy: the key's policy is as onDelete says, but its ownership tags stay: ${(err as Error).message}`,
        );
      }
    }
  }
}

/**
 * A create that failed after its PutKeyPolicy, whose previous policy was put back: the error says
 * first that the key was reverted, since the cause alone ("PutKeyPolicy succeeded, but ...") reads
 * as if the new policy stayed.
 */
function reverted(keyArn: string, err: Error): Error {
  return new Error(
    `KeyPolicy: the create failed and key ${keyArn} was reverted: the policy it had before was put back, so nothing changed. What failed:\n${err.message}`,
    { cause: err },
  );
}

/**
 * Refuses, with nothing written, a key whose policy holds statements KeyPolicyStatements claim: a
 * whole-policy KeyPolicy would remove them (or own them twice), and their stacks would put them
 * back on their next refresh and `up`, a fight without end. A claim tag is a mark by a stack that
 * may be gone: it counts only while the statement it names is still in the policy, the sign that
 * its owner still stands behind it. A claim whose statement is gone is left over, and passed over.
 */
function refuseStatementOwners(keyArn: string, tags: Record<string, string> | undefined, livePolicy: string): void {
  const claims = tags ? statementClaims(tags) : [];
  if (!tags || claims.length === 0) return;
  let liveSids: string[];
  try {
    liveSids = statementSids(livePolicy);
  } catch {
    // A live policy this reader cannot take apart: every claim counts, since none can be disproved.
    return refuse(keyArn, claims);
  }
  const standing = [...new Set(liveSids.filter((sid) => statementTag(sid).key in tags))].sort();
  if (standing.length > 0) refuse(keyArn, standing);
}

function refuse(keyArn: string, sids: string[]): never {
  throw new Error(
    `KeyPolicy: key ${keyArn} has statements owned by KeyPolicyStatements (Sid ${sids.map((s) => `"${s}"`).join(", ")}, by its ${STATEMENT_TAG_PREFIX} tags). ` +
      "A KeyPolicy puts the whole policy: it would remove them, and their stacks would put them back. Nothing was written. " +
      "Fix: manage this key's policy with KeyPolicyStatements too, or destroy those KeyPolicyStatements first (their delete removes the statement and its tag) and declare their statements in this KeyPolicy. " +
      `If a stack that owned one is gone and its statement should stay, remove its tag (\`aws kms untag-resource --key-id ${keyArn} --tag-keys '${STATEMENT_TAG_PREFIX}<Sid>'\`).`,
  );
}
