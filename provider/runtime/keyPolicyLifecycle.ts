import { GONE_KEY_STATES, KeyApi, KeyFacts } from "../aws/keys";
import { errorName, isRefusal } from "../aws/errors";
import { Access } from "../aws/access";
import { KEY_POLICY_NAME, defaultKeyPolicy } from "../aws/keyPolicyFacts";
import { diffPolicies, formatPolicyDiff, validatePolicy } from "../policy";
import { KeyPolicyInputs } from "./keyPolicyCheck";
import { engineLog } from "./engineLog";
import { ResourceInitFailedError } from "./initFailure";
import { isUnknown } from "./check";
import { seeDocs } from "../docs";
import { keyChange, recordedAccess } from "./keyIdentity";
import { judgeKey, judgePolicy, KeyVerdict, policyReading, samePolicy } from "../verdict";
import {
  MAX_PREVIOUS_POLICY_TAGS,
  newOwnerId,
  ownershipTagKeys,
  ownershipTags,
  readOwnership,
  recordsPreviousPolicy,
} from "./keyOwnership";
import { accessFor, regionFor } from "./settings";

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
}

export type ApiFor = (keyId: string, region?: string, access?: Access) => KeyApi;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function explainDiff(before: string, after: string, title: string, keyRef: string): string {
  try {
    return formatPolicyDiff(diffPolicies(before, after, policyReading(keyRef)), { title });
  } catch (err) {
    return `${title}: ${(err as Error).message}`;
  }
}

export class KeyPolicyLifecycle {
  constructor(
    private readonly apiFor: ApiFor,
    private readonly readBackPollMs = 250,
  ) {}

