import * as pulumi from "@pulumi/pulumi";
import { assertSupportedSdk } from "./sdkCompatibility";
import { AssumeRole, effectiveAccess, knownAccount } from "../aws/access";
import { KeyIdentity, REGION_ENVIRONMENT_VARIABLE, keyIdentity, keyRegion } from "../aws/keyRef";
import { claimKey } from "./keyClaims";
import { PolicyDocument } from "../policy/types";
import { warnLintFindings } from "./lintWarnings";
import type { OnDelete } from "../runtime/keyPolicyCheck";
import { KEY_POLICY_TYPE, KEY_POLICY_TYPE_NAME, RESOURCE_MODULE } from "../resourceTypes";
import { KEY_POLICY_FIELDS } from "../fields/keyPolicy";
import { DeclaredOutputs, ProgramInputs, outputSlots, sameFields } from "../fields/table";
import { DeclaredOutputProperties } from "./declaredOutputs";
// The module's export is the provider object itself; see runtime/keyPolicy.ts for why.
import keyPolicyProvider = require("../runtime/keyPolicy");

/** What happens to the key's policy when the KeyPolicy is deleted: "restore", "default" or "retain". */
export type KeyPolicyOnDelete = OnDelete;

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
  /**
   * A role to assume for this resource's calls, e.g. to reach a key in another account. Default:
   * the stack's `kms-policy:assumeRole`. See docs/accounts-and-regions.md.
   */
  assumeRole?: pulumi.Input<AssumeRoleArgs>;
  /** A profile of the shared AWS config files for this resource's calls (with `assumeRole`: the source credentials). Default: `aws:profile`. */
  profile?: pulumi.Input<string>;
}

/** A role the provider assumes through STS AssumeRole. Not secret: it is recorded in the state. */
export interface AssumeRoleArgs {
  /** The role's ARN; its account is where a key given by bare id is looked up. */
  roleArn: pulumi.Input<string>;
  /** The external id the role's trust policy requires, if any. */
  externalId?: pulumi.Input<string>;
  /** The session name shown in CloudTrail. Default `pulumi-kms-policy`. */
  sessionName?: pulumi.Input<string>;
  /** 900 to 43200 seconds. Default 3600; credentials are renewed before they expire. */
  durationSeconds?: pulumi.Input<number>;
}

/** The stack settings and environment a program's key identity depends on. */
export interface ProgramSettings {
  /** `kms-policy:assumeRole`. */
  assumeRole?: AssumeRole;
  /** `aws:profile`. */
  profile?: string;
  /** `aws:region`. */
  region?: string;
  /** The environment's AWS_REGION. */
  environmentRegion?: string;
}

/**
 * The key a program's KeyPolicy names, as far as the program can tell without calling AWS: an
 * ARN says everything; a bare id is in the Region the provider will use (aws/keyRef.ts's keyRegion,
 * the providers' own rule: `region`, `aws:region`, AWS_REGION) and the account of the role in use.
 * Under a profile the account is unknown here, so the profile stands in for it (two profiles are
 * assumed to be two accounts: refusing is only for certain overlaps).
 */
export function programIdentity(
  key: { keyId: string; region?: string; assumeRole?: AssumeRole; profile?: string },
  stack: ProgramSettings,
): KeyIdentity {
  const access = effectiveAccess(key, { assumeRole: stack.assumeRole, profile: stack.profile });
  const account = access.assumeRole ? programKeyAccount(key, stack) : access.profile ? `profile ${access.profile}` : undefined;
  const region = keyRegion(key.keyId, { resource: key.region, stack: stack.region, environment: stack.environmentRegion });
  return keyIdentity(key.keyId, { region, account });
}

/**
 * The account a program's KeyPolicy's key given by bare id is in, when known without AWS: the
 * account of the role in use (aws/access.ts's knownAccount, which the provider's check uses too).
 */
export function programKeyAccount(key: { assumeRole?: AssumeRole; profile?: string }, stack: ProgramSettings): string | undefined {
  return knownAccount(key, { assumeRole: stack.assumeRole, profile: stack.profile });
}

/** The program's ProgramSettings: its stack configuration and environment. */
export function programSettings(): ProgramSettings {
  let assumeRole: AssumeRole | undefined;
  try {
    assumeRole = new pulumi.Config("kms-policy").getObject<AssumeRole>("assumeRole");
  } catch {
    assumeRole = undefined; // not JSON: the provider's check reports it with the fix
  }
  const aws = new pulumi.Config("aws");
  return {
    assumeRole,
    profile: aws.get("profile"),
    region: aws.get("region"),
    environmentRegion: process.env[REGION_ENVIRONMENT_VARIABLE],
  };
}

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
  /** This resource's id in the key's ownership tag (docs/key-policy.md); absent when tagging was not allowed. */
  declare readonly ownerId: pulumi.Output<string | undefined>;
  /** The role and profile the provider's calls use (this resource's, else the stack's). Never a credential. */
  declare readonly access: pulumi.Output<{ assumeRole?: AssumeRole; profile?: string }>;

  constructor(name: string, args: KeyPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    assertSupportedSdk();
    super(keyPolicyProvider, name, { ...outputSlots(KEY_POLICY_FIELDS), ...args }, opts, RESOURCE_MODULE, KEY_POLICY_TYPE_NAME);
    // Two KeyPolicy resources on one key, or a KeyPolicy and a KeyPolicyStatement, would overwrite
    // each other on every `pulumi up` (keyClaims.ts).
    pulumi
      .all([pulumi.createUrn(name, KEY_POLICY_TYPE, opts?.parent), args.keyId, args.region, args.assumeRole, args.profile])
      .apply(([urn, keyId, region, role, profile]) => {
        const identity = programIdentity({ keyId, region, assumeRole: role as AssumeRole | undefined, profile }, programSettings());
        claimKey({ kind: "KeyPolicy", name, urn, keyId, identity }, this);
      });
    // Lint findings below kms-policy:failOn appear as warnings on this resource in Diagnostics.
    pulumi.all([args.policy, args.keyId, args.assumeRole, args.profile]).apply(([policy, keyId, role, profile]) => {
      const account = programKeyAccount({ assumeRole: role as AssumeRole | undefined, profile }, programSettings());
      warnLintFindings(this, name, policy as string | PolicyDocument, keyId, account);
    });
  }
}

// The Args and the declared outputs are the table's (fields/keyPolicy.ts): a field added to one and
// not to the other fails to compile here, naming it.
sameFields<keyof KeyPolicyArgs & string, ProgramInputs<typeof KEY_POLICY_FIELDS>>(true);
sameFields<DeclaredOutputProperties<KeyPolicy>, DeclaredOutputs<typeof KEY_POLICY_FIELDS>>(true);
