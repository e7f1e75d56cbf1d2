import { expect } from "chai";
import { spawn } from "child_process";
import { descendantsOf, parentPid, peakRssDuring, vmHwmKiB } from "../../../bench/peakRss";

describe("bench: peak RSS from /proc", () => {
  it("reads VmHWM from a status file, and nothing from one without it", () => {
    const status = "Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t   81234 kB\nVmRSS:\t   80000 kB\n";
    expect(vmHwmKiB(status)).to.equal(81234);
    expect(vmHwmKiB("Name:\tkthreadd\nState:\tS (sleeping)\n")).to.equal(undefined);
  });

  it("reads the parent pid even when the command name holds spaces and parentheses", () => {
    expect(parentPid("4242 (node) S 4100 4242 4100 0 -1")).to.equal(4100);
    expect(parentPid("77 (a (weird) name) R 1 77 77 0 -1")).to.equal(1);
    expect(parentPid("")).to.equal(undefined);
  });

  it("finds children and grandchildren, whatever the map's order, and nothing else", () => {
    const parents = new Map([
      [30, 20],
      [20, 10],
      [11, 1],
      [40, 30],
      [21, 10],
    ]);
    expect([...descendantsOf(10, parents)].sort()).to.deep.equal([20, 21, 30, 40]);
    expect(descendantsOf(99, parents).size).to.equal(0);
  });

  it("measures a child process that holds about 64 MiB", async function () {
    this.timeout(20000);
    const marker = `peak-rss-test-${process.pid}`;
    const script = `const b = Buffer.alloc(64 * 2 ** 20, 1); setTimeout(() => console.log(b[0], ${JSON.stringify(marker)}), 600);`;
    const rss = await peakRssDuring(
      "test",
      (argv) => argv.some((a) => a.includes(marker)),
      () =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, ["-e", script]);
          child.on("error", reject);
          child.on("exit", resolve);
        }),
    );
    expect(rss.processes).to.equal(1);
    expect(rss.maxKiB).to.be.above(64 * 1024);
    expect(rss.sumKiB).to.equal(rss.maxKiB);
    await peakRssDuring(
      "absent",
      () => false,
      () => new Promise((r) => setTimeout(r, 120)),
    ).then(
      () => expect.fail("a run with no matching process must not report a number"),
      (err: Error) => expect(err.message).to.equal("no absent process was seen: nothing to report"),
    );
  });
});
