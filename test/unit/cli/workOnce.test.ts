import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../../provider/cli/main";
import { canonicalPolicyJson, diffPolicies, formatPolicyDiff, lintPolicy } from "../../../provider/policy";
import { EngineWork, engineWork, engineWorkSince } from "../../../provider/policy/work";

/*
 * Each command reads, validates and normalizes each file once: the lockout check uses the form the
 * result is made from (normalize, diff), or what the lint read (validate). Proved by the engine's
 * counts of its steps, not by a timing.
 */

const account = "111122223333";
const adminStatement = {
  Sid: "KeyAdministration",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: "kms:*",
  Resource: "*",
};
const useStatement = {
  Sid: "KeyUse",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${account}:role/App` },
  Action: ["kms:Decrypt", "kms:Encrypt"],
  Resource: "*",
};
const declared = JSON.stringify({ Version: "2012-10-17", Statement: [adminStatement, useStatement] }, null, 2);
const changed = JSON.stringify({ Version: "2012-10-17", Statement: [adminStatement, { ...useStatement, Action: "kms:Decrypt" }] }, null, 2);
// Nobody keeps kms:PutKeyPolicy: a lockout, which every command refuses unless bypassed.
const lockout = JSON.stringify({ Version: "2012-10-17", Statement: [useStatement] }, null, 2);

describe("kms-policy: each file is read, validated and normalized once", () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-policy-work-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs the command in this process: its exit code, its output, and the engine's steps it took. */
  async function counted(argv: string[]): Promise<{ status: number; out: string; err: string; work: EngineWork }> {
    const out: string[] = [];
    const err: string[] = [];
    const start = { ...engineWork };
    const status = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { status, out: out.join("\n"), err: err.join("\n"), work: engineWorkSince(start) };
  }

  it("normalize normalizes its file once, lockout check included, and prints the canonical form", async () => {
    const r = await counted(["normalize", file("before.json", declared)]);
    expect(r.status, r.err).to.equal(0);
    expect(r.out).to.equal(canonicalPolicyJson(declared));
    expect(r.work).to.deep.equal({ reads: 1, validations: 1, normalizations: 1, lints: 0 });
  });

  it("diff normalizes each of its two files once, lockout check included, and prints the same difference", async () => {
    const a = file("before.json", declared);
    const b = file("after.json", changed);
    const r = await counted(["diff", a, b]);
    expect(r.status, r.err).to.equal(1);
    expect(r.out).to.equal(formatPolicyDiff(diffPolicies(declared, changed), { format: "text", title: `${b} differs from ${a}` }));
    expect(r.work).to.deep.equal({ reads: 2, validations: 2, normalizations: 2, lints: 0 });
  });

  it("a tolerant diff reads and normalizes each file once and validates none", async () => {
    const r = await counted(["diff", "--tolerant", file("before.json", declared), file("same.json", declared)]);
    expect(r.status, r.err).to.equal(0);
    expect(r.work).to.deep.equal({ reads: 2, validations: 0, normalizations: 2, lints: 0 });
  });

  it("normalize and diff still refuse a lockout, from the one normalization of the file", async () => {
    const locked = file("lockout.json", lockout);
    const n = await counted(["normalize", locked]);
    expect(n.status).to.equal(2);
    expect(n.err).to.contain(`${locked} is invalid`).and.contain("(policy-lockout)");
    expect(n.work.normalizations).to.equal(1);
    const d = await counted(["diff", file("before.json", declared), locked]);
    expect(d.status).to.equal(2);
    expect(d.err).to.contain(`${locked} is invalid`).and.contain("(policy-lockout)");
    expect(d.work).to.deep.equal({ reads: 2, validations: 2, normalizations: 2, lints: 0 });
  });

  it("an invalid file is read and validated once and never normalized", async () => {
    const bad = file("bad.json", JSON.stringify({ Statement: [{ ...adminStatement, Effect: "Permit" }] }));
    const r = await counted(["normalize", bad]);
    expect(r.status).to.equal(2);
    expect(r.err).to.contain("(invalid-effect)");
    expect(r.work).to.deep.equal({ reads: 1, validations: 1, normalizations: 0, lints: 0 });
  });

  it("validate reads and validates its file once, for the lint and the lockout check together", async () => {
    const r = await counted(["validate", file("before.json", declared)]);
    expect(r.status, r.out).to.equal(0);
    expect(r.work).to.deep.equal({ reads: 1, validations: 1, normalizations: 1, lints: 1 });
    const bypassed = await counted(["validate", "--bypass-policy-lockout-safety-check", file("before.json", declared)]);
    expect(bypassed.work).to.deep.equal({ reads: 1, validations: 1, normalizations: 0, lints: 1 });
  });

  it("validate still reports a lockout, and the lint's findings beside it, from one read", async () => {
    const locked = file("lockout.json", lockout);
    const r = await counted(["validate", "--format", "json", locked]);
    expect(r.status).to.equal(1);
    const findings = (JSON.parse(r.out) as { files: Array<{ findings: Array<{ rule: string }> }> }).files[0].findings.map((f) => f.rule);
    expect(findings).to.include("policy-lockout");
    for (const f of lintPolicy(lockout)) expect(findings).to.include(f.rule);
    expect(r.work).to.deep.equal({ reads: 1, validations: 1, normalizations: 1, lints: 1 });
  });
});
