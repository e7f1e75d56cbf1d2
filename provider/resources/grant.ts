import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { AssumeRole } from "../aws/access";
import type { EffectivePrincipal } from "../aws/grantFacts";
import { KeyIdentity, possiblySameKey } from "../aws/keyRef";
// GRANT_TYPE: the type token as the URN has it (RESOURCE_MODULE and GRANT_TYPE_NAME, given to super below).
import { GRANT_TYPE, GRANT_TYPE_NAME, RESOURCE_MODULE } from "../resourceTypes";
import { GRANT_FIELDS } from "../fields/grant";
import { fieldsWhere, outputSlots } from "../fields/table";
import { ArgsOf, OutputsOf, withSecretInputs } from "./fieldTypes";
import type { GrantOutputs } from "../runtime/grantLifecycle";
import { AssumeRoleArgs, programIdentity, programSettings } from "./keyPolicy";
import { perRunRegistry } from "./perRun";
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

/**
 * A Grant's inputs: one property for each field its table (fields/grant.ts) gives the program, with
 * that field's doc comment, typed as the provider keeps it (runtime/grantLifecycle.ts's GrantOutputs)
 * and each part an Input; only the constraints (also the list form) and the role (AssumeRoleArgs)
 * are spelled out here.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface, so that users and errors see its name
export interface GrantArgs extends ArgsOf<
  typeof GRANT_FIELDS,
  GrantOutputs,
  {
    constraints: pulumi.Input<GrantConstraintsArgs | pulumi.Input<GrantConstraintsArgs>[]>;
    assumeRole: pulumi.Input<AssumeRoleArgs>;
  }
> {}

/**
 * The default grant name of the Grant whose URN is `urn`: the resource's name made readable (KMS
 * takes `[a-zA-Z0-9:/_-]`, at most 256 characters), then a digest of the whole URN, so that two
 * resources never share one: `reader.v2` and `reader_v2`, or two components' children both named
 * `reader`, read alike but differ in the digest. Deterministic, so a retried or re-run create gets
 * the same grant back. The provider computes it only for a Grant its state does not name yet: after
 * that the state's name is kept (a `pulumi stack rename` changes the URN, not the grant).
 */
export function defaultGrantName(urn: string): string {
  const resourceName = urn.slice(urn.lastIndexOf("::") + 2);
  const readable = resourceName.replace(/[^a-zA-Z0-9:/_-]/g, "_").slice(0, 200);
  const digest = crypto.createHash("sha256").update(urn).digest("hex").slice(0, 24);
  return `${readable}-${digest}`;
}

/**
 * The default grant name of earlier versions: `<project>-<stack>-<resource name>` folded to KMS's
 * characters (a digest replaced the tail past 200). A stack made by them keeps these names in its
 * state, so two Grants whose names fold alike may record one grant id there.
 */
export function legacyDefaultGrantName(project: string, stack: string, resourceName: string): string {
  const readable = `${project}-${stack}-${resourceName}`.replace(/[^a-zA-Z0-9:/_-]/g, "_");
  if (readable.length <= 200) return readable;
  const digest = crypto.createHash("sha256").update(`${project}\u0000${stack}\u0000${resourceName}`).digest("hex").slice(0, 16);
  return `${readable.slice(0, 183)}-${digest}`;
}

/** A Grant of the program as the one-name check sees it: its given name, else its earlier default. */
export interface GrantNameClaim {
  resourceName: string;
  urn: string;
  keyId: string;
  identity: KeyIdentity;
  name: string;
  /** The name is the program's (`name`), not the earlier default. */
  explicit: boolean;
}

/**
 * The first other Grant whose name may meet `claim`'s on one key (possiblySameKey): `certain` when
 * both names are given (KMS would take them for one grant: refused), else one of them is an earlier
 * default name that a stack made by an earlier version may still record (a warning: the state, which
 * the program cannot read, decides).
 */
export function grantNameConflict(
  claims: Iterable<GrantNameClaim>,
  claim: GrantNameClaim,
): { other: GrantNameClaim; certain: boolean } | undefined {
  for (const other of claims) {
    if (other.urn !== claim.urn && other.name === claim.name && possiblySameKey(other.identity, claim.identity))
      return { other, certain: other.explicit && claim.explicit };
  }
  return undefined;
}

/** Each Grant of the program by URN, with its key and the name the one-name check compares. */
const namedGrantsOfThisRun = perRunRegistry<GrantNameClaim>();

