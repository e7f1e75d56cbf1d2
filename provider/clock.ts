/**
 * Time as the runtime sees it. Injected where a behaviour depends on time windows, so that tests
 * can decide when a window closes instead of depending on how fast the machine is.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `task` once, `ms` milliseconds from now. */
  after(ms: number, task: () => void): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after: (ms, task) => void setTimeout(task, ms),
};

/** Resolves `ms` milliseconds from now on `clock`: the one way runtime code waits. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise<void>((resolve) => clock.after(ms, resolve));
}
