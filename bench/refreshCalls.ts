import { CreateGrantCommand, KMSClient, ListGrantsCommand } from "@aws-sdk/client-kms";
import { GrantApi } from "../provider/aws/grants";
import { KeyApi } from "../provider/aws/keys";
import { GrantLifecycle, GrantOutputs } from "../provider/runtime/grantLifecycle";
import { FaultProxy } from "../test/support/faultProxy";
import { createKey } from "../test/support/kms";
import { DUMMY_CREDENTIALS, MotoServer } from "../toolchain/moto";

/**
 * ListGrants calls to refresh K keys x G grants: this provider (concurrent reads of one key share
 * one paginated listing) next to Terraform's aws_kms_grant read (every grant pages through all of
 * its key's grants until it finds itself), simulated with the same SDK against the same moto and
 * counted by the proxy. moto never pages, so the real-KMS column adds what pages of 100 cost.
 */
export interface RefreshCallsResult {
  keys: number;
  grantsPerKey: number;
  oursCalls: number;
  terraformCalls: number;
  oursCallsRealKms: number;
  terraformCallsRealKms: number;
}

const pages = (n: number) => Math.max(1, Math.ceil(n / 100));

export async function benchRefreshCalls(moto: MotoServer, shapes: Array<[number, number]>): Promise<RefreshCallsResult[]> {
  const proxy = await new FaultProxy(moto.endpoint).start();
  const kms = new KMSClient({ region: "us-east-1", endpoint: proxy.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 8 });
  const results: RefreshCallsResult[] = [];
  try {
    for (const [keyCount, grantsPerKey] of shapes) {
      await moto.reset();
      const grants: GrantOutputs[] = [];
      for (let k = 0; k < keyCount; k++) {
        const key = await createKey(kms);
        for (let g = 0; g < grantsPerKey; g++) {
          const out = await kms.send(
            new CreateGrantCommand({
              KeyId: key.keyId,
              GranteePrincipal: `arn:aws:iam::123456789012:role/r${g}`,
              Operations: ["Decrypt"],
              Name: `g${g}`,
            }),
          );
          grants.push({
            keyId: key.keyId,
            keyArn: key.arn,
            grantId: out.GrantId as string,
            grantToken: "",
            name: `g${g}`,
            granteePrincipal: `arn:aws:iam::123456789012:role/r${g}`,
            operations: ["Decrypt"],
            retireOnDelete: false,
            createdAt: "2000-01-01T00:00:00Z",
          });
        }
      }
      const lifecycle = new GrantLifecycle({ grants: () => new GrantApi(kms), keys: () => new KeyApi(kms) });
      proxy.reset();
      // Pulumi refreshes resources concurrently (up to --parallel at once, default 16)
      for (let i = 0; i < grants.length; i += 16) await Promise.all(grants.slice(i, i + 16).map((g) => lifecycle.read(g.grantId, g)));
      const ours = proxy.count("ListGrants");
      proxy.reset();
      for (const g of grants) {
        // Terraform: list the key's grants page by page until this grant shows up.
        let marker: string | undefined;
        do {
          const page = await kms.send(new ListGrantsCommand({ KeyId: g.keyArn, Marker: marker, Limit: 100 }));
          if (page.Grants?.some((x) => x.GrantId === g.grantId)) break;
          marker = page.Truncated ? page.NextMarker : undefined;
        } while (marker);
      }
      const terraform = proxy.count("ListGrants");
      results.push({
        keys: keyCount,
        grantsPerKey,
        oursCalls: ours,
        terraformCalls: terraform,
        // Ours: one listing per key per batch of 16 concurrent reads, each of pages(G) calls.
        oursCallsRealKms: ours * pages(grantsPerKey),
        // Terraform: a grant at position i of its key needs floor(i/100)+1 pages; summed over the key.
        terraformCallsRealKms:
          keyCount * Array.from({ length: grantsPerKey }, (_, i) => Math.floor(i / 100) + 1).reduce((a, b) => a + b, 0),
      });
    }
  } finally {
    await proxy.stop();
  }
  return results;
}
