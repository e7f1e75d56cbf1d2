/**
 * Messages from the provider to the person running pulumi. The dynamic-provider host drops
 * `detailedDiff`, so a policy diff is sent to the engine's Log service, which prints it with the
 * preview; a multi-line message stays one block. The engine's address is the first argument every
 * plugin is started with. If that is not available, stderr (which the engine also shows) is used.
 */

type Severity = "info" | "warning";

interface EngineClient {
  log(request: unknown, callback: (err: unknown) => void): void;
}

let client: EngineClient | undefined | null;

function engineClient(): EngineClient | undefined {
  if (client !== undefined) return client ?? undefined;
  client = null;
  const address = process.argv[2];
  if (!address || !/^[\w.-]+:\d+$/.test(address)) return undefined;
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
    const rpc = require("@pulumi/pulumi/proto/engine_grpc_pb") as { EngineClient: new (a: string, c: unknown) => EngineClient };
    client = new rpc.EngineClient(address, grpc.credentials.createInsecure());
  } catch {
    client = null;
  }
  return client ?? undefined;
}

/** The engine asks the provider for the same diff more than once in one run; say it once. */
const said = new Set<string>();

export async function engineLog(severity: Severity, message: string): Promise<void> {
  if (said.has(message)) return;
  said.add(message);
  const engine = engineClient();
  if (engine) {
    try {
      const proto = require("@pulumi/pulumi/proto/engine_pb") as {
        LogRequest: new () => { setSeverity(s: number): void; setMessage(m: string): void };
        LogSeverity: Record<string, number>;
      };
      const request = new proto.LogRequest();
      request.setSeverity(severity === "warning" ? proto.LogSeverity.WARNING : proto.LogSeverity.INFO);
      request.setMessage(message);
      const sent = await new Promise<boolean>((resolve) => engine.log(request, (err) => resolve(!err)));
      if (sent) return;
    } catch {
      // fall through to stderr
    }
  }
  process.stderr.write(`${message}\n`);
}
