import * as fs from "fs";

/**
 * Peak resident memory of processes started (directly or not) by this one, read from Linux's
 * /proc/<pid>/status `VmHWM` (the process's own high-water mark). A process is sampled every few
 * milliseconds while it lives; VmHWM never goes down, so the last sample before it exits misses
 * only what it grew in its last interval.
 */

/** `VmHWM` in KiB from the text of /proc/<pid>/status, or undefined (a kernel thread, a zombie). */
export function vmHwmKiB(status: string): number | undefined {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) : undefined;
}

/** The parent pid from the text of /proc/<pid>/stat (its command name may hold spaces and parentheses). */
export function parentPid(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** Every pid below `root` in a pid -> parent pid map. */
export function descendantsOf(root: number, parents: Map<number, number>): Set<number> {
  const found = new Set<number>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!found.has(pid) && (ppid === root || found.has(ppid))) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return found;
}

const read = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined; // the process ended between listing and reading
  }
};

export interface PeakRss {
  /** Processes that matched, over the whole run. */
  processes: number;
  /** The largest single process's peak. */
  maxKiB: number;
  /** The peaks of all matching processes added up (they may not all have peaked at once). */
  sumKiB: number;
}

/**
 * Runs `fn` while sampling the peak RSS of this process's descendants whose arguments (argv, the
 * program first) `matches` accepts; `what` names them in errors.
 */
export async function peakRssDuring(
  what: string,
  matches: (argv: string[]) => boolean,
  fn: () => Promise<unknown>,
  intervalMs = 50,
): Promise<PeakRss> {
  const peaks = new Map<number, number>();
  const sample = () => {
    const parents = new Map<number, number>();
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const ppid = parentPid(read(`/proc/${entry}/stat`) ?? "");
      if (ppid !== undefined) parents.set(Number(entry), ppid);
    }
    for (const pid of descendantsOf(process.pid, parents)) {
      if (!matches((read(`/proc/${pid}/cmdline`) ?? "").split("\0"))) continue;
      const kib = vmHwmKiB(read(`/proc/${pid}/status`) ?? "");
      if (kib !== undefined) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, kib));
    }
  };
  const timer = setInterval(sample, intervalMs);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  const values = [...peaks.values()];
  if (values.length === 0) throw new Error(`no ${what} process was seen: nothing to report`);
  return { processes: values.length, maxKiB: Math.max(...values), sumKiB: values.reduce((a, b) => a + b, 0) };
}
