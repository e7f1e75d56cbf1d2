import { expect } from "chai";
import * as grpc from "@grpc/grpc-js";
import { EngineLog, LogSeverity } from "../../../provider/runtime/engineLog";
import { captureStderr } from "../../support/stderr";

/**
 * EngineLog's two paths: the engine's Log RPC (built from the SDK's own protocol modules and gRPC),
 * and stderr when there is no engine to talk to. Each test makes its own EngineLog, since one
 * connects once (to the engine its process was started with) and says each message once.
 */
function freshEngineLog(): { engineLog(severity: LogSeverity, message: string): Promise<void> } {
  const log = new EngineLog();
  return { engineLog: (severity, message) => log.say(severity, message) };
}

describe("EngineLog", () => {
  const argv = process.argv;
  afterEach(() => {
    process.argv = argv;
  });

  it("sends a multi-line message to the engine's Log service as one warning", async () => {
    const rpc = require("@pulumi/pulumi/proto/engine_grpc_pb") as { EngineService: grpc.ServiceDefinition };
    const proto = require("@pulumi/pulumi/proto/engine_pb") as { LogSeverity: Record<string, number> };
    const received: Array<{ severity: number; message: string }> = [];
    const server = new grpc.Server();
    server.addService(rpc.EngineService, {
      log(call: { request: { getSeverity(): number; getMessage(): string } }, callback: (err: null, reply: unknown) => void) {
        received.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
        const empty = require("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };
        callback(null, new empty.Empty());
      },
    } as unknown as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    try {
      process.argv = [argv[0], argv[1], `127.0.0.1:${port}`];
      const { engineLog } = freshEngineLog();
      const { written } = await captureStderr(async () => {
        await engineLog("warning", "policy differs:\n  + statement X");
        await engineLog("warning", "policy differs:\n  + statement X");
      });
      expect(received).to.deep.equal([{ severity: proto.LogSeverity.WARNING, message: "policy differs:\n  + statement X" }]);
      expect(written).to.equal("");
    } finally {
      server.forceShutdown();
    }
  });

  it("writes to stderr when no engine address was given, once per message", async () => {
    process.argv = [argv[0], argv[1]];
    const { engineLog } = freshEngineLog();
    const { written } = await captureStderr(async () => {
      await engineLog("info", "KeyPolicy: a note");
      await engineLog("info", "KeyPolicy: a note");
    });
    expect(written).to.equal("KeyPolicy: a note\n");
  });

  it("falls back to stderr when the engine does not answer", async () => {
    process.argv = [argv[0], argv[1], "127.0.0.1:9"];
    const { engineLog } = freshEngineLog();
    const { written } = await captureStderr(() => engineLog("warning", "nobody listens"));
    expect(written).to.equal("nobody listens\n");
  });
});
