import { expect } from "chai";
import { parseStackExport } from "../../../provider/drift/stackExport";
import { GRANT_FIELDS } from "../../../provider/fields/grant";
import { KEY_POLICY_FIELDS } from "../../../provider/fields/keyPolicy";
import { KEY_POLICY_STATEMENT_FIELDS } from "../../../provider/fields/keyPolicyStatement";
import { FieldTable, fieldsWhere } from "../../../provider/fields/table";
import { GRANT_TYPE, KEY_POLICY_STATEMENT_TYPE, KEY_POLICY_TYPE } from "../../../provider/resourceTypes";

const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" };
const urn = (type: string, name: string) => `urn:pulumi:dev::app::${type}::${name}`;
const exported = (resources: unknown[]) => JSON.stringify({ version: 3, deployment: { resources } });

describe("stack export: each resource's fields are read as its field table says", () => {
  const cases: Array<[string, string, FieldTable]> = [
    ["KeyPolicy", KEY_POLICY_TYPE, KEY_POLICY_FIELDS],
    ["Grant", GRANT_TYPE, GRANT_FIELDS],
    ["KeyPolicyStatement", KEY_POLICY_STATEMENT_TYPE, KEY_POLICY_STATEMENT_FIELDS],
  ];
  for (const [kind, type, table] of cases) {
    it(`${kind}: every field the table marks for drift is read, under the drift check's name; secrets stay unread`, () => {
      const read = fieldsWhere(table, (spec) => spec.drift !== undefined);
      const outputs = Object.fromEntries(
        Object.keys(table).map((name) => [name, name === "access" ? { profile: "ops" } : `${name}-recorded`]),
      );
      const [resource] = parseStackExport(exported([{ urn: urn(type, "r"), type, id: "id-1", outputs }])) as unknown as Array<
        Record<string, unknown>
      >;
      expect(resource.kind).to.equal(kind);
      for (const name of read) {
        const as = table[name].drift;
        expect(resource[typeof as === "string" ? as : name], name).to.deep.equal(outputs[name]);
      }
      const unread = Object.keys(table).filter((name) => !read.includes(name) && name !== "keyId");
      for (const name of unread) expect(resource, `${name} is not read`).to.not.have.property(name);

      const secretOutputs = Object.fromEntries(read.map((name) => [name, SECRET]));
      const [secret] = parseStackExport(exported([{ urn: urn(type, "s"), type, id: "id-2", outputs: secretOutputs }])) as unknown as Array<
        Record<string, unknown>
      >;
      for (const name of read) {
        const as = table[name].drift;
        expect(JSON.stringify(secret[typeof as === "string" ? as : name] ?? null), name).to.not.contain("ciphertext");
      }
    });
  }
});
