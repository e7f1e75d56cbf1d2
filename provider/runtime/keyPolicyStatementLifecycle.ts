import { KeyApi, KeyFacts } from "../aws/keys";
import { isRefusal } from "../aws/errors";
import { Access } from "../aws/access";
import { KEY_POLICY_NAME } from "../aws/keyPolicyFacts";
import { describeAndJudgeKey, samePolicy } from "../verdict";
import { ProviderContext } from "./context";
import { ownStatementText, statementDocument, statementSids } from "../policy/statementMerge";
import { isUnknown } from "./check";
import { ResourceInitFailedError } from "./initFailure";
import { keyChange, recordedAccess } from "./keyIdentity";
import { readOwnership, statementTag } from "./keyOwnership";
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

  /** Refuses a key whose ownership tag says a whole-policy KeyPolicy manages it: that one would remove the statement. */
  private async refuseWholePolicyOwner(api: KeyApi, keyArn: string, sid: string): Promise<void> {
    let tags: Record<string, string>;
    try {
      tags = await api.listTags(keyArn);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      await this.context.log(
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

  /**
   * Tags the key with this statement's claim (keyOwnership.ts statementTag), so that a KeyPolicy
   * of another stack refuses the key rather than remove the statement. Best effort: a key without
   * the claim (no kms:TagResource, or no room left of KMS's 50 tags) still gets the statement, with
   * a warning. Returns whether the claim was written.
   */
  private async claim(api: KeyApi, keyArn: string, sid: string): Promise<boolean> {
    const { key, value } = statementTag(sid);
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

  /** Removes this statement's claim from the key's tags; a failure is a warning (the tag is then left over). */
  private async unclaim(api: KeyApi, keyArn: string, sid: string): Promise<void> {
    const { key } = statementTag(sid);
    try {
      await api.untag(keyArn, [key]);
    } catch (err) {
      await this.context.log(
        "warning",
        `KeyPolicyStatement "${sid}": ${(err as Error).message}\nIts tag ${key} is left on ${keyArn}: remove it by hand.`,
      );
    }
  }

  async create(inputs: KeyPolicyStatementInputs): Promise<{ id: string; outs: KeyPolicyStatementOutputs }> {
    const access = this.context.accessFor(inputs);
    const api = this.api(inputs, access);
    const key = await describeUsableKey(api, inputs.keyId);
    const outs: KeyPolicyStatementOutputs = { ...inputs, keyArn: key.arn, access };
    await this.refuseWholePolicyOwner(api, key.arn, inputs.sid);
    const adopted = (live: string) => {
      if (!inputs.adopt && statementSids(live).includes(inputs.sid)) {
        throw new Error(
          `KeyPolicyStatement: the policy of key ${key.arn} already has a statement with Sid "${inputs.sid}" (written by hand, or by another stack). Nothing was written. ` +
            "Fix: give this statement another Sid, or set adopt: true to take that statement over (this resource's delete then removes it).",
        );
      }
    };
    // Claimed before the put: a KeyPolicy created meanwhile by another stack sees the claim and refuses the key.
    const claimed = await this.claim(api, key.arn, inputs.sid);
    try {
      await this.writes.write(api, key.arn, { sid: inputs.sid, want: inputs.statement, before: adopted });
    } catch (err) {
      // Refused before any put (the Sid is taken, a lockout, KMS refused): the key is as it was, its tags too.
      if (!(err instanceof StatementWriteError) || !err.put) {
        if (claimed) await this.unclaim(api, key.arn, inputs.sid);
        throw err;
      }
      // Put, then failed (undone by another writer every time, or a read failed): the statement
      // may be in the key, so the stack keeps the resource, with no statement recorded: the next
      // `pulumi up` puts it for certain, `pulumi destroy` removes it.
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
    const key = await refreshedKey(api, keyArn, `KeyPolicyStatement "${props.sid}"`, this.context);
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
    // adopt and the access live only in state: no call unless the statement itself changed.
    if (!samePolicy(statementDocument(olds.statement), statementDocument(news.statement), keyArn)) {
      const api = this.api(news, access, keyArn);
      await describeUsableKey(api, keyArn);
      await this.writes.write(api, keyArn, { sid: news.sid, want: news.statement });
    }
    return { outs: { ...news, keyArn, access } };
  }

  /** Removes the statement; the rest of the policy stays as it is (nothing "previous" is restored). */
  async delete(_id: string, props: KeyPolicyStatementOutputs): Promise<void> {
    const keyArn = props.keyArn;
    const api = this.api(props, recordedAccess(props, this.context), keyArn);
    const verdict = await describeAndJudgeKey(api, keyArn);
    if (verdict.status === "error") throw verdict.error;
    if (verdict.status === "gone") return;
    await this.writes.write(api, keyArn, { sid: props.sid, want: undefined });
    await this.unclaim(api, keyArn, props.sid);
  }
}
