import { KeyApi, KeyFacts } from "../aws/keys";
import { isRefusal } from "../aws/errors";
import { Access, accessKey } from "../aws/access";
import { KEY_POLICY_NAME } from "../aws/keyPolicyFacts";
import { describeAndJudgeKey, samePolicy } from "../verdict";
import { ProviderContext } from "./context";
import { ownStatementText, statementDocument, statementSids } from "../policy/statementMerge";
import { isUnknown } from "./check";
import { ResourceInitFailedError } from "./initFailure";
import { keyChange, recordedAccess } from "./keyIdentity";
import {
  OWNER_TAG,
  StatementClaim,
  claimHeldBy,
  claimIsFresh,
  claimOwnerText,
  newOwnerId,
  readOwnership,
  readStatementClaim,
  statementTag,
} from "./keyOwnership";
import { ApiFor, describeUsableKey, explainDiff, refreshedKey } from "./keyPolicyLifecycle";
import { KeyPolicyStatementInputs } from "./keyPolicyStatementCheck";
import { StatementWriteError, StatementWrites } from "./statementWrites";
import { KEY_POLICY_STATEMENT_FIELDS } from "../fields/keyPolicyStatement";
import { CheckedInputs, StateFields, inputsFromState, sameFields } from "../fields/table";

/** What a KeyPolicyStatement keeps in state: its inputs, the key's ARN and the access the calls used. */
export interface KeyPolicyStatementOutputs extends KeyPolicyStatementInputs {
  /** The key's ARN, from DescribeKey; all later calls use it. */
  keyArn: string;
  /** The role and profile the calls used (the resource's, else the stack's). Never a credential. */
  access?: Access;
  /** This resource's id in its claim tag (keyOwnership.ts statementTag); absent in a state from before owner ids. */
  ownerId?: string;
}

// The state, the checked inputs and what replaces the resource are the table's
// (fields/keyPolicyStatement.ts): a field added to one and not to the other fails to compile here.
sameFields<keyof KeyPolicyStatementOutputs & string, StateFields<typeof KEY_POLICY_STATEMENT_FIELDS>>(true);
sameFields<keyof KeyPolicyStatementInputs & string, CheckedInputs<typeof KEY_POLICY_STATEMENT_FIELDS>>(true);
// What diff replaces the resource for is not a type here: a new Sid is reported under the input that
// carries it, `statement`. test/unit/fields/diff.test.ts runs diff against the table instead.

export { MAX_WRITE_ATTEMPTS } from "./statementWrites";

export class KeyPolicyStatementLifecycle {
  /** The writes of this process, per key: batched, then watched (see StatementWrites). */
  private readonly writes: StatementWrites;

  constructor(
    private readonly apiFor: ApiFor,
    private readonly pollMs = 250,
    random: () => number = Math.random,
    /** The provider's Region and access rules, its log, and the clock every pause and watch runs on. */
    private readonly context: ProviderContext = new ProviderContext(),
  ) {
    this.writes = new StatementWrites({ pollMs, random, clock: context.clock, log: (severity, message) => context.log(severity, message) });
  }

  private api(inputs: Pick<KeyPolicyStatementInputs, "keyId" | "region">, access: Access, keyArn?: string): KeyApi {
    return this.apiFor(keyArn ?? inputs.keyId, this.context.regionFor(keyArn ?? inputs.keyId, inputs.region), access);
  }

