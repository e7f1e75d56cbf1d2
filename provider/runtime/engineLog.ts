/**
 * Messages from the provider to the person running pulumi. The dynamic-provider host drops
 * `detailedDiff`, so a policy diff is sent to the engine's Log service, which prints it with the
 * preview as one block, at the right severity.
 *
 * The Log client is built from the program's own `@pulumi/pulumi` (its generated engine protocol)
 * and the `@grpc/grpc-js` that SDK depends on, resolved from the SDK's own directory: this package
 * declares neither, and must not load a second copy of either. Those modules are not part of the
 * SDK's public API, so anything missing or failing falls back to stderr, which the CLI shows too,
 * as plain output. `test/e2e/compat.e2e.test.ts` checks, at both ends of the supported SDK range,
 * that a drift warning reaches the preview with the warning severity only the Log service gives.
 */
import * as path from "path";

export type LogSeverity = "info" | "warning";

interface EngineClient {
  log(request: unknown, callback: (err: unknown) => void): void;
}

interface EngineProto {
  LogRequest: new () => { setSeverity(s: number): void; setMessage(m: string): void };
  LogSeverity: Record<string, number>;
}

interface EngineConnection {
  client: EngineClient;
  proto: EngineProto;
}

/** The engine's address is the first argument every plugin is started with. */
function engineAddress(): string | undefined {
  const address = process.argv[2];
  return address && /^[\w.-]+:\d+$/.test(address) ? address : undefined;
}

function connect(): EngineConnection | null {
  const address = engineAddress();
  if (!address) return null;
  try {
    const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const fromSdk = (id: string) => require(require.resolve(id, { paths: [sdkDir] })) as unknown;
    const grpc = fromSdk("@grpc/grpc-js") as { credentials: { createInsecure(): unknown } };
    const rpc = fromSdk("@pulumi/pulumi/proto/engine_grpc_pb") as { EngineClient: new (a: string, c: unknown) => EngineClient };
    const proto = fromSdk("@pulumi/pulumi/proto/engine_pb") as EngineProto;
    return { client: new rpc.EngineClient(address, grpc.credentials.createInsecure()), proto };
  } catch {
    return null;
  }
}

/**
 * One provider's channel to the person running pulumi: the engine's Log service when the plugin
 * was started by the engine, else stderr. Each provider context owns one (runtime/context.ts).
 */
export class EngineLog {
  private connection: EngineConnection | null | undefined;
  /** The engine asks the provider for the same diff more than once in one run; say it once. */
  private readonly said = new Set<string>();

  /** Shows `message` to the person running pulumi (under the preview's Diagnostics), once per EngineLog. */
  async say(severity: LogSeverity, message: string): Promise<void> {
    if (this.said.has(message)) return;
    this.said.add(message);
    if (this.connection === undefined) this.connection = connect();
    if (this.connection && (await sendToEngine(this.connection, severity, message))) return;
    process.stderr.write(`${message}\n`);
  }
}

async function sendToEngine({ client, proto }: EngineConnection, severity: LogSeverity, message: string): Promise<boolean> {
  try {
    const request = new proto.LogRequest();
    request.setSeverity(severity === "warning" ? proto.LogSeverity.WARNING : proto.LogSeverity.INFO);
    request.setMessage(message);
    return await new Promise<boolean>((resolve) => client.log(request, (err) => resolve(!err)));
  } catch {
    return false;
  }
}
