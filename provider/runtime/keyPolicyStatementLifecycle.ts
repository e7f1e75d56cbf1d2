import { KeyApi, KeyFacts, GONE_KEY_STATES } from "../aws/keys";
import { errorName, isRefusal } from "../aws/errors";
import { Access, accessKey } from "../aws/access";
import { partitionOf } from "../aws/keyRef";
import { KEY_POLICY_NAME } from "../aws/keyPolicyFacts";
import { readJson } from "../policy/json";
import {
  findStatement,
  mergeStatement,
  mergedPolicyProblems,
  ownStatementText,
  removeStatement,
  statementDocument,
  statementSids,
  statementText,
} from "../policy/statementMerge";
import { isUnknown } from "./check";
import { engineLog } from "./engineLog";
import { ResourceInitFailedError } from "./initFailure";
import { recordedAccess, sameKeyAs } from "./keyIdentity";
import { readOwnership } from "./keyOwnership";
import { ApiFor, describeUsableKey, equivalent, explainDiff } from "./keyPolicyLifecycle";
import { KeyPolicyStatementInputs } from "./keyPolicyStatementCheck";
import { accessFor, regionFor } from "./settings";
import { KEY_POLICY_STATEMENT_FIELDS } from "../fields/keyPolicyStatement";
import { CheckedInputs, StateFields, inputsFromState, sameFields } from "../fields/table";

/** What a KeyPolicyStatement keeps in state: its inputs, the key's ARN and the access the calls used. */
export interface KeyPolicyStatementOutputs extends KeyPolicyStatementInputs {
  /** The key's ARN, from DescribeKey; all later calls use it. */
  keyArn: string;
  /** The role and profile the calls used (the resource's, else the stack's). Never a credential. */
  access?: Access;
}

// The state, the checked inputs and what replaces the resource are the table's
// (fields/keyPolicyStatement.ts): a field added to one and not to the other fails to compile here.
sameFields<keyof KeyPolicyStatementOutputs & string, StateFields<typeof KEY_POLICY_STATEMENT_FIELDS>>(true);
sameFields<keyof KeyPolicyStatementInputs & string, CheckedInputs<typeof KEY_POLICY_STATEMENT_FIELDS>>(true);
// What diff replaces the resource for is not a type here: a new Sid is reported under the input that
// carries it, `statement`. test/unit/fields/diff.test.ts runs diff against the table instead.

/** Puts of one write before it gives up on a key another writer keeps replacing. */
export const MAX_WRITE_ATTEMPTS = 5;

/** Polls the policy must stay unchanged after a put before the write counts as done (see watch). */
export const QUIET_POLLS = 6;
/** Reads of one watch at most: a key whose policy never stays still fails the write's check instead. */
const MAX_WATCH_READS = 32;

