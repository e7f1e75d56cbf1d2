import { expect } from "chai";
import fc from "fast-check";
import { policiesEquivalent } from "../../../provider/policy";
import { asKmsReturns, benchPairs, declaredPolicy, kmsStyleJson, uniqueVariant, withoutOneAction } from "../../../bench/pairs";

type Statement = { Sid: string; Action: string | string[]; Principal: { AWS: string | string[] }; Resource: string | string[] };
const statementsOf = (text: string) => (JSON.parse(text) as { Statement: Statement[] }).Statement;
const actionCount = (text: string) => statementsOf(text).reduce((n, s) => n + (Array.isArray(s.Action) ? s.Action.length : 1), 0);

describe("bench: policy pairs", () => {
  it('writes KMS\'s GetKeyPolicy layout: `"Key" : value`, arrays on their opening line', () => {
    const text = kmsStyleJson({
      Version: "2012-10-17",
      Statement: [
        { Sid: "A", Action: ["kms:Decrypt", "kms:Encrypt"], Principal: { AWS: "arn:aws:iam::111122223333:root" } },
        { Sid: "B", Condition: {}, Resource: [] },
      ],
    });
    expect(text).to.equal(
      [
        "{",
        '  "Version" : "2012-10-17",',
        '  "Statement" : [ {',
        '    "Sid" : "A",',
        '    "Action" : [ "kms:Decrypt", "kms:Encrypt" ],',
        '    "Principal" : {',
        '      "AWS" : "arn:aws:iam::111122223333:root"',
        "    }",
        "  }, {",
        '    "Sid" : "B",',
        '    "Condition" : { },',
        '    "Resource" : [ ]',
        "  } ]",
        "}",
      ].join("\n"),
    );
  });

  it("KMS-style text parses back to the same value, whatever the JSON", () => {
    fc.assert(
      fc.property(fc.json(), (json) => {
        const value = JSON.parse(json) as Parameters<typeof kmsStyleJson>[0];
        expect(JSON.stringify(JSON.parse(kmsStyleJson(value)))).to.equal(JSON.stringify(value));
      }),
    );
  });

  it("fills a policy up to the byte limit of its KMS-style text, and no further", () => {
    for (const max of [1024, 4096, 16384, 32704]) {
      const doc = declaredPolicy(max);
      const returned = Buffer.byteLength(kmsStyleJson(asKmsReturns(doc)));
      expect(returned, `max ${max}`).to.be.at.most(max);
      // one more application statement is about 600 bytes in KMS's layout
      expect(returned, `max ${max}`).to.be.above(max - 700);
      expect(JSON.stringify(declaredPolicy(max))).to.equal(JSON.stringify(doc));
    }
    expect(() => declaredPolicy(100)).to.throw(/no benchmark policy fits in 100 bytes/);
  });

  it("the returned side reorders statements and keys and writes the account id as its root ARN", () => {
    const doc = declaredPolicy(2048);
    const declared = statementsOf(JSON.stringify(doc));
    const returned = statementsOf(kmsStyleJson(asKmsReturns(doc)));
    expect(returned.map((s) => s.Sid)).to.deep.equal(declared.map((s) => s.Sid).reverse());
    expect(Object.keys(returned[0])).to.deep.equal(Object.keys(declared[declared.length - 1]).reverse());
    expect(declared[0].Principal.AWS).to.equal("111122223333");
    expect(returned[returned.length - 1].Principal.AWS).to.equal("arn:aws:iam::111122223333:root");
    expect(returned.some((s) => Array.isArray(s.Resource))).to.equal(true);
  });

  it("removes exactly one action, from a statement that keeps others", () => {
    const doc = declaredPolicy(4096);
    const before = JSON.stringify(doc);
    const after = JSON.stringify(withoutOneAction(doc));
    expect(actionCount(after)).to.equal(actionCount(before) - 1);
    expect(statementsOf(after).every((s) => !Array.isArray(s.Action) || s.Action.length > 0)).to.equal(true);
    expect(JSON.stringify(doc)).to.equal(before, "the input is left alone");
    expect(() => withoutOneAction({ Version: "2012-10-17", Statement: [{ Sid: "Root", Action: "kms:*" }] })).to.throw(
      /no statement with an action to spare/,
    );
  });

  it("makes an equivalent and a one-action-removed pair per size, which our engine judges as expected", () => {
    const pairs = benchPairs([1, 4, 16, 32]);
    expect(pairs.map((p) => p.name)).to.deep.equal([
      "1kb-equivalent",
      "1kb-one-action-removed",
      "4kb-equivalent",
      "4kb-one-action-removed",
      "16kb-equivalent",
      "16kb-one-action-removed",
      "32kb-equivalent",
      "32kb-one-action-removed",
    ]);
    for (const p of pairs) {
      expect(p.expected, p.name).to.equal(p.kind === "equivalent");
      expect(p.timed, p.name).to.equal(p.kind === "equivalent");
      expect(Buffer.byteLength(p.b) + 64, p.name).to.be.at.most(p.targetKb * 1024);
      expect(policiesEquivalent(p.a, p.b), p.name).to.equal(p.expected);
      expect(policiesEquivalent(uniqueVariant(p.a, 12345), uniqueVariant(p.b, 0)), `${p.name}, variants`).to.equal(p.expected);
    }
    expect(JSON.stringify(benchPairs([4]))).to.equal(JSON.stringify(pairs.filter((p) => p.targetKb === 4)), "deterministic");
  });

  it("variants differ from each other only in trailing whitespace, and stay within the room left for them", () => {
    const text = '{"Version":"2012-10-17"}';
    const variants = Array.from({ length: 2000 }, (_, n) => uniqueVariant(text, n));
    expect(new Set(variants).size).to.equal(variants.length);
    for (const v of [...variants, uniqueVariant(text, Number.MAX_SAFE_INTEGER)]) {
      expect(v.startsWith(text)).to.equal(true);
      expect(v.slice(text.length)).to.match(/^\n[ \t]+$/);
      expect(v.length - text.length).to.be.at.most(64);
      expect(JSON.parse(v)).to.deep.equal(JSON.parse(text));
    }
    expect(() => uniqueVariant(text, -1)).to.throw(RangeError);
    expect(() => uniqueVariant(text, 1.5)).to.throw(RangeError);
  });
});
