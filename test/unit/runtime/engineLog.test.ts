import { expect } from "chai";
import * as grpc from "@grpc/grpc-js";
import { captureStderr } from "../../support/stderr";

/**
 * engineLog's two paths: the engine's Log RPC (built from the SDK's own protocol modules and gRPC),
 * and stderr when there is no engine to talk to. Each test loads a fresh copy of the module, since
 * it connects once per process.
 */
const MODULE = require.resolve("../../../provider/runtime/engineLog");

function freshEngineLog(): typeof import("../../../provider/runtime/engineLog") {
  delete require.cache[MODULE];
  return require(MODULE) as typeof import("../../../provider/runtime/engineLog");
}

describe("engineLog", () => {
  const argv = process.argv;
  afterEach(() => {
    process.argv = argv;
    delete require.cache[MODULE];
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
