import { CreateGrantCommand, CreateKeyCommand, KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { spawn } from "child_process";
import { FaultProxy } from "../test/support/faultProxy";
import { Workspace } from "../test/support/workspace";
import { appPolicy } from "../test/e2e/program";
import { DUMMY_CREDENTIALS, MOTO_ACCOUNT_ID } from "../toolchain/moto";
import { median } from "./stats";

/**
 * `kms-policy drift` on 1, 100 and 1,000 key policies with 5 grants each, at concurrency 1 and the
 * default (8). The export is written in `pulumi stack export`'s shape from keys and grants made
 * directly on moto (a 6,000-resource `pulumi up` would measure Pulumi, not this command).
 */
export interface DriftResult {
  keys: number;
  resources: number;
  concurrency: number;
  ms: number;
  calls: number;
}

export async function benchDrift(workspace: Workspace, keyCounts: number[], repeats: number): Promise<DriftResult[]> {
  const kms = new KMSClient({ region: "us-east-1", endpoint: workspace.moto.endpoint, credentials: DUMMY_CREDENTIALS });
  const proxy = await new FaultProxy(workspace.moto.endpoint).start();
  const results: DriftResult[] = [];
  const policy = JSON.stringify(appPolicy(MOTO_ACCOUNT_ID));
  try {
    for (const count of keyCounts) {
      await workspace.moto.reset();
      const resources: unknown[] = [];
      for (let k = 0; k < count; k++) {
        const meta = (await kms.send(new CreateKeyCommand({}))).KeyMetadata;
        const keyArn = meta?.Arn as string;
        await kms.send(new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: "default", Policy: policy }));
        resources.push({
          urn: `urn:pulumi:bench::drift::pulumi-nodejs:dynamic/kms:KeyPolicy::policy-${k}`,
          type: "pulumi-nodejs:dynamic/kms:KeyPolicy",
          id: keyArn,
          outputs: { keyId: meta?.KeyId, keyArn, policy, policyName: "default" },
        });
        for (let g = 0; g < 5; g++) {
          const grantee = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/r${g}`;
          const grant = await kms.send(
            new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: grantee, Operations: ["Decrypt"], Name: `g${g}` }),
          );
          resources.push({
            urn: `urn:pulumi:bench::drift::pulumi-nodejs:dynamic/kms:Grant::grant-${k}-${g}`,
            type: "pulumi-nodejs:dynamic/kms:Grant",
            id: grant.GrantId,
            outputs: { keyArn, grantId: grant.GrantId, name: `g${g}`, granteePrincipal: grantee, operations: ["Decrypt"] },
          });
        }
      }
      const exported = JSON.stringify({ version: 3, deployment: { resources } });
      for (const concurrency of [1, 8]) {
        const times: number[] = [];
        let calls = 0;
        for (let r = 0; r < repeats; r++) {
          proxy.reset();
          const start = process.hrtime.bigint();
          // Asynchronous: the counting proxy runs in this process and must keep answering.
          const out = await run(
            `${workspace.dir}/node_modules/.bin/kms-policy`,
            ["drift", "-", "--concurrency", String(concurrency)],
            exported,
            workspace.env({ AWS_ENDPOINT_URL_KMS: proxy.endpoint }),
          );
          times.push(Number(process.hrtime.bigint() - start) / 1e6);
          if (out.status !== 0) throw new Error(`kms-policy drift exited ${out.status}: ${out.stdout.slice(0, 2000)}${out.stderr}`);
          calls = [...proxy.calls.values()].reduce((a, b) => a + b, 0);
        }
        results.push({ keys: count, resources: count * 6, concurrency, ms: Math.round(median(times)), calls });
      }
    }
  } finally {
    await proxy.stop();
  }
  return results;
}

function run(
  command: string,
  args: string[],
  input: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}
