import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { LintBenchResult } from "../../../bench/lint";
import { REPO_ROOT } from "../../support/tools";

/** The committed benchmark results and the table docs/benchmarks.md renders from them (`npm run bench`). */
describe("bench: the lint row", () => {
  const latest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "bench", "results", "latest.json"), "utf8")) as { lint?: LintBenchResult };
  const page = fs.readFileSync(path.join(REPO_ROOT, "docs", "benchmarks.md"), "utf8");
  const benchmarks = page.slice(page.indexOf("<!-- bench:start -->"), page.indexOf("<!-- bench:end -->"));

  it("latest.json has warm lint of 4 KB and 32 KB policies, the catalog's cold load and the first lint", () => {
    expect(latest.lint, "run BENCH_ONLY=lint npm run bench").to.not.equal(undefined);
    const lint = latest.lint as LintBenchResult;
    expect(lint.rows.map((r) => r.targetKb)).to.deep.equal([4, 32]);
    for (const r of lint.rows) expect(r.lintMicros).to.be.a("number").greaterThan(0);
    expect(lint.catalogColdMs).to.be.a("number").greaterThan(0);
    expect(lint.firstLintMs).to.be.a("number").greaterThan(0);
  });

  it("docs/benchmarks.md shows those numbers", () => {
    const lint = latest.lint as LintBenchResult;
    expect(benchmarks).to.contain(`loading KMS's catalog takes ${lint.catalogColdMs} ms`);
    expect(benchmarks).to.contain(`catalog included, ${lint.firstLintMs} ms`);
    for (const r of lint.rows)
      expect(benchmarks).to.contain(`| ${r.targetKb} KB (${r.bytes} B) | ${r.statements} | ${r.lintMicros} | ${r.validateMicros} |`);
  });
});
