import { KeyApi } from "../aws/keys";
import { partitionOf } from "../aws/keyRef";
import { KEY_POLICY_NAME } from "../aws/keyPolicyFacts";
import { Clock, sleep, systemClock } from "../clock";
import { readJson } from "../policy/json";
import {
  findStatement,
  mergeStatement,
  mergedPolicyProblems,
  removeStatement,
  statementDocument,
  statementSids,
  statementText,
} from "../policy/statementMerge";
import { samePolicy } from "../verdict";
import { EngineLog, LogSeverity } from "./engineLog";

/** Puts of one batch before it gives up on a key another writer keeps replacing. */
export const MAX_WRITE_ATTEMPTS = 5;

/** Polls the policy must stay unchanged after a put (and after any change seen) before a write counts as done. */
export const QUIET_POLLS = 6;

/**
 * Polls a watch lasts at least, counted from the put: 5 s at the provider's 250 ms. A writer in
 * another process that settled on an answer still stale from this put (KMS serves reads from hosts
 * that have and have not seen it) puts within one propagation time of it, and its put is seen by
 * every host one more propagation time later; until then a read may keep answering this put's
 * policy. So the watch must outlast two propagation times, whatever it has seen meanwhile.
 */
export const WATCH_POLLS = 20;

/** Reads of one watch at most: a key whose policy never stays still fails the batch instead. */
const MAX_WATCH_READS = 64;

/** One statement's change asked of the key: `want` the statement's JSON text, undefined to remove it. */
export interface StatementChange {
  sid: string;
  want: string | undefined;
  /** Checks the policy as first read before this change joins a put; throwing refuses it with nothing written. */
  before?: (live: string) => void;
}

/** What became of a change that failed: whether any put carried it (then the key may hold it). */
export class StatementWriteError extends Error {
  constructor(
    message: string,
    readonly put: boolean,
  ) {
    super(message);
  }
}

interface Request extends StatementChange {
  api: KeyApi;
  put: boolean;
  resolve: (policy: string) => void;
  reject: (err: StatementWriteError) => void;
}

interface KeyWrites {
  /**
   * Every statement this process has written to the key in this run, as it wrote it (undefined:
   * removed). Each put merges all of them again and each watch checks all of them: a put of this
   * process undone by a writer elsewhere is put back by the next one, whichever resource it is for.
   */
  written: Map<string, string | undefined>;
  pending: Request[];
  running: boolean;
}

/** Options of the writes; tests shorten the polls and decide the jitter. */
export interface StatementWritesOptions {
  /** The pause between reads; the watch and the jitter are counted in polls. */
  pollMs?: number;
  /** A number in [0, 1): the jitter's draw. */
  random?: () => number;
  /** The clock every pause and the watch run on: the provider context's. */
  clock?: Clock;
  /** Where the notes for the person running pulumi go: the provider context's log. */
  log?: (severity: LogSeverity, message: string) => Promise<void>;
}

/**
 * The statement writes of one provider process (one `pulumi up` of one stack), per key. KMS has no
 * conditional PutKeyPolicy, so each write is read, merge, put, then watch:
 *
 * - In one process, writes to one key never race: the changes asked while a batch is in flight
 *   are merged into the next batch, taken after that batch's settled read, so the resources of one
 *   program on one key land in one put (or a few), never in parallel puts.
 * - Across processes, after a put the policy is watched (WATCH_POLLS polls at least, and
 *   QUIET_POLLS polls unchanged, at jittered intervals so that two processes reading at one pace
 *   do not keep meeting the same host); when the last answers do not all hold every statement this
 *   process wrote to the key, a writer elsewhere undid it: the batch is merged again into the
 *   policy as it is then and put again, at most MAX_WRITE_ATTEMPTS times.
 *
 * Statements of other owners are never put back (docs/key-policy-statement.md, "Concurrent writers").
 */
export class StatementWrites {
  private readonly keys = new Map<string, KeyWrites>();
  private readonly pollMs: number;
  private readonly random: () => number;
  private readonly clock: Clock;
  private readonly log: (severity: LogSeverity, message: string) => Promise<void>;

