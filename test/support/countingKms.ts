import { KMSClient } from "@aws-sdk/client-kms";

/** Wraps a real client; counts calls by operation (e.g. `ListGrants`) and keeps their inputs. */
export class CountingKms {
  readonly calls = new Map<string, number>();
  private readonly sent: Array<{ operation: string; input: Record<string, unknown> }> = [];
  constructor(private readonly inner: KMSClient) {}

  send: KMSClient["send"] = ((command: { constructor: { name: string }; input?: Record<string, unknown> }, ...rest: unknown[]) => {
    const operation = command.constructor.name.replace(/Command$/, "");
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    this.sent.push({ operation, input: { ...command.input } });
    return (this.inner.send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as KMSClient["send"];

  count(operation: string): number {
    return this.calls.get(operation) ?? 0;
  }

  /** The inputs of each call of `operation`, in order. */
  inputs(operation: string): Array<Record<string, unknown>> {
    return this.sent.filter((s) => s.operation === operation).map((s) => s.input);
  }

  reset(): void {
    this.calls.clear();
    this.sent.length = 0;
  }
}
