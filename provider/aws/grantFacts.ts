import { GrantListEntry, GrantOperation } from "@aws-sdk/client-kms";

/**
 * What a KMS grant is, in this package's terms, and when two grants are the same to KMS. Pure; the
 * Grant lifecycle (diff, read, the twin check) and the drift check both judge grants with it.
 */

/**
 * How long a new grant may be missing from ListGrants: KMS documents that a grant can take up to
 * five minutes to be consistent everywhere (Developer Guide, "Eventual consistency" under grants).
 */
export const DEFAULT_GRANT_LISTING_DELAY_SECONDS = 300;

/** Every operation CreateGrant's Operations take, from the SDK's GrantOperation enum. */
export const GRANT_OPERATIONS: readonly string[] = Object.values(GrantOperation);
/** A grant constraint's encryption context: at most this many pairs... */
export const MAX_CONTEXT_PAIRS = 8;
/** ...each value 1 to this many characters. */
export const MAX_CONTEXT_VALUE_LENGTH = 384;
/** CreateGrant's Name: 1 to 256 characters of this pattern (CreateGrant API reference). */
export const GRANT_NAME = /^[a-zA-Z0-9:/_-]{1,256}$/;

/** A grant's constraints: at most one encryption-context map, and the resource a service acts for. */
export interface GrantConstraints {
  encryptionContextEquals?: Record<string, string>;
  encryptionContextSubset?: Record<string, string>;
  /** CreateGrant's `SourceArn` constraint: the grant works only for requests made on behalf of this resource. */
  sourceArn?: string;
}

/**
 * The parameters that make a grant: CreateGrant takes them, ListGrants reports them back. A grant
 * has exactly one grantee, an IAM principal or a service principal, and at most one retiring
 * principal, of either kind (CreateGrant API reference).
 */
export interface GrantParameters {
  granteePrincipal?: string;
  granteeServicePrincipal?: string;
  operations: string[];
  retiringPrincipal?: string;
  retiringServicePrincipal?: string;
  constraints?: GrantConstraints;
}

/** A principal and its kind, as the outputs report the grantee and the retiring principal. */
export interface EffectivePrincipal {
  kind: "iam" | "service";
  principal: string;
}

/** Whichever of the IAM and the service field names the principal; the service field wins. */
export function effectivePrincipal(iam: string | undefined, service: string | undefined): EffectivePrincipal | undefined {
  if (service) return { kind: "service", principal: service };
  return iam ? { kind: "iam", principal: iam } : undefined;
}

/**
 * An IAM principal as CreateGrant takes it in GranteePrincipal and RetiringPrincipal: an IAM or STS
 * ARN of an account. (A key policy's AWS principal is another fact: policy/grammar's AWS_PRINCIPAL_ARN.)
 */
export const GRANT_IAM_PRINCIPAL = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:\S+$/;

/**
 * A service principal as CreateGrant takes it in GranteeServicePrincipal and RetiringServicePrincipal
 * (1-128 characters; the `ServicePrincipalType` shape of the KMS API model, 2014-11-01). A key
 * policy's service principal is another fact: policy/grammar's SERVICE_PRINCIPAL.
 */
export const GRANT_SERVICE_PRINCIPAL = /^(?=.{1,128}$)[A-Za-z0-9-]+\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/**
 * A `SourceArn` grant constraint: an ARN that names an account, 20-512 characters (the
 * `GrantConstraintSourceArnType` shape of the KMS API model, 2014-11-01).
 */
