import * as pulumi from "@pulumi/pulumi";
import { assertSupportedSdk } from "./sdkCompatibility";
import { AssumeRole } from "../aws/access";
import { PolicyStatement } from "../policy/types";
import { statementDocument, statementPath } from "../policy/statementMerge";
import { declaredSid } from "../runtime/keyPolicyStatementCheck";
import { claimKey } from "./keyClaims";
import { KEY_POLICY_STATEMENT_TYPE, KEY_POLICY_STATEMENT_TYPE_NAME, RESOURCE_MODULE } from "../resourceTypes";
import { KEY_POLICY_STATEMENT_FIELDS } from "../fields/keyPolicyStatement";
import { outputSlots } from "../fields/table";
import { ArgsOf, OutputsOf } from "./fieldTypes";
import type { KeyPolicyStatementOutputs } from "../runtime/keyPolicyStatementLifecycle";
import { AssumeRoleArgs, programIdentity, programKeyAccount, programSettings } from "./keyPolicy";
import { warnLintFindings } from "./lintWarnings";
// The module's export is the provider object itself; see runtime/keyPolicy.ts for why.
import keyPolicyStatementProvider = require("../runtime/keyPolicyStatement");

/**
 * A KeyPolicyStatement's inputs: one property for each field its table (fields/keyPolicyStatement.ts) gives the program,
 * with that field's doc comment, typed as the provider keeps it (KeyPolicyStatementOutputs) and each part an Input; only
 * the fields whose program form differs are spelled out here.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface, so that users and errors see its name
export interface KeyPolicyStatementArgs extends ArgsOf<
  typeof KEY_POLICY_STATEMENT_FIELDS,
  KeyPolicyStatementOutputs,
  {
    statement: pulumi.Input<string | PolicyStatement>;
    assumeRole: pulumi.Input<AssumeRoleArgs>;
  }
> {}

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
/**
 * The KeyPolicyStatement's output properties: each field its table declares, typed as the provider reports it
 * (KeyPolicyStatementOutputs; the access is always reported). The dynamic provider sets them, so they are merged into the class rather than declared in it.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- see above
export interface KeyPolicyStatement extends OutputsOf<
  typeof KEY_POLICY_STATEMENT_FIELDS,
  KeyPolicyStatementOutputs & Required<Pick<KeyPolicyStatementOutputs, "access">>
> {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the outputs above
export class KeyPolicyStatement extends pulumi.dynamic.Resource {
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
