import { Clock } from "../../provider/clock";

/**
 * A clock that moves only when the test says so. With `timers: "manual"`, a task runs when
 * `advance` reaches its time; with `timers: "real"`, tasks run on Node's timers and only `now` is
 * frozen, so that windows measured with `now` never close by themselves.
 */
export class ManualClock implements Clock {
  private time = Date.parse("2026-01-01T00:00:00Z");
  private tasks: Array<{ at: number; task: () => void }> = [];

  constructor(private readonly timers: "manual" | "real" = "manual") {}

  now(): number {
    return this.time;
  }

  after(ms: number, task: () => void): void {
    if (this.timers === "real") setTimeout(task, ms);
    else this.tasks.push({ at: this.time + ms, task });
  }

  /** Tasks waiting for `advance`. */
  get pending(): number {
    return this.tasks.length;
  }

  advance(ms: number): void {
    this.time += ms;
    const due = this.tasks.filter((t) => t.at <= this.time);
    this.tasks = this.tasks.filter((t) => t.at > this.time);
    for (const { task } of due) task();
  }
}

/** Resolves once every promise continuation queued so far has run (they all run before I/O and timers). */
export const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A clock on which every wait is over at once: `after` moves time forward by the wait and runs
 * the task on the next turn. For code that waits in loops whose length the test only counts.
 */
export class InstantClock implements Clock {
  private time = Date.parse("2026-01-01T00:00:00Z");

  now(): number {
    return this.time;
  }

  after(ms: number, task: () => void): void {
    this.time += ms;
    setImmediate(task);
  }
}
