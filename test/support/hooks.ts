import { MotoServer, startMoto } from "../../toolchain/moto";

// The coverage report (c8) measures the code this process runs. V8 took the setting at start-up;
// removing it here keeps every child (npm, pulumi and the providers it starts) from writing
// coverage files of its own, which would be large and measure installed copies, not the sources.
delete process.env.NODE_V8_COVERAGE;

/** One moto server for a whole mocha run (integration and e2e layers), stopped at the end. */
let server: MotoServer | undefined;

export async function moto(): Promise<MotoServer> {
  if (!server) server = await startMoto();
  return server;
}

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await server?.stop();
    server = undefined;
  },
};
