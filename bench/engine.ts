import { execFileSync, spawnSync } from "child_process";
import * as path from "path";
import { policiesEquivalent } from "../provider/policy";
import { REPO_ROOT } from "../test/support/tools";
import { PolicyPair, benchPairs, uniqueVariant, writePairs } from "./pairs";
import { median, microsPerCall, round } from "./stats";

/**
 * Policy engine speed on equivalent pairs of about 1, 4, 16 and 32 KB, side by side with
 * hashicorp/awspolicyequivalence (the comparison Terraform's AWS provider uses, run by the Go
 * driver in bench/peer/) on the same pair files, and with JSON.parse of the same two texts.
 *
 * Both engines first give their verdict on every pair (equivalent pairs true, one-action-removed
 * pairs false); any disagreement stops the benchmark. Then rounds alternate: our engine times every
 * pair, then the peer does, so that machine noise falls on both. Each column is the median of the
 * rounds; a first round warms both up and is dropped.
 *   BENCH_ENGINE_ROUNDS (default 9)      rounds
 *   BENCH_ENGINE_BUDGET_MS (default 100) time spent on each measurement in a round
 */

/** The goals: ours at most a tenth of the peer's time, and at most 4 times JSON.parse's. */
export const ENGINE_GOALS = { oursToPeer: 0.1, oursToJsonParse: 4 } as const;

export interface EngineRow {
  targetKb: number;
  /** Size of the declared (compact) text and of the KMS-style text it is compared with. */
  declaredBytes: number;
  returnedBytes: number;
  statements: number;
  /** `policiesEquivalent` on texts it has never seen (a cache keyed by text cannot help). */
  oursColdMicros: number;
  /** `policiesEquivalent` on the same two texts again, as a refresh does. */
  oursWarmMicros: number;
  /** `JSON.parse` of both texts: the floor any compare pays. */
  jsonParseMicros: number;
  /** `awspolicyequivalence.PoliciesAreEquivalent` on the same two texts. */
  peerMicros: number;
  oursToPeer: number;
  oursToJsonParse: number;
}

export interface EngineResult {
  rounds: number;
  budgetMs: number;
  peer: { library: string; version: string; go: string };
  /** Pairs on which both engines agreed before any timing (every pair, timed or not). */
  pairsChecked: number;
  rows: EngineRow[];
}

interface PeerReport {
  library: string;
  version: string;
  go: string;
  pairs: Array<{ name: string; equivalent: boolean; nsPerOp?: number }>;
}

const SIZES_KB = [1, 4, 16, 32];
/** Pairs made at once for the cold compare: fresh texts, made outside the timed loop. */
const COLD_BATCH = 16;

let sink: unknown;

