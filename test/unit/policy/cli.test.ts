import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const cli = path.resolve(__dirname, "../../../provider/cli/main.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-policy-cli-"));
const write = (name: string, value: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value, null, 2));
  return file;
};
const run = (args: string[], input?: string) => spawnSync(process.execPath, [cli, ...args], { input, encoding: "utf8" });

const statement = { Sid: "Use", Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "kms:Decrypt", Resource: "*" };
const a = write("a.json", { Version: "2012-10-17", Statement: [statement] });
const reformatted = write("b.json", { Statement: { Resource: ["*"], Action: ["KMS:DECRYPT"], Effect: "Allow", Sid: "Use", Principal: { AWS: ["arn:aws:iam::111122223333:root"] } }, Version: "2012-10-17" });
const widened = write("c.json", { Version: "2012-10-17", Statement: [{ ...statement, Action: ["kms:Decrypt", "kms:Encrypt"] }] });
const broken = write("d.json", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Condtion": {}}]}');

describe("kms-policy command", () => {
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("diff: exit 0 for equivalent policies", () => {
    const r = run(["diff", a, reformatted]);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.contain("equivalent");
  });

  it("diff: exit 1 with a readable diff when they differ", () => {
    const r = run(["diff", a, widened]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain("~ statement Use");
    expect(r.stdout).to.contain("+ action kms:Encrypt (widens access)");
  });

  it("diff: markdown format", () => {
    const r = run(["diff", a, widened, "--format", "markdown"]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain("**added** action `kms:Encrypt` (widens access)");
  });

  it("diff: exit 2 naming the file and the problem for invalid input", () => {
    const r = run(["diff", a, broken]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain(broken);
    expect(r.stderr).to.contain('did you mean "Condition"');
  });

  it("diff reads - from standard input", () => {
    const r = run(["diff", a, "-"], fs.readFileSync(widened, "utf8"));
    expect(r.status).to.equal(1);
  });

  it("validate: exit 0 for a valid key policy, 2 with path, rule and fix otherwise", () => {
    expect(run(["validate", a]).status).to.equal(0);
    const r = run(["validate", broken]);
    expect(r.status).to.equal(2);
    expect(r.stdout).to.contain("Statement[0].Condtion");
    expect(r.stdout).to.contain("[unknown-key]");
    expect(r.stdout).to.contain("fix:");
  });

  it("normalize: prints the same canonical text for equivalent policies", () => {
    const x = run(["normalize", a]);
    const y = run(["normalize", reformatted]);
    expect(x.status).to.equal(0);
    expect(x.stdout).to.equal(y.stdout);
    expect(JSON.parse(x.stdout).Statement[0].Action).to.deep.equal(["kms:decrypt"]);
  });

  it("usage errors exit 2", () => {
    expect(run([]).status).to.equal(2);
    expect(run(["bogus", a]).status).to.equal(2);
    expect(run(["diff", a]).status).to.equal(2);
  });
});
