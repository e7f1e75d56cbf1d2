import * as pulumi from "@pulumi/pulumi";
import { assertSupportedSdk } from "./sdkCompatibility";
import { AssumeRole } from "../aws/access";
import { PolicyStatement } from "../policy/types";
import { statementDocument, statementPath } from "../policy/statementMerge";
import { declaredSid } from "../runtime/keyPolicyStatementCheck";
import { claimKey } from "./keyClaims";
import { KEY_POLICY_STATEMENT_TYPE, KEY_POLICY_STATEMENT_TYPE_NAME, RESOURCE_MODULE } from "../resourceTypes";
import { KEY_POLICY_STATEMENT_FIELDS } from "../fields/keyPolicyStatement";
import { DeclaredOutputs, ProgramInputs, outputSlots, sameFields } from "../fields/table";
import { DeclaredOutputProperties } from "./declaredOutputs";
import { AssumeRoleArgs, programIdentity, programKeyAccount, programSettings } from "./keyPolicy";
import { warnLintFindings } from "./lintWarnings";
// The module's export is the provider object itself; see runtime/keyPolicy.ts for why.
import keyPolicyStatementProvider = require("../runtime/keyPolicyStatement");

export interface KeyPolicyStatementArgs {
  /** The key, by id or ARN (the same key either way); another key replaces the resource. */
  keyId: pulumi.Input<string>;
  /**
   * One key policy statement, as an object or JSON text, with a non-empty `Sid`: the Sid is which
   * statement of the key's policy this resource owns. Compared by meaning, as KeyPolicy's policy.
   * Another Sid replaces the resource (the old statement is removed, the new one added).
   */
  statement: pulumi.Input<string | PolicyStatement>;
  /** The key's region; default: the region in a key ARN, then the stack's `aws:region`, then the AWS SDK's. */
  region?: pulumi.Input<string>;
  /** A role to assume for this resource's calls; default: the stack's `kms-policy:assumeRole`. */
  assumeRole?: pulumi.Input<AssumeRoleArgs>;
  /** A profile of the shared AWS config files for this resource's calls; default: `aws:profile`. */
  profile?: pulumi.Input<string>;
  /**
   * Take over a statement with this Sid that the key's policy already has (written by hand or by
   * a stack that is gone): from then on this resource owns it and its delete removes it. Default
   * false: a create that finds the Sid fails, naming it, and writes nothing.
   */
  adopt?: pulumi.Input<boolean>;
}

/**
 * One statement of an existing KMS key's policy, managed by Pulumi, so that several stacks (or
 * teams) each own statements in one key's policy. The statement's Sid identifies it: create merges
 * it into the live policy, update replaces it, delete removes it; statements nobody or someone
 * else owns are never touched, and keep their order and text. See docs/key-policy-statement.md.
 *
 * ```ts
 * new KeyPolicyStatement("app-decrypts", {
 *   keyId: sharedKeyArn,
 *   statement: { Sid: "AppDecrypts", Effect: "Allow", Principal: { AWS: appRole.arn }, Action: "kms:Decrypt", Resource: "*" },
 * });
 * ```
 */
export class KeyPolicyStatement extends pulumi.dynamic.Resource {
  /** The key as given in the inputs. */
  declare readonly keyId: pulumi.Output<string>;
  /** The key's ARN, as DescribeKey reports it. */
  declare readonly keyArn: pulumi.Output<string>;
  /** The statement's Sid. */
  declare readonly sid: pulumi.Output<string>;
  /** The statement as declared (JSON text), or as the key has it after drift was refreshed. */
  declare readonly statement: pulumi.Output<string>;
  declare readonly adopt: pulumi.Output<boolean>;
  declare readonly region: pulumi.Output<string | undefined>;
  /** The role and profile the provider's calls use (this resource's, else the stack's). Never a credential. */
  declare readonly access: pulumi.Output<{ assumeRole?: AssumeRole; profile?: string }>;
  /** This resource's id in its claim tag on the key (`pulumi-kms-policy:statement:<Sid>`): who owns the statement. */
  declare readonly ownerId: pulumi.Output<string | undefined>;

  constructor(name: string, args: KeyPolicyStatementArgs, opts?: pulumi.CustomResourceOptions) {
    assertSupportedSdk();
    super(
      keyPolicyStatementProvider,
      name,
      { ...outputSlots(KEY_POLICY_STATEMENT_FIELDS), ...args },
      opts,
      RESOURCE_MODULE,
      KEY_POLICY_STATEMENT_TYPE_NAME,
    );
    // One Sid of one key in two resources, or a KeyPolicy on the same key, would overwrite each
    // other on every `pulumi up` (keyClaims.ts). A statement without a Sid is check's to refuse.
    pulumi
      .all([
        pulumi.createUrn(name, KEY_POLICY_STATEMENT_TYPE, opts?.parent),
        args.keyId,
        args.region,
        args.assumeRole,
        args.profile,
        args.statement,
      ])
      .apply(([urn, keyId, region, role, profile, statement]) => {
        const identity = programIdentity({ keyId, region, assumeRole: role as AssumeRole | undefined, profile }, programSettings());
        const sid = declaredSid(statement);
        if (sid) claimKey({ kind: "KeyPolicyStatement", name, urn, keyId, identity, sid }, this);
      });
    // Lint findings below kms-policy:failOn appear as warnings on this resource in Diagnostics.
    pulumi.all([args.statement, args.keyId, args.assumeRole, args.profile]).apply(([statement, keyId, role, profile]) => {
      const text = typeof statement === "string" ? statement : JSON.stringify(statement);
      if (declaredSid(text) === undefined) return; // not one statement: check refuses it
      const account = programKeyAccount({ assumeRole: role as AssumeRole | undefined, profile }, programSettings());
      warnLintFindings(this, name, statementDocument(text), keyId, account, { kind: "KeyPolicyStatement", path: statementPath });
    });
  }
}

// The Args and the declared outputs are the table's (fields/keyPolicyStatement.ts): a field added
// to one and not to the other fails to compile here, naming it.
sameFields<keyof KeyPolicyStatementArgs & string, ProgramInputs<typeof KEY_POLICY_STATEMENT_FIELDS>>(true);
sameFields<DeclaredOutputProperties<KeyPolicyStatement>, DeclaredOutputs<typeof KEY_POLICY_STATEMENT_FIELDS>>(true);
