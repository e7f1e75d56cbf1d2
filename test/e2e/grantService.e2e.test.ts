import { DisableKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { FaultProxy } from "../support/faultProxy";
import { moto } from "../support/hooks";
import { allGrants, createKey, testKms } from "../support/kms";
import { Project, Workspace, resourcesOfType } from "../support/workspace";
import { SCENARIO_PROGRAM, Scenario } from "./program";
import { GRANT_TYPE } from "../../provider/resourceTypes";

const service = "logs.us-east-1.amazonaws.com";
const ops = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/ops`;
// A log group as the resource the service acts for (the SourceArn constraint of CreateGrant).
const logGroup = (name: string) => `arn:aws:logs:us-east-1:${MOTO_ACCOUNT_ID}:log-group:${name}`;

/**
 * Grants to AWS services, and the opt-in dry run at preview, with the pulumi CLI. Every KMS call goes
 * through the test proxy: moto ignores the service principals and DryRun (docs/kms-emulator.md), the
 * proxy records what was sent and answers as KMS does.
 */
describe("e2e: Grant to a service principal, and kms-policy:dryRun, with the pulumi CLI on moto", function () {
  this.timeout(300_000);
  let workspace: Workspace;
  let kms: KMSClient;
  let proxy: FaultProxy;
  const viaProxy = () => ({ AWS_ENDPOINT_URL_KMS: proxy.endpoint });

  before(async () => {
    const server = await moto();
    workspace = await Workspace.create(server);
    kms = testKms(server);
    proxy = await new FaultProxy(server.endpoint).start();
  });

  after(async () => {
    await proxy?.stop();
    workspace?.remove();
  });

  describe("a service-principal grant's lifecycle", () => {
    let project: Project;
    let key: { keyId: string; arn: string };
    const scenario = (sourceArn: string): Scenario => ({
      grants: [
        {
          name: "logs",
          args: {
            keyId: key.arn,
            granteeServicePrincipal: service,
            retiringPrincipal: ops,
            operations: ["Encrypt", "Decrypt"],
            constraints: { sourceArn },
          },
        },
      ],
    });

    before(async () => {
      key = await createKey(kms, "service grants");
      project = workspace.project("service", SCENARIO_PROGRAM);
      project.writeFile("scenario.json", JSON.stringify(scenario(logGroup("app"))));
      await project.initStack();
      await project.ok(["config", "set", "kms-policy:grantListingDelaySeconds", "0"]);
    });

    it("pulumi up sends the service grantee in its own field with the SourceArn; the outputs say so", async () => {
      proxy.reset();
      await project.ok(["up", "--yes"], viaProxy());
      const [sent] = proxy.bodies("CreateGrant");
      expect(sent).to.deep.include({
        GranteeServicePrincipal: service,
        RetiringPrincipal: ops,
        Constraints: { SourceArn: logGroup("app") },
      });
      expect(sent).to.not.have.property("GranteePrincipal");
      const [grant] = resourcesOfType(await project.exportStack(), GRANT_TYPE);
      expect(grant.outputs).to.deep.include({
        granteeServicePrincipal: service,
        effectiveGrantee: { kind: "service", principal: service },
        effectiveRetiringPrincipal: { kind: "iam", principal: ops },
        reportedConstraints: { sourceArn: logGroup("app") },
      });
      expect(grant.outputs).to.not.have.property("granteePrincipal");
      expect((await allGrants(kms, key.keyId)).map((g) => g.GrantId)).to.deep.equal([grant.id]);
    });

    it("a refresh right after finds no changes", async () => {
      const preview = await project.pulumi(["preview", "--refresh", "--expect-no-changes"], viaProxy());
      expect(preview.code, preview.output).to.equal(0);
    });

    it("another sourceArn replaces the grant: one grant, with the new constraint", async () => {
      const before = (await allGrants(kms, key.keyId)).map((g) => g.GrantId);
      project.writeFile("scenario.json", JSON.stringify(scenario(logGroup("other"))));
      const up = await project.ok(["up", "--yes"], viaProxy());
      expect(up.output).to.match(/replaced/);
      const live = await allGrants(kms, key.keyId);
      expect(live).to.have.length(1);
      expect(live[0].GrantId).to.not.equal(before[0]);
      expect(live[0].Constraints).to.deep.equal({ SourceArn: logGroup("other") });
    });

    it("pulumi destroy leaves no grant", async () => {
      await project.ok(["destroy", "--yes"], viaProxy());
      expect(await allGrants(kms, key.keyId)).to.deep.equal([]);
    });
  });

  describe("kms-policy:dryRun at preview", () => {
    let project: Project;
    let enabled: { keyId: string; arn: string };
    let disabled: { keyId: string; arn: string };
    const grantOn = (name: string, keyArn: string) => ({
      name,
      args: { keyId: keyArn, granteePrincipal: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${name}`, operations: ["Decrypt"] },
    });

    before(async () => {
      enabled = await createKey(kms, "dry run, enabled");
      disabled = await createKey(kms, "dry run, disabled");
      await kms.send(new DisableKeyCommand({ KeyId: disabled.keyId }));
      project = workspace.project("dryrun", SCENARIO_PROGRAM);
      await project.initStack();
      await project.ok(["config", "set", "kms-policy:dryRun", "true"]);
    });

    it("refuses a grant on a disabled key, naming the resource, the key and KMS's error, before anything is written", async () => {
      project.writeFile("scenario.json", JSON.stringify({ grants: [grantOn("fine", enabled.arn), grantOn("blocked", disabled.arn)] }));
      proxy.reset();
      const preview = await project.pulumi(["preview"], viaProxy());
      expect(preview.code, preview.output).to.not.equal(0);
      const line = preview.output.split("\n").find((l) => l.includes(`${GRANT_TYPE} resource 'blocked': property keyId value`));
      expect(line, preview.output).to.match(/pulumi up would fail.*kms-policy:dryRun.*DisabledException/);
      expect(preview.output).to.not.match(/resource 'fine': property/);
      // Dry runs only (the engine may stop before it checks the other grant), nothing else written.
      const creates = proxy.bodies("CreateGrant");
      expect(creates.length).to.be.within(1, 2);
      expect(creates.every((b) => b.DryRun === true)).to.equal(true);
      expect(proxy.writeCalls()).to.equal(creates.length);
      expect(await allGrants(kms, enabled.keyId)).to.deep.equal([]);
    });

    it("the cost: one dry run per grant created, per engine pass (preview, then the update of pulumi up); none for a grant that stays", async () => {
      project.writeFile("scenario.json", JSON.stringify({ grants: [grantOn("fine", enabled.arn), grantOn("second", enabled.arn)] }));
      proxy.reset();
      await project.ok(["preview"], viaProxy());
      expect(proxy.bodies("CreateGrant").filter((b) => b.DryRun === true)).to.have.length(2);
      proxy.reset();
      await project.ok(["up", "--yes"], viaProxy());
      const creates = proxy.bodies("CreateGrant");
      expect(
        creates.filter((b) => b.DryRun === true),
        "dry runs during pulumi up",
      ).to.have.length(4);
      expect(
        creates.filter((b) => b.DryRun !== true),
        "real creates",
      ).to.have.length(2);
      expect(await allGrants(kms, enabled.keyId)).to.have.length(2);
      proxy.reset();
      await project.ok(["preview"], viaProxy());
      expect(proxy.bodies("CreateGrant"), "a preview with nothing to create").to.deep.equal([]);
      await project.ok(["destroy", "--yes"], viaProxy());
    });
  });
});
