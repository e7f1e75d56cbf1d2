import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  installedSdkProblem,
  loadedSdkCopies,
  satisfiesRange,
  sdkProblem,
  supportedSdkRange,
} from "../../../provider/resources/sdkCompatibility";

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
      ["3.216.0-alpha.1", false],
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

  describe("sdkProblem and the copies loaded", () => {
    const dirs: string[] = [];
    /** A directory laid out as node_modules/@pulumi/pulumi with a package.json of that version. */
    const copy = (version: string) => {
      const base = fs.mkdtempSync(path.join(os.tmpdir(), "sdk-copy-"));
      dirs.push(base);
      const dir = path.join(base, "node_modules", "@pulumi", "pulumi");
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "@pulumi/pulumi", version }));
      return { version, dir: fs.realpathSync(dir) };
    };
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("accepts one copy in range", () => {
      const sdk = copy("3.248.0");
      expect(sdkProblem(sdk, [sdk], ">=3.216.0 <4")).to.equal(undefined);
    });

    it("names the installed and the supported versions, and the fix, for a copy out of range", () => {
      const sdk = copy("3.200.0");
      const problem = sdkProblem(sdk, [sdk], ">=3.216.0 <4") ?? "";
      expect(problem).to.contain("supports @pulumi/pulumi >=3.216.0 <4").and.to.contain("loads 3.200.0");
      expect(problem).to.contain('npm install @pulumi/pulumi@">=3.216.0 <4"');
      expect(problem.split("\n")).to.have.length(1);
    });

    it("names both copies when two are loaded in one program", () => {
      const ours = copy("3.248.0");
      const programs = copy("3.230.0");
      const problem = sdkProblem(ours, [programs, ours], ">=3.216.0 <4") ?? "";
      expect(problem)
        .to.contain("2 copies")
        .and.to.contain("3.248.0")
        .and.to.contain("3.230.0")
        .and.to.contain(ours.dir)
        .and.to.contain(programs.dir);
      expect(problem.split("\n")).to.have.length(1);
    });

    it("finds the SDK roots of loaded module paths, once per real directory", () => {
      const a = copy("3.248.0");
      const b = copy("3.230.0");
      const found = loadedSdkCopies([
        path.join(a.dir, "index.js"),
        path.join(a.dir, "runtime", "settings.js"),
        path.join(b.dir, "dynamic", "index.js"),
        "/somewhere/else/node_modules/chai/index.js",
      ]);
      expect(found.map((c) => c.version).sort()).to.deep.equal(["3.230.0", "3.248.0"]);
    });

    it("judges the copies this process loaded, not the working directory (Automation API, monorepos)", () => {
      const elsewhere = copy("3.200.0");
      const cwd = process.cwd();
      const modulePath = require.resolve("../../../provider/resources/sdkCompatibility");
      try {
        process.chdir(path.dirname(path.dirname(path.dirname(elsewhere.dir))));
        delete require.cache[modulePath];
        const fresh = require(modulePath) as typeof import("../../../provider/resources/sdkCompatibility");
        expect(fresh.installedSdkProblem()).to.equal(undefined);
      } finally {
        process.chdir(cwd);
        delete require.cache[modulePath];
      }
    });
  });

  it("the supported range is read from package.json's peerDependencies, and this repository's SDK is in it", () => {
    expect(supportedSdkRange()).to.match(/^>=3\.\d+\.\d+ <4$/);
    expect(installedSdkProblem()).to.equal(undefined);
  });
});
