/** Small statistics for benchmarks: medians of repeated runs, never a single sample. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `fn` until `minMs` has passed (at least `minRuns` times); returns per-call microseconds, median of batches. */
export function microsPerCall(fn: () => void, options: { batches?: number; minMs?: number } = {}): number {
  const batches = options.batches ?? 9;
  const minMs = options.minMs ?? 150;
  for (let i = 0; i < 50; i++) fn(); // warm up the JIT
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      fn();
      calls++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    } while (elapsed < minMs / batches);
    samples.push((elapsed * 1000) / calls);
  }
  return median(samples);
}

export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
