import { KMSClient } from "@aws-sdk/client-kms";

/** Wraps a real client and counts calls by operation (e.g. `ListGrants`). */
export class CountingKms {
  readonly calls = new Map<string, number>();
  constructor(private readonly inner: KMSClient) {}

  send: KMSClient["send"] = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
    const operation = command.constructor.name.replace(/Command$/, "");
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    return (this.inner.send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as KMSClient["send"];

  count(operation: string): number {
    return this.calls.get(operation) ?? 0;
  }

  reset(): void {
    this.calls.clear();
  }
}
