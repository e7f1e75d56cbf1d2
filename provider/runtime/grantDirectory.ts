import { GrantListEntry } from "@aws-sdk/client-kms";
import { GrantApi } from "../aws/grants";

interface Waiter {
  grantId: string;
  resolve(entry: GrantListEntry | undefined): void;
  reject(err: unknown): void;
}

/**
 * Finds grants with as few ListGrants calls as possible. Reads that arrive for one key within a
 * short window are answered together: a lone read uses the GrantId filter (one call), several share
 * one paginated listing of the key (Terraform lists every grant of the key for every grant).
 */
export class GrantDirectory {
  private readonly pending = new Map<string, Waiter[]>();

  constructor(
    private readonly apiFor: (keyArn: string) => GrantApi,
    private readonly windowMs = 30,
  ) {}

  find(keyArn: string, grantId: string): Promise<GrantListEntry | undefined> {
    return new Promise((resolve, reject) => {
      let waiters = this.pending.get(keyArn);
      if (!waiters) {
        waiters = [];
        this.pending.set(keyArn, waiters);
        setTimeout(() => void this.flush(keyArn), this.windowMs);
      }
      waiters.push({ grantId, resolve, reject });
    });
  }

  private async flush(keyArn: string): Promise<void> {
    const waiters = this.pending.get(keyArn) ?? [];
    this.pending.delete(keyArn);
    const ids = new Set(waiters.map((w) => w.grantId));
    try {
      const api = this.apiFor(keyArn);
      const grants = ids.size === 1 ? await api.listGrants(keyArn, { grantId: [...ids][0] }) : await api.listGrants(keyArn);
      const byId = new Map(grants.map((g) => [g.GrantId, g]));
      for (const w of waiters) w.resolve(byId.get(w.grantId));
    } catch (err) {
      for (const w of waiters) w.reject(err);
    }
  }
}
