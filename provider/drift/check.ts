import { GrantListEntry } from "@aws-sdk/client-kms";
import { GrantApi } from "../aws/grants";
import { DEFAULT_GRANT_LISTING_DELAY_SECONDS } from "../aws/grantFacts";
import { KeyApi } from "../aws/keys";
import { Access, accessKey, roleAccount } from "../aws/access";
import { KeyIdentity, keyIdentity, partitionOf, sameIdentity } from "../aws/keyRef";
import { Clock, systemClock } from "../clock";
import { PolicyDiff } from "../policy";
import {
  describeAndJudgeKey,
  FieldChange,
  GrantOnKeyVerdict,
  judgeGrantOnKey,
  judgePolicy,
  samePolicy,
  unsettledMessage,
} from "../verdict";
import { PolicyAccessChange, accessChange } from "./access";
import { ManagedGrant, ManagedKeyPolicy, ManagedKeyPolicyStatement, ManagedResource } from "./stackExport";
import { checkStatement, unownedStatements } from "./statementCheck";

/**
 * `not-listed-yet`: a grant younger than the listing delay that ListGrants does not show yet.
 * `unsettled-grantee`: a grant younger than the listing delay that ListGrants shows with its
 * grantee as a unique id (a role created moments before). Neither is drift.
 */
export type DriftStatus = "in-sync" | "drifted" | "not-listed-yet" | "unsettled-grantee" | "gone" | "error";

export type { FieldChange } from "../verdict";

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
  /** KeyPolicy drift: whether the live policy grants access the recorded one does not. */
  access?: PolicyAccessChange;
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

/**
 * A statement of a key's policy that no KeyPolicyStatement of the stack owns, on a key the stack
 * manages statement by statement (no KeyPolicy of the stack on it): the key's default statement,
 * hand-written ones, other stacks' statements. Listed for review, not drift.
 */
export interface UnownedStatement {
  keyArn: string;
  /** The statement's Sid; a statement without one is named by its place (`index`, from 0) in the policy. */
  sid?: string;
  index?: number;
  /** The statement as the key has it, compact JSON. */
  statement: string;
}

export interface DriftReport {
  resources: ResourceReport[];
  unmanagedGrants?: UnmanagedGrant[];
  unownedStatements?: UnownedStatement[];
}

export interface DriftOptions {
  /** Keys checked at once. Default 8. */
  concurrency?: number;
  /** Also list grants on managed keys that no Grant in the stack declares. */
  unmanagedGrants?: boolean;
  /** Also list the statements no KeyPolicyStatement of the stack owns, on keys it manages statement by statement. */
  unownedStatements?: boolean;
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
  /** The clock a grant's age is measured on. Default: the system's. */
  clock?: Clock;
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
 * Compares every managed resource with live KMS using read-only calls, each with the resource's
 * own recorded access (or `options.access`): per key and access one DescribeKey, one GetKeyPolicy
 * per KeyPolicy, and one paginated ListGrants if any Grant read with that access is on the key (or
 * unmanaged grants are wanted, once per key). What the answers mean is judged by provider/verdict,
 * as refresh judges them. Keys are checked `concurrency` at a time; the SDK retries throttling with backoff.
 */
export async function checkDrift(resources: ManagedResource[], clients: DriftClients, options: DriftOptions = {}): Promise<DriftReport> {
  const groups = groupByKey(resources, options);
  const reports: ResourceReport[] = [];
  const unmanaged: UnmanagedGrant[] = [];
  const unowned: UnownedStatement[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++];
      const result = await checkKey(group, clients, {
        unmanagedGrants: options.unmanagedGrants ?? false,
        unownedStatements: options.unownedStatements ?? false,
        listingDelayMs: (options.grantListingDelaySeconds ?? DEFAULT_GRANT_LISTING_DELAY_SECONDS) * 1000,
        clock: options.clock ?? systemClock,
      });
      reports.push(...result.reports);
      unmanaged.push(...result.unmanaged);
      unowned.push(...result.unowned);
      options.onProgress?.(++done, groups.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, groups.length)) }, worker));
  // Key policies first, then grants, each by name: the same report for the same state, easy to scan.
  const rank = (r: ResourceReport) => `${r.kind === "KeyPolicy" ? 0 : 1}\u0000${r.name}\u0000${r.urn}`;
  reports.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
  // Unowned statements by key, then in the policy's order.
  unowned.sort((a, b) => (a.keyArn < b.keyArn ? -1 : a.keyArn > b.keyArn ? 1 : 0));
  return {
    resources: reports,
    ...(options.unmanagedGrants ? { unmanagedGrants: unmanaged } : {}),
    ...(options.unownedStatements ? { unownedStatements: unowned } : {}),
  };
}

