/**
 * `npm run demo`: the example stack (Pulumi.yaml, examples/demo) applied to a local KMS (moto),
 * then a drift check, a console-style change and its detection, the repair, and destroy.
 * Everything runs on this machine: moto on 127.0.0.1, a file backend under .demo/.
 */
import { GetKeyPolicyCommand, KMSClient, ListGrantsCommand, PutKeyPolicyCommand, RevokeGrantCommand } from "@aws-sdk/client-kms";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DUMMY_CREDENTIALS, MotoServer, startMoto } from "./moto";

const root = path.resolve(__dirname, "..", "..");
const stateDir = path.join(root, ".demo");

function heading(text: string): void {
  console.log(`\n\u001b[1m=== ${text}\u001b[0m`);
}

/**
 * `expect`: "ok" (exit 0) or "drift" (exit 7, the CLI's code for changes found under
 * --expect-no-changes; any other failure is a broken run, never drift).
 */
function pulumi(moto: MotoServer, args: string[], expect: "ok" | "drift" = "ok"): string {
  console.log(`$ pulumi ${args.join(" ")}`);
  const result = spawnSync(process.execPath, [path.join(__dirname, "pulumi-node.js"), ...args, "--non-interactive"], {
    cwd: root,
    encoding: "utf8",
    env: {
      ...process.env,
      ...moto.awsEnv,
      PULUMI_BACKEND_URL: `file://${path.join(stateDir, "state")}`,
      PULUMI_HOME: path.join(stateDir, "home"),
      PULUMI_CONFIG_PASSPHRASE: "demo-only-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  });
  const output = `${result.stdout}${result.stderr}`;
  process.stdout.write(output);
  const expected = expect === "ok" ? 0 : 7;
  if (result.status !== expected) throw new Error(`pulumi ${args[0]} exited ${result.status}, expected ${expected} (${expect})`);
  return output;
}

async function main(): Promise<void> {
  fs.rmSync(path.join(stateDir, "state"), { recursive: true, force: true });
  fs.mkdirSync(path.join(stateDir, "state"), { recursive: true });
  heading("Starting moto's KMS server on 127.0.0.1");
  const moto = await startMoto();
  console.log(`moto listening at ${moto.endpoint}`);
  const kms = new KMSClient({ region: moto.awsEnv.AWS_REGION, endpoint: moto.endpoint, credentials: DUMMY_CREDENTIALS });
  try {
    pulumi(moto, ["stack", "init", "demo"]);
    pulumi(moto, ["config", "set", "aws:region", moto.awsEnv.AWS_REGION]);
    // Out-of-band changes in this demo happen seconds after `up`; KMS's listing delay does not apply to moto.
    pulumi(moto, ["config", "set", "kms-policy:grantListingDelaySeconds", "0"]);

    heading("pulumi up: create a key, put its key policy, add two grants");
    pulumi(moto, ["up", "--yes"]);
    const keyId = JSON.parse(pulumi(moto, ["stack", "output", "keyId", "--json"]).trim()) as string;
    const grants = (await kms.send(new ListGrantsCommand({ KeyId: keyId }))).Grants ?? [];
    console.log(`Grants on ${keyId}, as ListGrants shows them:`);
    for (const g of grants) console.log(`  ${g.GrantId}  ${g.Name}  ${g.GranteePrincipal}  ${(g.Operations ?? []).join(",")}`);

    heading("Drift check: live KMS matches the program");
    pulumi(moto, ["preview", "--refresh", "--expect-no-changes"]);

    heading("Someone re-saves the same policy in the console: reformatted, reordered, account id for the root ARN");
    const live = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }))).Policy as string) as {
      Statement: Array<Record<string, unknown>>;
    };
    const keyArn = JSON.parse(pulumi(moto, ["stack", "output", "keyArn", "--json"]).trim()) as string;
    const account = keyArn.split(":")[4];
    const resaved = { Statement: [...live.Statement].reverse(), Version: "2012-10-17" };
    for (const s of resaved.Statement) if (s.Sid === "AccountAdministers") s.Principal = { AWS: account };
    await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: JSON.stringify(resaved, null, 4) }));
    pulumi(moto, ["preview", "--refresh", "--expect-no-changes"]);
    console.log("=> same meaning, so no drift (Terraform's aws_kms_key_policy would show a diff here).");

    heading("Someone adds a statement in the console and revokes a grant");
    resaved.Statement.push({
      Sid: "Contractor",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::999999999999:root" },
      Action: ["kms:Decrypt"],
      Resource: "*",
    });
    await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: JSON.stringify(resaved) }));
    const reader = grants.find((g) => g.Name?.endsWith("demo-reader"));
    if (reader?.GrantId) await kms.send(new RevokeGrantCommand({ KeyId: keyId, GrantId: reader.GrantId }));
    pulumi(moto, ["preview", "--refresh", "--expect-no-changes"], "drift");
    console.log("=> drift detected, explained statement by statement (the CI gate exits 7 here: drift, not a broken run).");

    heading("pulumi up --refresh: repair the drift");
    pulumi(moto, ["up", "--refresh", "--yes"]);
    pulumi(moto, ["preview", "--refresh", "--expect-no-changes"]);

    heading("pulumi destroy: revoke the grants, restore the key's previous policy, schedule the key for deletion");
    pulumi(moto, ["destroy", "--yes"]);
    const left = (await kms.send(new ListGrantsCommand({ KeyId: keyId }))).Grants ?? [];
    console.log(`Grants left on the key: ${left.length}`);
    pulumi(moto, ["stack", "rm", "--yes", "demo"]);
    heading("Demo finished");
  } finally {
    await moto.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
