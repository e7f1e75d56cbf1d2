import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { GRANT_FIELDS } from "../../../provider/fields/grant";
import { KEY_POLICY_FIELDS } from "../../../provider/fields/keyPolicy";
import { KEY_POLICY_STATEMENT_FIELDS } from "../../../provider/fields/keyPolicyStatement";
import { FieldTable, fieldsWhere, inputsFromState, outputSlots, roleOf } from "../../../provider/fields/table";
import { REPO_ROOT } from "../../support/tools";

const TABLES: Array<[string, FieldTable]> = [
  ["Grant", GRANT_FIELDS],
  ["KeyPolicy", KEY_POLICY_FIELDS],
  ["KeyPolicyStatement", KEY_POLICY_STATEMENT_FIELDS],
];

describe("the resources' field tables", () => {
  for (const [resource, table] of TABLES) {
    it(`${resource}: refresh gives back as inputs the table's inputs (not create-only ones), and an older state's unknown field`, () => {
      const state = { ...Object.fromEntries(Object.keys(table).map((name) => [name, `${name} value`])), olderField: "kept" };
      const inputs = inputsFromState<FieldTable, typeof state, Record<string, unknown>>(table, state);
      const expected = fieldsWhere(table, (spec) => spec.input !== undefined && !spec.createOnly);
      expect(Object.keys(inputs)).to.have.members([...expected, "olderField"]);
      for (const name of expected) expect(inputs[name]).to.equal(`${name} value`);
    });

    it(`${resource}: the class passes an undefined slot for each field the provider reports, and none for an input only`, () => {
      const slots = outputSlots(table);
      expect(Object.keys(slots)).to.have.members(fieldsWhere(table, (spec) => spec.output !== undefined));
      expect(Object.values(slots).every((v) => v === undefined)).to.equal(true);
    });

    it(`${resource}: an alias names a field of the table, and every field is documented`, () => {
      for (const [name, spec] of Object.entries(table)) {
        if (spec.aliasOf !== undefined) expect(table, `${name} is an alias of ${spec.aliasOf}`).to.have.property(spec.aliasOf);
        expect(spec.doc.length, `${name} has no doc text`).to.be.greaterThan(10);
        expect(roleOf(spec)).to.be.oneOf(["input", "output", "both", "state"]);
      }
    });
  }

  for (const [resource, table] of TABLES) {
    it(`${resource}: each field's check names a function of provider/ that exists, and every input has one`, () => {
      for (const [name, spec] of Object.entries(table)) {
        if (spec.input === "program") expect(spec.check, `${name} names its check`).to.be.a("string");
        if (spec.check === undefined) continue;
        const [, file, fn] = /^(\S+\.ts) (\w+)/.exec(spec.check) ?? [];
        expect(file, `${name}: "${spec.check}" names a module and a function`).to.be.a("string");
        const source = fs.readFileSync(path.join(REPO_ROOT, "provider", file), "utf8");
        expect(source, `${name}: ${file} has no function ${fn}`).to.match(new RegExp(`function ${fn}\\b`));
      }
    });
  }

  it("roles: given and reported is both; given only is input; set by the provider is output or state", () => {
    expect(roleOf(GRANT_FIELDS.keyId)).to.equal("both");
    expect(roleOf(GRANT_FIELDS.retireOnDelete)).to.equal("input");
    expect(roleOf(GRANT_FIELDS.grantId)).to.equal("output");
    expect(roleOf(GRANT_FIELDS.createdAt)).to.equal("state");
    expect(roleOf(KEY_POLICY_STATEMENT_FIELDS.sid)).to.equal("output");
  });

  it("Grant: the secrets are the grant token and both spellings of the grant tokens", () => {
    expect(fieldsWhere(GRANT_FIELDS, (spec) => spec.secret === true)).to.have.members(["grantToken", "grantTokens", "grantCreationTokens"]);
  });
});