  constructor(options: StatementWritesOptions = {}) {
    this.pollMs = options.pollMs ?? 250;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? systemClock;
    const own = new EngineLog();
    this.log = options.log ?? ((severity, message) => own.say(severity, message));
  }

  /**
   * Makes the key's policy hold `change` (and keep every statement this process wrote to the key
   * before), leaving the other statements as they are. Resolves with the policy the key settled on;
   * rejects with a StatementWriteError that says whether a put carried the change.
   */
  write(api: KeyApi, keyArn: string, change: StatementChange): Promise<string> {
    let writes = this.keys.get(keyArn);
    if (!writes) this.keys.set(keyArn, (writes = { written: new Map(), pending: [], running: false }));
    const result = new Promise<string>((resolve, reject) => writes.pending.push({ ...change, api, put: false, resolve, reject }));
    if (!writes.running) {
      writes.running = true;
      void this.drain(keyArn, writes);
    }
    return result;
  }

  private async drain(keyArn: string, writes: KeyWrites): Promise<void> {
    try {
      while (writes.pending.length > 0) await this.batch(keyArn, writes);
    } finally {
      writes.running = false;
    }
  }

  /** A pause of one to three polls, different in each process, so that two writers retrying do not meet again. */
  private jitter(): Promise<void> {
    return sleep(this.clock, this.pollMs * (1 + 2 * this.random()));
  }

  /** One poll's pause, between half and one and a half polls. */
  private poll(): Promise<void> {
    return sleep(this.clock, this.pollMs * (0.5 + this.random()));
  }

  /** The key's policy once KMS answers the same SETTLED_READS times in a row. */
  private settled(api: KeyApi, keyArn: string): Promise<string> {
    return api.settledKeyPolicy(keyArn, KEY_POLICY_NAME, undefined, (a, b) => samePolicy(a, b, keyArn), this.pollMs);
  }

  /**
   * Watches the policy after a put: at least WATCH_POLLS polls from the put and QUIET_POLLS polls
   * (at least twice the time the put took) since the last change seen, at most MAX_WATCH_READS
   * reads. Returns the answers a write must hold in: the last one when the watch ended quiet (every
   * answer since the last change is equivalent to it), else the last QUIET_POLLS answers (the
   * hosts' different answers when the bound ended it).
   */
  private async watch(api: KeyApi, keyArn: string, putAt: number, putMs: number): Promise<string[]> {
    const quietMs = Math.max(QUIET_POLLS * this.pollMs, 2 * putMs);
    const until = putAt + WATCH_POLLS * this.pollMs;
    await this.jitter();
    const recent = [await api.getKeyPolicy(keyArn, KEY_POLICY_NAME)];
    let since = this.clock.now();
    const quiet = () => this.clock.now() - since >= quietMs;
    for (let reads = 1; (!quiet() || this.clock.now() < until) && reads < MAX_WATCH_READS; reads++) {
      await this.poll();
      const next = await api.getKeyPolicy(keyArn, KEY_POLICY_NAME);
      if (!samePolicy(next, recent[recent.length - 1], keyArn)) since = this.clock.now();
      recent.push(next);
      if (recent.length > QUIET_POLLS) recent.shift();
    }
    return quiet() ? recent.slice(-1) : recent;
  }

  /** Whether `policy` holds the statement as wanted (or, for `undefined`, holds none with the Sid). */
  private holds(policy: string, sid: string, want: string | undefined, keyArn: string): boolean {
    const found = statementSids(policy).filter((s) => s === sid);
    if (want === undefined) return found.length === 0;
    return found.length === 1 && samePolicy(statementDocument(statementText(findStatement(policy, sid))), statementDocument(want), keyArn);
  }

  /** `base` with the statement `sid` as wanted. */
  private merged(base: string, sid: string, want: string | undefined): string {
    return want === undefined ? removeStatement(base, sid) : mergeStatement(base, sid, readJson(want) as Record<string, unknown>);
  }

  /** The statements of `written` that `policy` does not hold as written. */
  private missing(policy: string, written: Map<string, string | undefined>, keyArn: string): string[] {
    return [...written].filter(([sid, want]) => !this.holds(policy, sid, want, keyArn)).map(([sid]) => sid);
  }

