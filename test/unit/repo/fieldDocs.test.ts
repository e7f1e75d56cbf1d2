import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { GRANT_FIELDS } from "../../../provider/fields/grant";
import { KEY_POLICY_FIELDS } from "../../../provider/fields/keyPolicy";
import { KEY_POLICY_STATEMENT_FIELDS } from "../../../provider/fields/keyPolicyStatement";
import { FieldTable, fieldsWhere } from "../../../provider/fields/table";
import { REPO_ROOT } from "../../support/tools";

/** A resource's page: the names its input table's rows start with, and those its Outputs paragraph names. */
function documented(page: string): { inputs: string[]; outputs: string[] } {
  const text = fs.readFileSync(path.join(REPO_ROOT, "docs", page), "utf8");
  const lines = text.split("\n");
  const header = lines.findIndex((line) => /^\|\s*input\s*\|/.test(line));
  expect(header, `${page} has an input table`).to.be.greaterThan(-1);
  const inputs: string[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    const first = line.split("|")[1];
    inputs.push(...[...first.matchAll(/`(\w+)`/g)].map((m) => m[1]));
  }
  // From "Outputs:" to the sentence that gives the resource type: each `name` without spaces.
  const section = /\nOutputs: ([\s\S]*?)Resource type:/.exec(text);
  expect(section, `${page} has an Outputs paragraph before "Resource type:"`).to.not.equal(null);
  const outputs = [...(section as RegExpExecArray)[1].matchAll(/`(\w+)`/g)].map((m) => m[1]);
  return { inputs, outputs };
}

describe("docs: each resource's page lists the inputs and outputs of its field table (provider/fields)", () => {
  const pages: Array<[string, string, FieldTable]> = [
    ["Grant", "grant.md", GRANT_FIELDS],
    ["KeyPolicy", "key-policy.md", KEY_POLICY_FIELDS],
    ["KeyPolicyStatement", "key-policy-statement.md", KEY_POLICY_STATEMENT_FIELDS],
  ];
  for (const [resource, page, table] of pages) {
    it(`docs/${page}: one input row for each input ${resource}'s program gives, and no other`, () => {
      const { inputs } = documented(page);
      expect(inputs).to.have.members(fieldsWhere(table, (spec) => spec.input === "program"));
    });

    it(`docs/${page}: the Outputs paragraph names each output ${resource} declares, and no other`, () => {
      const { outputs } = documented(page);
      expect([...new Set(outputs)]).to.have.members(fieldsWhere(table, (spec) => spec.output === "declared"));
    });
  }
});