  /**
   * The key's tags, refusing a key whose ownership tag says a whole-policy KeyPolicy manages it
   * (that one would remove the statement). Undefined, with a warning, without kms:ListResourceTags.
   */
  private async keyTags(api: KeyApi, keyArn: string, sid: string): Promise<Record<string, string> | undefined> {
    let tags: Record<string, string>;
    try {
      tags = await api.listTags(keyArn);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      await this.context.log(
        "warning",
        `KeyPolicyStatement "${sid}": ${(err as Error).message}\nWithout the key's tags, a KeyPolicy managing the whole policy of ${keyArn}, or another owner of this Sid, cannot be detected.`,
      );
      return undefined;
    }
    const { owner } = readOwnership(tags);
    if (owner) {
      throw new Error(
        `KeyPolicyStatement "${sid}": key ${keyArn} is managed whole by a KeyPolicy (its tag ${OWNER_TAG} is "${owner}", that KeyPolicy's ownerId), ` +
          "which puts its own policy on every update and would remove this statement. Nothing was written. " +
          `Fix: add the statement to that KeyPolicy's policy (find it with \`pulumi stack export | grep ${owner}\` in the stack that manages the key), ` +
          "or replace that KeyPolicy with KeyPolicyStatements. If no KeyPolicy manages the key any more, the tag is left over: remove the key's pulumi-kms-policy: tags.",
      );
    }
    return tags;
  }

  /**
   * Tags the key with this statement's claim, naming `owner` (keyOwnership.ts statementTag), so
   * that a KeyPolicy of another stack refuses the key rather than remove the statement, and another
   * KeyPolicyStatement of this Sid leaves it alone. Best effort: a key without the claim (no
   * kms:TagResource, or no room left of KMS's 50 tags) still gets the statement, with a warning.
   * Returns whether the claim was written.
   */
  private async claim(api: KeyApi, keyArn: string, sid: string, owner: string): Promise<boolean> {
    const { key, value } = statementTag(sid, owner, this.context.clock.now());
    try {
      await api.tag(keyArn, { [key]: value });
      return true;
    } catch (err) {
      await this.context.log(
        "warning",
        `KeyPolicyStatement "${sid}": ${(err as Error).message}\nWithout its tag ${key} on ${keyArn}, a KeyPolicy created on the key by another stack is not refused, and would remove this statement.`,
      );
      return false;
    }
  }

  /**
   * Takes this statement's claim back off the key's tags, only while it still names `owner`
   * (another stack may have claimed the Sid since): puts back `previous` (the claim this resource
   * replaced), else removes the tag. A failure is a warning (the tag is then left over).
   */
  private async unclaim(api: KeyApi, keyArn: string, sid: string, owner: string | undefined, previous?: StatementClaim): Promise<void> {
    const { key } = statementTag(sid);
    try {
      const claim = readStatementClaim(await api.listTags(keyArn), sid);
      if (!claim || !claimHeldBy(claim, owner)) return;
      if (previous) await api.tag(keyArn, { [key]: previous.value });
      else await api.untag(keyArn, [key]);
    } catch (err) {
      await this.context.log(
        "warning",
        `KeyPolicyStatement "${sid}": ${(err as Error).message}\nIts tag ${key} is left on ${keyArn}: remove it by hand (\`aws kms untag-resource --key-id ${keyArn} --tag-keys '${key}'\`).`,
      );
    }
  }

