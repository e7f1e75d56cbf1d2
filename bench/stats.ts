/** Small statistics for benchmarks: medians of repeated runs, never a single sample. */
export function median(values: number[]): number {
  if (values.length === 0) throw new RangeError("the median of no samples");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Calls `fn` until `budgetMs` has passed (at least once); returns the mean microseconds per call.
 * The clock is read between growing runs of calls, so that reading it costs nothing next to
 * sub-microsecond calls. One such measurement is one sample: callers repeat it and take the median.
 */
export function microsPerCall(fn: () => void, budgetMs: number): number {
  let calls = 0;
  let totalNs = 0;
  for (let run = 1; totalNs < budgetMs * 1e6;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < run; i++) fn();
    const ns = Number(process.hrtime.bigint() - start);
    totalNs += ns;
    calls += run;
    if (ns < (budgetMs * 1e6) / 50) run *= 2;
  }
  return totalNs / 1000 / calls;
}

export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
