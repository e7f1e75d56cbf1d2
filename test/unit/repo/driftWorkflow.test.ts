import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../../support/tools";

const WORKFLOW = path.join(REPO_ROOT, "examples", "github-actions", "kms-drift.yml");

/** The `run: |` script of the step with `id: <id>`, dedented as the runner gives it to bash. */
function stepScript(workflow: string, id: string): string {
  const lines = workflow.split("\n");
  const idLine = lines.findIndex((l) => l.trim() === `id: ${id}`);
  if (idLine < 0) throw new Error(`no step with id ${id}`);
  const runLine = lines.findIndex((l, i) => i > idLine && /^\s*run: \|\s*$/.test(l));
  const runIndent = lines[runLine].search(/\S/);
  const body: string[] = [];
  for (const line of lines.slice(runLine + 1)) {
    if (line.trim() !== "" && line.search(/\S/) <= runIndent) break;
    body.push(line);
  }
  const indent = Math.min(...body.filter((l) => l.trim() !== "").map((l) => l.search(/\S/)));
  return body.map((l) => l.slice(indent)).join("\n");
}

/**
 * The gate step of examples/github-actions/kms-drift.yml, run by bash as GitHub's runner runs it
 * (`bash -e`), with `pulumi` answering the exit code the real CLI gives in each case (0 no changes,
 * 7 changes proposed under --expect-no-changes, others a failure: the CLI's cmd/pulumi/cmd/exit_codes.go;
 * the e2e compatibility matrix checks the real CLI's 7 on drift).
 */
describe("examples/github-actions/kms-drift.yml: the gate step tells drift (exit 7) from a broken run", () => {
  const script = stepScript(fs.readFileSync(WORKFLOW, "utf8"), "gate");
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-drift-gate-"));
    fs.writeFileSync(path.join(dir, "pulumi"), '#!/usr/bin/env bash\necho "pulumi $*"\nexit "$PULUMI_EXIT"\n', { mode: 0o755 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function runGate(pulumiExit: number): { code: number | null; stdout: string; result: string } {
    const output = path.join(dir, `output-${pulumiExit}`);
    fs.writeFileSync(output, "");
    const r = spawnSync("bash", ["-e", "-c", script], {
      encoding: "utf8",
      env: {
        PATH: `${dir}${path.delimiter}${process.env.PATH ?? ""}`,
        STACK: "prod",
        GITHUB_OUTPUT: output,
        PULUMI_EXIT: String(pulumiExit),
      },
    });
    return { code: r.status, stdout: r.stdout, result: fs.readFileSync(output, "utf8").trim() };
  }

  it("runs the refresh gate on the workflow's stack", () => {
    expect(runGate(0).stdout).to.contain("pulumi preview --refresh --expect-no-changes --stack prod");
  });

  it("exit 0: in sync, the step passes with no annotation", () => {
    const r = runGate(0);
    expect([r.code, r.result]).to.deep.equal([0, "result=in-sync"]);
    expect(r.stdout).to.not.contain("::error");
  });

  it("exit 7: drift, the step fails with a drift annotation", () => {
    const r = runGate(7);
    expect([r.code, r.result]).to.deep.equal([7, "result=drift"]);
    expect(r.stdout).to.contain("::error title=KMS drift::");
  });

  for (const code of [1, 2, 3, 4, 6, 255]) {
    it(`exit ${code}: a broken check, never reported as drift`, () => {
      const r = runGate(code);
      expect([r.code, r.result]).to.deep.equal([code, "result=broken"]);
      expect(r.stdout).to.contain(`::error title=Drift check broken::pulumi preview exited ${code}`);
      expect(r.stdout).to.not.contain("KMS drift");
    });
  }
});
