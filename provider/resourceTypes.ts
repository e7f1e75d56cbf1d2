/**
 * The Pulumi type tokens of this package's resources. A dynamic resource's token is
 * `pulumi-nodejs:dynamic/<module>:<type>`: the resources pass the module and type, and the drift
 * check finds the resources in a stack export by the token. Pure, so the drift check need not load
 * the resources (and the Pulumi SDK) to know them.
 */

/** The module the resources are registered under. */
export const RESOURCE_MODULE = "kms";
/** The type names within it. */
export const KEY_POLICY_TYPE_NAME = "KeyPolicy";
export const GRANT_TYPE_NAME = "Grant";
export const KEY_POLICY_STATEMENT_TYPE_NAME = "KeyPolicyStatement";

const token = (typeName: string) => `pulumi-nodejs:dynamic/${RESOURCE_MODULE}:${typeName}`;
/** `pulumi-nodejs:dynamic/kms:KeyPolicy` */
export const KEY_POLICY_TYPE = token(KEY_POLICY_TYPE_NAME);
/** `pulumi-nodejs:dynamic/kms:Grant` */
export const GRANT_TYPE = token(GRANT_TYPE_NAME);
/** `pulumi-nodejs:dynamic/kms:KeyPolicyStatement` */
export const KEY_POLICY_STATEMENT_TYPE = token(KEY_POLICY_STATEMENT_TYPE_NAME);
