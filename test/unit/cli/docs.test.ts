import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../../support/tools";
import { run } from "./run";

/** The flags (`--name`) in a command's section of docs/cli.md: the first cell of each table row. */
function documentedFlags(doc: string, command: string): string[] {
  const start = doc.indexOf(`### \`kms-policy ${command} `);
  expect(start, `docs/cli.md has a section for ${command}`).to.be.greaterThan(-1);
  const end = doc.indexOf("\n### ", start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^\| `(?:-[a-zA-Z], )?--([a-z-]+)[^`]*` \|/gm)].map((m) => m[1]).sort();
}

/** The flags `kms-policy help COMMAND` lists under "options:". */
function helpFlags(command: string): string[] {
  const help = run(["help", command]).stdout;
  const options = help.slice(help.indexOf("options:"), help.indexOf("exit codes:"));
  return [...options.matchAll(/^ {2}(?:-[a-zA-Z], )?--([a-z-]+)/gm)].map((m) => m[1]).sort();
}

describe("docs/cli.md and the command's help", function () {
  this.timeout(60_000);
  const doc = fs.readFileSync(path.join(REPO_ROOT, "docs", "cli.md"), "utf8");

  it("document every command kms-policy --help lists, each with the flags its own help lists", () => {
    const usage = run(["--help"]).stdout;
    const commands = [
      ...usage.slice(usage.indexOf("commands:"), usage.indexOf("\n\n", usage.indexOf("commands:"))).matchAll(/^ {2}([a-z-]+) /gm),
    ].map((m) => m[1]);
    expect(commands).to.include.members(["validate", "normalize", "diff", "drift"]);
    for (const command of commands) {
      const listed = helpFlags(command);
      expect(listed, command).to.include("help");
      expect(documentedFlags(doc, command), `docs/cli.md, ${command}`).to.deep.equal(listed);
    }
  });

  it("document the exit codes the help gives, in one table", () => {
    const usage = run(["--help"]).stdout;
    for (const code of ["0", "1", "2"]) expect(usage).to.match(new RegExp(`^  ${code}  `, "m"));
    const table = doc.slice(doc.indexOf("## Exit codes"), doc.indexOf("## Commands"));
    expect(table)
      .to.match(/^\| 0 \|/m)
      .and.match(/^\| 1 \|/m)
      .and.match(/^\| 2 \|/m);
  });
});
