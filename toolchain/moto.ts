/**
 * Starts moto's KMS server (installed by scripts/toolchain.sh) on 127.0.0.1 on a free port, and
 * stops it again. Tests, the demo and the benchmarks all go through here so that no process is
 * left behind and nothing ever talks to a real AWS endpoint.
 */
import { ChildProcess, spawn } from "child_process";
import * as http from "http";
import * as net from "net";

export interface MotoServer {
  /** e.g. http://127.0.0.1:41234 */
  readonly endpoint: string;
  /** Environment for an AWS SDK client (or a Pulumi process) that must talk only to this server. */
  readonly awsEnv: Record<string, string>;
  /** Forgets every key and grant (moto's POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export const MOTO_ACCOUNT_ID = "123456789012";
export const MOTO_REGION = "us-east-1";

export function motoBinary(): string {
  const bin = process.env.PULUMI_KMS_POLICY_MOTO_SERVER;
  if (!bin) {
    throw new Error(
      "PULUMI_KMS_POLICY_MOTO_SERVER is not set: run the tests through `npm test` (scripts/test.sh), " +
        "which installs moto's server and exports its path",
    );
  }
  return bin;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function request(url: string, method = "GET"): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, timeout: 2000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited with code ${child.exitCode} before answering`);
    }
    try {
      if ((await request(`${endpoint}/moto-api/`)) === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - start > deadlineMs) throw new Error(`moto_server did not answer on ${endpoint} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startMoto(options: { port?: number } = {}): Promise<MotoServer> {
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(motoBinary(), ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "false" },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  running.add(child);
  try {
    await waitUntilAnswering(endpoint, child, 30_000);
  } catch (err) {
    child.kill("SIGKILL");
    running.delete(child);
    throw new Error(`${(err as Error).message}\n${stderr}`, { cause: err });
  }
  return {
    endpoint,
    awsEnv: motoAwsEnv(endpoint),
    async reset() {
      const status = await request(`${endpoint}/moto-api/reset`, "POST");
      if (status !== 200) throw new Error(`moto reset answered HTTP ${status}`);
    },
    stop: () => stopChild(child),
  };
}

/** Dummy credentials and an endpoint override: the SDK can reach nothing but the local server. */
/** Dummy credentials moto accepts; distinctive, so tests can prove they never reach the state. */
export const DUMMY_CREDENTIALS = {
  accessKeyId: "AKIAMOTODUMMY0000001",
  secretAccessKey: "moto-dummy-secret-key-never-valid-anywhere",
  sessionToken: "moto-dummy-session-token",
};

export function motoAwsEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: DUMMY_CREDENTIALS.sessionToken,
    AWS_REGION: MOTO_REGION,
    AWS_ENDPOINT_URL_KMS: endpoint,
    AWS_ENDPOINT_URL_STS: endpoint,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
