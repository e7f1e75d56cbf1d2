import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { assertSupportedSdk } from "./sdkCompatibility";
import grantProvider = require("../runtime/grant");

/** An encryption-context constraint: exactly one of the two maps. */
export interface GrantConstraintsArgs {
  /** The grant allows a request only when its encryption context is exactly this map. */
  encryptionContextEquals?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The grant allows a request when its encryption context includes this map. */
  encryptionContextSubset?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface GrantArgs {
  /** The key, by id or ARN (the same key either way). */
  keyId: pulumi.Input<string>;
  /** Who gets the permissions: an IAM ARN (role, user, account root) or a service principal. */
  granteePrincipal: pulumi.Input<string>;
  /** KMS grant operations, e.g. `["Decrypt", "GenerateDataKey"]`; order and duplicates do not matter. */
  operations: pulumi.Input<pulumi.Input<string>[]>;
  /** Who may retire the grant besides its grantee. */
  retiringPrincipal?: pulumi.Input<string>;
  /** At most 8 encryption-context pairs; keys compare case-insensitively, values exactly. */
  constraints?: pulumi.Input<GrantConstraintsArgs>;
  /** Tokens of grants that are not yet consistent, used only while creating. Kept secret. */
  grantTokens?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The grant's name. Default: derived from the project, stack and resource name, so that a
   * retried or re-run create gets the same grant back instead of a second one.
   */
  name?: pulumi.Input<string>;
  /** Delete with RetireGrant instead of RevokeGrant. Default false. */
  retireOnDelete?: pulumi.Input<boolean>;
  /** The key's region; default: the region in a key ARN, then `aws:region`, then the AWS SDK's. */
  region?: pulumi.Input<string>;
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
  declare readonly granteePrincipal: pulumi.Output<string>;
  declare readonly operations: pulumi.Output<string[]>;
  declare readonly retiringPrincipal: pulumi.Output<string | undefined>;
  /** The account that created the grant. */
  declare readonly issuingAccount: pulumi.Output<string | undefined>;
  /** When KMS created the grant, as ListGrants reports it (when it does). */
  declare readonly creationDate: pulumi.Output<string | undefined>;

  constructor(name: string, args: GrantArgs, opts?: pulumi.CustomResourceOptions) {
    assertSupportedSdk();
    const props = {
      grantId: undefined,
      grantToken: undefined,
      keyArn: undefined,
      issuingAccount: undefined,
      creationDate: undefined,
      createdAt: undefined,
      retiringPrincipal: undefined,
      ...args,
      // A secret input: additionalSecretOutputs covers outputs only, and the state keeps inputs too.
      ...(args.grantTokens !== undefined ? { grantTokens: pulumi.secret(args.grantTokens) } : {}),
      name: args.name ?? defaultGrantName(pulumi.getProject(), pulumi.getStack(), name),
    };
    const secrets = [...(opts?.additionalSecretOutputs ?? []), "grantToken", "grantTokens"];
    super(grantProvider, name, props, { ...opts, additionalSecretOutputs: secrets }, "kms", "Grant");
  }
}
