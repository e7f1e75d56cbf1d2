/**
 * The cost of the access checks at 4 and 32 KB: checkNoNewAccess on the benchmark's equivalent pair
 * (the declared policy against the same policy as KMS returns it) and on the one-action-removed pair,
 * checkAccessNotGranted and accessOf on the declared policy. Medians of `repeats` runs, in ms.
 * Section `access` of `npm run bench` (BENCH_ONLY=access); alone: `node build/bench/access.js`.
 */
import { accessOf, checkAccessNotGranted, checkNoNewAccess } from "../provider/policy";
import { benchPairs } from "./pairs";

export interface AccessBenchRow {
  kb: number;
  noNewAccessEquivalentMs: number;
  noNewAccessNarrowedMs: number;
  accessNotGrantedMs: number;
  accessOfMs: number;
}

function median(f: () => unknown, repeats: number): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = process.hrtime.bigint();
    f();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)] * 100) / 100;
}

export function benchAccess(sizesKb = [4, 32], repeats = 5): AccessBenchRow[] {
  return sizesKb.map((kb) => {
    const [equivalent, narrowed] = benchPairs([kb]);
    return {
      kb,
      noNewAccessEquivalentMs: median(() => checkNoNewAccess(equivalent.a, equivalent.b), repeats),
      // The one-action-removed pair read the other way: the candidate drops an action.
      noNewAccessNarrowedMs: median(() => checkNoNewAccess(narrowed.a, narrowed.b), repeats),
      accessNotGrantedMs: median(() => checkAccessNotGranted(equivalent.a, { actions: ["kms:PutKeyPolicy"] }), repeats),
      accessOfMs: median(() => accessOf(equivalent.a), repeats),
    };
  });
}

/** The docs/benchmarks.md table for these results. */
export function accessMarkdown(rows: AccessBenchRow[], note = ""): string {
  return [
    `**Access checks**${note} (\`checkNoNewAccess\`, \`checkAccessNotGranted\`, \`accessOf\`; median of 5 runs, warm). The policies are the engine benchmark's: no-new-access on the equivalent pair (the declared policy against the same policy as KMS returns it) and on the one-action-removed pair read as a narrowing; access-not-granted asks about \`kms:PutKeyPolicy\`; the matrix of the declared policy.`,
    "",
    "| policy size | no-new-access, equivalent (ms) | no-new-access, narrowed (ms) | access-not-granted (ms) | accessOf (ms) |",
    "|---|---|---|---|---|",
    ...rows.map(
      (r) => `| ${r.kb} KB | ${r.noNewAccessEquivalentMs} | ${r.noNewAccessNarrowedMs} | ${r.accessNotGrantedMs} | ${r.accessOfMs} |`,
    ),
  ].join("\n");
}

if (require.main === module) {
  const rows = benchAccess();
  console.log(JSON.stringify(rows, null, 2));
  console.log(accessMarkdown(rows));
}
