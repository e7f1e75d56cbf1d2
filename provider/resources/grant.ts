import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { AssumeRole } from "../aws/access";
import type { EffectivePrincipal } from "../aws/grantFacts";
import { GRANT_TYPE_NAME, RESOURCE_MODULE } from "../resourceTypes";
import { AssumeRoleArgs } from "./keyPolicy";
import { assertSupportedSdk } from "./sdkCompatibility";
import grantProvider = require("../runtime/grant");

/** A grant's constraints: at most one of the two encryption-context maps, and/or a source ARN. */
export interface GrantConstraintsArgs {
  /** The grant allows a request only when its encryption context is exactly this map. */
  encryptionContextEquals?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The grant allows a request when its encryption context includes this map. */
  encryptionContextSubset?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * The grant allows a request only when it is made on behalf of this resource (CreateGrant's
   * `SourceArn` constraint). Required with `granteeServicePrincipal`.
   */
  sourceArn?: pulumi.Input<string>;
}

/** A principal and its kind ("iam" or "service"), as the grant's outputs report it. */
export type GrantPrincipal = EffectivePrincipal;

export interface GrantArgs {
  /** The key, by id or ARN (the same key either way). */
  keyId: pulumi.Input<string>;
  /**
   * Who gets the permissions: an IAM ARN (role, user, account root). Give this or
   * `granteeServicePrincipal`, not both.
   */
  granteePrincipal?: pulumi.Input<string>;
  /**
   * An AWS service that gets the permissions, e.g. `logs.us-east-1.amazonaws.com`. It needs
   * `constraints.sourceArn` and a retiring principal (`retiringPrincipal` or `retiringServicePrincipal`).
   */
  granteeServicePrincipal?: pulumi.Input<string>;
  /** KMS grant operations, e.g. `["Decrypt", "GenerateDataKey"]`; order and duplicates do not matter. */
  operations: pulumi.Input<pulumi.Input<string>[]>;
  /** Who may retire the grant besides its grantee: an IAM ARN. At most one of the two retiring fields. */
  retiringPrincipal?: pulumi.Input<string>;
  /** An AWS service that may retire the grant. */
  retiringServicePrincipal?: pulumi.Input<string>;
  /**
   * At most 8 encryption-context pairs (keys compare case-insensitively, values exactly) and/or a
   * `sourceArn`. `@pulumi/aws`'s list form, `[{ encryptionContextEquals }]`, is accepted too.
   */
  constraints?: pulumi.Input<GrantConstraintsArgs | pulumi.Input<GrantConstraintsArgs>[]>;
  /** Tokens of grants that are not yet consistent, used only while creating. Kept secret. */
  grantTokens?: pulumi.Input<pulumi.Input<string>[]>;
  /** `@pulumi/aws`'s name for `grantTokens`; give one of the two. */
  grantCreationTokens?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The grant's name. Default: derived from the project, stack and resource name, so that a
   * retried or re-run create gets the same grant back instead of a second one.
   */
  name?: pulumi.Input<string>;
  /** Delete with RetireGrant instead of RevokeGrant. Default false. */
  retireOnDelete?: pulumi.Input<boolean>;
  /** The key's region; default: the region in a key ARN, then `aws:region`, then the AWS SDK's. */
  region?: pulumi.Input<string>;
  /** A role to assume for this grant's calls (the key's account); default: the stack's `kms-policy:assumeRole`. */
  assumeRole?: pulumi.Input<AssumeRoleArgs>;
  /** A profile of the shared AWS config files for this grant's calls; default: `aws:profile`. */
  profile?: pulumi.Input<string>;
}

/** A token list as a secret input; undefined stays undefined (no input). */
function secretIfGiven(value: pulumi.Input<pulumi.Input<string>[]> | undefined): pulumi.Output<string[]> | undefined {
  return value === undefined ? undefined : pulumi.secret(value);
}

