import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { GRANT_FIELDS } from "../../../provider/fields/grant";
import { KEY_POLICY_FIELDS } from "../../../provider/fields/keyPolicy";
import { KEY_POLICY_STATEMENT_FIELDS } from "../../../provider/fields/keyPolicyStatement";
import { FieldTable, fieldsWhere, inputsFromState, outputSlots, roleOf, secretInputs } from "../../../provider/fields/table";
import { REPO_ROOT } from "../../support/tools";

const TABLES: Array<[string, FieldTable]> = [
  ["Grant", GRANT_FIELDS],
  ["KeyPolicy", KEY_POLICY_FIELDS],
  ["KeyPolicyStatement", KEY_POLICY_STATEMENT_FIELDS],
];

describe("the resources' field tables", () => {
  for (const [resource, table] of TABLES) {
    it(`${resource}: an alias names a field of the table, and every field has a role`, () => {
      for (const [name, spec] of Object.entries(table)) {
        if (spec.aliasOf !== undefined) expect(table, `${name} is an alias of ${spec.aliasOf}`).to.have.property(spec.aliasOf);
        expect(roleOf(spec)).to.be.oneOf(["input", "output", "both", "state"]);
      }
    });

    it(`${resource}: each field of the table has a doc comment (the one editors show on its Args and output properties)`, () => {
      const source = fs.readFileSync(
        path.join(REPO_ROOT, "provider", "fields", `${resource[0].toLowerCase()}${resource.slice(1)}.ts`),
        "utf8",
      );
      for (const name of Object.keys(table)) expect(source, `${name} has no doc comment`).to.match(new RegExp(`\\*/\\n  ${name}: \\{`));
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

  // One field of each kind, and what each rule makes of it, written out (not computed from the
  // flags), so that a wrong rule fails here; the resources' tables are typed by the same rules.
  const KINDS = {
    given: { input: "program", output: "declared" },
    givenOnly: { input: "program" },
    derived: { input: "check", output: "declared" },
    alias: { input: "program", aliasOf: "given" },
    createOnly: { input: "program", createOnly: true },
    reported: { output: "declared" },
    bookkeeping: { output: "state" },
  } as const satisfies FieldTable;

  it("refresh gives back as inputs what the program gives and check derives, but no alias, create-only field or field the provider sets; an older state's unknown field passes", () => {
    const state = { ...Object.fromEntries(Object.keys(KINDS).map((name) => [name, `${name} value`])), olderField: "kept" };
    expect(inputsFromState(KINDS, state)).to.deep.equal({
      given: "given value",
      givenOnly: "givenOnly value",
      derived: "derived value",
      olderField: "kept",
    });
  });

  it("the class passes an undefined slot for each output property it declares, none for the state's bookkeeping or an input only", () => {
    expect(outputSlots(KINDS)).to.deep.equal({ given: undefined, derived: undefined, reported: undefined });
  });

  it("the secret inputs are the program's inputs marked secret, not a secret output", () => {
    const secrets = {
      token: { input: "program", secret: true },
      plain: { input: "program" },
      reported: { output: "declared", secret: true },
    } as const;
    expect(secretInputs(secrets)).to.deep.equal(["token"]);
  });

  it("roles: given and reported is both; given only is input; set by the provider is output or state", () => {
    expect(roleOf(GRANT_FIELDS.keyId)).to.equal("both");
    expect(roleOf(GRANT_FIELDS.retireOnDelete)).to.equal("input");
    expect(roleOf(GRANT_FIELDS.grantId)).to.equal("output");
    expect(roleOf(GRANT_FIELDS.createdAt)).to.equal("state");
    expect(roleOf(KEY_POLICY_STATEMENT_FIELDS.sid)).to.equal("output");
  });

  it("Grant: the secrets are the grant token and both spellings of the grant tokens; the inputs among them are sent as secrets", () => {
    expect(fieldsWhere(GRANT_FIELDS, (spec) => spec.secret === true)).to.have.members(["grantToken", "grantTokens", "grantCreationTokens"]);
    expect(secretInputs(GRANT_FIELDS)).to.have.members(["grantTokens", "grantCreationTokens"]);
    expect(secretInputs(KEY_POLICY_FIELDS)).to.deep.equal([]);
  });
});
