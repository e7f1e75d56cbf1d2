import { GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { policiesEquivalent } from "../../provider/policy";
import { moto } from "../support/hooks";
import { createKey, testKms } from "../support/kms";
import { KMS_MODES, Project, Workspace, resourcesOfType } from "../support/workspace";
import { MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { SCENARIO_PROGRAM, Scenario, appPolicy } from "./program";
import { KEY_POLICY_TYPE } from "../../provider/resourceTypes";

// On moto as it is, and through the proxy's KMS-faithful mode (GetKeyPolicy re-serialized, stale
// for a while after PutKeyPolicy), where only the meaning of a policy read back is promised.
for (const mode of KMS_MODES)
  describe(`e2e: KeyPolicy with the pulumi CLI on ${mode.name}`, function () {
    this.timeout(300_000);
    let workspace: Workspace;
    let kms: KMSClient;
    let project: Project;
    let key: { keyId: string; arn: string };
    let originalPolicy: string;

    // moto returns a policy as it was put; KMS re-serializes it, so there only its meaning is the same.
    const expectSamePolicy = (actual: unknown, expected: string) =>
      mode.faithful
        ? expect(policiesEquivalent(String(actual), expected), String(actual)).to.equal(true)
        : expect(actual).to.equal(expected);
    const setScenario = (s: Scenario) => project.writeFile("scenario.json", JSON.stringify(s, null, 2));
    const livePolicy = async () => (await kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default" }))).Policy as string;
    const putLive = (policy: unknown) =>
      kms.send(
        new PutKeyPolicyCommand({
          KeyId: key.keyId,
          PolicyName: "default",
          Policy: typeof policy === "string" ? policy : JSON.stringify(policy),
        }),
      );

    before(async () => {
      const server = await moto();
      workspace = await Workspace.create(server, { faithful: mode.faithful });
      kms = testKms(server);
      key = await createKey(kms, "e2e key policy");
      originalPolicy = await livePolicy();
      project = workspace.project("keypolicy", SCENARIO_PROGRAM);
      setScenario({ keyPolicies: [{ name: "app-key-policy", args: { keyId: key.keyId, policy: appPolicy(MOTO_ACCOUNT_ID) } }] });
      await project.initStack();
    });

    after(() => workspace?.remove());

    it("pulumi up puts the policy and records the key's previous policy", async () => {
      const up = await project.ok(["up", "--yes"]);
      expect(up.output).to.match(/\+ 2 created/);
      expect(policiesEquivalent(await livePolicy(), appPolicy(MOTO_ACCOUNT_ID))).to.equal(true);
      const [resource] = resourcesOfType(await project.exportStack(), KEY_POLICY_TYPE);
      expectSamePolicy(resource.outputs?.previousPolicy, originalPolicy);
      expect(resource.outputs?.keyArn).to.equal(key.arn);
    });

    it("keeps __provider in state under 1 KB: a require of the installed package, not inlined code", async () => {
      const [resource] = resourcesOfType(await project.exportStack(), KEY_POLICY_TYPE);
      const provider = String(resource.inputs?.__provider);
      console.log(`      __provider: ${provider.length} bytes per resource`);
      expect(provider.length).to.be.lessThan(1024);
      expect(provider).to.contain("pulumi-kms-policy/runtime/key-policy");
    });

    it("an out-of-band reformatted and reordered policy is no change for preview --refresh --expect-no-changes", async () => {
      const policy = appPolicy(MOTO_ACCOUNT_ID) as { Statement: Array<Record<string, unknown>> };
      const statements: Array<Record<string, unknown>> = [...policy.Statement].reverse().map((s) => ({ ...s }));
      statements[1].Principal = { AWS: MOTO_ACCOUNT_ID }; // the Root statement, with the account id for the root ARN
      const reordered = { Statement: statements, Version: "2012-10-17" };
      await putLive(JSON.stringify(reordered, null, 7));
      const preview = await project.pulumi(["preview", "--refresh", "--expect-no-changes"]);
      expect(preview.code, preview.output).to.equal(0);
      const refresh = await project.pulumi(["refresh", "--preview-only", "--expect-no-changes"]);
      expect(refresh.code, refresh.output).to.equal(0);
    });

    it("an out-of-band added statement is drift (the gate exits 7), explained statement by statement", async () => {
      await putLive(
        appPolicy(MOTO_ACCOUNT_ID, [
          { Sid: "Intruder", Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "kms:Decrypt", Resource: "*" },
        ]),
      );
      const preview = await project.pulumi(["preview", "--refresh", "--expect-no-changes"]);
      // 7: changes proposed under --expect-no-changes, which a CI job tells from a failed run.
      expect(preview.code, preview.output).to.equal(7);
      expect(preview.output).to.contain("+ statement Intruder: Allow kms:Decrypt to AWS:arn:aws:iam::999999999999:root (widens access)");
      const diagnostics = preview.output.slice(preview.output.indexOf("Diagnostics:"));
      expect(diagnostics.match(/policy will change/g), "each explanation once").to.have.length(1);
      expect(preview.output).to.contain("- statement Intruder: Allow kms:Decrypt to AWS:arn:aws:iam::999999999999:root (narrows access)");
    });

    it("pulumi up repairs the drift and then nothing changes", async () => {
      await project.ok(["up", "--yes", "--refresh"]);
      expect(policiesEquivalent(await livePolicy(), appPolicy(MOTO_ACCOUNT_ID))).to.equal(true);
      const preview = await project.pulumi(["preview", "--refresh", "--expect-no-changes"]);
      expect(preview.code, preview.output).to.equal(0);
    });

    it("an update in the program shows a readable diff in preview and applies", async () => {
      const extra = {
        Sid: "Auditors",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/auditor` },
        Action: "kms:DescribeKey",
        Resource: "*",
      };
      setScenario({ keyPolicies: [{ name: "app-key-policy", args: { keyId: key.arn, policy: appPolicy(MOTO_ACCOUNT_ID, [extra]) } }] });
      const preview = await project.ok(["preview"]);
      expect(preview.output).to.contain(
        "+ statement Auditors: Allow kms:DescribeKey to AWS:arn:aws:iam::123456789012:role/auditor (widens access)",
      );
      expect(preview.output).to.not.match(/replace/);
      await project.ok(["up", "--yes"]);
      expect(policiesEquivalent(await livePolicy(), appPolicy(MOTO_ACCOUNT_ID, [extra]))).to.equal(true);
      const after = await project.pulumi(["preview", "--expect-no-changes"]);
      expect(after.code, after.output).to.equal(0);
    });

    it("pulumi destroy restores the previous policy", async () => {
      await project.ok(["destroy", "--yes"]);
      expectSamePolicy(await livePolicy(), originalPolicy);
    });

    it("two KeyPolicy resources on one key (by id and by ARN) fail at preview, naming both", async () => {
      setScenario({
        keyPolicies: [
          { name: "first", args: { keyId: key.keyId, policy: appPolicy(MOTO_ACCOUNT_ID) } },
          { name: "second", args: { keyId: key.arn, policy: appPolicy(MOTO_ACCOUNT_ID) } },
        ],
      });
      const preview = await project.pulumi(["preview"]);
      expect(preview.code).to.not.equal(0);
      expect(preview.output).to.match(/KeyPolicy "second" and KeyPolicy "first" both manage key/);
      expectSamePolicy(await livePolicy(), originalPolicy);
    });

    it("a key scheduled for deletion makes the resource gone on refresh", async () => {
      const doomed = await createKey(kms, "doomed");
      setScenario({ keyPolicies: [{ name: "doomed-policy", args: { keyId: doomed.keyId, policy: appPolicy(MOTO_ACCOUNT_ID) } }] });
      await project.ok(["up", "--yes"]);
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.keyId, PendingWindowInDays: 7 }));
      const preview = await project.pulumi(["preview", "--refresh", "--expect-no-changes"]);
      expect(preview.code, preview.output).to.not.equal(0);
      expect(preview.output).to.contain("PendingDeletion");
      await project.ok(["refresh", "--yes"]);
      expect(resourcesOfType(await project.exportStack(), KEY_POLICY_TYPE)).to.have.length(0);
      setScenario({});
      await project.ok(["destroy", "--yes"]);
    });
  });
