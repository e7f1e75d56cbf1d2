import { Access } from "../aws/access";
import { GrantConstraints } from "../aws/grantFacts";
import { KEY_POLICY_NAME } from "../aws/keyPolicyFacts";
import { GRANT_TYPE, KEY_POLICY_STATEMENT_TYPE, KEY_POLICY_TYPE } from "../resourceTypes";
import { GRANT_FIELDS } from "../fields/grant";
import { KEY_POLICY_FIELDS } from "../fields/keyPolicy";
import { KEY_POLICY_STATEMENT_FIELDS } from "../fields/keyPolicyStatement";
import { DriftNames, FieldTable, driftFieldsOf, sameFields } from "../fields/table";

/**
 * Finds this package's resources in a `pulumi stack export`. Secret values stay encrypted: the
 * drift check reads only non-secret outputs and never needs a grant token.
 */

export interface ManagedKeyPolicy {
  kind: "KeyPolicy";
  urn: string;
  name: string;
  keyArn: string;
  region?: string;
  policyName: string;
  /** The policy the stack recorded; undefined when it is a secret in the export. */
  policy?: string;
  /** The role and profile the resource's calls used. */
  access?: Access;
}

export interface ManagedGrant {
  kind: "Grant";
  urn: string;
  name: string;
  keyArn: string;
  region?: string;
  grantId: string;
  grantName?: string;
  granteePrincipal?: string;
  granteeServicePrincipal?: string;
  operations?: string[];
  retiringPrincipal?: string;
  retiringServicePrincipal?: string;
  constraints?: GrantConstraints;
  createdAt?: string;
  access?: Access;
}

/** A KeyPolicyStatement: the one statement of the key's policy it owns, by Sid. */
export interface ManagedKeyPolicyStatement {
  kind: "KeyPolicyStatement";
  urn: string;
  name: string;
  keyArn: string;
  region?: string;
  sid: string;
  /** The statement the stack recorded (JSON text; "" when it was found removed); undefined when it is a secret in the export. */
  statement?: string;
  access?: Access;
}

export type ManagedResource = ManagedKeyPolicy | ManagedGrant | ManagedKeyPolicyStatement;

/** A Managed* type's fields read from the outputs: all but the kind and what the URN says. */
type ReadFields<M> = Exclude<keyof M, "kind" | "urn" | "name"> & string;
// Each resource's fields read from the export are the ones its table marks `drift` (provider/fields):
// a field added to one and not to the other fails to compile here, naming it.
sameFields<ReadFields<ManagedKeyPolicy>, DriftNames<typeof KEY_POLICY_FIELDS>>(true);
sameFields<ReadFields<ManagedGrant>, DriftNames<typeof GRANT_FIELDS>>(true);
sameFields<ReadFields<ManagedKeyPolicyStatement>, DriftNames<typeof KEY_POLICY_STATEMENT_FIELDS>>(true);

interface ExportedResource {
  urn?: string;
  type?: string;
  id?: string;
  outputs?: Record<string, unknown>;
  delete?: boolean;
}

const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";
const isSecret = (v: unknown) => typeof v === "object" && v !== null && SECRET_SIGNATURE in v;
const plain = <T>(v: unknown): T | undefined => (v === undefined || v === null || isSecret(v) ? undefined : (v as T));

export function parseStackExport(text: string): ManagedResource[] {
  let parsed: { deployment?: { resources?: ExportedResource[] } };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (err) {
    throw new Error(`the input is not a \`pulumi stack export\` (not JSON: ${(err as Error).message})`, { cause: err });
  }
  if (!parsed || typeof parsed !== "object" || !parsed.deployment) {
    throw new Error("the input is not a `pulumi stack export`: it has no `deployment`");
  }
  const out: ManagedResource[] = [];
  for (const r of parsed.deployment.resources ?? []) {
    if (r.delete || !r.urn || !r.outputs) continue;
    const o = r.outputs;
    const name = r.urn.slice(r.urn.lastIndexOf("::") + 2);
    const keyArn = plain<string>(o.keyArn) ?? plain<string>(o.keyId) ?? "";
    if (r.type === KEY_POLICY_TYPE) {
      const fields = fieldsOf<ManagedKeyPolicy>(KEY_POLICY_FIELDS, o);
      out.push({
        ...fields,
        kind: "KeyPolicy",
        urn: r.urn,
        name,
        keyArn,
        policyName: fields.policyName ?? KEY_POLICY_NAME,
        ...accessOf(o),
      });
    } else if (r.type === KEY_POLICY_STATEMENT_TYPE) {
      const fields = fieldsOf<ManagedKeyPolicyStatement>(KEY_POLICY_STATEMENT_FIELDS, o);
      out.push({ ...fields, kind: "KeyPolicyStatement", urn: r.urn, name, keyArn, sid: fields.sid ?? "", ...accessOf(o) });
    } else if (r.type === GRANT_TYPE) {
      const fields = fieldsOf<ManagedGrant>(GRANT_FIELDS, o);
      out.push({ ...fields, kind: "Grant", urn: r.urn, name, keyArn, grantId: fields.grantId ?? r.id ?? "", ...accessOf(o) });
    }
  }
  return out;
}

/**
 * The fields the table marks `drift`, as the outputs record them (a secret or absent one
 * undefined), but the access, which accessOf reads.
 */
function fieldsOf<M>(table: FieldTable, outputs: Record<string, unknown>): Partial<Omit<M, "access">> {
  const { access: _access, ...fields } = driftFieldsOf(table, outputs, plain);
  return fields as Partial<Omit<M, "access">>;
}

/** The recorded Access; a state from before it was recorded has the resource's own inputs at most. */
function accessOf(o: Record<string, unknown>): { access?: Access } {
  const recorded = plain<Access>(o.access);
  if (recorded) return { access: recorded };
  const assumeRole = plain<Access["assumeRole"]>(o.assumeRole);
  const profile = plain<string>(o.profile);
  return assumeRole || profile ? { access: { ...(assumeRole ? { assumeRole } : {}), ...(profile ? { profile } : {}) } } : {};
}
