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
  // The expectations are written out, not computed from the table's flags, so that a wrong rule
  // (or a wrong flag) fails here.
  const refreshed: Record<string, string[]> = {
    Grant: [
      "keyId",
      "granteePrincipal",
      "granteeServicePrincipal",
      "operations",
      "retiringPrincipal",
      "retiringServicePrincipal",
      "constraints",
      "name",
      "retireOnDelete",
      "region",
      "assumeRole",
      "profile",
    ],
    KeyPolicy: [
      "keyId",
      "policy",
      "bypassPolicyLockoutSafetyCheck",
      "policyName",
      "region",
      "onDelete",
      "readBackTimeoutSeconds",
      "assumeRole",
      "profile",
    ],
    KeyPolicyStatement: ["keyId", "statement", "sid", "adopt", "region", "assumeRole", "profile"],
  };
  const slots: Record<string, string[]> = {
    Grant: [
      "keyId",
      "granteePrincipal",
      "granteeServicePrincipal",
      "operations",
      "retiringPrincipal",
      "retiringServicePrincipal",
      "constraints",
      "name",
      "grantId",
      "grantToken",
      "keyArn",
      "issuingAccount",
      "creationDate",
      "effectiveGrantee",
      "effectiveRetiringPrincipal",
      "reportedConstraints",
      "reportedGrantee",
      "access",
    ],
    KeyPolicy: [
      "keyId",
      "policy",
      "bypassPolicyLockoutSafetyCheck",
      "policyName",
      "region",
      "onDelete",
      "keyArn",
      "previousPolicy",
      "ownerId",
      "access",
    ],
    KeyPolicyStatement: ["keyId", "statement", "sid", "adopt", "region", "keyArn", "access"],
  };

  for (const [resource, table] of TABLES) {
    it(`${resource}: refresh gives back as inputs what the program gives and check derives (no create-only tokens, no alias, nothing the provider sets), and an older state's unknown field`, () => {
      const state = { ...Object.fromEntries(Object.keys(table).map((name) => [name, `${name} value`])), olderField: "kept" };
      const inputs: Record<string, unknown> = inputsFromState(table, state);
      expect(Object.keys(inputs)).to.have.members([...refreshed[resource], "olderField"]);
      for (const name of refreshed[resource]) expect(inputs[name]).to.equal(`${name} value`);
    });

    it(`${resource}: the class passes an undefined slot for each output property it declares, none for the state's bookkeeping or an input only`, () => {
      const given = outputSlots(table);
      expect(Object.keys(given)).to.have.members(slots[resource]);
      expect(Object.values(given).every((v) => v === undefined)).to.equal(true);
    });

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
