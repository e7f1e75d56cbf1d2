import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../../support/tools";

/** Folders of test/unit/ that test something other than provider/: the repository, the test helpers, bench/. */
const NOT_PROVIDER = new Set(["repo", "support", "bench"]);

/**
 * The folders under `unitRoot` (at any depth) with no folder of the same path under `providerRoot`, so a
 * reader looking for a module's tests finds them in the folder named like the module's.
 */
function unmirroredTestFolders(unitRoot: string, providerRoot: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(unitRoot, relative), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (relative === "" && NOT_PROVIDER.has(entry.name)) continue;
      if (!fs.existsSync(path.join(providerRoot, child))) found.push(child);
      walk(child);
    }
  };
  walk("");
  return found.sort();
}

describe("unit test folders mirror provider/", () => {
  it("every folder of test/unit/ (but repo, support and bench) is named like a folder of provider/", () => {
    expect(unmirroredTestFolders(path.join(REPO_ROOT, "test", "unit"), path.join(REPO_ROOT, "provider"))).to.deep.equal([]);
  });

  it("names a test folder with no source folder, at any depth, and passes over repo, support and bench", () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), "test-folders-"));
    try {
      for (const dir of [
        "provider/runtime",
        "provider/policy/lint",
        "unit/runtime",
        "unit/provider",
        "unit/policy/lint",
        "unit/policy/old",
      ])
        fs.mkdirSync(path.join(top, dir), { recursive: true });
      for (const dir of ["repo", "support", "bench"]) fs.mkdirSync(path.join(top, "unit", dir));
      fs.writeFileSync(path.join(top, "unit", "loose.test.ts"), "");
      expect(unmirroredTestFolders(path.join(top, "unit"), path.join(top, "provider"))).to.deep.equal(["policy/old", "provider"]);
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  });
});
