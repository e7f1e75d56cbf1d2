import { CreateKeyCommand, KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { KeyApi } from "../provider/aws/keys";
import { checkKeyPolicyStatement, KeyPolicyStatementInputs } from "../provider/runtime/keyPolicyStatementCheck";
import { KeyPolicyStatementLifecycle } from "../provider/runtime/keyPolicyStatementLifecycle";
import { CountingKms } from "../test/support/countingKms";
import { InstantClock } from "../test/support/manualClock";
import { Workspace } from "../test/support/workspace";
import { SCENARIO_PROGRAM } from "../test/e2e/program";
import { DUMMY_CREDENTIALS, MOTO_ACCOUNT_ID, MotoServer } from "../toolchain/moto";
import { median, round, timeMs } from "./stats";
import { ProviderContext } from "../provider/runtime/context";

/**
 * KeyPolicyStatement: the KMS calls of one create, update, refresh and delete (counted on moto,
 * with a clock on which every wait is over at once and the jitter's draw fixed, so the count does
 * not depend on the machine), and the wall time of `pulumi up` creating and then updating 20
 * statements on one key, and `pulumi destroy` removing them, through the real CLI on moto.
 */
export interface StatementCallsRow {
  operation: string;
  /** Calls by KMS operation, e.g. `GetKeyPolicy`. */
  calls: Record<string, number>;
  total: number;
}

export interface StatementTimesRow {
  operation: string;
  statements: number;
  ms: number;
}

export interface StatementBenchResult {
  calls: StatementCallsRow[];
  times: StatementTimesRow[];
}

const policyOf = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` }, Action: "kms:*", Resource: "*" };
const allows = (sid: string, actions: string[]) => ({
  Sid: sid,
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${sid.toLowerCase()}` },
  Action: actions,
  Resource: "*",
});

async function countCalls(moto: MotoServer): Promise<StatementCallsRow[]> {
  const kms = new KMSClient({ region: "us-east-1", endpoint: moto.endpoint, credentials: DUMMY_CREDENTIALS });
  const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId as string;
  await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: policyOf(root) }));
  const counting = new CountingKms(kms);
  const clock = new InstantClock();
  const lifecycle = new KeyPolicyStatementLifecycle(
    () => new KeyApi(counting, { clock }),
    250,
    () => 0.5,
    new ProviderContext({ clock }),
  );
  const inputs = (statement: unknown): KeyPolicyStatementInputs => checkKeyPolicyStatement({ keyId, statement }).inputs;
  const rows: StatementCallsRow[] = [];
  const count = async (operation: string, run: () => Promise<unknown>) => {
    counting.reset();
    await run();
    const calls = Object.fromEntries([...counting.calls].sort(([a], [b]) => (a < b ? -1 : 1)));
    rows.push({ operation, calls, total: Object.values(calls).reduce((a, b) => a + b, 0) });
  };
  let created: Awaited<ReturnType<KeyPolicyStatementLifecycle["create"]>> | undefined;
  await count("create", async () => (created = await lifecycle.create(inputs(allows("App", ["kms:Decrypt"])))));
  if (!created) throw new Error("the create returned nothing");
  const { id, outs } = created;
  await count("refresh (no drift)", () => lifecycle.read(id, outs));
  const wider = inputs(allows("App", ["kms:Decrypt", "kms:Encrypt"]));
  let updated = outs;
  await count("update", async () => (updated = { ...(await lifecycle.update(outs, wider)).outs }));
  await count("delete", () => lifecycle.delete(id, updated));
  return rows;
}

async function timeUps(workspace: Workspace, statements: number, repeats: number): Promise<StatementTimesRow[]> {
  const kms = new KMSClient({ region: "us-east-1", endpoint: workspace.moto.endpoint, credentials: DUMMY_CREDENTIALS });
  const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId as string;
  await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: policyOf(root) }));
  const project = workspace.project("bench-statements", SCENARIO_PROGRAM);
  const scenario = (actions: string[]) =>
    JSON.stringify({
      keyPolicyStatements: Array.from({ length: statements }, (_, i) => ({
        name: `statement-${i}`,
        args: { keyId, statement: allows(`App${i}`, actions) },
      })),
    });
  await project.initStack("bench");
  const samples: Record<string, number[]> = {};
  const record = (operation: string, ms: number) => (samples[operation] ??= []).push(ms);
  for (let r = 0; r < repeats; r++) {
    project.writeFile("scenario.json", scenario(["kms:Decrypt"]));
    record("pulumi up (create)", await timeMs(() => project.ok(["up", "--yes", "--skip-preview"])));
    project.writeFile("scenario.json", scenario(["kms:Decrypt", "kms:Encrypt"]));
    record("pulumi up (update every statement)", await timeMs(() => project.ok(["up", "--yes", "--skip-preview"])));
    record("pulumi destroy", await timeMs(() => project.ok(["destroy", "--yes", "--skip-preview"])));
  }
  return Object.entries(samples).map(([operation, ms]) => ({ operation, statements, ms: round(median(ms)) }));
}

export async function benchStatements(moto: MotoServer, workspace: Workspace, repeats: number): Promise<StatementBenchResult> {
  const calls = await countCalls(moto);
  const times = await timeUps(workspace, 20, repeats);
  return { calls, times };
}