export const GRANT_SOURCE_ARN = /^(?=.{20,512}$)arn:aws[a-z0-9-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{12}:.+$/;

/** Same members, whatever the order (operations are a set to KMS). */
export const sameSet = (a: string[] = [], b: string[] = []): boolean =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** Same constraint to KMS: context keys compare case-insensitively, values and the source ARN exactly. */
export function sameConstraints(a: GrantConstraints | undefined, b: GrantConstraints | undefined): boolean {
  const canon = (c: Record<string, string> | undefined) =>
    c
      ? JSON.stringify(
          Object.entries(c)
            .map(([k, v]) => [k.toLowerCase(), v])
            .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
        )
      : "";
  return (
    canon(a?.encryptionContextEquals) === canon(b?.encryptionContextEquals) &&
    canon(a?.encryptionContextSubset) === canon(b?.encryptionContextSubset) &&
    (a?.sourceArn ?? "") === (b?.sourceArn ?? "")
  );
}

/** The constraints as KMS lists them, in the inputs' terms; undefined when there are none. */
export function constraintsFromListing(c: GrantListEntry["Constraints"]): GrantConstraints | undefined {
  const constraints: GrantConstraints = {
    ...(c?.EncryptionContextEquals ? { encryptionContextEquals: c.EncryptionContextEquals } : {}),
    ...(c?.EncryptionContextSubset ? { encryptionContextSubset: c.EncryptionContextSubset } : {}),
    ...(c?.SourceArn ? { sourceArn: c.SourceArn } : {}),
  };
  return Object.keys(constraints).length ? constraints : undefined;
}

/**
 * The grant as KMS lists it, in the inputs' terms. When an entry names a service principal, that is
 * the grantee (or retiring principal) of record: the GrantListEntry reference lets GranteePrincipal
 * carry a service principal too, and reading it as a second grantee would flag drift forever.
 */
export function fromListing(entry: GrantListEntry): GrantParameters {
  // Every parameter named, absent ones as undefined: a parameter added to GrantParameters and not
  // read back here fails to compile, instead of showing as drift on every refresh.
  const listed: { [K in keyof Required<GrantParameters>]: GrantParameters[K] | undefined } = {
    granteePrincipal: entry.GranteeServicePrincipal ? undefined : (entry.GranteePrincipal ?? ""),
    granteeServicePrincipal: entry.GranteeServicePrincipal || undefined,
    operations: [...(entry.Operations ?? [])].sort(),
    retiringPrincipal: entry.RetiringServicePrincipal ? undefined : entry.RetiringPrincipal || undefined,
    retiringServicePrincipal: entry.RetiringServicePrincipal || undefined,
    constraints: constraintsFromListing(entry.Constraints),
  };
  return Object.fromEntries(Object.entries(listed).filter(([, value]) => value !== undefined)) as unknown as GrantParameters;
}

/**
 * The grantee as KMS lists it: the ARN or service principal the grant was made for, or the bare
 * unique id (e.g. `AROA...`) KMS shows once the role or user it named was deleted. Undefined when
 * the entry names none.
 */
export function reportedGrantee(entry: GrantListEntry): EffectivePrincipal | undefined {
  const listed = fromListing(entry);
  return effectivePrincipal(listed.granteePrincipal, listed.granteeServicePrincipal);
}

const sameText = (a: string | undefined, b: string | undefined): boolean => (a ?? "") === (b ?? "");

/**
 * When two values of each parameter are the same grant to KMS. One entry per field of
 * GrantParameters (a parameter added there and not here fails to compile), in the order diff and
 * drift report them.
 */
/** How two values of parameter K compare. */
type SameParameter = {
  [K in keyof Required<GrantParameters>]: (a: GrantParameters[K] | undefined, b: GrantParameters[K] | undefined) => boolean;
};
const SAME_PARAMETER: SameParameter = {
  granteePrincipal: sameText,
  granteeServicePrincipal: sameText,
  operations: (a, b) => sameSet(a, b),
  retiringPrincipal: sameText,
  retiringServicePrincipal: sameText,
  constraints: sameConstraints,
};

/** Every field of GrantParameters: what a grant is made of, and what replaces it when it changes. */
export const GRANT_PARAMETER_FIELDS = Object.keys(SAME_PARAMETER) as ReadonlyArray<keyof GrantParameters>;
export type GrantParameterField = keyof GrantParameters;

function sameParameter<K extends GrantParameterField>(field: K, a: Partial<GrantParameters>, b: GrantParameters): boolean {
  const same: SameParameter[K] = SAME_PARAMETER[field];
  return same(a[field], b[field]);
}

/**
 * The parameters in which two grants differ, in a fixed order. A grantee or operations that
 * `recorded` leaves out (a stack export can lack them) are not compared: nothing says they changed.
 */
export function changedParameters(recorded: Partial<GrantParameters>, other: GrantParameters): Array<keyof GrantParameters> {
  const granteeRecorded = recorded.granteePrincipal !== undefined || recorded.granteeServicePrincipal !== undefined;
  return GRANT_PARAMETER_FIELDS.filter((field) => {
    if ((field === "granteePrincipal" || field === "granteeServicePrincipal") && !granteeRecorded) return false;
    if (field === "operations" && recorded.operations === undefined) return false;
    return !sameParameter(field, recorded, other);
  });
}