  async create(inputs: KeyPolicyStatementInputs): Promise<{ id: string; outs: KeyPolicyStatementOutputs }> {
    const access = this.context.accessFor(inputs);
    const api = this.api(inputs, access);
    const key = await describeUsableKey(api, inputs.keyId);
    const ownerId = newOwnerId();
    const outs: KeyPolicyStatementOutputs = { ...inputs, keyArn: key.arn, access, ownerId };
    const tags = await this.keyTags(api, key.arn, inputs.sid);
    // A claim of another owner written within CLAIM_FRESH_MS: its statement may not be in the
    // policy yet (another stack creating the same Sid right now). Checked before claiming, so a
    // refused create never touches another owner's claim.
    const previous = tags ? readStatementClaim(tags, inputs.sid) : undefined;
    if (previous && !inputs.adopt && claimIsFresh(previous, this.context.clock.now())) {
      throw new Error(
        `KeyPolicyStatement: Sid "${inputs.sid}" on key ${key.arn} is claimed by ${claimOwnerText(previous)} (its tag ${statementTag(inputs.sid).key}), which is writing it or wrote it moments ago. Nothing was written. ` +
          "Fix: give this statement another Sid, or set adopt: true to take that statement over (this resource's delete then removes it).",
      );
    }
    const adopted = (live: string) => {
      if (!inputs.adopt && statementSids(live).includes(inputs.sid)) {
        throw new Error(
          `KeyPolicyStatement: the policy of key ${key.arn} already has a statement with Sid "${inputs.sid}" (written by hand, or by another stack). Nothing was written. ` +
            "Fix: give this statement another Sid, or set adopt: true to take that statement over (this resource's delete then removes it).",
        );
      }
    };
    // Claimed before the put: a KeyPolicy created meanwhile by another stack sees the claim and refuses the key.
    const claimed = await this.claim(api, key.arn, inputs.sid, ownerId);
    try {
      await this.writes.write(api, key.arn, {
        sid: inputs.sid,
        want: inputs.statement,
        before: adopted,
        owner: ownerId,
        access: accessKey(access),
      });
    } catch (err) {
      // Refused before any put (the Sid is taken, a lockout, KMS refused): the key is as it was, its tags too.
      if (!(err instanceof StatementWriteError) || !err.put) {
        if (claimed) await this.unclaim(api, key.arn, inputs.sid, ownerId, previous);
        throw err;
      }
      // Put, then failed (undone by another writer every time, another owner claimed the Sid, or
      // a read failed): the statement may be in the key, so the stack keeps the resource, with no
      // statement recorded: the next `pulumi up` puts it (or refuses, if another owner claims the
      // Sid), `pulumi destroy` removes it (while its claim is this resource's).
      throw new ResourceInitFailedError(err.message, this.idOf(key, inputs.sid), { ...outs, statement: "" });
    }
    return { id: this.idOf(key, inputs.sid), outs };
  }

  private idOf(key: KeyFacts, sid: string): string {
    return `${key.arn}#${sid}`;
  }

  async read(
    id: string,
    props: KeyPolicyStatementOutputs,
  ): Promise<{ id?: string; props?: KeyPolicyStatementOutputs; inputs?: KeyPolicyStatementInputs }> {
    const keyArn = props.keyArn;
    const api = this.api(props, recordedAccess(props, this.context), keyArn);
    // Its statement and claim stay on the key: once back in the stack, a create without adopt would
    // refuse the Sid the policy already has.
    const key = await refreshedKey(
      api,
      keyArn,
      `KeyPolicyStatement "${props.sid}"`,
      this.context,
      "its statement and its claim tag stay on the key: to manage it again, cancel the deletion (and enable the key), then run `pulumi up` with adopt: true on this resource, which takes the statement back",
    );
    if (!key) return {};
    // Only this resource's statement is compared: another owner's statement changing is not drift.
    // As for KeyPolicy, a statement that differs is read until KMS answers it twice.
    const ownStatement = (policy: string) => ownStatementText(policy, props.sid);
    const same = (a: string, b: string) => samePolicy(statementDocument(ownStatement(a)), statementDocument(ownStatement(b)), keyArn);
    const live = await api.settledKeyPolicy(keyArn, KEY_POLICY_NAME, statementDocument(props.statement), same, this.pollMs);
    const liveStatement = ownStatement(live);
    let statement = props.statement;
    if (!samePolicy(statementDocument(liveStatement), statementDocument(props.statement), keyArn)) {
      statement = liveStatement;
      await this.context.log(
        "warning",
        explainDiff(
          statementDocument(props.statement),
          statementDocument(liveStatement),
          `KeyPolicyStatement "${props.sid}": the statement in the policy of ${keyArn} has drifted from the stack${liveStatement ? "" : " (it was removed)"}; \`pulumi up\` puts it back (- stack, + live)`,
          keyArn,
        ),
      );
    }
    const outs: KeyPolicyStatementOutputs = { ...props, statement, keyArn: key.arn, access: recordedAccess(props, this.context) };
    return { id, props: outs, inputs: inputsFromState(KEY_POLICY_STATEMENT_FIELDS, outs) };
  }

