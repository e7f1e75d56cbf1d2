import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../../support/tools";

/**
 * The launcher (toolchain/pulumi-node.ts) and the engineLog tests load `@grpc/grpc-js` and
 * `google-protobuf` themselves, so they are declared devDependencies, pinned to the versions the
 * pinned `@pulumi/pulumi` brings: then npm keeps one copy of each, the SDK's own.
 */
describe("repository: the gRPC modules the tests load are the pinned SDK's own copies", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [REPO_ROOT] }));
  const versionAt = (file: string) => (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;

  for (const name of ["@grpc/grpc-js", "google-protobuf"]) {
    it(`${name}: declared at an exact version, the one installed, and the SDK resolves the same copy`, () => {
      const declared = pkg.devDependencies[name];
      expect(declared, `${name} is not a devDependency`).to.match(/^\d+\.\d+\.\d+$/);
      const ours = require.resolve(`${name}/package.json`, { paths: [REPO_ROOT] });
      const theSdks = require.resolve(`${name}/package.json`, { paths: [sdkDir] });
      expect(theSdks).to.equal(ours);
      expect(versionAt(ours)).to.equal(declared);
    });
  }
});
