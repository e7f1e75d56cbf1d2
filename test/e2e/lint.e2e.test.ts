import { expect } from "chai";
import { moto } from "../support/hooks";
import { Project, Workspace } from "../support/workspace";
import { MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { SCENARIO_PROGRAM, appPolicy } from "./program";
import { KEY_POLICY_TYPE } from "../../provider/resourceTypes";

describe("e2e: lint findings at pulumi preview", function () {
  this.timeout(300_000);
  let workspace: Workspace;
  let project: Project;
  // Accepted by KMS, but public (security) and misspelt (warning). Preview only: no KMS call.
  const policy = appPolicy(MOTO_ACCOUNT_ID, [
    { Sid: "Everyone", Effect: "Allow", Principal: "*", Action: ["kms:Decrypt", "kms:Decryt"], Resource: "*" },
  ]);

  before(async () => {
    workspace = await Workspace.create(await moto());
    project = workspace.project("lint", SCENARIO_PROGRAM);
    project.writeFile(
      "scenario.json",
      JSON.stringify({ keyPolicies: [{ name: "linted", args: { keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", policy } }] }),
    );
    await project.initStack();
  });

  after(() => workspace?.remove());

  it("warnings name the resource, the JSON path and the fix under Diagnostics; the preview passes", async () => {
    const preview = await project.ok(["preview"]);
    const diagnostics = preview.output.slice(preview.output.indexOf("Diagnostics:"));
    expect(diagnostics).to.contain("(linted):");
    expect(diagnostics).to.match(
      /warning: KeyPolicy "linted": policy Statement\[2\]\.Principal: .*\[public-access, security\]\. Fix: .*kms:CallerAccount/,
    );
    expect(diagnostics).to.match(
      /warning: KeyPolicy "linted": policy Statement\[2\]\.Action\[1\]: "kms:Decryt" is not a KMS action \[unknown-action, warning\]\. Fix: did you mean "kms:Decrypt"\?/,
    );
  });

  it("kms-policy:failOn security fails the preview on the public statement; kms-policy:ignore lets it through", async () => {
    await project.ok(["config", "set", "kms-policy:failOn", "security"]);
    const failed = await project.pulumi(["preview"]);
    expect(failed.code).to.not.equal(0);
    expect(failed.output).to.contain("Statement[2].Principal");
    expect(failed.output).to.contain("[public-access, security; kms-policy:failOn is security]");
    expect(failed.output).to.contain(`${KEY_POLICY_TYPE} (linted):`);

    await project.ok(["config", "set", "--path", "kms-policy:ignore[0]", "Everyone:public-access"]);
    const passed = await project.ok(["preview"]);
    expect(passed.output).to.not.contain("public-access");
    expect(passed.output).to.contain("[unknown-action, warning]");
  });
});
