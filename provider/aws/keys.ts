import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListKeyPoliciesCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-kms";
import { Clock, sleep, systemClock } from "../clock";
import { explainKmsError } from "./errors";
import { parseKeyRef } from "./keyRef";
import { allPages } from "./paging";
import { PropagationWait, retryWhilePropagating } from "./propagation";

/** What DescribeKey tells that the lifecycles and the drift check need. */
export interface KeyFacts {
  arn: string;
  keyId: string;
  account: string;
  /** Enabled, Disabled, PendingDeletion, PendingImport, PendingReplicaDeletion, Unavailable, ... */
  state: string;
}

/**
 * Key states in which the key is as good as gone: KMS refuses to use it, and only a
 * CancelKeyDeletion brings it back. A resource on such a key is dropped on refresh.
 */
export const GONE_KEY_STATES: ReadonlySet<string> = new Set(["PendingDeletion", "PendingReplicaDeletion"]);

/** Equal answers in a row that settle a read of a policy the stack did not write: Terraform's count (ContinuousTargetOccurence 5). */
export const SETTLED_READS = 5;

/** How a settled read decides (see KeyApi.settledKeyPolicy). */
export interface SettleOptions {
  /**
   * The policy this stack last replaced: an answer meaning it is a host that has not seen the
   * stack's write yet, so it is read again, and is the result only if it persists to the end.
   */
  replaced?: string;
  /** Equal answers in a row that settle any other policy; default SETTLED_READS. */
  streak?: number;
  /** The longest the read goes on, in milliseconds; default 30 s. */
  timeoutMs?: number;
}

/** What a KeyApi needs besides the client: the clock its waits use, and the IAM propagation window. */
export interface KeyApiOptions {
  clock?: Clock;
  /** Retry PutKeyPolicy refused for a principal IAM has not propagated yet (aws/propagation.ts). */
  propagation?: PropagationWait;
}

/**
 * The key operations of KMS: DescribeKey, the key-policy calls and the key's tags, each failure
 * explained (see errors.ts). KeyPolicy uses all of them; Grant and the drift check use DescribeKey.
 */
export class KeyApi {
  private readonly clock: Clock;

