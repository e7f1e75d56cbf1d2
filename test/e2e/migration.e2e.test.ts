import { CreateGrantCommand, GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { policiesEquivalent } from "../../provider/policy";
import { MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { moto } from "../support/hooks";
import { allGrants, createKey, testKms } from "../support/kms";
import { FaithfulOptions } from "../support/kmsFaithful";
import { Project, Workspace, resourcesOfType } from "../support/workspace";
import { MIGRATION_PROGRAM, appPolicy } from "./program";
import { GRANT_TYPE, KEY_POLICY_TYPE } from "../../provider/resourceTypes";

/**
 * The migration guide (docs/migrating-from-pulumi-aws.md) from `@pulumi/aws`'s kms.KeyPolicy and kms.Grant, step by step on
 * moto. The live key, policy and grant are made out of band by the test, as the old stack left
 * them. The old stack's state is two resources of another type whose delete would change live
 * access (see MIGRATION_PROGRAM). While the new stack's `pulumi up` runs, the test samples the
 * key's grants and policy: at no moment may the grant be missing or the policy be another.
 */
// On moto as it is (no deduplication by Name), and through the proxy's KMS-faithful mode, where
// CreateGrant returns the out-of-band grant itself, as real KMS does.
const MODES: Array<{ name: string; faithful: FaithfulOptions | false }> = [
  { name: "moto", faithful: false },
  { name: "the KMS-faithful mode", faithful: { pageSize: 2, grantListingDelayMs: 2000, policyPropagationMs: 2000 } },
];

for (const mode of MODES)
  describe(`e2e: migrating a stack from @pulumi/aws's KeyPolicy and Grant (${mode.name})`, function () {
    this.timeout(300_000);
    let workspace: Workspace;
    let kms: KMSClient;
    let project: Project;
    let key: { keyId: string; arn: string };
    let deletedMarker: string;
    const role = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/reader`;
    const policy = appPolicy(MOTO_ACCOUNT_ID);
    // The same name and parameters as the out-of-band grant: CreateGrant's Name rule makes KMS return it.
    const grantArgs = () => ({
      keyId: key.arn,
      name: "app-reader",
      granteePrincipal: role,
      operations: ["Decrypt", "DescribeKey"],
      constraints: [{ encryptionContextSubset: { app: "billing" } }],
    });

    before(async () => {
      const server = await moto();
      workspace = await Workspace.create(server, { faithful: mode.faithful });
      kms = testKms(server);
      key = await createKey(kms, "migration");
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: JSON.stringify(policy) }));
      await kms.send(
        new CreateGrantCommand({
          KeyId: key.keyId,
          GranteePrincipal: role,
          Operations: ["DescribeKey", "Decrypt"],
          Constraints: { EncryptionContextSubset: { app: "billing" } },
          Name: "app-reader",
        }),
      );
      project = workspace.project("migration", MIGRATION_PROGRAM);
      deletedMarker = path.join(project.dir, "deleted.txt");
      project.writeFile("scenario.json", JSON.stringify({ phase: "old", keyId: key.arn, deletedMarker }));
      await project.initStack();
      await project.ok(["config", "set", "kms-policy:grantListingDelaySeconds", "0"]);
      await project.ok(["up", "--yes"]);
    });

    after(() => workspace?.remove());

    it("step 1: `pulumi state delete` forgets the old resources without running their delete", async () => {
      const old =
        (await project.exportStack()).deployment.resources?.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/legacy:")) ?? [];
      expect(old.map((r) => r.type).sort()).to.deep.equal(["pulumi-nodejs:dynamic/legacy:Grant", "pulumi-nodejs:dynamic/legacy:KeyPolicy"]);
      for (const r of old) await project.ok(["state", "delete", r.urn, "--yes"]);
      expect(fs.existsSync(deletedMarker)).to.equal(false);
      expect(await allGrants(kms, key.keyId)).to.have.length(1);
    });

    it("step 2: KeyPolicy and Grant with the same key, policy, name and parameters: one grant, its id in the state, no access gap", async () => {
      const [outOfBand] = await allGrants(kms, key.keyId);
      project.writeFile("scenario.json", JSON.stringify({ phase: "new", keyId: key.arn, policy, grant: grantArgs(), deletedMarker }));
      const preview = await project.ok(["preview"]);
      expect(preview.output).to.match(/2 to create/);
      workspace.proxy?.reset();

      const samples: Array<{ grants: number; samePolicy: boolean }> = [];
      let running = true;
      const sampler = (async () => {
        while (running) {
          const grants = (await allGrants(kms, key.keyId)).filter((g) => g.Name === "app-reader" && g.GranteePrincipal === role);
          const live = (await kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default" }))).Policy ?? "";
          samples.push({ grants: grants.length, samePolicy: policiesEquivalent(live, policy) });
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
      try {
        await project.ok(["up", "--yes"]);
      } finally {
        running = false;
        await sampler;
      }

      expect(samples.length, "samples taken during pulumi up").to.be.greaterThan(5);
      expect(
        samples.filter((s) => s.grants === 0),
        "moments without the grant",
      ).to.deep.equal([]);
      expect(
        samples.filter((s) => !s.samePolicy),
        "moments with another policy",
      ).to.deep.equal([]);
      const live = await allGrants(kms, key.keyId);
      expect(live, "grants on the key afterwards").to.have.length(1);
      const exported = await project.exportStack();
      const [grant] = resourcesOfType(exported, GRANT_TYPE);
      expect(grant.id).to.equal(live[0].GrantId);
      if (workspace.proxy) {
        // KMS returns the out-of-band grant itself (same Name and parameters): the stack adopts it,
        // and nothing is revoked.
        expect(grant.id).to.equal(outOfBand.GrantId);
        expect(workspace.proxy.count("CreateGrant")).to.equal(1);
        expect(workspace.proxy.count("RevokeGrant")).to.equal(0);
      } else {
        // moto made a twin, and the provider's twin check revoked the older one, after the new one existed.
        expect(outOfBand.GrantId).to.not.equal(grant.id);
      }
      const [keyPolicy] = resourcesOfType(exported, KEY_POLICY_TYPE);
      expect(policiesEquivalent(keyPolicy.outputs?.previousPolicy as string, policy), "the adopted key's previous policy").to.equal(true);
      expect(fs.existsSync(deletedMarker)).to.equal(false);
    });

    it("afterwards the stack is exact: a refresh finds no changes", async () => {
      const preview = await project.pulumi(["preview", "--refresh", "--expect-no-changes"]);
      expect(preview.code, preview.output).to.equal(0);
    });
  });
