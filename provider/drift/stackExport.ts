import { Access } from "../aws/access";
import { GrantParameters } from "../aws/grantFacts";
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

/**
 * The fields `kms-policy drift` reads of a resource from its exported outputs: those its table
 * (provider/fields) marks `drift`, under the drift check's name, each typed as `V` (the state's
 * fields as the drift check sees them) and optional, since an export may lack any of them.
 */
type ReadFrom<T extends FieldTable, V> = {
  [K in keyof T as T[K] extends { drift: true } ? K : T[K] extends { drift: { as: infer As extends string } } ? As : never]?: V[K &
    keyof V];
};

/** What the resources' states hold that the drift check reads, in the terms of aws/. */
interface RecordedKey {
  keyArn: string;
  region: string;
  /** The role and profile the resource's calls used. */
  access: Access;
}

/** A KeyPolicy as the export records it; `policy` is undefined when it is a secret in the export. */
export interface ManagedKeyPolicy extends ReadFrom<typeof KEY_POLICY_FIELDS, RecordedKey & { policyName: string; policy: string }> {
  kind: "KeyPolicy";
  urn: string;
  name: string;
  keyArn: string;
  policyName: string;
}

/** A Grant as the export records it: its CreateGrant parameters (GrantParameters), id, name and creation time. */
export interface ManagedGrant extends ReadFrom<
  typeof GRANT_FIELDS,
  RecordedKey & GrantParameters & { grantId: string; name: string; createdAt: string }
> {
  kind: "Grant";
  urn: string;
  name: string;
  keyArn: string;
  grantId: string;
}

/**
 * A KeyPolicyStatement: the one statement of the key's policy it owns, by Sid; `statement` is JSON
 * text ("" when it was found removed), undefined when it is a secret in the export.
 */
export interface ManagedKeyPolicyStatement extends ReadFrom<
  typeof KEY_POLICY_STATEMENT_FIELDS,
  RecordedKey & { sid: string; statement: string }
> {
  kind: "KeyPolicyStatement";
  urn: string;
  name: string;
  keyArn: string;
  sid: string;
}

export type ManagedResource = ManagedKeyPolicy | ManagedGrant | ManagedKeyPolicyStatement;

/** A Managed* type's fields read from the outputs: all but the kind and what the URN says. */
type ReadFields<M> = Exclude<keyof M, "kind" | "urn" | "name"> & string;
// A Managed* type holds no field its table does not mark `drift`: its own fields are only the ones
// every resource has (kind, and the URN and name the URN gives).
sameFields<ReadFields<ManagedKeyPolicy>, DriftNames<typeof KEY_POLICY_FIELDS>>(true);
sameFields<ReadFields<ManagedGrant>, DriftNames<typeof GRANT_FIELDS>>(true);
sameFields<ReadFields<ManagedKeyPolicyStatement>, DriftNames<typeof KEY_POLICY_STATEMENT_FIELDS>>(true);

/** One resource of a stack export's `deployment.resources`, as far as the drift check reads it. */
export interface ExportedResource {
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
  return managedResources(parsed.deployment.resources ?? []);
}

/** This package's resources among a stack export's resources (pending deletes and others skipped). */
export function managedResources(resources: ExportedResource[]): ManagedResource[] {
  const out: ManagedResource[] = [];
  for (const r of resources) {
    if (r.delete || !r.urn || !r.outputs) continue;
    const o = r.outputs;
    const name = r.urn.slice(r.urn.lastIndexOf("::") + 2);
    // A state written before keyArn was recorded has the key as given (the tables mark keyId a fallback of keyArn).
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
  const { access: _access, ...fields } = driftFieldsOf(table, outputs, plain) as Record<string, unknown>;
  return fields as Partial<Omit<M, "access">>;
}

/**
 * The recorded Access; a state from before it was recorded has the resource's own inputs at most
 * (the tables mark assumeRole and profile fallbacks of access).
 */
function accessOf(o: Record<string, unknown>): { access?: Access } {
  const recorded = plain<Access>(o.access);
  if (recorded) return { access: recorded };
  const assumeRole = plain<Access["assumeRole"]>(o.assumeRole);
  const profile = plain<string>(o.profile);
  return assumeRole || profile ? { access: { ...(assumeRole ? { assumeRole } : {}), ...(profile ? { profile } : {}) } } : {};
}
