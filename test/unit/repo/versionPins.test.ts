import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { ACTIVE_LTS_NODE, oldestSupportedNode, pinnedSdkVersion } from "../../support/sdkVersions";
import { REPO_ROOT } from "../../support/tools";

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
const json = (file: string) => JSON.parse(read(file)) as Record<string, Record<string, string>>;

/**
 * The CLI and the SDK talk over gRPC and are only tested as a pair, so every place that installs
 * one names the same release; the Node.js lines the toolchain fetches are the ones the matrix names.
 */
describe("repository: one @pulumi/pulumi release and the matrix's Node.js lines everywhere they are installed", () => {
  it("the pulumi CLI wrapper module builds pkg/v3 and sdk/v3 at the pinned @pulumi/pulumi", () => {
    const goMod = read("toolchain/pulumi-cli/go.mod");
    for (const mod of ["pkg", "sdk"]) {
      const required = new RegExp(`^\\s*github\\.com/pulumi/pulumi/${mod}/v3 (v\\S+)`, "m").exec(goMod);
      expect(required?.[1], `${mod}/v3 in toolchain/pulumi-cli/go.mod`).to.equal(`v${pinnedSdkVersion()}`);
    }
  });

  it("the demo program installs the pinned @pulumi/pulumi (the CLI it runs with is built at that version)", () => {
    expect(json("examples/demo/package.json").dependencies["@pulumi/pulumi"]).to.equal(pinnedSdkVersion());
  });

  it("scripts/toolchain.sh fetches the oldest supported Node.js line and the active LTS line", () => {
    const toolchain = read("scripts/toolchain.sh");
    for (const major of [oldestSupportedNode(), ACTIVE_LTS_NODE]) {
      const pinned = new RegExp(`^node${major}_version=(\\d+)\\.\\d+\\.\\d+$`, "m").exec(toolchain);
      expect(pinned?.[1], `node${major}_version in scripts/toolchain.sh`).to.equal(String(major));
    }
  });

  it("the Node.js types this repository and the TypeScript example compile against are those of the oldest supported Node.js", () => {
    expect(json("package.json").devDependencies["@types/node"]).to.match(new RegExp(`^${oldestSupportedNode()}\\.`));
    expect(json("examples/typescript/package.json").devDependencies["@types/node"]).to.equal(`^${oldestSupportedNode()}`);
  });
});