/** The peer's binary: the one scripts/bench.sh built, or built (or found in the cache) now. */
function peerBinary(): string {
  const fromEnv = process.env.PULUMI_KMS_POLICY_PEER;
  if (fromEnv) return fromEnv;
  return execFileSync("bash", [path.join(REPO_ROOT, "bench", "peer", "build.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

function runPeer(binary: string, manifest: string, budgetMs: number): PeerReport {
  const out = spawnSync(binary, ["-manifest", manifest, "-budget", `${budgetMs}ms`], { encoding: "utf8", maxBuffer: 16 * 2 ** 20 });
  if (out.error) throw new Error(`the peer (${binary}) did not run: ${out.error.message}`);
  if (out.status !== 0) throw new Error(`the peer disagrees or failed (exit ${out.status}):\n${out.stderr}`);
  return JSON.parse(out.stdout.trim().split("\n").pop() as string) as PeerReport;
}

/** Our verdict on every pair, on its texts and on a never-seen variant of them; throws on the first miss. */
function checkOurVerdicts(pairs: PolicyPair[], nextVariant: () => number): void {
  for (const p of pairs) {
    for (const [a, b] of [
      [p.a, p.b],
      [uniqueVariant(p.a, nextVariant()), uniqueVariant(p.b, nextVariant())],
    ]) {
      let verdict: boolean;
      try {
        verdict = policiesEquivalent(a, b);
      } catch (err) {
        throw new Error(`pair ${p.name}: our engine refused it: ${(err as Error).message}`, { cause: err });
      }
      if (verdict !== p.expected)
        throw new Error(`pair ${p.name}: our engine says equivalent=${verdict}, the benchmark expects ${p.expected}`);
    }
  }
}

function equivalentOrThrow(p: PolicyPair, a: string, b: string): void {
  if (!policiesEquivalent(a, b)) throw new Error(`pair ${p.name}: our engine changed its verdict while timed`);
}

/** Mean µs per compare of texts the engine has never seen, over about `budgetMs` of compares. */
function coldMicros(p: PolicyPair, budgetMs: number, nextVariant: () => number): number {
  let calls = 0;
  let ns = 0;
  while (ns < budgetMs * 1e6) {
    const batch = Array.from({ length: COLD_BATCH }, () => [uniqueVariant(p.a, nextVariant()), uniqueVariant(p.b, nextVariant())] as const);
    const start = process.hrtime.bigint();
    for (const [a, b] of batch) equivalentOrThrow(p, a, b);
    ns += Number(process.hrtime.bigint() - start);
    calls += batch.length;
  }
  return ns / 1000 / calls;
}

export function benchEngine(log: (s: string) => void = () => undefined): EngineResult {
  const rounds = Number(process.env.BENCH_ENGINE_ROUNDS ?? 9);
  const budgetMs = Number(process.env.BENCH_ENGINE_BUDGET_MS ?? 100);
  let variant = 0;
  const nextVariant = () => variant++;

  const pairs = benchPairs(SIZES_KB);
  const manifest = writePairs(path.join(REPO_ROOT, "bench", "results", "tmp", "pairs"), pairs);
  const peer = peerBinary();
  checkOurVerdicts(pairs, nextVariant);
  const checked = runPeer(peer, manifest, 0);
  log(`both engines agree on all ${pairs.length} pairs (${manifest})`);

  const timed = pairs.filter((p) => p.timed);
  const samples = new Map(
    timed.map((p) => [p.name, { cold: [] as number[], warm: [] as number[], parse: [] as number[], peer: [] as number[] }]),
  );
  for (let r = 0; r <= rounds; r++) {
    const ours = timed.map((p) => ({
      name: p.name,
      cold: coldMicros(p, budgetMs, nextVariant),
      warm: microsPerCall(() => equivalentOrThrow(p, p.a, p.b), budgetMs),
      parse: microsPerCall(() => {
        sink = JSON.parse(p.a);
        sink = JSON.parse(p.b);
      }, budgetMs),
    }));
    const theirs = runPeer(peer, manifest, budgetMs);
    if (r === 0) continue; // warm-up round
    for (const o of ours) {
      const s = samples.get(o.name) as { cold: number[]; warm: number[]; parse: number[]; peer: number[] };
      const nsPerOp = theirs.pairs.find((t) => t.name === o.name)?.nsPerOp;
      if (nsPerOp === undefined) throw new Error(`the peer did not time pair ${o.name}`);
      s.cold.push(o.cold);
      s.warm.push(o.warm);
      s.parse.push(o.parse);
      s.peer.push(nsPerOp / 1000);
    }
    log(`round ${r}/${rounds}`);
  }
  void sink;

  const rows = timed.map((p): EngineRow => {
    const s = samples.get(p.name) as { cold: number[]; warm: number[]; parse: number[]; peer: number[] };
    const cold = median(s.cold);
    const peerMicros = median(s.peer);
    const parse = median(s.parse);
    return {
      targetKb: p.targetKb,
      declaredBytes: Buffer.byteLength(p.a),
      returnedBytes: Buffer.byteLength(p.b),
      statements: (JSON.parse(p.a) as { Statement: unknown[] }).Statement.length,
      oursColdMicros: round(cold),
      oursWarmMicros: round(median(s.warm)),
      jsonParseMicros: round(parse),
      peerMicros: round(peerMicros),
      oursToPeer: round(cold / peerMicros, 2),
      oursToJsonParse: round(cold / parse, 2),
    };
  });
  return {
    rounds,
    budgetMs,
    peer: { library: checked.library, version: checked.version, go: checked.go },
    pairsChecked: pairs.length,
    rows,
  };
}