/**
 * A KMS grant. Grants cannot change in place, so any change of key, grantee, operations,
 * retiring principal, constraints or name replaces the grant (new one first, then the old one
 * is revoked). `grantToken` is a Pulumi secret.
 *
 * ```ts
 * new Grant("app-decrypt", { keyId: key.arn, granteePrincipal: role.arn, operations: ["Decrypt"] });
 * ```
 */
/**
 * The Grant's output properties: each field its table declares, typed as the provider reports it
 * (GrantOutputs; the grantee and the access are always reported). The dynamic provider sets them,
 * so they are merged into the class rather than declared in it.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- see above
export interface Grant extends OutputsOf<typeof GRANT_FIELDS, GrantOutputs & Required<Pick<GrantOutputs, "effectiveGrantee" | "access">>> {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the outputs above
export class Grant extends pulumi.dynamic.Resource {
  constructor(name: string, args: GrantArgs, opts?: pulumi.CustomResourceOptions) {
    assertSupportedSdk();
    const urn = pulumi.createUrn(name, GRANT_TYPE, opts?.parent);
    // The alias travels as grantTokens, so that it is kept as they are; check refuses the two when
    // they differ, so the alias is passed on only beside grantTokens. The table's secret inputs are
    // sent as secrets (withSecretInputs).
    const props = withSecretInputs(GRANT_FIELDS, {
      ...outputSlots(GRANT_FIELDS),
      ...args,
      grantTokens: args.grantTokens ?? args.grantCreationTokens,
      grantCreationTokens: args.grantTokens !== undefined ? args.grantCreationTokens : undefined,
      // Used by the provider's check only when neither the program nor the state names the grant.
      defaultName: urn.apply(defaultGrantName),
    });
    const secrets = [...(opts?.additionalSecretOutputs ?? []), ...GRANT_SECRETS];
    super(grantProvider, name, props, { ...opts, additionalSecretOutputs: secrets }, RESOURCE_MODULE, GRANT_TYPE_NAME);
    // Two Grants with one key and one name are one grant to KMS (CreateGrant's Name rule), and the
    // delete of either would revoke the other's: refused at preview, naming both, as KeyPolicy does
    // for two policies of one key. A default name is unique per resource, so only given names can
    // meet; default names of earlier versions may have met in the state of an old stack: a warning.
    // Refused unless the keys are certainly different (a bare id under a profile and the key's ARN,
    // or an mrk- id without Region, may be one key): a false refusal costs a rename, a missed one a
    // grant. A keyId known only at apply is checked then (the create's check below catches the rest).
    const namedGrants = namedGrantsOfThisRun();
    pulumi
      .all([urn, args.name, args.keyId, args.region, args.assumeRole, args.profile])
      .apply(([self, givenName, keyId, region, role, profile]) => {
        const identity = programIdentity({ keyId, region, assumeRole: role as AssumeRole | undefined, profile }, programSettings());
        const grantName = givenName ?? legacyDefaultGrantName(pulumi.getProject(), pulumi.getStack(), name);
        const claim = { resourceName: name, urn: self, keyId, identity, name: grantName, explicit: givenName !== undefined };
        const conflict = grantNameConflict(namedGrants.values(), claim);
        namedGrants.set(self, claim);
        if (!conflict) return;
        const { other } = conflict;
        const both = `Grant "${name}" and Grant "${other.resourceName}"`;
        const key = `key ${keyId}${other.keyId === keyId ? "" : ` (also given as ${other.keyId})`}`;
        // Forgetting one (state only) and re-creating it never revokes the grant id the two may share.
        const fix =
          `first forget one of them with \`pulumi state delete '${other.urn}'\` (this deletes nothing in KMS), ` +
          "then run `pulumi up`, which creates it again under its new name; the grant the other records stays.";
        if (conflict.certain)
          throw new pulumi.ResourceError(
            `${both} both name their grant "${grantName}" on ${key}. ` +
              "KMS takes two grants with one key, name and parameters for one, so each resource's delete would revoke the other's access. " +
              "Give each Grant its own name, or leave name out (the default is unique per resource). " +
              `If the stack already has both, they may record one grant id: ${fix}`,
            this,
          );
        pulumi.log.warn(
          `${both} on ${key} had one grant name, "${grantName}", under the default of earlier versions (or a given name equal to it). ` +
            "If this stack was made by such a version, both may record one grant id, and the delete or replacement of either would revoke the other's access. " +
            `Compare their grantId in \`pulumi stack export\`; if they match, ${fix}`,
          this,
        );
      });
  }
}

/** The fields the table says are secret: Pulumi keeps them secret in the outputs. */
const GRANT_SECRETS = fieldsWhere(GRANT_FIELDS, (spec) => spec.secret === true);
