import { GrantListEntry } from "@aws-sdk/client-kms";
import { errorName } from "../aws/errors";
import { GrantApi } from "../aws/grants";
import { changedParameters, DEFAULT_GRANT_LISTING_DELAY_SECONDS, fromListing, GrantParameters } from "../aws/grantFacts";
import { GONE_KEY_STATES, KeyApi } from "../aws/keys";
import { Access, roleAccount } from "../aws/access";
import { KeyIdentity, keyIdentity, partitionOf, sameIdentity } from "../aws/keyRef";
import { PolicyDiff, diffPolicies, policiesEquivalent } from "../policy";
import { AWS_UNIQUE_ID } from "../policy/grammar";
import { ManagedGrant, ManagedKeyPolicy, ManagedKeyPolicyStatement, ManagedResource } from "./stackExport";
import { checkStatement } from "./statementCheck";

/** `not-listed-yet`: a grant younger than the listing delay that ListGrants does not show yet. */
export type DriftStatus = "in-sync" | "drifted" | "not-listed-yet" | "gone" | "error";

/** A field of a grant whose live value differs from the recorded one. */
export interface FieldChange {
  field: string;
  recorded: unknown;
  live: unknown;
}

export interface ResourceReport {
  kind: "KeyPolicy" | "KeyPolicyStatement" | "Grant";
  urn: string;
  name: string;
  keyArn: string;
  /** The key's account and Region (from its ARN, else the credentials and Region used). */
  account?: string;
  region?: string;
  status: DriftStatus;
  /** Why it is gone, or what failed. */
  message?: string;
  /** KeyPolicy drift, or a KeyPolicyStatement's (its own statement only): recorded (-) to live (+). */
  policyDiff?: PolicyDiff;
  /** Grant drift. */
  changes?: FieldChange[];
  grantId?: string;
}

export interface UnmanagedGrant {
  keyArn: string;
  grantId: string;
  name?: string;
  granteePrincipal?: string;
  granteeServicePrincipal?: string;
  operations: string[];
}

export interface DriftReport {
  resources: ResourceReport[];
  unmanagedGrants?: UnmanagedGrant[];
}

export interface DriftOptions {
  /** Keys checked at once. Default 8. */
  concurrency?: number;
  /** Also list grants on managed keys that no Grant in the stack declares. */
  unmanagedGrants?: boolean;
  /**
   * For this long after its creation, a grant that ListGrants does not show is "not listed yet"
   * rather than gone (KMS lists new grants with a delay). Default DEFAULT_GRANT_LISTING_DELAY_SECONDS.
   */
  grantListingDelaySeconds?: number;
  /** Called after each key, for a progress line. */
  onProgress?(done: number, total: number): void;
  /** The Region of keys recorded by bare id with no region. */
  region?: string;
  /** Used instead of every resource's recorded access (`--assume-role`). */
  access?: Access;
}

/** KMS APIs for a key in a Region, with the credentials of an Access. */
export interface DriftClients {
  keys(keyArn: string, region?: string, access?: Access): KeyApi;
  grants(keyArn: string, region?: string, access?: Access): GrantApi;
}

export const DEFAULT_CONCURRENCY = 8;

/** A resource with the credentials and key identity the check uses for it. */
interface Located {
  resource: ManagedResource;
  access: Access;
  account?: string;
  region?: string;
}

/**
 * Groups resources by key: partition, account, Region and id. Two replicas of a multi-Region key
 * share an id and are checked apart; a key recorded by id and by ARN is checked once. A bare id
 * takes the Region recorded (or --region) and the account of the role used.
 */
