import { expect } from "chai";
import { median, microsPerCall, round } from "../../../bench/stats";

describe("bench: statistics", () => {
  it("median of odd and even counts, whatever the order; none is an error", () => {
    expect(median([5, 1, 3])).to.equal(3);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(median([7])).to.equal(7);
    const input = [3, 1, 2];
    median(input);
    expect(input).to.deep.equal([3, 1, 2], "the samples are left alone");
    expect(() => median([])).to.throw(RangeError);
  });

  it("microsPerCall runs for its budget and divides the time by the calls", () => {
    let calls = 0;
    const start = process.hrtime.bigint();
    const micros = microsPerCall(() => {
      calls++;
      const until = process.hrtime.bigint() + 20_000n; // 20 µs of work
      while (process.hrtime.bigint() < until);
    }, 30);
    const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    expect(elapsedMs).to.be.at.least(30);
    expect(calls).to.be.above(1);
    expect(micros).to.be.at.least(20);
    expect(micros * calls).to.be.at.most(elapsedMs * 1000 + 1);
  });

  it("microsPerCall calls a slow function at least once", () => {
    let calls = 0;
    const micros = microsPerCall(() => {
      calls++;
      const until = process.hrtime.bigint() + 5_000_000n;
      while (process.hrtime.bigint() < until);
    }, 1);
    expect(calls).to.equal(1);
    expect(micros).to.be.at.least(5000);
  });

  it("round keeps the digits asked for", () => {
    expect(round(1.26)).to.equal(1.3);
    expect(round(0.0449, 2)).to.equal(0.04);
    expect(round(1234.5678, 0)).to.equal(1235);
  });
});
