import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { AccessBenchRow, accessMarkdown } from "../../../bench/access";
import { REPO_ROOT } from "../../support/tools";

/** The committed cost of the access checks (`BENCH_ONLY=access npm run bench`). */
describe("bench: the access checks", () => {
  const latest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "bench", "results", "latest.json"), "utf8")) as {
    access?: AccessBenchRow[];
  };

  it("latest.json has each check at 4 and 32 KB, and docs/benchmarks.md its table", () => {
    expect(latest.access, "run BENCH_ONLY=access npm run bench").to.not.equal(undefined);
    const rows = latest.access as AccessBenchRow[];
    expect(rows.map((r) => r.kb)).to.deep.equal([4, 32]);
    for (const r of rows)
      for (const ms of [r.noNewAccessEquivalentMs, r.noNewAccessNarrowedMs, r.accessNotGrantedMs, r.accessOfMs])
        expect(ms).to.be.a("number").greaterThan(0);
    const page = fs.readFileSync(path.join(REPO_ROOT, "docs", "benchmarks.md"), "utf8");
    const table = accessMarkdown(rows);
    for (const line of table.split("\n").filter((l) => l.startsWith("| 4 KB") || l.startsWith("| 32 KB"))) expect(page).to.contain(line);
  });
});
