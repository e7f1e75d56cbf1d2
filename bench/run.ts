/**
 * `npm run bench`: every benchmark, then the raw results in bench/results/ and the tables in the
 * docs/benchmarks.md (between the bench markers). Benchmarks run on demand, never in CI.
 *   BENCH_REPEATS (default 3)   repeated runs per timed measurement; the median is reported
 *   BENCH_ONLY=engine,lint,cli,access,calls,size,stack,drift,statements   a subset (none: only re-render docs/benchmarks.md from latest.json)
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startMoto } from "../toolchain/moto";
import { Workspace } from "../test/support/workspace";
import { REPO_ROOT } from "../test/support/tools";
import { ENGINE_GOALS, EngineResult, benchEngine } from "./engine";
import { RefreshCallsResult, benchRefreshCalls } from "./refreshCalls";
import { ProviderSizeResult, benchProviderSize } from "./providerSize";
import { StackPeakRss, StackTimesResult, benchStackTimes } from "./stackTimes";
import { DriftResult, benchDrift } from "./drift";
import { engineChart } from "./chart";
import { LintBenchResult, benchLint, lintMarkdown } from "./lint";
import { CliStartResult, benchCliStart, cliStartMarkdown } from "./cliStart";
import { AccessBenchRow, accessMarkdown, benchAccess } from "./access";
import { StatementBenchResult, benchStatements } from "./statements";

interface Results {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  repeats: number;
  engine?: EngineResult;
  refreshCalls?: RefreshCallsResult[];
  providerSize?: ProviderSizeResult[];
  stack?: { rows: StackTimesResult[]; driftMs: number; previewRefreshMs: number; peakRss?: StackPeakRss };
  drift?: DriftResult[];
  lint?: LintBenchResult;
  cli?: CliStartResult;
  access?: AccessBenchRow[];
  statements?: StatementBenchResult;
  /** The day each section was last measured (a run may measure only some: BENCH_ONLY). */
  measured?: Partial<Record<Section, string>>;
  /** The machine each section was last measured on, when a partial run was on another one. */
  machines?: Partial<Record<Section, string>>;
}

const SECTIONS = ["engine", "lint", "cli", "access", "refreshCalls", "providerSize", "stack", "drift", "statements"] as const;
type Section = (typeof SECTIONS)[number];

const machineText = (m: Results["machine"]) => `${m.cpus} cores (${m.cpuModel})`;

const table = (header: string[], rows: Array<Array<string | number>>) =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

/** The engine section of docs/benchmarks.md (also printed by the run that measures it). */
function engineMarkdown(e: EngineResult, when: string): string {
  const mark = (ratio: number, goal: number) => `${ratio}x ${ratio <= goal ? "✓" : "✗"}`;
  return [
    `**Policy engine** on equivalent pairs: a declared policy (compact JSON) against the same policy as KMS might return it (re-serialized in KMS's \`"Key" : value\` style, statements and keys reordered, a one-element list for a string, the account id as its root ARN). Cold = texts the engine has never seen; warm = the same two texts again, as a refresh does. Peer = \`${e.peer.library}\` ${e.peer.version} (Terraform's comparison; ${e.peer.go}), timed by \`bench/peer/\` on the same pair files, in rounds alternating with ours. Both engines first agreed on all ${e.pairsChecked} pairs (equivalent pairs true, one-action-removed pairs false). Medians of ${e.rounds} rounds${when}. Goals (issue 16): ours / peer ≤ ${ENGINE_GOALS.oursToPeer}, ours / JSON.parse ≤ ${ENGINE_GOALS.oursToJsonParse}, both cold.`,
    table(
      [
        "policy size",
        "statements",
        "ours cold (µs)",
        "ours warm (µs)",
        "JSON.parse (µs)",
        "peer (µs)",
        `ours / peer (goal ≤ ${ENGINE_GOALS.oursToPeer})`,
        `ours / JSON.parse (goal ≤ ${ENGINE_GOALS.oursToJsonParse})`,
      ],
      e.rows.map((row) => [
        `${row.targetKb} KB (${row.declaredBytes} B / ${row.returnedBytes} B)`,
        row.statements,
        row.oursColdMicros,
        row.oursWarmMicros,
        row.jsonParseMicros,
        row.peerMicros,
        mark(row.oursToPeer, ENGINE_GOALS.oursToPeer),
        mark(row.oursToJsonParse, ENGINE_GOALS.oursToJsonParse),
      ]),
    ),
    "![compare time by policy size](../bench/results/engine.svg)",
  ].join("\n\n");
}

