import { expect } from "chai";
import { FieldTable, fieldsWhere } from "../../../provider/fields/table";
import { GRANT_FIELDS } from "../../../provider/fields/grant";
import { KEY_POLICY_FIELDS } from "../../../provider/fields/keyPolicy";
import { KEY_POLICY_STATEMENT_FIELDS } from "../../../provider/fields/keyPolicyStatement";
import { CheckFailure, UNKNOWN, plainInputs } from "../../../provider/runtime/check";
import { checkGrant } from "../../../provider/runtime/grantCheck";
import { checkKeyPolicy } from "../../../provider/runtime/keyPolicyCheck";
import { checkKeyPolicyStatement } from "../../../provider/runtime/keyPolicyStatementCheck";

/** One plain field of each type, one with a rule of its own, one output. */
const TABLE = {
  enabled: { input: "program", plain: { type: "boolean", default: false } },
  label: { input: "program", plain: { type: "string" } },
  tags: { input: "program", plain: { type: "strings" } },
  custom: { input: "program" },
  reported: { output: "declared" },
} as const satisfies FieldTable;

function run(news: Record<string, unknown>): { kept: Record<string, unknown>; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const kept = plainInputs(TABLE, news, (property, reason) => failures.push({ property, reason }));
  return { kept, failures };
}

describe("check: plain inputs, validated by their table row alone", () => {
  it("keeps each plain input the program gives, fills a default, and leaves other fields to their own checks", () => {
    expect(run({ label: "a", tags: ["x", "y"], custom: 3, reported: "z" })).to.deep.equal({
      kept: { enabled: false, label: "a", tags: ["x", "y"] },
      failures: [],
    });
    expect(run({ enabled: true }).kept).to.deep.equal({ enabled: true });
  });

  it("refuses a value of another type, naming the field and what it takes", () => {
    const { kept, failures } = run({ enabled: "yes", label: "", tags: ["x", 1] });
    expect(kept).to.deep.equal({});
    expect(failures).to.deep.equal([
      { property: "enabled", reason: "enabled must be true or false" },
      { property: "label", reason: "label must be a non-empty string" },
      { property: "tags", reason: "tags must be a list of non-empty strings" },
    ]);
  });

  it("keeps a value not known yet at preview, and an unknown element of a list", () => {
    expect(run({ enabled: UNKNOWN, tags: ["x", UNKNOWN] })).to.deep.equal({
      kept: { enabled: UNKNOWN, tags: ["x", UNKNOWN] },
      failures: [],
    });
  });

  const resources = [
    {
      name: "Grant",
      table: GRANT_FIELDS,
      check: (news: Record<string, unknown>) =>
        checkGrant({
          keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
          granteePrincipal: "arn:aws:iam::111122223333:role/app",
          operations: ["Decrypt"],
          name: "g",
          ...news,
        }),
    },
    {
      name: "KeyPolicy",
      table: KEY_POLICY_FIELDS,
      check: (news: Record<string, unknown>) =>
        checkKeyPolicy({
          keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" },
            ],
          }),
          ...news,
        }),
    },
    {
      name: "KeyPolicyStatement",
      table: KEY_POLICY_STATEMENT_FIELDS,
      check: (news: Record<string, unknown>) =>
        checkKeyPolicyStatement({
          keyId: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
          statement: {
            Sid: "App",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111122223333:role/app" },
            Action: "kms:Decrypt",
            Resource: "*",
          },
          ...news,
        }),
    },
  ];
  for (const { name, table, check } of resources) {
    const plain = fieldsWhere(table as FieldTable, (spec) => spec.plain !== undefined);
    it(`${name}'s check keeps, defaults and refuses each plain field of its table as the table says`, () => {
      expect(plain.length).to.be.greaterThan(0);
      const defaults = check({});
      expect(defaults.failures).to.deep.equal([]);
      for (const field of plain) {
        const spec = (table as FieldTable)[field].plain;
        expect((defaults.inputs as unknown as Record<string, unknown>)[field], field).to.deep.equal(spec?.default);
        const refused = check({ [field]: 42 });
        expect(refused.failures.map((f) => f.property)).to.deep.equal([field]);
      }
    });
  }
});