function groupByKey(resources: ManagedResource[], options: DriftOptions): Located[][] {
  const byId = new Map<string, Array<{ identity: KeyIdentity; members: Located[] }>>();
  for (const r of resources) {
    const access = options.access ?? r.access ?? {};
    const role = access.assumeRole ? roleAccount(access.assumeRole.roleArn) : undefined;
    const identity = keyIdentity(r.keyArn, { region: r.region ?? options.region, account: role });
    const clusters = byId.get(identity.keyId) ?? [];
    byId.set(identity.keyId, clusters);
    let cluster = clusters.find((c) => sameIdentity(c.identity, identity));
    if (!cluster) clusters.push((cluster = { identity, members: [] }));
    // What one member knows (an ARN's account and Region) holds for the whole group.
    cluster.identity = {
      keyId: identity.keyId,
      partition: cluster.identity.partition ?? identity.partition,
      account: cluster.identity.account ?? identity.account,
      region: cluster.identity.region ?? identity.region,
    };
    cluster.members.push({ resource: r, access });
  }
  return [...byId.values()].flat().map(({ identity, members }) =>
    // A member recorded with its key's ARN leads: its ARN is what the calls name.
    [...members]
      .sort((a, b) => Number(b.resource.keyArn.startsWith("arn:")) - Number(a.resource.keyArn.startsWith("arn:")))
      .map((m) => ({ ...m, account: identity.account, region: identity.region })),
  );
}

/**
 * Compares every managed resource with live KMS using read-only calls: per key one DescribeKey,
 * one GetKeyPolicy if a KeyPolicy manages it, and one paginated ListGrants if any Grant does (or
 * unmanaged grants are wanted). Keys are checked `concurrency` at a time; the SDK retries
 * throttling with backoff.
 */
export async function checkDrift(resources: ManagedResource[], clients: DriftClients, options: DriftOptions = {}): Promise<DriftReport> {
  const groups = groupByKey(resources, options);
  const reports: ResourceReport[] = [];
  const unmanaged: UnmanagedGrant[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++];
      const result = await checkKey(
        group,
        clients,
        options.unmanagedGrants ?? false,
        (options.grantListingDelaySeconds ?? DEFAULT_GRANT_LISTING_DELAY_SECONDS) * 1000,
      );
      reports.push(...result.reports);
      unmanaged.push(...result.unmanaged);
      options.onProgress?.(++done, groups.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, groups.length)) }, worker));
  // Key policies first, then grants, each by name: the same report for the same state, easy to scan.
  const rank = (r: ResourceReport) => `${r.kind === "KeyPolicy" ? 0 : 1}\u0000${r.name}\u0000${r.urn}`;
  reports.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
  return { resources: reports, ...(options.unmanagedGrants ? { unmanagedGrants: unmanaged } : {}) };
}

