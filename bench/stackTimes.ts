import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { spawnSync } from "child_process";
import { Project, Workspace } from "../test/support/workspace";
import { SCENARIO_PROGRAM, appPolicy } from "../test/e2e/program";
import { DUMMY_CREDENTIALS, MOTO_ACCOUNT_ID } from "../toolchain/moto";
import { PeakRss, peakRssDuring } from "./peakRss";
import { median, round, timeMs } from "./stats";

/**
 * Wall time of `pulumi up`, `pulumi preview --refresh` and `pulumi destroy` for 20 KeyPolicies and
 * 200 Grants on moto, next to the same number of do-nothing dynamic resources (Pulumi's own floor),
 * and `kms-policy drift` on the same stack's export. Once the timings are done, one more untimed
 * `pulumi preview --refresh` of each stack measures the dynamic provider process's peak RSS (the
 * sampling would otherwise weigh on the times).
 */
export interface StackTimesResult {
  operation: string;
  oursMs: number;
  floorMs: number;
  ratio: number;
}

const FLOOR_PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const provider = { async create(inputs) { return { id: inputs.n, outs: inputs }; }, async read(id, props) { return { id, props }; } };
for (let i = 0; i < Number(process.env.FLOOR_RESOURCES); i++) new pulumi.dynamic.Resource(provider, "noop-" + i, { n: String(i) });
`;

/**
 * The dynamic provider: `node <...>/@pulumi/pulumi/cmd/dynamic-provider/index.js`, started by the
 * plugin's shell script, which first runs a short `node -e` that only resolves that path (not it).
 */
const isDynamicProvider = (argv: string[]) => argv.length > 1 && !argv[1].startsWith("-") && argv[1].includes("cmd/dynamic-provider");

export interface StackPeakRss {
  ours: PeakRss;
  floor: PeakRss;
}

export async function benchStackTimes(
  workspace: Workspace,
  repeats: number,
): Promise<{ rows: StackTimesResult[]; driftMs: number; previewRefreshMs: number; peakRss: StackPeakRss }> {
  const kms = new KMSClient({ region: "us-east-1", endpoint: workspace.moto.endpoint, credentials: DUMMY_CREDENTIALS });
  const keys: string[] = [];
  for (let k = 0; k < 20; k++) keys.push((await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId as string);
  const ours = workspace.project("bench-stack", SCENARIO_PROGRAM);
  ours.writeFile(
    "scenario.json",
    JSON.stringify({
      keyPolicies: keys.map((keyId, i) => ({ name: `policy-${i}`, args: { keyId, policy: appPolicy(MOTO_ACCOUNT_ID) } })),
      grants: keys.flatMap((keyId, k) =>
        Array.from({ length: 10 }, (_, g) => ({
          name: `grant-${k}-${g}`,
          args: { keyId, granteePrincipal: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/r${g}`, operations: ["Decrypt"] },
        })),
      ),
    }),
  );
  const floor = workspace.project("bench-floor", FLOOR_PROGRAM);
  await ours.initStack("bench");
  await floor.initStack("bench");
  const env = { FLOOR_RESOURCES: "220" };
  const samples: Record<string, { ours: number[]; floor: number[] }> = {};
  const record = (op: string, which: "ours" | "floor", ms: number) => {
    samples[op] ??= { ours: [], floor: [] };
    samples[op][which].push(ms);
  };
  const drift: number[] = [];
  const peakRss: Partial<StackPeakRss> = {};
  for (let r = 0; r < repeats; r++) {
    for (const [which, project] of [
      ["ours", ours],
      ["floor", floor],
    ] as Array<["ours" | "floor", Project]>) {
      record("pulumi up", which, await timeMs(() => project.ok(["up", "--yes", "--skip-preview"], env)));
      record("pulumi preview --refresh", which, await timeMs(() => project.ok(["preview", "--refresh", "--expect-no-changes"], env)));
      if (which === "ours") {
        const exported = (await project.ok(["stack", "export"])).stdout;
        const bin = `${workspace.dir}/node_modules/.bin/kms-policy`;
        drift.push(
          await timeMs(async () => {
            const result = spawnSync(bin, ["drift", "-"], { input: exported, env: workspace.env(), encoding: "utf8" });
            if (result.status !== 0) throw new Error(`kms-policy drift exited ${result.status}: ${result.stdout}${result.stderr}`);
          }),
        );
      }
      if (r === repeats - 1)
        peakRss[which] = await peakRssDuring("dynamic provider", isDynamicProvider, () =>
          project.ok(["preview", "--refresh", "--expect-no-changes"], env),
        );
      record("pulumi destroy", which, await timeMs(() => project.ok(["destroy", "--yes", "--skip-preview"], env)));
    }
  }
  const rows = Object.entries(samples).map(([operation, s]) => ({
    operation,
    oursMs: Math.round(median(s.ours)),
    floorMs: Math.round(median(s.floor)),
    ratio: round(median(s.ours) / median(s.floor), 2),
  }));
  return {
    rows,
    driftMs: Math.round(median(drift)),
    previewRefreshMs: rows.find((r) => r.operation === "pulumi preview --refresh")?.oursMs ?? 0,
    peakRss: peakRss as StackPeakRss,
  };
}
