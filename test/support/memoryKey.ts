/**
 * One KMS key in memory, answering the calls KeyPolicy's lifecycle makes (KeyApi's commands), for
 * unit tests of the lifecycle's decisions. KMS behaviour itself is tested in the KMS-faithful
 * mode (test/support/kmsFaithful.ts), never here.
 */
export class MemoryKey {
  readonly tags = new Map<string, string>();
  readonly puts: string[] = [];
  /** Answers the next GetKeyPolicy calls give instead of the policy (a host that has not seen a put yet). */
  readonly staleReads: string[] = [];
  /** Errors the next calls of an operation throw, e.g. `failNext.TagResource = [err]`. */
  readonly failNext: Record<string, Error[]> = {};
  /** Every operation called, in order. */
  readonly calls: string[] = [];
  /** While set, GetKeyPolicy never answers: a process killed while it waits for its read-back. */
  hangReads = false;
  /** Sets hangReads at the next PutKeyPolicy: the process is killed during the read-back of its put. */
  hangReadsAfterPut = false;

  constructor(
    readonly arn: string,
    public policy: string,
  ) {}

  async send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const input = command.input;
    const operation = command.constructor.name.replace(/Command$/, "");
    this.calls.push(operation);
    const fault = this.failNext[operation]?.shift();
    if (fault) throw fault;
    switch (operation) {
      case "DescribeKey":
        return { KeyMetadata: { Arn: this.arn, KeyId: this.arn.split("/").pop(), KeyState: "Enabled", AWSAccountId: "111122223333" } };
      case "ListKeyPolicies":
        return { PolicyNames: ["default"] };
      case "GetKeyPolicy":
        if (this.hangReads) return new Promise(() => undefined);
        return { Policy: this.staleReads.shift() ?? this.policy };
      case "PutKeyPolicy":
        this.policy = String(input.Policy);
        this.puts.push(this.policy);
        if (this.hangReadsAfterPut) this.hangReads = true;
        return {};
      case "ListResourceTags":
        return { Tags: [...this.tags].map(([TagKey, TagValue]) => ({ TagKey, TagValue })), Truncated: false };
      case "TagResource":
        for (const t of input.Tags as Array<{ TagKey: string; TagValue: string }>) this.tags.set(t.TagKey, t.TagValue);
        return {};
      case "UntagResource":
        for (const k of input.TagKeys as string[]) this.tags.delete(k);
        return {};
      default:
        throw new Error(`unexpected ${operation}`);
    }
  }
}

/** A KMS refusal as the SDK throws it (one attempt, HTTP 400), or a transient fault after its retries. */
export function kmsError(name: string, message: string, attempts = 1, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, attempts } });
}