async function checkKey(
  located: Located[],
  clients: DriftClients,
  wantUnmanaged: boolean,
  listingDelayMs: number,
): Promise<{ reports: ResourceReport[]; unmanaged: UnmanagedGrant[] }> {
  const { resource: first, access, account, region } = located[0];
  const group = located.map((l) => l.resource);
  const keyArn = first.keyArn;
  const keys = clients.keys(keyArn, region, access);
  const where = { ...(account ? { account } : {}), ...(region ? { region } : {}) };
  const base = (r: ManagedResource): Omit<ResourceReport, "status"> => ({
    kind: r.kind,
    urn: r.urn,
    name: r.name,
    keyArn: r.keyArn,
    ...where,
    ...(r.kind === "Grant" ? { grantId: r.grantId } : {}),
  });
  const all = (status: DriftStatus, message: string) => ({ reports: group.map((r) => ({ ...base(r), status, message })), unmanaged: [] });
  try {
    const key = await keys.describeKey(keyArn);
    if (GONE_KEY_STATES.has(key.state)) return all("gone", `key ${key.arn} is ${key.state}`);
  } catch (err) {
    if (errorName((err as Error).cause) === "NotFoundException") return all("gone", `key ${keyArn} no longer exists`);
    return all("error", (err as Error).message);
  }
  const reports: ResourceReport[] = [];
  for (const policy of group.filter((r): r is ManagedKeyPolicy => r.kind === "KeyPolicy")) {
    reports.push({ ...base(policy), ...(await checkPolicy(policy, keys)) });
  }
  for (const statement of group.filter((r): r is ManagedKeyPolicyStatement => r.kind === "KeyPolicyStatement")) {
    reports.push({ ...base(statement), ...(await checkStatement(statement, keys)) });
  }
  const grants = group.filter((r): r is ManagedGrant => r.kind === "Grant");
  let unmanaged: UnmanagedGrant[] = [];
  if (grants.length > 0 || wantUnmanaged) {
    let live: GrantListEntry[];
    try {
      live = await clients.grants(keyArn, region, access).listGrants(keyArn);
    } catch (err) {
      reports.push(...grants.map((g) => ({ ...base(g), status: "error" as const, message: (err as Error).message })));
      return { reports, unmanaged };
    }
    const byId = new Map(live.map((g) => [g.GrantId, g]));
    for (const grant of grants) reports.push({ ...base(grant), ...compareGrant(grant, byId.get(grant.grantId), listingDelayMs) });
    if (wantUnmanaged) {
      const declared = new Set(grants.map((g) => g.grantId));
      unmanaged = live
        .filter((g) => !declared.has(g.GrantId ?? ""))
        .map((g) => ({
          keyArn,
          grantId: g.GrantId ?? "",
          name: g.Name ?? undefined,
          granteePrincipal: g.GranteePrincipal,
          ...(g.GranteeServicePrincipal ? { granteeServicePrincipal: g.GranteeServicePrincipal } : {}),
          operations: [...(g.Operations ?? [])].sort(),
        }));
    }
  }
  return { reports, unmanaged };
}

async function checkPolicy(policy: ManagedKeyPolicy, keys: KeyApi): Promise<Pick<ResourceReport, "status" | "message" | "policyDiff">> {
  const recorded = policy.policy;
  if (recorded === undefined)
    return { status: "error", message: "the recorded policy is a secret in this export; export with --show-secrets to check it" };
  try {
    // Both were accepted by KMS: compared as read, never refused by the validator. As refresh does,
    // a policy that differs is read until KMS answers it twice (a deploy moments ago may still show).
    const options = { tolerant: true, partition: partitionOf(policy.keyArn) };
    const live = await keys.settledKeyPolicy(policy.keyArn, policy.policyName, recorded, (a, b) => policiesEquivalent(a, b, options));
    const diff = diffPolicies(recorded, live, options);
    return diff.equivalent ? { status: "in-sync" } : { status: "drifted", policyDiff: diff };
  } catch (err) {
    return { status: "error", message: (err as Error).message };
  }
}

function compareGrant(
  grant: ManagedGrant,
  entry: GrantListEntry | undefined,
  listingDelayMs: number,
): Pick<ResourceReport, "status" | "message" | "changes"> {
  // As refresh does: a grant missing from a listing made soon after its creation is not gone yet.
  const age = Date.now() - Date.parse(grant.createdAt ?? "");
  if (!entry && age < listingDelayMs) {
    return {
      status: "not-listed-yet",
      message: `grant ${grant.grantId} was created ${Math.round(age / 1000)}s ago and is not listed yet (KMS lists new grants with a delay)`,
    };
  }
  if (!entry)
    return {
      status: "gone",
      message: `grant ${grant.grantId} (${grant.grantName ?? grant.name}) no longer exists: revoked or retired outside Pulumi`,
    };
  const live = fromListing(entry);
  const recorded: Partial<GrantParameters> = grant;
  const changes: FieldChange[] = changedParameters(recorded, live).map((field) => ({
    field,
    recorded: recorded[field] ?? null,
    live: live[field] ?? null,
  }));
  if (changes.length === 0) return { status: "in-sync" };
  const deleted = AWS_UNIQUE_ID.test(live.granteePrincipal ?? "") ? "the grantee was deleted (KMS shows a bare unique id)" : undefined;
  return { status: "drifted", changes, ...(deleted ? { message: deleted } : {}) };
}
