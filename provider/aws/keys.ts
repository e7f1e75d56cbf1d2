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
import { explainKmsError } from "./errors";
import { parseKeyRef } from "./keyRef";
import { allPages } from "./paging";

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

/**
 * The key operations of KMS: DescribeKey, the key-policy calls and the key's tags, each failure
 * explained (see errors.ts). KeyPolicy uses all of them; Grant and the drift check use DescribeKey.
 */
export class KeyApi {
  constructor(private readonly kms: Pick<KMSClient, "send">) {}

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
   * GetKeyPolicy until KMS gives the same answer twice in a row (by `same`, the caller's comparison
   * by meaning), unless the first answer already means `expected`. Moments after a PutKeyPolicy
   * KMS can still answer some reads with the policy before it (eventual consistency), so one
   * answer that differs is not yet a change. An unchanged policy costs one call.
   */
  async settledKeyPolicy(
    keyId: string,
    policyName: string,
    expected: string,
    same: (a: string, b: string) => boolean,
    pollMs = 250,
    maxReads = 6,
  ): Promise<string> {
    let live = await this.getKeyPolicy(keyId, policyName);
    if (same(live, expected)) return live;
    for (let reads = 1, wait = pollMs; reads < maxReads; reads++, wait = Math.min(wait * 2, 2000)) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      const next = await this.getKeyPolicy(keyId, policyName);
      if (same(next, live)) return next;
      live = next;
    }
    return live;
  }

  async putKeyPolicy(keyId: string, policyName: string, policy: string, bypassPolicyLockoutSafetyCheck: boolean, lint = ""): Promise<void> {
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
