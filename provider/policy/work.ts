/**
 * How many times the engine has done each of its costly steps on a document since the process
 * started: read it (JSON and KMS's text checks), validated it, normalized it, linted it. For tests
 * and benchmarks that show a caller does each step once per input, by counting (a timing shows
 * nothing on a shared machine). Nothing the engine returns depends on these counts.
 */
export interface EngineWork {
  reads: number;
  validations: number;
  normalizations: number;
  lints: number;
}

/** The counters themselves: each step adds one as it starts. */
export const engineWork: EngineWork = { reads: 0, validations: 0, normalizations: 0, lints: 0 };

/** The steps done since `before` (a copy taken with `{ ...engineWork }`). */
export function engineWorkSince(before: EngineWork): EngineWork {
  return {
    reads: engineWork.reads - before.reads,
    validations: engineWork.validations - before.validations,
    normalizations: engineWork.normalizations - before.normalizations,
    lints: engineWork.lints - before.lints,
  };
}
