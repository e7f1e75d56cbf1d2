import * as pulumi from "@pulumi/pulumi";
import { assertSupportedSdk } from "./sdkCompatibility";
import { sameKey } from "../aws/keyRef";
import { PolicyDocument } from "../policy/types";
import { warnLintFindings } from "./lintWarnings";
// The module's export is the provider object itself; see runtime/keyPolicy.ts for why.
import keyPolicyProvider = require("../runtime/keyPolicy");

/** What happens to the key's policy when the KeyPolicy is deleted. */
export type KeyPolicyOnDelete = "restore" | "default" | "retain";

export interface KeyPolicyArgs {
  /** The key, by id or ARN. The id and the ARN of one key are the same key; another key replaces the resource. */
  keyId: pulumi.Input<string>;
  /**
   * The key policy, as JSON text or a `PolicyDocument` object (`@pulumi/aws`'s `iam.PolicyDocument`
   * fits). Compared semantically: a rewrite that means the same thing is not a change.
   */
  policy: pulumi.Input<string | PolicyDocument>;
  /**
   * Skip KMS's check that the caller can still change the policy afterwards. Also turns off this
   * package's own check that some principal keeps kms:PutKeyPolicy. Default false.
   */
  bypassPolicyLockoutSafetyCheck?: pulumi.Input<boolean>;
  /** Only `default` exists in KMS; anything else is refused at preview. */
  policyName?: pulumi.Input<string>;
  /** The key's region; default: the region in a key ARN, then the stack's `aws:region`, then the AWS SDK's. */
  region?: pulumi.Input<string>;
  /**
   * `restore` (default): put back the policy the key had before this resource took it over.
   * `default`: write AWS's default key policy (the account root may use IAM to grant access).
   * `retain`: leave the policy as it is.
   */
  onDelete?: pulumi.Input<KeyPolicyOnDelete>;
  /** How long to wait for KMS to return the policy that was put (it is eventually consistent). Default 60. */
  readBackTimeoutSeconds?: pulumi.Input<number>;
}

const claimedKeys = new Map<string, string>();

/**
 * The policy of an existing KMS key, managed by Pulumi.
 *
 * Creating the resource adopts the key: its current policy is kept in `previousPolicy` and, by
 * default, put back when the resource is deleted. Diffs, refreshes and drift checks compare
 * policies by meaning (statement order, string vs list, case of action names, account id vs root
 * ARN, ... do not matter) and print a statement-level diff when they differ.
 *
 * ```ts
 * new KeyPolicy("app-key-policy", {
 *   keyId: key.keyId,
 *   policy: { Version: "2012-10-17", Statement: [ ... ] },
 * });
 * ```
 */
export class KeyPolicy extends pulumi.dynamic.Resource {
  /** The key as given in the inputs. */
  declare readonly keyId: pulumi.Output<string>;
  /** The key's ARN, as DescribeKey reports it. */
  declare readonly keyArn: pulumi.Output<string>;
  /** The policy as the key has it now (the declared text while the live policy means the same). */
  declare readonly policy: pulumi.Output<string>;
  declare readonly policyName: pulumi.Output<string>;
  /** The policy the key had before this resource managed it. */
  declare readonly previousPolicy: pulumi.Output<string>;
  declare readonly onDelete: pulumi.Output<KeyPolicyOnDelete>;
  declare readonly bypassPolicyLockoutSafetyCheck: pulumi.Output<boolean>;
  declare readonly region: pulumi.Output<string | undefined>;

  constructor(name: string, args: KeyPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    assertSupportedSdk();
    super(keyPolicyProvider, name, { keyArn: undefined, previousPolicy: undefined, region: undefined, ...args }, opts, "kms", "KeyPolicy");
    // Two KeyPolicy resources on one key would overwrite each other on every `pulumi up`.
    pulumi.output(args.keyId).apply((keyId) => {
      for (const [claimed, owner] of claimedKeys) {
        if (owner !== name && sameKey(claimed, keyId)) {
          throw new pulumi.ResourceError(
            `KeyPolicy "${name}" and KeyPolicy "${owner}" both manage key ${keyId}; a key has one policy. Merge their statements into one KeyPolicy.`,
            this,
          );
        }
      }
      claimedKeys.set(keyId, name);
    });
    // Lint findings below kms-policy:failOn appear as warnings on this resource in Diagnostics.
    pulumi.all([args.policy, args.keyId]).apply(([policy, keyId]) => warnLintFindings(this, name, policy as string | PolicyDocument, keyId));
  }
}
