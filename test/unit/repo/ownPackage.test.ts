import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PACKAGE_NAME, ownPackageJson } from "../../../provider/ownPackage";

describe("the package's own package.json, found once for the CLI and the resources", () => {
  it("is the nearest package.json named pulumi-kms-policy above the compiled module", () => {
    const pkg = ownPackageJson();
    const root = JSON.parse(fs.readFileSync(path.join(__dirname, "../../../../package.json"), "utf8")) as { version: string };
    expect(pkg?.name).to.equal(PACKAGE_NAME);
    expect(pkg?.version).to.equal(root.version);
    expect(pkg?.peerDependencies?.["@pulumi/pulumi"]).to.be.a("string");
  });

  it("passes over another package's and an unreadable package.json, and is undefined when none is ours", () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), "own-package-"));
    try {
      fs.writeFileSync(path.join(top, "package.json"), JSON.stringify({ name: PACKAGE_NAME, version: "9.9.9" }));
      fs.mkdirSync(path.join(top, "a", "b"), { recursive: true });
      fs.writeFileSync(path.join(top, "a", "package.json"), JSON.stringify({ name: "other", version: "1.0.0" }));
      fs.writeFileSync(path.join(top, "a", "b", "package.json"), "{ not json");
      expect(ownPackageJson(path.join(top, "a", "b"))?.version).to.equal("9.9.9");
      expect(ownPackageJson(path.parse(top).root)).to.equal(undefined);
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  });
});
