import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../test/support/tools";
import { declaredPolicy, kmsStyleJson } from "./pairs";
import { median, round } from "./stats";

/**
 * `kms-policy`'s cold start: the wall time of a fresh process for `--help`, `validate`,
 * `normalize` and `diff` of a 4 KB policy, next to a bare `node -e ''` measured in the same rounds
 * (the commands alternate with it, so that a busy machine slows both alike). Goal: within 1.5× the
 * bare start, which needs the commands to load neither the AWS SDK nor `@pulumi/pulumi`.
 * `node build/bench/cliStart.js` runs it alone.
 */
export interface CliStartResult {
  rounds: number;
  nodeMs: number;
  rows: Array<{ command: string; ms: number; ratio: number }>;
}

export const CLI_START_GOAL = 1.5;

/** The package's bin as `npm run build` writes it (bundled: scripts/bundle-cli.js); bench.sh builds it first. */
const CLI = path.join(REPO_ROOT, "dist", "cli", "kms-policy.js");

function wallMs(args: string[]): number {
  const start = process.hrtime.bigint();
  try {
    execFileSync(process.execPath, args, { stdio: "ignore" });
  } catch {
    // validate and diff exit 1 on findings or differences: the time is what counts
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function benchCliStart(rounds = 15): CliStartResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-policy-bench-cli-"));
  try {
    const policy = path.join(dir, "policy.json");
    fs.writeFileSync(policy, kmsStyleJson(declaredPolicy(4 * 1024)));
    const commands: Array<[string, string[]]> = [
      ["--help", ["--help"]],
      ["validate (4 KB)", ["validate", policy, "--bypass-policy-lockout-safety-check"]],
      ["normalize (4 KB)", ["normalize", policy]],
      ["diff (4 KB)", ["diff", policy, policy]],
    ];
    const node: number[] = [];
    const times = commands.map((): number[] => []);
    wallMs(["-e", ""]); // the first start reads node from disk
    for (let r = 0; r < rounds; r++) {
      node.push(wallMs(["-e", ""]));
      commands.forEach(([, args], i) => times[i].push(wallMs([CLI, ...args])));
    }
    const nodeMs = median(node);
    return {
      rounds,
      nodeMs: round(nodeMs),
      rows: commands.map(([command], i) => ({ command, ms: round(median(times[i])), ratio: round(median(times[i]) / nodeMs, 2) })),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The benchmarks page's table for these results. */
export function cliStartMarkdown(r: CliStartResult, note = ""): string {
  return [
    `**\`kms-policy\` cold start**${note}: a fresh process per run, medians of ${r.rounds} rounds alternating with a bare \`node -e ''\` (${r.nodeMs} ms). Goal: ≤ ${CLI_START_GOAL}× the bare start (only \`drift\` loads the AWS SDK).`,
    "",
    `| command | wall time (ms) | × node -e '' (goal ≤ ${CLI_START_GOAL}) |`,
    "|---|---|---|",
    ...r.rows.map((x) => `| \`kms-policy ${x.command}\` | ${x.ms} | ${x.ratio}x ${x.ratio <= CLI_START_GOAL ? "✓" : "✗"} |`),
  ].join("\n");
}

if (require.main === module) {
  const result = benchCliStart();
  console.log(JSON.stringify(result, null, 2));
  console.log(cliStartMarkdown(result));
}
