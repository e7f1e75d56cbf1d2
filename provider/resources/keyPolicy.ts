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
import { outputSlots } from "../fields/table";
import { ArgsOf, OutputsOf } from "./fieldTypes";
import type { KeyPolicyOutputs } from "../runtime/keyPolicyLifecycle";
// The module's export is the provider object itself; see runtime/keyPolicy.ts for why.
import keyPolicyProvider = require("../runtime/keyPolicy");

/** What happens to the key's policy when the KeyPolicy is deleted: "restore", "default" or "retain". */
export type KeyPolicyOnDelete = OnDelete;

/**
 * A KeyPolicy's inputs: one property for each field its table (fields/keyPolicy.ts) gives the program,
 * with that field's doc comment, typed as the provider keeps it (KeyPolicyOutputs) and each part an Input; only
 * the fields whose program form differs are spelled out here.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface, so that users and errors see its name
export interface KeyPolicyArgs extends ArgsOf<
  typeof KEY_POLICY_FIELDS,
  KeyPolicyOutputs,
  {
    policy: pulumi.Input<string | PolicyDocument>;
    assumeRole: pulumi.Input<AssumeRoleArgs>;
  }
> {}

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
/**
 * The KeyPolicy's output properties: each field its table declares, typed as the provider reports it
 * (KeyPolicyOutputs; the access is always reported). The dynamic provider sets them, so they are merged into the class rather than declared in it.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- see above
export interface KeyPolicy extends OutputsOf<typeof KEY_POLICY_FIELDS, KeyPolicyOutputs & Required<Pick<KeyPolicyOutputs, "access">>> {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the outputs above
export class KeyPolicy extends pulumi.dynamic.Resource {
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