/** A deterministic grant name: readable, within KMS's 256 characters and `[a-zA-Z0-9:/_-]`. */
export function defaultGrantName(project: string, stack: string, resourceName: string): string {
  const readable = `${project}-${stack}-${resourceName}`.replace(/[^a-zA-Z0-9:/_-]/g, "_");
  if (readable.length <= 200) return readable;
  const digest = crypto.createHash("sha256").update(`${project}\u0000${stack}\u0000${resourceName}`).digest("hex").slice(0, 16);
  return `${readable.slice(0, 183)}-${digest}`;
}

/**
 * A KMS grant. Grants cannot change in place, so any change of key, grantee, operations,
 * retiring principal, constraints or name replaces the grant (new one first, then the old one
 * is revoked). `grantToken` is a Pulumi secret.
 *
 * ```ts
 * new Grant("app-decrypt", { keyId: key.arn, granteePrincipal: role.arn, operations: ["Decrypt"] });
 * ```
 */
export class Grant extends pulumi.dynamic.Resource {
  declare readonly grantId: pulumi.Output<string>;
  /** Secret: lets the grantee use the grant before it is consistent everywhere. */
  declare readonly grantToken: pulumi.Output<string>;
  declare readonly keyId: pulumi.Output<string>;
  declare readonly keyArn: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly granteePrincipal: pulumi.Output<string | undefined>;
  declare readonly granteeServicePrincipal: pulumi.Output<string | undefined>;
  declare readonly operations: pulumi.Output<string[]>;
  declare readonly retiringPrincipal: pulumi.Output<string | undefined>;
  declare readonly retiringServicePrincipal: pulumi.Output<string | undefined>;
  /** Who gets the permissions, an IAM or a service principal, whichever input named them. */
  declare readonly effectiveGrantee: pulumi.Output<GrantPrincipal>;
  /** Who may retire the grant, whichever input named them; undefined when nobody is named. */
  declare readonly effectiveRetiringPrincipal: pulumi.Output<GrantPrincipal | undefined>;
  /** The constraints as ListGrants reports them; undefined until KMS lists the grant, or when it has none. */
  declare readonly reportedConstraints: pulumi.Output<GrantConstraintsArgs | undefined>;
  /** The account that created the grant. */
  declare readonly issuingAccount: pulumi.Output<string | undefined>;
  /** When KMS created the grant, as ListGrants reports it (when it does). */
  declare readonly creationDate: pulumi.Output<string | undefined>;
  /** The role and profile the provider's calls use (this grant's, else the stack's). Never a credential. */
  declare readonly access: pulumi.Output<{ assumeRole?: AssumeRole; profile?: string }>;

  constructor(name: string, args: GrantArgs, opts?: pulumi.CustomResourceOptions) {
    assertSupportedSdk();
    const props = {
      grantId: undefined,
      grantToken: undefined,
      keyArn: undefined,
      issuingAccount: undefined,
      creationDate: undefined,
      createdAt: undefined,
      access: undefined,
      retiringPrincipal: undefined,
      granteePrincipal: undefined,
      granteeServicePrincipal: undefined,
      retiringServicePrincipal: undefined,
      effectiveGrantee: undefined,
      effectiveRetiringPrincipal: undefined,
      reportedConstraints: undefined,
      ...args,
      // The alias travels as grantTokens, so that it is kept secret as they are; check refuses the
      // two when they differ, so the alias is passed on only beside grantTokens. Both are secret
      // inputs: additionalSecretOutputs covers outputs only, and the state keeps inputs too.
      grantTokens: secretIfGiven(args.grantTokens ?? args.grantCreationTokens),
      grantCreationTokens: args.grantTokens !== undefined ? secretIfGiven(args.grantCreationTokens) : undefined,
      name: args.name ?? defaultGrantName(pulumi.getProject(), pulumi.getStack(), name),
    };
    const secrets = [...(opts?.additionalSecretOutputs ?? []), "grantToken", "grantTokens", "grantCreationTokens"];
    super(grantProvider, name, props, { ...opts, additionalSecretOutputs: secrets }, RESOURCE_MODULE, GRANT_TYPE_NAME);
  }
}
