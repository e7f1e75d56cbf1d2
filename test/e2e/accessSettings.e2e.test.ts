import { expect } from "chai";
import { moto } from "../support/hooks";
import { createKey, testKms } from "../support/kms";
import { Project, Workspace } from "../support/workspace";
import { MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { SCENARIO_PROGRAM, Scenario, appPolicy } from "./program";

describe("e2e: kms-policy:noNewAccess at pulumi preview", function () {
  this.timeout(300_000);
  let workspace: Workspace;
  let project: Project;
  let keyId: string;
  const setPolicy = (policy: Record<string, unknown>) =>
    project.writeFile(
      "scenario.json",
      JSON.stringify({ keyPolicies: [{ name: "guarded", args: { keyId, policy } }] } satisfies Scenario, null, 2),
    );
  const other = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/other`;

  before(async () => {
    const server = await moto();
    workspace = await Workspace.create(server);
    keyId = (await createKey(testKms(server), "e2e no new access")).keyId;
    project = workspace.project("noNewAccess", SCENARIO_PROGRAM);
    setPolicy(appPolicy(MOTO_ACCOUNT_ID));
    await project.initStack();
    await project.ok(["up", "--yes"]);
    await project.ok(["config", "set", "kms-policy:noNewAccess", "true"]);
  });

  after(() => workspace?.remove());

  it("an update that grants a new principal an action fails the preview, naming the statement, principal and action", async () => {
    setPolicy(
      appPolicy(MOTO_ACCOUNT_ID, [{ Sid: "Other", Effect: "Allow", Principal: { AWS: other }, Action: "kms:Decrypt", Resource: "*" }]),
    );
    const failed = await project.pulumi(["preview"]);
    expect(failed.code, failed.output).to.not.equal(0);
    expect(failed.output).to.contain("kms-policy:noNewAccess is on");
    expect(failed.output).to.contain("Statement[2]: proven new access");
    expect(failed.output).to.contain(other);
    expect(failed.output).to.contain("kms:Decrypt");
  });

  it("a narrowing passes; turning the setting off is the opt-in that lets the widening through", async () => {
    const narrowed = appPolicy(MOTO_ACCOUNT_ID) as { Statement: Array<Record<string, unknown>> };
    narrowed.Statement[1] = { ...narrowed.Statement[1], Action: ["kms:Decrypt"] };
    setPolicy(narrowed);
    const passed = await project.pulumi(["preview"]);
    expect(passed.code, passed.output).to.equal(0);
    setPolicy(
      appPolicy(MOTO_ACCOUNT_ID, [{ Sid: "Other", Effect: "Allow", Principal: { AWS: other }, Action: "kms:Decrypt", Resource: "*" }]),
    );
    await project.ok(["config", "set", "kms-policy:noNewAccess", "false"]);
    const optedIn = await project.pulumi(["preview"]);
    expect(optedIn.code, optedIn.output).to.equal(0);
    expect(optedIn.output).to.not.contain("kms-policy:noNewAccess is on");
  });
});
