import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installedSdkProblem, satisfiesRange, sdkProblem, supportedSdkRange } from "../../../provider/resources/sdkCompatibility";

describe("@pulumi/pulumi compatibility guard", () => {
  describe("satisfiesRange", () => {
    const range = ">=3.216.0 <4";
    for (const [version, expected] of [
      ["3.216.0", true],
      ["3.270.0", true],
      ["3.300.12", true],
      ["3.215.9", false],
      ["3.100.0", false],
      ["4.0.0", false],
      ["2.999.0", false],
      ["3.250.0-alpha.1", true],
      ["not-a-version", false],
    ] as const) {
      it(`${version} ${expected ? "is" : "is not"} in ${range}`, () => {
        expect(satisfiesRange(version, range)).to.equal(expected);
      });
    }

    it("refuses a range form it does not understand rather than guessing", () => {
      expect(() => satisfiesRange("3.1.0", "^3.1.0")).to.throw(/unsupported version comparator "\^3.1.0"/);
    });
  });

  describe("sdkProblem", () => {
    const dirs: string[] = [];
    const copy = (version: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdk-copy-"));
      dirs.push(dir);
      return { version, dir };
    };
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("accepts one copy in range", () => {
      const sdk = copy("3.248.0");
      expect(sdkProblem(sdk, sdk, ">=3.216.0 <4")).to.equal(undefined);
    });

    it("names the installed and the supported versions, and the fix, for a copy out of range", () => {
      const sdk = copy("3.200.0");
      const problem = sdkProblem(sdk, sdk, ">=3.216.0 <4") ?? "";
      expect(problem).to.contain("supports @pulumi/pulumi >=3.216.0 <4").and.to.contain("loads 3.200.0");
      expect(problem).to.contain('npm install @pulumi/pulumi@">=3.216.0 <4"');
      expect(problem.split("\n")).to.have.length(1);
    });

    it("names both copies when the package would load a second SDK beside the program's", () => {
      const ours = copy("3.248.0");
      const programs = copy("3.230.0");
      const problem = sdkProblem(ours, programs, ">=3.216.0 <4") ?? "";
      expect(problem).to.contain("second copy").and.to.contain("3.248.0").and.to.contain("3.230.0").and.to.contain(ours.dir).and.to.contain(programs.dir);
    });
  });

  it("the supported range is read from package.json's peerDependencies, and this repository's SDK is in it", () => {
    expect(supportedSdkRange()).to.match(/^>=3\.\d+\.\d+ <4$/);
    expect(installedSdkProblem()).to.equal(undefined);
  });
});
