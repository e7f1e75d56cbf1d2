import { expect } from "chai";
import { managedResources, parseStackExport } from "../../../provider/drift/stackExport";
import { GRANT_FIELDS } from "../../../provider/fields/grant";
import { KEY_POLICY_FIELDS } from "../../../provider/fields/keyPolicy";
import { KEY_POLICY_STATEMENT_FIELDS } from "../../../provider/fields/keyPolicyStatement";
import { FieldTable, fieldsWhere } from "../../../provider/fields/table";
import { GRANT_TYPE, KEY_POLICY_STATEMENT_TYPE, KEY_POLICY_TYPE } from "../../../provider/resourceTypes";

const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" };
const urn = (type: string, name: string) => `urn:pulumi:dev::app::${type}::${name}`;
const exported = (resources: unknown[]) => JSON.stringify({ version: 3, deployment: { resources } });

/** The outputs names parseStackExport reads of one resource whose export holds `outputs` (a Proxy records each read). */
function namesRead(type: string, outputs: Record<string, unknown>): string[] {
  const read = new Set<string>();
  const watched = new Proxy(outputs, {
    get: (target, name) => {
      if (typeof name === "string") read.add(name);
      return target[name as string];
    },
  });
  managedResources([{ urn: urn(type, "r"), type, id: "id-1", outputs: watched }]);
  return [...read];
}

describe("stack export: each resource's fields are read as its field table says", () => {
  const cases: Array<[string, string, FieldTable]> = [
    ["KeyPolicy", KEY_POLICY_TYPE, KEY_POLICY_FIELDS],
    ["Grant", GRANT_TYPE, GRANT_FIELDS],
    ["KeyPolicyStatement", KEY_POLICY_STATEMENT_TYPE, KEY_POLICY_STATEMENT_FIELDS],
  ];
  /** The fields a table marks for drift: as they are or renamed, and the fallbacks. */
  const marked = (table: FieldTable) => ({
    read: fieldsWhere(table, (spec) => spec.drift !== undefined && !(typeof spec.drift === "object" && "fallbackOf" in spec.drift)),
    fallbacks: fieldsWhere(table, (spec) => typeof spec.drift === "object" && "fallbackOf" in spec.drift),
  });

  it("the fallbacks are the key as given (for keyArn) and the resource's own role and profile (for access)", () => {
    for (const [, , table] of cases) expect(marked(table).fallbacks).to.have.members(["keyId", "assumeRole", "profile"]);
  });

  for (const [kind, type, table] of cases) {
    it(`${kind}: the reader reads exactly the outputs its table marks for drift, the fallbacks only when the field they stand in for is missing`, () => {
      const full = Object.fromEntries(
        Object.keys(table).map((name) => [name, name === "access" ? { profile: "ops" } : `${name}-recorded`]),
      );
      // What the reader reads is observed (a Proxy), not worked out from the flags.
      const { read, fallbacks } = marked(table);
      expect(namesRead(type, full)).to.have.members(read);
      expect(namesRead(type, {})).to.have.members([...read, ...fallbacks]);
    });

    it(`${kind}: each field read is kept under the drift check's name; secrets stay unread`, () => {
      const outputs = Object.fromEntries(
        Object.keys(table).map((name) => [name, name === "access" ? { profile: "ops" } : `${name}-recorded`]),
      );
      const [resource] = parseStackExport(exported([{ urn: urn(type, "r"), type, id: "id-1", outputs }])) as unknown as Array<
        Record<string, unknown>
      >;
      expect(resource.kind).to.equal(kind);
      const { read, fallbacks } = marked(table);
      for (const name of read) expect(resource[name === "name" ? "grantName" : name], name).to.deep.equal(outputs[name]);
      for (const name of fallbacks) expect(resource, `${name} is not kept`).to.not.have.property(name);

      const secretOutputs = Object.fromEntries(Object.keys(table).map((name) => [name, SECRET]));
      const [secret] = parseStackExport(exported([{ urn: urn(type, "s"), type, id: "id-2", outputs: secretOutputs }]));
      expect(JSON.stringify(secret)).to.not.contain("ciphertext");
    });
  }

  it("a state from before keyArn and access were recorded: the key as given and the resource's own role and profile stand in", () => {
    const outputs = {
      keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
      profile: "ops",
      assumeRole: { roleArn: "arn:aws:iam::111122223333:role/r" },
    };
    const [grant] = parseStackExport(exported([{ urn: urn(GRANT_TYPE, "g"), type: GRANT_TYPE, id: "gid", outputs }]));
    expect(grant).to.deep.include({ keyArn: outputs.keyId, access: { profile: "ops", assumeRole: outputs.assumeRole }, grantId: "gid" });
  });
});
