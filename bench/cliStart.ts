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
 * bare start, which needs the commands to load neither the AWS SDK nor `@pulumi/pulumi`. Each run
 * also reports the CPU time it used (user + system, every thread, read at exit by a preload): on a
 * shared machine a process waits for a core, which the wall time counts and the CPU time does not,
 * so the CPU ratio is the figure that holds from one run of the benchmark to the next.
 * `node build/bench/cliStart.js` runs it alone.
 */
export interface CliStartResult {
  rounds: number;
  nodeMs: number;
  /** The bare start's CPU time (median). */
  nodeCpuMs: number;
  rows: Array<{ command: string; ms: number; ratio: number; cpuMs: number; cpuRatio: number }>;
}

export const CLI_START_GOAL = 1.5;

/** The package's bin as `npm run build` writes it (bundled: scripts/bundle-cli.js); bench.sh builds it first. */
const CLI = path.join(REPO_ROOT, "dist", "cli", "kms-policy.js");

/** A preload that writes, at exit, the process's CPU time in ms to the file KMS_POLICY_BENCH_CPU names. */
const CPU_HOOK = `process.on("exit", () => {
  const u = process.cpuUsage();
  require("fs").writeFileSync(process.env.KMS_POLICY_BENCH_CPU, String((u.user + u.system) / 1000));
});`;

/** One fresh process: its wall time and the CPU time it reported. */
function start(args: string[], hook: string, cpuFile: string): { wall: number; cpu: number } {
  const begin = process.hrtime.bigint();
  try {
    execFileSync(process.execPath, ["--require", hook, ...args], {
      stdio: "ignore",
      env: { ...process.env, KMS_POLICY_BENCH_CPU: cpuFile },
    });
  } catch {
    // validate and diff exit 1 on findings or differences: the time is what counts
  }
  const wall = Number(process.hrtime.bigint() - begin) / 1e6;
  return { wall, cpu: Number(fs.readFileSync(cpuFile, "utf8")) };
}

export function benchCliStart(rounds = 15): CliStartResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-policy-bench-cli-"));
  try {
    const policy = path.join(dir, "policy.json");
    fs.writeFileSync(policy, kmsStyleJson(declaredPolicy(4 * 1024)));
    const hook = path.join(dir, "cpu-hook.js");
    fs.writeFileSync(hook, CPU_HOOK);
    const cpuFile = path.join(dir, "cpu.txt");
    const commands: Array<[string, string[]]> = [
      ["--help", ["--help"]],
      ["validate (4 KB)", ["validate", policy, "--bypass-policy-lockout-safety-check"]],
      ["normalize (4 KB)", ["normalize", policy]],
      ["diff (4 KB)", ["diff", policy, policy]],
    ];
    const node: Array<{ wall: number; cpu: number }> = [];
    const times = commands.map((): Array<{ wall: number; cpu: number }> => []);
    start(["-e", ""], hook, cpuFile); // the first start reads node from disk
    for (let r = 0; r < rounds; r++) {
      node.push(start(["-e", ""], hook, cpuFile));
      commands.forEach(([, args], i) => times[i].push(start([CLI, ...args], hook, cpuFile)));
    }
    const nodeMs = median(node.map((t) => t.wall));
    const nodeCpuMs = median(node.map((t) => t.cpu));
    return {
      rounds,
      nodeMs: round(nodeMs),
      nodeCpuMs: round(nodeCpuMs),
      rows: commands.map(([command], i) => {
        const ms = median(times[i].map((t) => t.wall));
        const cpuMs = median(times[i].map((t) => t.cpu));
        return { command, ms: round(ms), ratio: round(ms / nodeMs, 2), cpuMs: round(cpuMs), cpuRatio: round(cpuMs / nodeCpuMs, 2) };
      }),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const mark = (ratio: number) => (ratio <= CLI_START_GOAL ? "✓" : "✗");

/** The benchmarks page's table for these results. */
export function cliStartMarkdown(r: CliStartResult, note = ""): string {
  return [
    `**\`kms-policy\` cold start**${note}: a fresh process per run, medians of ${r.rounds} rounds alternating with a bare \`node -e ''\` (${r.nodeMs} ms wall, ${r.nodeCpuMs} ms CPU). Goal: ≤ ${CLI_START_GOAL}× the bare start (only \`drift\` loads the AWS SDK). CPU time is user + system of every thread of the process: the figure a busy machine changes least.`,
    "",
    `| command | wall time (ms) | × node -e '' (goal ≤ ${CLI_START_GOAL}) | CPU time (ms) | CPU × node -e '' |`,
    "|---|---|---|---|---|",
    ...r.rows.map(
      (x) => `| \`kms-policy ${x.command}\` | ${x.ms} | ${x.ratio}x ${mark(x.ratio)} | ${x.cpuMs} | ${x.cpuRatio}x ${mark(x.cpuRatio)} |`,
    ),
  ].join("\n");
}

if (require.main === module) {
  const result = benchCliStart();
  console.log(JSON.stringify(result, null, 2));
  console.log(cliStartMarkdown(result));
}
