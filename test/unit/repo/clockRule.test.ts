import { expect } from "chai";
import { ESLint } from "eslint";
import { ruleIds } from "../../support/eslint";
import { REPO_ROOT } from "../../support/tools";

describe("repository: npm run lint keeps runtime and drift code on the injected clock", function () {
  this.timeout(60_000);
  const eslint = new ESLint({ cwd: REPO_ROOT });

  const refused: Array<[string, string, string]> = [
    ["provider/runtime/x.ts", "export const x = Date.now();\n", "no-restricted-properties"],
    ["provider/drift/x.ts", "export const x = Date.now();\n", "no-restricted-properties"],
    ["provider/runtime/x.ts", "export const x = new Date().toISOString();\n", "no-restricted-syntax"],
    ["provider/runtime/x.ts", "export const x = () => new Promise((r) => setTimeout(r, 10));\n", "no-restricted-globals"],
    ["provider/drift/x.ts", "export const x = () => setInterval(() => undefined, 10);\n", "no-restricted-globals"],
  ];
  for (const [file, source, rule] of refused) {
    it(`refuses ${source.trim()} in ${file}`, async () => {
      expect(await ruleIds(eslint, file, source)).to.include(rule);
    });
  }

  it("lets runtime code use the clock, a Date made from it, and lets the clock itself use Node's timers", async () => {
    for (const [file, source] of [
      [
        "provider/runtime/x.ts",
        'import { Clock, sleep } from "../clock";\nexport const x = async (c: Clock) => { await sleep(c, 5); return new Date(c.now()); };\n',
      ],
      ["provider/clock.ts", "export const x = () => new Promise((r) => setTimeout(r, Date.now() % 10));\n"],
    ])
      expect(await ruleIds(eslint, file, source), file).to.deep.equal([]);
  });
});
