import { MotoServer, startMoto } from "../../toolchain/moto";

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