/** The whole-stack section of docs/benchmarks.md (also printed by the run that measures it). */
function stackMarkdown(stack: NonNullable<Results["stack"]>, when: string): string {
  const parts = [
    `**Wall time, 20 KeyPolicies + 200 Grants on moto** (floor = 220 do-nothing dynamic resources; issue 16 aims at 1.15x or less for \`preview --refresh\`)${when}:`,
    table(
      ["operation", "ours (ms)", "floor (ms)", "ours / floor"],
      [
        ...stack.rows.map((s) => [s.operation, s.oursMs, s.floorMs, `${s.ratio}x`]),
        [
          "`kms-policy drift` on the same stack's export",
          stack.driftMs,
          "",
          `${Math.round((stack.driftMs / stack.previewRefreshMs) * 100) / 100}x of preview --refresh`,
        ],
      ],
    ),
  ];
  const rss = stack.peakRss;
  if (rss) {
    const mib = (kib: number) => Math.round(kib / 102.4) / 10;
    parts.push(
      "**Peak RSS of the dynamic provider process during `pulumi preview --refresh`** of the same stacks (VmHWM, sampled every 50 ms from /proc; one untimed run after the timings):",
      table(
        ["stack", "provider processes", "peak RSS (MiB)"],
        [
          ["20 KeyPolicies + 200 Grants", rss.ours.processes, mib(rss.ours.maxKiB)],
          ["floor: 220 do-nothing dynamic resources", rss.floor.processes, mib(rss.floor.maxKiB)],
        ],
      ),
    );
  }
  return parts.join("\n\n");
}

/** The KeyPolicyStatement section of docs/benchmarks.md. */
function statementsMarkdown(st: StatementBenchResult, when: string): string {
  const operations = [...new Set(st.calls.flatMap((row) => Object.keys(row.calls)))].sort();
  return [
    `**KMS calls of one KeyPolicyStatement** on moto (counted; every wait over at once and the jitter's draw fixed, so the count is the same on any machine; no other writer, so no put is repeated)${when}. A write reads the policy until five answers agree, puts, then watches the policy for at least 20 polls (5 s) so that a writer in another stack that read before the put is caught; a refresh that finds its statement as recorded reads once:`,
    table(
      ["operation", ...operations, "total"],
      st.calls.map((row) => [row.operation, ...operations.map((op) => row.calls[op] ?? 0), row.total]),
    ),
    `**Wall time of ${st.times[0]?.statements ?? 20} KeyPolicyStatements on one key** through the real CLI on moto (\`--skip-preview\`; the statements asked at once share a put)${when}:`,
    table(
      ["operation", "statements", "time (ms)"],
      st.times.map((row) => [row.operation, row.statements, row.ms]),
    ),
  ].join("\n\n");
}

function markdown(r: Results): string {
  const parts = [
    `Measured ${r.date.slice(0, 10)} on ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}; medians of ${r.repeats} runs for timings; a section measured on another day says so. Raw results: \`bench/results/latest.json\`. Re-run with \`npm run bench\`.`,
  ];
  const day = r.date.slice(0, 10);
  const here = machineText(r.machine);
  const when = (section: Section) => {
    const at = r.measured?.[section]?.slice(0, 10);
    const on = r.machines?.[section] ?? here;
    const parts = [...(at && at !== day ? [`measured ${at}`] : []), ...(on !== here ? [`on ${on}`] : [])];
    return parts.length > 0 ? ` (${parts.join(", ")})` : "";
  };
  if (r.engine) parts.push(engineMarkdown(r.engine, when("engine")));
  if (r.refreshCalls) {
    parts.push(
      `**ListGrants calls to refresh K keys × G grants** (counted by the proxy on moto; the real-KMS columns add the pages of 100 that moto never returns)${when("refreshCalls")}:`,
      table(
        ["keys × grants", "ours (moto)", "Terraform-style (moto)", "ours (real KMS)", "Terraform-style (real KMS)"],
        r.refreshCalls.map((c) => [
          `${c.keys} × ${c.grantsPerKey}`,
          c.oursCalls,
          c.terraformCalls,
          c.oursCallsRealKms,
          c.terraformCallsRealKms,
        ]),
      ),
    );
  }
  if (r.providerSize) {
    parts.push(
      `**\`__provider\` bytes per resource in the state** (naive = the same provider kept in the project's own files)${when("providerSize")}:`,
      table(
        ["resource", "ours", "naive", "naive / ours"],
        r.providerSize.map((s) => [s.resource, s.oursBytes, s.naiveBytes, `${Math.round(s.naiveBytes / s.oursBytes)}x`]),
      ),
    );
  }
  if (r.stack) parts.push(stackMarkdown(r.stack, when("stack")));
  if (r.drift) {
    parts.push(
      `**\`kms-policy drift\`**, key policies with 5 grants each (all KMS calls counted)${when("drift")}:`,
      table(
        ["key policies", "resources", "concurrency", "time (ms)", "KMS calls"],
        r.drift.map((d) => [d.keys, d.resources, d.concurrency, d.ms, d.calls]),
      ),
    );
  }
  if (r.statements) parts.push(statementsMarkdown(r.statements, when("statements")));
  if (r.lint) parts.push(lintMarkdown(r.lint, when("lint")));
  if (r.cli) parts.push(cliStartMarkdown(r.cli, when("cli")));
  if (r.access) parts.push(accessMarkdown(r.access, when("access")));
  return parts.join("\n\n");
}