  /** One batch: the changes pending after the settled read, put together until they hold or the attempts run out. */
  private async batch(keyArn: string, writes: KeyWrites): Promise<void> {
    const partition = partitionOf(keyArn);
    // No shortcut through the policy last seen: a host that has not seen another writer's put yet answers just that.
    const api = writes.pending[0].api;
    let base: string;
    try {
      base = await this.settled(api, keyArn);
    } catch (err) {
      const failed = writes.pending.splice(0);
      for (const r of failed) r.reject(new StatementWriteError((err as Error).message, false));
      return;
    }
    // Everything asked meanwhile joins this batch: one put for the program's statements on the key.
    const batch: Request[] = [];
    let target = base;
    for (const [sid, want] of writes.written) target = this.merged(target, sid, want);
    for (const request of writes.pending.splice(0)) {
      try {
        request.before?.(base);
        const next = this.merged(target, request.sid, request.want);
        const problems = mergedPolicyProblems(next, request.sid, { partition });
        if (problems.length > 0) {
          throw new Error(
            `KeyPolicyStatement "${request.sid}" on key ${keyArn}: ${problems.map((p) => `${p.message}. Fix: ${p.hint}`).join("; ")}. Nothing was written.`,
          );
        }
        target = next;
        batch.push(request);
      } catch (err) {
        request.reject(new StatementWriteError((err as Error).message, false));
      }
    }
    if (batch.length === 0) return;
    for (const request of batch) writes.written.set(request.sid, request.want);
    const names = batch.map((r) => `"${r.sid}"`).join(", ");
    for (let attempt = 1; ; attempt++) {
      let putMs = 0;
      const putAt = this.clock.now();
      try {
        if (!samePolicy(target, base, keyArn)) {
          await api.putKeyPolicy(keyArn, KEY_POLICY_NAME, target, false, `The key's policy with statement ${names} merged in was refused.`);
          putMs = this.clock.now() - putAt;
          for (const request of batch) request.put = true;
        }
        const recent = await this.watch(api, keyArn, putAt, putMs);
        const missing = [...new Set(recent.flatMap((answer) => this.missing(answer, writes.written, keyArn)))];
        if (missing.length === 0) {
          for (const request of batch) request.resolve(recent[recent.length - 1]);
          return;
        }
        const list = missing.map((sid) => `"${sid}"`).join(", ");
        if (attempt >= MAX_WRITE_ATTEMPTS) {
          throw new Error(
            `KeyPolicyStatement ${names} on key ${keyArn}: after ${attempt} puts the key's policy still does not hold ${list} as this stack declares ${missing.length > 1 ? "them" : "it"}: ` +
              "another writer (another stack, or someone editing the policy) keeps replacing the policy at the same time. " +
              "The other statements were left as they are; run `pulumi up` again once the other writer is done.",
          );
        }
        // Undone by a writer that read before this put. Only this process's statements are merged
        // again: another statement gone since this put may have been removed by its owner on
        // purpose (putting it back would leave the key a statement nobody asked for); its owner's
        // own watch guards it.
        await this.log(
          "info",
          `KeyPolicyStatement ${list}: another writer replaced the policy of ${keyArn} at the same time; merging again (attempt ${attempt + 1} of ${MAX_WRITE_ATTEMPTS}).`,
        );
        // A pause, then the policy as it is now: merged onto the watch's last answer, the put would
        // land a pause after that read, later than another writer's watch may look.
        await this.jitter();
        base = await this.settled(api, keyArn);
        target = base;
        for (const [sid, want] of writes.written) target = this.merged(target, sid, want);
        const problems = mergedPolicyProblems(target, batch[batch.length - 1].sid, { partition });
        if (problems.length > 0)
          throw new Error(
            `KeyPolicyStatement ${names} on key ${keyArn}: ${problems.map((p) => `${p.message}. Fix: ${p.hint}`).join("; ")}.`,
          );
      } catch (err) {
        // What the key holds of a failed batch is unknown: later batches neither put it back nor remove it.
        for (const request of batch) {
          if (writes.written.get(request.sid) === request.want) writes.written.delete(request.sid);
          request.reject(new StatementWriteError((err as Error).message, request.put));
        }
        return;
      }
    }
  }
}
