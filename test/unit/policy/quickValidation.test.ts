import { expect } from "chai";
import fc from "fast-check";
import { countKeys } from "../../../provider/policy/json";
import { checkStatementBothWays } from "../../../provider/policy/validate";
import { validatePolicy } from "../../../provider/policy";
import { Json, statement } from "./arbitraries";

/** Ways to break (or nearly break) a valid statement, each one a rule the full checks know. */
const mutations: Array<(s: Json) => Json> = [
  (s) => ({ ...s, Effect: "allow" }),
  (s) => ({ ...s, Effect: 1 }),
  (s) => {
    const { Effect: _drop, ...rest } = s;
    return rest;
  },
  (s) => ({ ...s, Sid: 7 }),
  (s) => ({ ...s, Sid: "" }),
  (s) => ({ ...s, Condtion: {} }),
  (s) => ({ ...s, NotAction: "kms:Encrypt", Action: "kms:Decrypt" }),
  (s) => ({ ...s, NotResource: "*", Resource: "*" }),
  (s) => ({ ...s, NotPrincipal: "*", Principal: "*" }),
  (s) => {
    const { Principal: _p, NotPrincipal: _n, ...rest } = s;
    return rest;
  },
  (s) => ({ ...s, Action: [] }),
  (s) => ({ ...s, Action: "" }),
  (s) => ({ ...s, Action: ["kms:Decrypt", ""] }),
  (s) => ({ ...s, Action: "Decrypt" }),
  (s) => ({ ...s, Action: ["kms:Decrypt", 5] }),
  (s) => ({ ...s, Resource: [] }),
  (s) => ({ ...s, Resource: ["*", ""] }),
  (s) => ({ ...s, Resource: { a: 1 } }),
  (s) => ({ ...s, Principal: {} }),
  (s) => ({ ...s, Principal: "111122223333" }),
  (s) => ({ ...s, Principal: { AWS: "arn:aws:iam::111122223333:role/*" } }),
  (s) => ({ ...s, Principal: { AWS: "arn:aws:iam::*:root" } }),
  (s) => ({ ...s, Principal: { AWS: "11112222333" } }),
  (s) => ({ ...s, Principal: { AWS: ["*", "arn:aws:iam::111122223333:root"] } }),
  (s) => ({ ...s, Principal: { AWS: "AROA1234567890ABCDEF" } }),
  (s) => ({ ...s, Principal: { Service: "logs.amazonaws.com" } }),
  (s) => ({ ...s, Principal: { Service: "not a dns name" } }),
  (s) => ({ ...s, Principal: { Federated: "cognito-identity.amazonaws.com", CanonicalUser: "" } }),
  (s) => ({ ...s, Principal: { Aws: "*" } }),
  (s) => ({ ...s, Condition: [] }),
  (s) => ({ ...s, Condition: {} }),
  (s) => ({ ...s, Condition: { StringEquals: {} } }),
  (s) => ({ ...s, Condition: { StringEquals: "x" } }),
  (s) => ({ ...s, Condition: { stringEquals: { "kms:ViaService": "x" } } }),
  (s) => ({ ...s, Condition: { StringEquals: { "": "x" } } }),
  (s) => ({ ...s, Condition: { StringEquals: { "kms:ViaService": [] } } }),
  (s) => ({ ...s, Condition: { StringEquals: { "kms:ViaService": [{}] } } }),
  (s) => ({ ...s, Condition: { StringEquals: { "kms:ViaService": null } } }),
  (s) => ({ ...s, Condition: { StringEquals: { "kms:ViaService": "a", "KMS:viaservice": "b" } } }),
  (s) => ({ ...s, Condition: { StringEquals: { "kms:a": "a", "kms:b": "b", "KMS:A": "c" } } }),
  (s) => ({ ...s, Condition: { StringEquals: { "kms:a": "a", "kms:b": "b", "kms:c": ["c", true, 5] } } }),
  (s) => ({ ...s, Condition: { Null: { "kms:a": "true" }, NumericLessThan: { "kms:n": 5 } } }),
];

describe("policy engine: the quick check of a valid statement", () => {
  it("passes a statement only when the full checks find nothing in it, and counts its keys exactly", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(mutations.length - 1), { maxLength: 3 }), statement, fc.boolean(), (picks, s, keyPolicy) => {
        const mutated = picks.reduce((acc, i) => mutations[i](acc), s);
        const { quick, problems } = checkStatementBothWays(mutated, keyPolicy);
        if (quick >= 0) {
          expect(problems, JSON.stringify(mutated)).to.deep.equal([]);
          expect(quick).to.equal(countKeys(mutated));
        }
        if (picks.length === 0) expect(quick, JSON.stringify(mutated)).to.be.at.least(0);
      }),
      { numRuns: 1500 },
    );
  });

  it("two condition keys that are one key in two cases are refused, also where lower-casing changes the length", () => {
    // Written as escapes, the text stays in KMS's character set; U+0130 lower-cases to "i\u0307".
    const text =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"\\u0130":"a","i\\u0307":"b"}}}]}';
    expect(validatePolicy(text).map((p) => p.rule)).to.deep.equal(["duplicate-condition-key"]);
    const { quick, problems } = checkStatementBothWays({ Effect: "Allow", Condition: { StringEquals: { "\u0130": "a", "i\u0307": "b" } } });
    expect(quick).to.equal(-1);
    expect(problems.map((p) => p.rule)).to.include("duplicate-condition-key");
  });

  it("every mutation the full checks refuse is refused by the whole validator too", () => {
    const base: Json = {
      Sid: "Use",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111122223333:role/app" },
      Action: "kms:Decrypt",
      Resource: "*",
    };
    let refused = 0;
    for (const mutate of mutations) {
      const s = mutate(base);
      const { problems } = checkStatementBothWays(s);
      const whole = validatePolicy(JSON.stringify({ Version: "2012-10-17", Statement: [s] }));
      expect(
        whole.map((p) => p.rule),
        JSON.stringify(s),
      ).to.deep.equal(problems.map((p) => p.rule));
      if (problems.length > 0) refused++;
    }
    expect(refused).to.be.greaterThan(30);
  });
});