async function checkKey(
  located: Located[],
  clients: DriftClients,
  wanted: { unmanagedGrants: boolean; unownedStatements: boolean; listingDelayMs: number; clock: Clock },
): Promise<{ reports: ResourceReport[]; unmanaged: UnmanagedGrant[]; unowned: UnownedStatement[] }> {
  const { unmanagedGrants: wantUnmanaged, listingDelayMs, clock } = wanted;
  const { resource: first, account, region } = located[0];
  // Every call names the key as the group's lead does (its ARN, when any member recorded it).
  const keyArn = first.keyArn;
  const where = { ...(account ? { account } : {}), ...(region ? { region } : {}) };
  const base = (r: ManagedResource): Omit<ResourceReport, "status"> => ({
    kind: r.kind,
    urn: r.urn,
    name: r.name,
    keyArn: r.keyArn,
    ...where,
    ...(r.kind === "Grant" ? { grantId: r.grantId } : {}),
  });
  // Each resource is read with its own recorded access: a Grant made from a central account and a
  // KeyPolicy made with a role in the key's account share the key, not the credentials.
  const byAccess = new Map<string, { access: Access; members: ManagedResource[] }>();
  for (const { resource, access } of located) {
    const slot = byAccess.get(accessKey(access)) ?? { access, members: [] };
    byAccess.set(accessKey(access), slot);
    slot.members.push(resource);
  }
  const declared = new Set(located.flatMap(({ resource }) => (resource.kind === "Grant" ? [resource.grantId] : [])));
  const reports: ResourceReport[] = [];
  let unmanaged: UnmanagedGrant[] | undefined;
  let unowned: UnownedStatement[] | undefined;
  // Statements are unowned only on a key no KeyPolicy of the stack manages whole.
  const statementKey = wanted.unownedStatements && located.every(({ resource }) => resource.kind !== "KeyPolicy");
  const owned = new Set(located.flatMap(({ resource }) => (resource.kind === "KeyPolicyStatement" ? [resource.sid] : [])));
  for (const { access, members } of byAccess.values()) {
    const keyVerdict = await describeAndJudgeKey(clients.keys(keyArn, region, access), keyArn);
    const grants = members.filter((r): r is ManagedGrant => r.kind === "Grant");
    // A grant is judged from the key and the listing together, as refresh judges it (judgeGrantOnKey).
    const judged = (listing: Parameters<typeof judgeGrantOnKey>[2], byId?: Map<string | undefined, GrantListEntry>) => {
      const now = clock.now();
      return grants.map((g) => {
        const answer = listing && !("error" in listing) ? { entry: byId?.get(g.grantId) } : listing;
        return { ...base(g), ...compareGrant(g, judgeGrantOnKey(g, keyVerdict, answer, now, listingDelayMs)) };
      });
    };
    if (keyVerdict.status !== "usable") {
      const policies = members.filter((r) => r.kind !== "Grant");
      const status: DriftStatus = keyVerdict.status === "gone" ? "gone" : "error";
      const message = keyVerdict.status === "gone" ? keyVerdict.reason : (keyVerdict.error as Error).message;
      reports.push(...policies.map((r) => ({ ...base(r), status, message })), ...judged(undefined));
      continue;
    }
    for (const policy of members.filter((r): r is ManagedKeyPolicy => r.kind === "KeyPolicy")) {
      reports.push({ ...base(policy), ...(await checkPolicy(policy, clients.keys(keyArn, region, access))) });
    }
    for (const statement of members.filter((r): r is ManagedKeyPolicyStatement => r.kind === "KeyPolicyStatement")) {
      const { live, ...checked } = await checkStatement(statement, clients.keys(keyArn, region, access));
      reports.push({ ...base(statement), ...checked });
      // Listed once per key, from the policy its statements' check read (settled, as they read it).
      if (statementKey && unowned === undefined && live !== undefined) unowned = unownedStatements(keyArn, live, owned);
    }
    // Unmanaged grants are listed once per key, with the first access that lists it anyway.
    const listForUnmanaged = wantUnmanaged && unmanaged === undefined;
    if (grants.length === 0 && !listForUnmanaged) continue;
    let live: GrantListEntry[];
    try {
      live = await clients.grants(keyArn, region, access).listGrants(keyArn);
    } catch (error) {
      reports.push(...judged({ error }));
      continue;
    }
    reports.push(...judged({ entry: undefined }, new Map(live.map((g) => [g.GrantId, g]))));
    if (listForUnmanaged) {
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
  return { reports, unmanaged: unmanaged ?? [], unowned: unowned ?? [] };
}

async function checkPolicy(
  policy: ManagedKeyPolicy,
  keys: KeyApi,
): Promise<Pick<ResourceReport, "status" | "message" | "policyDiff" | "access">> {
  const recorded = policy.policy;
  if (recorded === undefined)
    return { status: "error", message: "the recorded policy is a secret in this export; export with --show-secrets to check it" };
  try {
    // A policy that differs is read until KMS answers it twice (a deploy moments ago may still show).
    const same = (a: string, b: string) => samePolicy(a, b, policy.keyArn);
    const live = await keys.settledKeyPolicy(policy.keyArn, policy.policyName, recorded, same);
    const verdict = judgePolicy(recorded, live, policy.keyArn);
    if (verdict.status === "in-sync") return { status: "in-sync" };
    if (!verdict.diff)
      return {
        status: "drifted",
        message: `the live policy differs from the stack, and cannot be compared statement by statement: ${verdict.unreadable}`,
      };
    // Whether the live policy lets anyone do what the stack's does not: a security alert, not only drift.
    const access = accessChange(recorded, live, { tolerant: true, partition: partitionOf(policy.keyArn) });
    return { status: "drifted", policyDiff: verdict.diff, ...(access ? { access } : {}) };
  } catch (err) {
    return { status: "error", message: (err as Error).message };
  }
}

function compareGrant(grant: ManagedGrant, verdict: GrantOnKeyVerdict): Pick<ResourceReport, "status" | "message" | "changes"> {
  switch (verdict.status) {
    case "in-sync":
      return { status: "in-sync" };
    // A young grant that has not settled (not listed, or its grantee shown as a unique id) is not drift.
    case "not-listed-yet":
    case "unsettled-grantee":
      return { status: verdict.status, message: `grant ${grant.grantId}: ${unsettledMessage(verdict)}` };
    case "key-gone":
      return { status: "gone", message: verdict.reason };
    case "error":
      return { status: "error", message: (verdict.error as Error).message };
    case "gone":
      return {
        status: "gone",
        message: `grant ${grant.grantId} (${grant.grantName ?? grant.name}) no longer exists: revoked or retired outside Pulumi`,
      };
    case "drifted":
      return {
        status: "drifted",
        changes: verdict.changes,
        ...(verdict.granteeDeleted ? { message: "the grantee was deleted (KMS shows a bare unique id)" } : {}),
      };
  }
}