  constructor(
    private readonly kms: Pick<KMSClient, "send">,
    private readonly options: KeyApiOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  async describeKey(keyId: string): Promise<KeyFacts> {
    try {
      const { KeyMetadata: m } = await this.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      if (!m?.Arn || !m.KeyId) throw new Error("DescribeKey returned no key metadata");
      const ref = parseKeyRef(m.Arn);
      const account = m.AWSAccountId ?? ("error" in ref ? undefined : ref.account) ?? "";
      return { arn: m.Arn, keyId: m.KeyId, account, state: m.KeyState ?? "Unknown" };
    } catch (err) {
      throw explainKmsError(err, { operation: "DescribeKey", keyId, permission: "kms:DescribeKey" });
    }
  }

  async listKeyPolicies(keyId: string): Promise<string[]> {
    try {
      return await allPages(async (marker) => {
        const page = await this.kms.send(new ListKeyPoliciesCommand({ KeyId: keyId, Marker: marker }));
        return { items: page.PolicyNames, truncated: page.Truncated, nextMarker: page.NextMarker };
      });
    } catch (err) {
      throw explainKmsError(err, { operation: "ListKeyPolicies", keyId, permission: "kms:ListKeyPolicies" });
    }
  }

  async getKeyPolicy(keyId: string, policyName: string): Promise<string> {
    try {
      const out = await this.kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: policyName }));
      return out.Policy ?? "";
    } catch (err) {
      throw explainKmsError(err, { operation: "GetKeyPolicy", keyId, permission: "kms:GetKeyPolicy" });
    }
  }

  /**
   * A GetKeyPolicy that does not stop at a stale answer. Moments after a PutKeyPolicy, KMS answers
   * some reads with the policy before it, not in a strict alternation (eventual consistency). The
   * read decides from what the stack knows:
   * - an answer meaning `expected` (what the stack last wrote) ends it at once: an unchanged
   *   policy costs one call;
   * - an answer meaning `replaced` (what that write replaced) is stale, and read again; it is the
   *   result only if it is still the answer when the time is up (someone put it back);
   * - any other policy is the result once KMS gives it `streak` times in a row (Terraform's five),
   *   so two stale answers in a row never settle it.
   * Without `expected` (the pre-stack read of a create), only the streak settles it. When the time
   * is up, the last answer is the result.
   */
  async settledKeyPolicy(
    keyId: string,
    policyName: string,
    expected: string | undefined,
    same: (a: string, b: string) => boolean,
    pollMs = 250,
    options: SettleOptions = {},
  ): Promise<string> {
    const streak = options.streak ?? SETTLED_READS;
    const deadline = this.clock.now() + (options.timeoutMs ?? 30_000);
    let last: string | undefined;
    let run = 0;
    for (;;) {
      const live = await this.getKeyPolicy(keyId, policyName);
      if (expected !== undefined && same(live, expected)) return live;
      const stale = options.replaced !== undefined && same(live, options.replaced);
      run = !stale && last !== undefined && same(live, last) ? run + 1 : stale ? 0 : 1;
      last = live;
      if (run >= streak || this.clock.now() + pollMs > deadline) return live;
      await sleep(this.clock, pollMs);
    }
  }

  /**
   * Reads until KMS answers a policy equivalent to `policy` (just put) `streak` times in a row:
   * the first equivalent answer may come from a host that has the change while the next does not.
   * When the time is up first, the last answer decides (a timeout of 0 reads once).
   */
  async readBack(
    keyId: string,
    policyName: string,
    policy: string,
    same: (a: string, b: string) => boolean,
    pollMs: number,
    timeoutMs: number,
    streak = SETTLED_READS,
  ): Promise<{ confirmed: boolean; live: string }> {
    const deadline = this.clock.now() + timeoutMs;
    let run = 0;
    let wait = pollMs;
    for (;;) {
      const live = await this.getKeyPolicy(keyId, policyName);
      run = same(live, policy) ? run + 1 : 0;
      if (run >= streak) return { confirmed: true, live };
      // Once the new policy shows, the next reads are the count; before, back off.
      const next = run > 0 ? pollMs : wait;
      if (this.clock.now() + next > deadline) return { confirmed: run > 0, live };
      await sleep(this.clock, next);
      if (run === 0) wait = Math.min(wait * 2, 4000);
    }
  }

  async putKeyPolicy(keyId: string, policyName: string, policy: string, bypassPolicyLockoutSafetyCheck: boolean, lint = ""): Promise<void> {
    await retryWhilePropagating("PutKeyPolicy", this.options.propagation, async () => {
      try {
        await this.kms.send(
          new PutKeyPolicyCommand({
            KeyId: keyId,
            PolicyName: policyName,
            Policy: policy,
            BypassPolicyLockoutSafetyCheck: bypassPolicyLockoutSafetyCheck,
          }),
        );
      } catch (err) {
        throw explainKmsError(err, { operation: "PutKeyPolicy", keyId, permission: "kms:PutKeyPolicy" }, lint);
      }
    });
  }

  /** The key's tags, all pages. */
  async listTags(keyId: string): Promise<Record<string, string>> {
    try {
      const tags = await allPages(async (marker) => {
        const page = await this.kms.send(new ListResourceTagsCommand({ KeyId: keyId, Marker: marker }));
        return { items: page.Tags, truncated: page.Truncated, nextMarker: page.NextMarker };
      });
      return Object.fromEntries(tags.map((t) => [t.TagKey ?? "", t.TagValue ?? ""]));
    } catch (err) {
      throw explainKmsError(err, { operation: "ListResourceTags", keyId, permission: "kms:ListResourceTags" });
    }
  }

  /** Adds or overwrites tags on the key. */
  async tag(keyId: string, tags: Record<string, string>): Promise<void> {
    try {
      await this.kms.send(
        new TagResourceCommand({ KeyId: keyId, Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) }),
      );
    } catch (err) {
      throw explainKmsError(err, { operation: "TagResource", keyId, permission: "kms:TagResource" });
    }
  }

  /** Removes tags from the key; a tag that is not there is no error. */
  async untag(keyId: string, tagKeys: string[]): Promise<void> {
    if (tagKeys.length === 0) return;
    try {
      await this.kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: tagKeys }));
    } catch (err) {
      throw explainKmsError(err, { operation: "UntagResource", keyId, permission: "kms:UntagResource" });
    }
  }
}