/** Merges what has been measured so far into bench/results/latest.json and docs/benchmarks.md. */
function save(results: Results): void {
  const dir = path.join(REPO_ROOT, "bench", "results");
  const previous = fs.existsSync(path.join(dir, "latest.json"))
    ? (JSON.parse(fs.readFileSync(path.join(dir, "latest.json"), "utf8")) as Results)
    : undefined;
  // Sections kept from an earlier run keep its day; sections measured now take today's.
  const measured: Partial<Record<Section, string>> = {};
  const machines: Partial<Record<Section, string>> = {};
  for (const section of SECTIONS) {
    if (results[section]) {
      measured[section] = results.date;
      machines[section] = machineText(results.machine);
    } else if (previous?.[section]) {
      measured[section] = previous.measured?.[section] ?? previous.date;
      machines[section] = previous.machines?.[section] ?? machineText(previous.machine);
    }
  }
  const merged: Results = { ...previous, ...results, measured, machines };
  fs.writeFileSync(path.join(dir, "latest.json"), JSON.stringify(merged, null, 2) + "\n");
  if (merged.engine) fs.writeFileSync(path.join(dir, "engine.svg"), engineChart(merged.engine.rows));
  const pagePath = path.join(REPO_ROOT, "docs", "benchmarks.md");
  const page = fs.readFileSync(pagePath, "utf8");
  const start = "<!-- bench:start -->";
  const end = "<!-- bench:end -->";
  const body = `${start}\n${markdown(merged)}\n${end}`;
  const updated = page.includes(start) ? page.replace(new RegExp(`${start}[\\s\\S]*${end}`), body) : `${page}\n${body}\n`;
  fs.writeFileSync(pagePath, updated);
}

async function main(): Promise<void> {
  const only = new Set((process.env.BENCH_ONLY ?? "engine,lint,cli,access,calls,size,stack,drift,statements").split(","));
  const repeats = Number(process.env.BENCH_REPEATS ?? 3);
  const results: Results = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
    },
    repeats,
  };
  const log = (s: string) => console.log(`[bench] ${s}`);
  if (only.has("engine")) {
    log("policy engine");
    results.engine = benchEngine(log);
    save(results);
    console.log(`\n${engineMarkdown(results.engine, "")}\n`);
  }
  if (only.has("lint")) {
    log("lint");
    results.lint = benchLint();
    save(results);
  }
  if (only.has("cli")) {
    log("kms-policy cold start");
    results.cli = benchCliStart();
    save(results);
  }
  if (only.has("access")) {
    log("access checks");
    results.access = benchAccess();
    save(results);
  }
  if (!["calls", "size", "stack", "drift", "statements"].some((s) => only.has(s))) {
    save(results); // nothing else to measure: render what latest.json holds
    log("results in bench/results/latest.json and docs/benchmarks.md");
    return;
  }
  const moto = await startMoto();
  let workspace: Workspace | undefined;
  try {
    if (only.has("calls")) {
      log("refresh calls");
      results.refreshCalls = await benchRefreshCalls(moto, [
        [1, 10],
        [1, 100],
        [1, 500],
        [10, 10],
        [10, 100],
        [10, 500],
      ]);
      save(results);
    }
    if (["size", "stack", "drift", "statements"].some((s) => only.has(s))) workspace = await Workspace.create(moto);
    if (workspace && only.has("size")) {
      log("__provider size");
      results.providerSize = await benchProviderSize(workspace);
      save(results);
    }
    if (workspace && only.has("stack")) {
      log("stack wall times");
      await moto.reset();
      results.stack = await benchStackTimes(workspace, repeats);
      save(results);
      console.log(`\n${stackMarkdown(results.stack, "")}\n`);
    }
    if (workspace && only.has("statements")) {
      log("KeyPolicyStatement calls and times");
      await moto.reset();
      results.statements = await benchStatements(moto, workspace, repeats);
      save(results);
    }
    if (workspace && only.has("drift")) {
      log("kms-policy drift");
      results.drift = await benchDrift(workspace, [1, 100, 1000], repeats);
      save(results);
    }
  } finally {
    workspace?.remove();
    await moto.stop();
  }
  log("results in bench/results/latest.json and docs/benchmarks.md");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
