import { GrantListEntry } from "@aws-sdk/client-kms";
import { Access, accessKey } from "../aws/access";
import { GrantApi } from "../aws/grants";
import { Clock, systemClock } from "../clock";

interface Waiter {
  grantId: string;
  resolve(entry: GrantListEntry | undefined): void;
  reject(err: unknown): void;
}

/**
 * Finds grants with as few ListGrants calls as possible. Reads that arrive for one key within a
 * short window are answered together: a lone read uses the GrantId filter (one call), several share
 * one paginated listing of the key (Terraform lists every grant of the key for every grant).
 * Pulumi sends reads in waves (`--parallel`, default 16), so a full listing also answers later
 * waves for `reuseMs`, but only to say a grant exists: a grant missing from it is looked up afresh.
 */
export class GrantDirectory {
  private readonly pending = new Map<string, Waiter[]>();
  private readonly recent = new Map<string, { at: number; byId: Map<string | undefined, GrantListEntry> }>();
  private readonly listingWaiters = new Map<string, Array<{ resolve(grants: GrantListEntry[]): void; reject(err: unknown): void }>>();

  constructor(
    private readonly apiFor: (keyArn: string, access?: Access) => GrantApi,
    private readonly windowMs = 30,
    private readonly reuseMs = 5000,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * The grant, or undefined when the key has none with that id. `access` is whose credentials list
   * it. `fresh`: not from a listing made for earlier reads (a read again, to see whether it settled).
   */
  find(keyArn: string, grantId: string, access?: Access, options: { fresh?: boolean } = {}): Promise<GrantListEntry | undefined> {
    const slot = slotOf(keyArn, access);
    const recent = options.fresh ? undefined : this.recent.get(slot);
    const known = recent && this.clock.now() - recent.at <= this.reuseMs ? recent.byId.get(grantId) : undefined;
    if (known) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      let waiters = this.pending.get(slot);
      if (!waiters) {
        waiters = [];
        this.pending.set(slot, waiters);
        this.clock.after(this.windowMs, () => void this.flush(slot, keyArn, access));
      }
      waiters.push({ grantId, resolve, reject });
    });
  }

  private async flush(slot: string, keyArn: string, access: Access | undefined): Promise<void> {
    const waiters = this.pending.get(slot) ?? [];
    this.pending.delete(slot);
    const ids = new Set(waiters.map((w) => w.grantId));
    try {
      const api = this.apiFor(keyArn, access);
      const grants = ids.size === 1 ? await api.listGrants(keyArn, { grantId: [...ids][0] }) : await api.listGrants(keyArn);
      const byId = new Map(grants.map((g) => [g.GrantId, g]));
      if (ids.size > 1) this.recent.set(slot, { at: this.clock.now(), byId });
      for (const w of waiters) w.resolve(byId.get(w.grantId));
    } catch (err) {
      for (const w of waiters) w.reject(err);
    }
  }

  /**
   * Every grant of a key, listed after the call: creates that ask within the window (each after its
   * own CreateGrant) share one listing, which therefore shows all of their grants.
   */
  listAll(keyArn: string, access?: Access): Promise<GrantListEntry[]> {
    const slot = slotOf(keyArn, access);
    return new Promise((resolve, reject) => {
      let waiters = this.listingWaiters.get(slot);
      if (!waiters) {
        waiters = [];
        this.listingWaiters.set(slot, waiters);
        this.clock.after(this.windowMs, () => {
          const joined = this.listingWaiters.get(slot) ?? [];
          this.listingWaiters.delete(slot);
          this.apiFor(keyArn, access)
            .listGrants(keyArn)
            .then(
              (grants) => joined.forEach((w) => w.resolve(grants)),
              (err: unknown) => joined.forEach((w) => w.reject(err)),
            );
        });
      }
      waiters.push({ resolve, reject });
    });
  }
}

/** Reads batch per key and per credentials: another role may see other grants, or none. */
function slotOf(keyArn: string, access: Access | undefined): string {
  return `${keyArn}\u0000${accessKey(access)}`;
}
