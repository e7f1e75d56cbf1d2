import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { CLI_START_GOAL, CliStartResult, cliStartMarkdown } from "../../../bench/cliStart";
import { REPO_ROOT } from "../../support/tools";

/** The committed cold-start figure of `kms-policy` (`BENCH_ONLY=cli npm run bench`, or `node build/bench/cliStart.js`). */
const mark = (ratio: number) => (ratio <= CLI_START_GOAL ? "✓" : "✗");
const row = (r: CliStartResult["rows"][number]) =>
  `| \`kms-policy ${r.command}\` | ${r.ms} | ${r.ratio}x ${mark(r.ratio)} | ${r.cpuMs} | ${r.cpuRatio}x ${mark(r.cpuRatio)} |`;

describe("bench: the kms-policy cold start", () => {
  const latest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "bench", "results", "latest.json"), "utf8")) as { cli?: CliStartResult };

  // The goal is the benchmark's to report (a mark per row), not this test's to enforce: speed is measured, not asserted.
  it("latest.json has --help, validate, normalize and diff next to a bare node start, each with its wall and CPU ratios", () => {
    expect(latest.cli, "run BENCH_ONLY=cli npm run bench").to.not.equal(undefined);
    const cli = latest.cli as CliStartResult;
    expect(cli.nodeMs).to.be.a("number").greaterThan(0);
    expect(cli.nodeCpuMs).to.be.a("number").greaterThan(0);
    expect(cli.rows.map((r) => r.command.split(" ")[0])).to.deep.equal(["--help", "validate", "normalize", "diff"]);
    for (const r of cli.rows) {
      expect(r.ratio).to.be.closeTo(r.ms / cli.nodeMs, 0.01);
      expect(r.cpuRatio).to.be.closeTo(r.cpuMs / cli.nodeCpuMs, 0.01);
    }
  });

  it("the table marks each row against the goal", () => {
    const cli = latest.cli as CliStartResult;
    const table = cliStartMarkdown(cli);
    for (const r of cli.rows) expect(table).to.contain(row(r));
    expect(cliStartMarkdown({ ...cli, rows: [{ command: "x", ms: 9, ratio: 2, cpuMs: 4, cpuRatio: 1.2 }] })).to.contain(
      "| 9 | 2x ✗ | 4 | 1.2x ✓ |",
    );
  });

  it("docs/benchmarks.md shows those numbers", () => {
    const cli = latest.cli as CliStartResult;
    const page = fs.readFileSync(path.join(REPO_ROOT, "docs", "benchmarks.md"), "utf8");
    const block = page.slice(page.indexOf("<!-- bench:start -->"), page.indexOf("<!-- bench:end -->"));
    for (const r of cli.rows) expect(block).to.contain(row(r));
    expect(block).to.contain(`a bare \`node -e ''\` (${cli.nodeMs} ms wall, ${cli.nodeCpuMs} ms CPU)`);
  });
});
