import { KMSClient } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { GRANT_TYPE } from "../../provider/resourceTypes";
import { moto } from "../support/hooks";
import { allGrants, createKey, testKms } from "../support/kms";
import { Project, Workspace, defaultNameOf, resourcesOfType } from "../support/workspace";
import { SCENARIO_PROGRAM, Scenario } from "./program";

const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

describe("e2e: grant names with the pulumi CLI", function () {
  this.timeout(300_000);
  let workspace: Workspace;
  let kms: KMSClient;
  let project: Project;
  let key: { keyId: string; arn: string };
  const setScenario = (s: Scenario) => project.writeFile("scenario.json", JSON.stringify(s, null, 2));
  const reader = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    args: { keyId: key.keyId, granteePrincipal: role("reader"), operations: ["Decrypt"], ...extra },
  });
  /** Grant id by resource name, as the state records it. */
  const recordedIds = async () =>
    Object.fromEntries(
      resourcesOfType(await project.exportStack(), GRANT_TYPE).map((r) => [r.urn.slice(r.urn.lastIndexOf("::") + 2), r.id]),
    );
  const liveGrants = async () =>
    (await allGrants(kms, key.keyId))
      .map((g) => ({ id: g.GrantId, name: g.Name }))
      .sort((a, b) => (a.name ?? "").localeCompare(b.name ?? ""));

  before(async () => {
    const server = await moto();
    workspace = await Workspace.create(server);
    kms = testKms(server);
    project = workspace.project("names", SCENARIO_PROGRAM);
    await project.initStack();
  });
  beforeEach(async () => {
    key = await createKey(kms, "e2e grant names");
  });
  after(() => workspace?.remove());

  it("two Grants that give one key one name fail at preview, naming both, and nothing is created", async () => {
    // The key once by id and once by ARN: one key all the same.
    setScenario({
      grants: [reader("first", { name: "shared" }), reader("second", { keyId: key.arn, name: "shared", operations: ["Encrypt"] })],
    });
    const preview = await project.pulumi(["preview"]);
    expect(preview.code, preview.output).to.not.equal(0);
    expect(preview.output).to.match(/Grant "(first|second)" and Grant "(first|second)" both name their grant "shared" on key/);
    expect(preview.output).to.contain('Grant "first"').and.contain('Grant "second"');
    expect(preview.output).to.contain("Give each Grant its own name");
    expect(preview.output).to.match(/pulumi state delete .urn:pulumi:[^ ]*::(first|second)/);
    const up = await project.pulumi(["up", "--yes"]);
    expect(up.code, up.output).to.not.equal(0);
    expect(await allGrants(kms, key.keyId)).to.deep.equal([]);
  });

  it("default names: resources whose names fold alike get a grant each, and `pulumi stack rename` replaces none", async () => {
    setScenario({ grants: [reader("reader.v2"), reader("reader_v2")] });
    await project.ok(["up", "--yes"]);
    const created = await liveGrants();
    expect(created.map((g) => g.name)).to.deep.equal([defaultNameOf("names", "reader.v2"), defaultNameOf("names", "reader_v2")].sort());
    const ids = await recordedIds();
    expect(Object.values(ids).sort()).to.deep.equal(created.map((g) => g.id).sort());

    // The URN holds the stack's name, so the default name computed now differs: the state's is kept.
    await project.ok(["stack", "rename", "renamed"]);
    expect(defaultNameOf("names", "reader_v2", "renamed")).to.not.equal(defaultNameOf("names", "reader_v2"));
    const preview = await project.pulumi(["preview", "--expect-no-changes"]);
    expect(preview.code, preview.output).to.equal(0);
    await project.ok(["up", "--yes"]);
    expect(await recordedIds()).to.deep.equal(ids);
    expect(await liveGrants()).to.deep.equal(created);
    await project.ok(["destroy", "--yes"]);
    expect(await allGrants(kms, key.keyId)).to.deep.equal([]);
  });

  it("a stack made before the URN-derived default keeps its grants' names on upgrade: no replacement", async () => {
    await project.initStack("legacy");
    // What an earlier version of the package sent: the name it folded from project, stack and resource.
    setScenario({ grants: [reader("reader", { name: "names-legacy-reader" })] });
    await project.ok(["up", "--yes"]);
    const before = await recordedIds();
    // This version sends no name for a Grant without one: the provider keeps the state's.
    setScenario({ grants: [reader("reader")] });
    const preview = await project.pulumi(["preview", "--expect-no-changes"]);
    expect(preview.code, preview.output).to.equal(0);
    await project.ok(["up", "--yes"]);
    expect(await recordedIds()).to.deep.equal(before);
    expect((await liveGrants()).map((g) => g.name)).to.deep.equal(["names-legacy-reader"]);
    await project.ok(["destroy", "--yes"]);
  });
});