  /**
   * Replaces for another key, Region or Sid (the Sid is which statement the resource owns); a
   * changed statement is an update. Unknown inputs decide nothing, as for KeyPolicy.
   */
  async diff(olds: KeyPolicyStatementOutputs, news: KeyPolicyStatementInputs): Promise<{ changes?: boolean; replaces: string[] }> {
    const key = await keyChange(olds, news, this.context);
    const replaces: string[] = [...key.replaces];
    const oldKey = key.oldKey;
    const statementKnown = !isUnknown(news.statement) && !isUnknown(news.sid);
    if (statementKnown && news.sid !== olds.sid) replaces.push("statement");
    const statementChanged = statementKnown && !samePolicy(statementDocument(olds.statement), statementDocument(news.statement), oldKey);
    if (statementChanged && replaces.length === 0) {
      await this.context.log(
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
      key.accessChanged;
    if (replaces.length > 0 || statementChanged || settingsChanged) return { changes: true, replaces };
    const undecided = !key.keyKnown || !key.accessKnown || !statementKnown || isUnknown(news.adopt);
    return undecided ? { replaces } : { changes: false, replaces };
  }

  async update(olds: KeyPolicyStatementOutputs, news: KeyPolicyStatementInputs): Promise<{ outs: KeyPolicyStatementOutputs }> {
    const keyArn = olds.keyArn;
    const access = this.context.accessFor(news);
    // A resource created before owner ids gets one at its next write.
    let ownerId = olds.ownerId;
    // adopt and the access live only in state: no call unless the statement itself changed.
    if (!samePolicy(statementDocument(olds.statement), statementDocument(news.statement), keyArn)) {
      const api = this.api(news, access, keyArn);
      await describeUsableKey(api, keyArn);
      // As at create: a key a whole-policy KeyPolicy took over since is refused (else the two
      // would undo each other on every `up`), and so is a Sid another owner claimed since.
      const tags = await this.keyTags(api, keyArn, news.sid);
      const claim = tags ? readStatementClaim(tags, news.sid) : undefined;
      if (!claimHeldBy(claim, olds.ownerId)) {
        throw new Error(
          `KeyPolicyStatement "${news.sid}" on key ${keyArn}: the Sid is now claimed by ${claimOwnerText(claim!)} (its tag ${statementTag(news.sid).key}; another resource adopted it, or created it after this one's create failed). Nothing was written. ` +
            "Fix: remove this resource from the stack without touching the statement (`pulumi state delete URN`), or give it another Sid; to take the statement back, replace it with a resource with adopt: true.",
        );
      }
      ownerId ??= newOwnerId();
      const claimed = await this.claim(api, keyArn, news.sid, ownerId);
      await this.writes.write(api, keyArn, {
        sid: news.sid,
        want: news.statement,
        owner: claimed ? ownerId : olds.ownerId,
        access: accessKey(access),
      });
    }
    return { outs: { ...news, keyArn, access, ...(ownerId ? { ownerId } : {}) } };
  }

  /**
   * Removes the statement and its claim, while the claim is this resource's; the rest of the
   * policy stays as it is (nothing "previous" is restored). A Sid another owner has claimed since
   * (adopt) is theirs: both stay, with a warning.
   */
  async delete(_id: string, props: KeyPolicyStatementOutputs): Promise<void> {
    const keyArn = props.keyArn;
    const api = this.api(props, recordedAccess(props, this.context), keyArn);
    const verdict = await describeAndJudgeKey(api, keyArn);
    if (verdict.status === "error") throw verdict.error;
    if (verdict.status === "gone") return;
    try {
      await this.writes.write(api, keyArn, {
        sid: props.sid,
        want: undefined,
        owner: props.ownerId,
        access: accessKey(recordedAccess(props, this.context)),
      });
    } catch (err) {
      if (!(err instanceof StatementWriteError) || err.claimedBy === undefined) throw err;
      await this.context.log(
        "warning",
        `KeyPolicyStatement "${props.sid}" on key ${keyArn}: deleted from the stack, but the statement was left in the key's policy: its claim now names ${err.claimedBy}, which owns it now.`,
      );
      return;
    }
    await this.unclaim(api, keyArn, props.sid, props.ownerId);
  }
}