type Statement = Record<string, unknown>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes to one key's policy run one at a time, in the order they were asked: the resources of one
 * program on one key (one provider process, one lifecycle) then never race each other (read,
 * merge, put). Writers in other processes are handled by the verification after each put (see
 * KeyPolicyStatementLifecycle's write).
 */
export class KeyTurns {
  private readonly queues = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier work on `keyArn` has finished. */
  run<T>(keyArn: string, work: () => Promise<T>): Promise<T> {
    const result = (this.queues.get(keyArn) ?? Promise.resolve()).then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(keyArn, tail);
    void tail.then(() => {
      if (this.queues.get(keyArn) === tail) this.queues.delete(keyArn);
    });
    return result;
  }
}

export class KeyPolicyStatementLifecycle {
  constructor(
    private readonly apiFor: ApiFor,
    private readonly pollMs = 250,
    private readonly random: () => number = Math.random,
  ) {}

  private readonly turns = new KeyTurns();

  private api(inputs: Pick<KeyPolicyStatementInputs, "keyId" | "region">, access: Access, keyArn?: string): KeyApi {
    return this.apiFor(keyArn ?? inputs.keyId, regionFor(keyArn ?? inputs.keyId, inputs.region), access);
  }

  /** A pause of one to three polls, different in each process, so that two writers retrying do not meet again. */
  private jitter(): Promise<void> {
    return sleep(this.pollMs * (1 + 2 * this.random()));
  }

  /** The key's policy once KMS answers the same twice (one read when it answers `expected`). */
  private settled(api: KeyApi, keyArn: string, expected = ""): Promise<string> {
    return api.settledKeyPolicy(keyArn, KEY_POLICY_NAME, expected, (a, b) => equivalent(a, b, keyArn), this.pollMs);
  }

  /**
   * The key's policy once it has stayed the same for QUIET_POLLS polls (at least twice the time a
   * put took): a writer in another process that read the policy before this put, or read a host
   * that had not seen it yet, puts within about that time, and the watch then sees its put. Two
   * equal answers in a row are not enough here: while a put propagates, reads alternate between
   * hosts, and a stale answer can repeat. Bounded by MAX_WATCH_READS reads; `recent` are the last
   * answers (all equal after a quiet watch; the hosts' different answers when the bound ended it),
   * and a write holds only if it holds in each of them.
   */
  private async watch(api: KeyApi, keyArn: string, putMs: number): Promise<{ last: string; recent: string[] }> {
    const quietMs = Math.max(QUIET_POLLS * this.pollMs, 2 * putMs);
    await this.jitter();
    const recent = [await api.getKeyPolicy(keyArn, KEY_POLICY_NAME)];
    let since = Date.now();
    for (let reads = 1; Date.now() - since < quietMs && reads < MAX_WATCH_READS; reads++) {
      await sleep(this.pollMs);
      const next = await api.getKeyPolicy(keyArn, KEY_POLICY_NAME);
      if (!equivalent(next, recent[recent.length - 1], keyArn)) since = Date.now();
      recent.push(next);
      if (recent.length > QUIET_POLLS) recent.shift();
    }
    return { last: recent[recent.length - 1], recent };
  }

  /** Whether `policy` holds the statement as wanted (or, for `undefined`, holds none with the Sid). */
  private holds(policy: string, sid: string, want: string | undefined, keyArn: string): boolean {
    const found = statementSids(policy).filter((s) => s === sid);
    if (want === undefined) return found.length === 0;
    return found.length === 1 && equivalent(statementDocument(statementText(findStatement(policy, sid))), statementDocument(want), keyArn);
  }

  /**
   * Makes the key's policy hold `want` as the statement `sid` (undefined: hold no such statement),
   * leaving every other statement as it is. KMS has no conditional PutKeyPolicy, so a writer in
   * another process that read the policy before this put and puts after it undoes it. After the
   * put, the policy is watched until it stays still (see watch); when this statement is then not
   * as wanted, the write was undone: it is merged again into the policy as it is now and put
   * again, at most MAX_WRITE_ATTEMPTS times with jittered pauses. Other statements are never put
   * back: one gone may have been removed by its owner. `before` checks the first read, before any write.
   * Returns the policy the key settled on; `progress.put` tells a caller whose write failed whether it put anything.
   */
  private async write(
    api: KeyApi,
    keyArn: string,
    sid: string,
    want: string | undefined,
    before: (live: string) => void = () => undefined,
    progress: { put: boolean } = { put: false },
  ): Promise<string> {
    const partition = partitionOf(keyArn);
    const statement = want === undefined ? undefined : (readJson(want) as Statement);
    // No shortcut through the policy last seen: a host that has not seen another writer's put yet answers just that.
    let base = await this.settled(api, keyArn);
    before(base);
    for (let attempt = 1; ; attempt++) {
      const target = statement ? mergeStatement(base, sid, statement) : removeStatement(base, sid);
      const problems = mergedPolicyProblems(target, sid, { partition });
      if (problems.length > 0) {
        throw new Error(
          `KeyPolicyStatement "${sid}" on key ${keyArn}: ${problems.map((p) => `${p.message}. Fix: ${p.hint}`).join("; ")}.${attempt === 1 ? " Nothing was written." : ""}`,
        );
      }
      let putMs = 0;
      if (!equivalent(target, base, keyArn)) {
        const started = Date.now();
        await api.putKeyPolicy(keyArn, KEY_POLICY_NAME, target, false, `The key's policy with statement "${sid}" merged in was refused.`);
        putMs = Date.now() - started;
        progress.put = true;
      }
      const { last: live, recent } = await this.watch(api, keyArn, putMs);
      if (recent.every((answer) => this.holds(answer, sid, want, keyArn))) return live;
      if (attempt >= MAX_WRITE_ATTEMPTS) {
        throw new Error(
          `KeyPolicyStatement "${sid}" on key ${keyArn}: after ${attempt} puts the key's policy still ${want === undefined ? "has" : "lacks"} the statement as this stack declares it: ` +
            "another writer (another stack, or someone editing the policy) keeps replacing the policy at the same time. " +
            "The other statements were left as they are; run `pulumi up` again once the other writer is done.",
        );
      }
      // Undone by a writer that read before this put. Only this statement is merged again: another
      // statement gone since this put may have been removed by its owner on purpose (putting it
      // back would leave the key a statement nobody asked for); its owner's own watch guards it.
      await engineLog(
        "info",
        `KeyPolicyStatement "${sid}": another writer replaced the policy of ${keyArn} at the same time; merging again (attempt ${attempt + 1} of ${MAX_WRITE_ATTEMPTS}).`,
      );
      // A pause, then the policy as it is now: merged onto the watch's last answer, the put would
      // land a pause after that read, later than another writer's watch may look.
      await this.jitter();
      base = await this.settled(api, keyArn);
    }
  }

  /** Refuses a key whose ownership tag says a whole-policy KeyPolicy manages it: that one would remove the statement. */
  private async refuseWholePolicyOwner(api: KeyApi, keyArn: string, sid: string): Promise<void> {
    let tags: Record<string, string>;
    try {
      tags = await api.listTags(keyArn);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      await engineLog(
        "warning",
        `KeyPolicyStatement "${sid}": ${(err as Error).message}\nWithout the key's tags, a KeyPolicy managing the whole policy of ${keyArn} cannot be detected.`,
      );
      return;
    }
    const { owner } = readOwnership(tags);
    if (owner) {
      throw new Error(
        `KeyPolicyStatement "${sid}": key ${keyArn} is managed whole by a KeyPolicy (its tag pulumi-kms-policy:owner is "${owner}", that KeyPolicy's ownerId), ` +
          "which puts its own policy on every update and would remove this statement. Nothing was written. " +
          `Fix: add the statement to that KeyPolicy's policy (find it with \`pulumi stack export | grep ${owner}\` in the stack that manages the key), ` +
          "or replace that KeyPolicy with KeyPolicyStatements. If no KeyPolicy manages the key any more, the tag is left over: remove the key's pulumi-kms-policy: tags.",
      );
    }
  }

  async create(inputs: KeyPolicyStatementInputs): Promise<{ id: string; outs: KeyPolicyStatementOutputs }> {
    const access = accessFor(inputs);
    const api = this.api(inputs, access);
    const key = await describeUsableKey(api, inputs.keyId);
    const outs: KeyPolicyStatementOutputs = { ...inputs, keyArn: key.arn, access };
    return this.turns.run(key.arn, async () => {
      await this.refuseWholePolicyOwner(api, key.arn, inputs.sid);
      const adopted = (live: string) => {
        if (!inputs.adopt && statementSids(live).includes(inputs.sid)) {
          throw new Error(
            `KeyPolicyStatement: the policy of key ${key.arn} already has a statement with Sid "${inputs.sid}" (written by hand, or by another stack). Nothing was written. ` +
              "Fix: give this statement another Sid, or set adopt: true to take that statement over (this resource's delete then removes it).",
          );
        }
      };
      const progress = { put: false };
      try {
        await this.write(api, key.arn, inputs.sid, inputs.statement, adopted, progress);
      } catch (err) {
        // Refused before any put (the Sid is taken, a lockout, KMS refused): the key is as it was.
        if (!progress.put) throw err;
        // Put, then failed (undone by another writer every time, or a read failed): the statement
        // may be in the key, so the stack keeps the resource, with no statement recorded: the next
        // `pulumi up` puts it for certain, `pulumi destroy` removes it.
        throw new ResourceInitFailedError((err as Error).message, this.idOf(key, inputs.sid), { ...outs, statement: "" });
      }
      return { id: this.idOf(key, inputs.sid), outs };
    });
  }

  private idOf(key: KeyFacts, sid: string): string {
    return `${key.arn}#${sid}`;
  }

  async read(
    id: string,
    props: KeyPolicyStatementOutputs,
  ): Promise<{ id?: string; props?: KeyPolicyStatementOutputs; inputs?: KeyPolicyStatementInputs }> {
    const keyArn = props.keyArn;
    const api = this.api(props, recordedAccess(props), keyArn);
    let key: KeyFacts;
    try {
      key = await api.describeKey(keyArn);
    } catch (err) {
      if (errorName((err as Error).cause) === "NotFoundException") {
        await engineLog(
          "warning",
          `KeyPolicyStatement "${props.sid}": key ${keyArn} no longer exists; the resource is gone from the stack.`,
        );
        return {};
      }
      throw err;
    }
    if (GONE_KEY_STATES.has(key.state)) {
      await engineLog(
        "warning",
        `KeyPolicyStatement "${props.sid}": key ${keyArn} is ${key.state}; the resource is gone from the stack (cancel the deletion and run \`pulumi up\` to manage it again).`,
      );
      return {};
    }
    // Only this resource's statement is compared: another owner's statement changing is not drift.
    // As for KeyPolicy, a statement that differs is read until KMS answers it twice.
    const ownStatement = (policy: string) => ownStatementText(policy, props.sid);
    const same = (a: string, b: string) => equivalent(statementDocument(ownStatement(a)), statementDocument(ownStatement(b)), keyArn);
    const live = await api.settledKeyPolicy(keyArn, KEY_POLICY_NAME, statementDocument(props.statement), same, this.pollMs);
    const liveStatement = ownStatement(live);
    let statement = props.statement;
    if (!equivalent(statementDocument(liveStatement), statementDocument(props.statement), keyArn)) {
      statement = liveStatement;
      await engineLog(
        "warning",
        explainDiff(
          statementDocument(props.statement),
          statementDocument(liveStatement),
          `KeyPolicyStatement "${props.sid}": the statement in the policy of ${keyArn} has drifted from the stack${liveStatement ? "" : " (it was removed)"}; \`pulumi up\` puts it back (- stack, + live)`,
          keyArn,
        ),
      );
    }
    const outs: KeyPolicyStatementOutputs = { ...props, statement, keyArn: key.arn, access: recordedAccess(props) };
    return { id, props: outs, inputs: inputsFromState(KEY_POLICY_STATEMENT_FIELDS, outs) };
  }

  /**
   * Replaces for another key, Region or Sid (the Sid is which statement the resource owns); a
   * changed statement is an update. Unknown inputs decide nothing, as for KeyPolicy.
   */
  async diff(olds: KeyPolicyStatementOutputs, news: KeyPolicyStatementInputs): Promise<{ changes?: boolean; replaces: string[] }> {
    const replaces: string[] = [];
    const oldKey = olds.keyArn || olds.keyId;
    const keyKnown = !isUnknown(news.keyId) && !isUnknown(news.region);
    const accessKnown = !isUnknown(news.assumeRole) && !isUnknown(news.profile);
    const oldRegion = regionFor(oldKey, olds.region);
    const newRegion = keyKnown ? regionFor(news.keyId, news.region) : undefined;
    const oldAccess = recordedAccess(olds);
    const newAccess = accessKnown ? accessFor(news) : oldAccess;
    if (keyKnown && !(await sameKeyAs(oldKey, oldRegion, news.keyId, newRegion, oldAccess, newAccess))) replaces.push("keyId");
    if (oldRegion && newRegion && oldRegion !== newRegion) replaces.push("region");
    const statementKnown = !isUnknown(news.statement) && !isUnknown(news.sid);
    if (statementKnown && news.sid !== olds.sid) replaces.push("statement");
    const statementChanged = statementKnown && !equivalent(statementDocument(olds.statement), statementDocument(news.statement), oldKey);
    if (statementChanged && replaces.length === 0) {
      await engineLog(
        "info",
        explainDiff(
          statementDocument(olds.statement),
          statementDocument(news.statement),
          `KeyPolicyStatement "${news.sid}" on ${news.keyId}: statement will change (- current, + program)`,
          oldKey,
        ),
      );
    }
    const settingsChanged =
      (!isUnknown(news.adopt) && olds.adopt !== news.adopt) ||
      (!isUnknown(news.region) && olds.region !== news.region) ||
      (accessKnown && accessKey(oldAccess) !== accessKey(newAccess));
    if (replaces.length > 0 || statementChanged || settingsChanged) return { changes: true, replaces };
    const undecided = !keyKnown || !accessKnown || !statementKnown || isUnknown(news.adopt);
    return undecided ? { replaces } : { changes: false, replaces };
  }

  async update(olds: KeyPolicyStatementOutputs, news: KeyPolicyStatementInputs): Promise<{ outs: KeyPolicyStatementOutputs }> {
    const keyArn = olds.keyArn;
    const access = accessFor(news);
    // adopt and the access live only in state: no call unless the statement itself changed.
    if (!equivalent(statementDocument(olds.statement), statementDocument(news.statement), keyArn)) {
      const api = this.api(news, access, keyArn);
      await describeUsableKey(api, keyArn);
      await this.turns.run(keyArn, () => this.write(api, keyArn, news.sid, news.statement));
    }
    return { outs: { ...news, keyArn, access } };
  }

  /** Removes the statement; the rest of the policy stays as it is (nothing "previous" is restored). */
  async delete(_id: string, props: KeyPolicyStatementOutputs): Promise<void> {
    const keyArn = props.keyArn;
    const api = this.api(props, recordedAccess(props), keyArn);
    let key: KeyFacts;
    try {
      key = await api.describeKey(keyArn);
    } catch (err) {
      if (errorName((err as Error).cause) === "NotFoundException") return;
      throw err;
    }
    if (GONE_KEY_STATES.has(key.state)) return;
    await this.turns.run(keyArn, () => this.write(api, keyArn, props.sid, undefined));
  }
}