  private api(inputs: Pick<KeyPolicyInputs, "keyId" | "region">, access: Access, keyArn?: string): KeyApi {
    return this.apiFor(keyArn ?? inputs.keyId, regionFor(keyArn ?? inputs.keyId, inputs.region), access);
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

  /** Reads back until KMS returns a policy equivalent to the one put: KMS is eventually consistent. */
  private async confirm(api: KeyApi, keyArn: string, inputs: KeyPolicyInputs): Promise<string> {
    const deadline = Date.now() + inputs.readBackTimeoutSeconds * 1000;
    let wait = this.readBackPollMs;
    for (;;) {
      const live = await api.getKeyPolicy(keyArn, inputs.policyName);
      // Compared semantically: KMS may return the policy re-serialized or reordered.
      if (samePolicy(live, inputs.policy, keyArn)) return inputs.policy;
      if (Date.now() + wait > deadline) {
        throw new Error(
          `PutKeyPolicy on ${keyArn} succeeded, but after ${inputs.readBackTimeoutSeconds}s GetKeyPolicy still returns a different policy.\n` +
            explainDiff(inputs.policy, live, "what KMS returns differs from what was put", keyArn) +
            "\nKMS is eventually consistent: run again (it is safe), or raise readBackTimeoutSeconds.",
        );
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 4000);
    }
  }

  private async describeUsableKey(api: KeyApi, keyId: string): Promise<KeyFacts> {
    const key = await api.describeKey(keyId);
    if (GONE_KEY_STATES.has(key.state)) {
      throw new Error(
        `key ${key.arn} is ${key.state}: its policy cannot be managed. Cancel the deletion (CancelKeyDeletion) or point keyId at another key.`,
      );
    }
    return key;
  }

  async create(inputs: KeyPolicyInputs): Promise<{ id: string; outs: KeyPolicyOutputs }> {
    const access = accessFor(inputs);
    const api = this.api(inputs, access);
    const key = await this.describeUsableKey(api, inputs.keyId);
    const names = await api.listKeyPolicies(key.arn);
    if (!names.includes(inputs.policyName)) {
      throw new Error(`key ${key.arn} has no key policy named "${inputs.policyName}" (it has: ${names.join(", ") || "none"})`);
    }
    // Captured before anything changes, so that a failed create can put it back.
    const livePolicy = await api.getKeyPolicy(key.arn, inputs.policyName);
    const tags = await this.tags(api, key.arn);
    const handedOver = tags ? readOwnership(tags) : {};
    // A key another KeyPolicy manages (this one replaces it, or is it renamed without an alias):
    // the policy to restore on delete is the one recorded before that stack, not the live one.
    const previousPolicy = handedOver.previousPolicy ?? livePolicy;
    if (handedOver.owner && handedOver.previousPolicy === undefined) {
      await engineLog(
        "warning",
        `KeyPolicy: key ${key.arn} is managed by another KeyPolicy (this one replaces it, or it was renamed without an alias) whose tags do not record the policy the key had before the stack ` +
          `(too large for them, or removed by hand). This resource records the key's current policy as previousPolicy, so its delete will restore that, not the pre-stack policy. ` +
          `The pre-stack policy is the other KeyPolicy's previousPolicy: its delete, later in this update, prints it ${seeDocs("keyPolicyReplacing")}.`,
      );
    }
    let putAnswered = false;
    try {
      await this.put(api, key.arn, inputs);
      putAnswered = true;
      const policy = await this.confirm(api, key.arn, inputs);
      const ownerId = tags ? await this.claim(api, key.arn, previousPolicy, ownershipTagKeys(tags)) : undefined;
      return { id: key.arn, outs: { ...inputs, policy, keyArn: key.arn, previousPolicy, access, ...(ownerId ? { ownerId } : {}) } };
    } catch (err) {
      if (!putAnswered && isRefusal(err)) throw err; // KMS refused the put: the key is as it was
      // A failed create leaves Pulumi with no state, so the key must not keep a policy nobody
      // asked for. The old policy is put back without reading first: while the new one
      // propagates, a read can still show the old one.
      const restoreFailure = await this.putBack(api, key.arn, inputs, livePolicy);
      if (!restoreFailure) throw reverted(key.arn, err as Error);
      throw new ResourceInitFailedError(
        `${(err as Error).message}\nPutting the key's previous policy back failed as well: ${restoreFailure.message}\n` +
          "The key may now have the new policy, so the stack keeps this resource, with the previous policy, rather than forget it: " +
          "run `pulumi up` to finish the create, or `pulumi destroy` to put the previous policy back.",
        key.arn,
        // Whether the new policy landed is unknown, so the state says the old one: the next
        // `pulumi up` then puts the declared policy for certain.
        { ...inputs, policy: livePolicy, keyArn: key.arn, previousPolicy, access },
      );
    }
  }

  /** The key's tags; undefined (with a warning) when the caller may not list them. */
  private async tags(api: KeyApi, keyArn: string): Promise<Record<string, string> | undefined> {
    try {
      return await api.listTags(keyArn);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      await engineLog(
        "warning",
        `KeyPolicy: ${(err as Error).message}\nWithout the key's tags, a replaced or renamed KeyPolicy cannot hand the key over ${seeDocs("keyPolicyReplacing")}.`,
      );
      return undefined;
    }
  }

  /** Marks the key as managed by a new owner id, recording the policy to restore; undefined if KMS refuses. */
  private async claim(api: KeyApi, keyArn: string, previousPolicy: string, stale: string[]): Promise<string | undefined> {
    const ownerId = newOwnerId();
    const tags = ownershipTags(ownerId, previousPolicy);
    if (!recordsPreviousPolicy(tags)) {
      await engineLog(
        "warning",
        `KeyPolicy: the policy key ${keyArn} had before this stack (${previousPolicy.length} characters) is too large for the key's ownership tags ` +
          `(deflated, it needs more than ${MAX_PREVIOUS_POLICY_TAGS} tag values of 256 characters), so only the owner is recorded. This resource keeps it as previousPolicy and restores it on delete; ` +
          `but should this KeyPolicy be replaced, or renamed without an alias, its successor cannot learn it and would restore this stack's policy instead ${seeDocs("keyPolicyReplacing")}.`,
      );
    }
    try {
      await api.tag(keyArn, tags);
      // Chunks of a longer policy recorded before would corrupt the one just written.
      await api.untag(
        keyArn,
        stale.filter((k) => !(k in tags)),
      );
      return ownerId;
    } catch (err) {
      await engineLog(
        "warning",
        `KeyPolicy: ${(err as Error).message}\nThe key's policy is set, but a replaced or renamed KeyPolicy on it could revert it ${seeDocs("keyPolicyReplacing")}.`,
      );
      return undefined;
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
    const api = this.api(props, recordedAccess(props), keyArn);
    let verdict: KeyVerdict;
    try {
      verdict = judgeKey(keyArn, { key: await api.describeKey(keyArn) });
    } catch (error) {
      verdict = judgeKey(keyArn, { error });
    }
    if (verdict.status === "error") throw verdict.error;
    if (verdict.status === "gone") {
      await engineLog(
        "warning",
        `KeyPolicy: ${verdict.reason}; the resource is gone from the stack (if the key is pending deletion: cancel the deletion and run \`pulumi up\` to manage it again).`,
      );
      return {};
    }
    const key = verdict.key;
    // One read that differs may be KMS still answering with the policy before this stack's own put.
    const live = await api.settledKeyPolicy(
      keyArn,
      props.policyName || KEY_POLICY_NAME,
      props.policy,
      (a, b) => samePolicy(a, b, keyArn),
      this.readBackPollMs,
    );
    // Keep the recorded text while it means the same: a refresh then changes nothing.
    let policy = props.policy;
    if (judgePolicy(props.policy, live, keyArn).status === "drifted") {
      policy = live;
      await engineLog(
        "warning",
        explainDiff(props.policy, live, `KeyPolicy: the live policy of ${keyArn} has drifted from the stack (- stack, + live)`, keyArn),
      );
    }
    // A state written before the access was recorded records it now, for drift.
    const outs: KeyPolicyOutputs = { ...props, policy, keyArn: key.arn, access: recordedAccess(props) };
    const { keyArn: _arn, previousPolicy: _prev, access: _access, ownerId: _owner, ...inputs } = outs;
    return { id: key.arn, props: outs, inputs };
  }

  /**
   * Replaces only for another key, Region or policy name; a changed policy is an update. The key by
   * id or by ARN is the same key: no change at all. An input not known yet (preview, e.g. a key
   * created in the same run) decides nothing: what is known is reported, and when nothing known
   * changes, `changes` is left unknown for the engine to settle once the value is known.
   */
  async diff(olds: KeyPolicyOutputs, news: KeyPolicyInputs): Promise<{ changes?: boolean; replaces: string[] }> {
    const key = await keyChange(olds, news);
    const replaces: string[] = [...key.replaces];
    const oldKey = key.oldKey;
    if (!isUnknown(news.policyName) && (olds.policyName || KEY_POLICY_NAME) !== news.policyName) replaces.push("policyName");
    const policyKnown = !isUnknown(news.policy);
    const policyChanged = policyKnown && !samePolicy(olds.policy, news.policy, oldKey);
    if (policyChanged && replaces.length === 0) {
      await engineLog(
        "info",
        explainDiff(olds.policy, news.policy, `KeyPolicy ${news.keyId}: policy will change (- current, + program)`, oldKey),
      );
    }
    const settings = ["bypassPolicyLockoutSafetyCheck", "onDelete", "readBackTimeoutSeconds"] as const;
    const settingsChanged =
      settings.some((s) => !isUnknown(news[s]) && olds[s] !== news[s]) ||
      (!isUnknown(news.region) && olds.region !== news.region) ||
      key.accessChanged;
    if (replaces.length > 0 || policyChanged || settingsChanged) return { changes: true, replaces };
    const undecided =
      !key.keyKnown || !key.accessKnown || !policyKnown || isUnknown(news.policyName) || settings.some((s) => isUnknown(news[s]));
    return undecided ? { replaces } : { changes: false, replaces };
  }

  async update(olds: KeyPolicyOutputs, news: KeyPolicyInputs): Promise<{ outs: KeyPolicyOutputs }> {
    const keyArn = olds.keyArn;
    const access = accessFor(news);
    // Settings such as onDelete live only in state: no API call unless the policy itself changed.
    if (!samePolicy(olds.policy, news.policy, keyArn)) {
      const api = this.api(news, access, keyArn);
      await this.describeUsableKey(api, keyArn);
      await this.put(api, keyArn, news);
      await this.confirm(api, keyArn, news);
    }
    return { outs: { ...news, keyArn, previousPolicy: olds.previousPolicy, access, ...(olds.ownerId ? { ownerId: olds.ownerId } : {}) } };
  }

  async delete(_id: string, props: KeyPolicyOutputs): Promise<void> {
    const keyArn = props.keyArn;
    const api = this.api(props, recordedAccess(props), keyArn);
    let key: KeyFacts;
    try {
      key = await api.describeKey(keyArn);
    } catch (err) {
      if (errorName((err as Error).cause) === "NotFoundException") return; // nothing left to restore
      throw err;
    }
    if (GONE_KEY_STATES.has(key.state)) {
      const retained = props.onDelete === "retain";
      await engineLog(
        retained ? "info" : "warning",
        `KeyPolicy: key ${keyArn} is ${key.state}, so its policy was left as this stack set it` +
          (retained ? ' (onDelete "retain"). ' : ` (onDelete "${props.onDelete}" not carried out): KMS deletes the key with its policy. `) +
          "Should the deletion be cancelled, the key keeps this stack's policy: put back the one you want then (PutKeyPolicy), or manage the key in a stack again.",
      );
      return;
    }
    const tags = await this.tags(api, keyArn);
    const recorded = tags ? readOwnership(tags) : {};
    const owner = recorded.owner;
    if (owner && owner !== props.ownerId) {
      if (props.previousPolicy && recorded.previousPolicy !== props.previousPolicy) {
        // The successor could not learn the pre-stack policy from the tags (too large for them,
        // or this resource predates them) and recorded another; once this resource leaves the
        // state, this message is the last place the pre-stack policy is written.
        await engineLog(
          "warning",
          `KeyPolicy: key ${keyArn} is now managed by another KeyPolicy (this one was replaced or renamed); its policy stays as that one set it. ` +
            `That KeyPolicy could not learn from the key's tags the policy the key had before the stack, so with onDelete "restore" its delete will put back a policy this stack set instead. ` +
            `The pre-stack policy (this resource's previousPolicy) was:\n${props.previousPolicy}`,
        );
        return;
      }
      await engineLog(
        "info",
        `KeyPolicy: key ${keyArn} is now managed by another KeyPolicy (this one was replaced or renamed); its policy stays as that one set it.`,
      );
      return;
    }
    if (props.onDelete !== "retain") {
      const target = props.onDelete === "default" ? defaultKeyPolicy(key.arn) : props.previousPolicy;
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
        await engineLog(
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
