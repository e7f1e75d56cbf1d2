import { expect } from "chai";
import { PolicyValidationError, canonicalPolicyJson, policiesEquivalent, validatePolicy } from "../../../provider/policy";

/** A small valid key policy statement to vary one element at a time. */
const base = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  Sid: "Use",
  Effect: "Allow",
  Principal: { AWS: ["arn:aws:iam::111122223333:role/app"] },
  Action: ["kms:Decrypt"],
  Resource: "*",
  ...overrides,
});
const doc = (...statements: unknown[]) => ({ Version: "2012-10-17", Statement: statements });

interface Rule {
  rule: string;
  a: unknown;
  equivalent: unknown;
  different: unknown;
}

// Each rule: the same meaning written another way, and the nearest rewrite that changes the meaning.
const rules: Rule[] = [
  {
    rule: "whitespace and key order",
    a: JSON.stringify(doc(base())),
    equivalent: `{ "Statement" : [ { "Resource":"*", "Action":["kms:Decrypt"],\n "Effect":"Allow", "Principal":{"AWS":["arn:aws:iam::111122223333:role/app"]}, "Sid":"Use" } ],\n\t"Version":"2012-10-17" }`,
    different: JSON.stringify(doc(base({ Resource: "arn:aws:kms:us-east-1:111122223333:key/other" }))),
  },
  {
    rule: "statement order",
    a: doc(base(), base({ Sid: "Root", Action: "kms:*" })),
    equivalent: doc(base({ Sid: "Root", Action: "kms:*" }), base()),
    different: doc(base({ Sid: "Root", Action: "kms:*" }), base({ Effect: "Deny" })),
  },
  {
    rule: "single statement object vs list",
    a: doc(base()),
    equivalent: { Version: "2012-10-17", Statement: base() },
    different: { Version: "2012-10-17", Statement: base({ Action: "kms:Encrypt" }) },
  },
  {
    rule: "string vs one-element list: Action",
    a: doc(base({ Action: "kms:Decrypt" })),
    equivalent: doc(base({ Action: ["kms:Decrypt"] })),
    different: doc(base({ Action: ["kms:Decrypt", "kms:Encrypt"] })),
  },
  {
    rule: "string vs one-element list: NotAction",
    a: doc(base({ Action: undefined, NotAction: "kms:ScheduleKeyDeletion" })),
    equivalent: doc(base({ Action: undefined, NotAction: ["kms:ScheduleKeyDeletion"] })),
    different: doc(base({ Action: undefined, NotAction: ["kms:DisableKey"] })),
  },
  {
    rule: "string vs one-element list: Resource",
    a: doc(base({ Resource: "*" })),
    equivalent: doc(base({ Resource: ["*"] })),
    different: doc(base({ Resource: ["arn:aws:kms:us-east-1:111122223333:key/1"] })),
  },
  {
    rule: "string vs one-element list: NotResource",
    a: doc(base({ Resource: undefined, NotResource: "arn:aws:kms:us-east-1:111122223333:key/1" })),
    equivalent: doc(base({ Resource: undefined, NotResource: ["arn:aws:kms:us-east-1:111122223333:key/1"] })),
    different: doc(base({ Resource: undefined, NotResource: ["arn:aws:kms:us-east-1:111122223333:key/2"] })),
  },
  {
    rule: "string vs one-element list: Principal values",
    a: doc(base({ Principal: { AWS: "arn:aws:iam::111122223333:role/app" } })),
    equivalent: doc(base({ Principal: { AWS: ["arn:aws:iam::111122223333:role/app"] } })),
    different: doc(base({ Principal: { AWS: ["arn:aws:iam::111122223333:role/App"] } })),
  },
  {
    rule: "string vs one-element list: Condition values",
    a: doc(base({ Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } } })),
    equivalent: doc(base({ Condition: { StringEquals: { "kms:ViaService": ["s3.us-east-1.amazonaws.com"] } } })),
    different: doc(
      base({ Condition: { StringEquals: { "kms:ViaService": ["s3.us-east-1.amazonaws.com", "ec2.us-east-1.amazonaws.com"] } } }),
    ),
  },
  {
    rule: "order and duplicates inside lists",
    a: doc(
      base({
        Action: ["kms:Decrypt", "kms:Encrypt"],
        Principal: { AWS: ["arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/b"] },
      }),
    ),
    equivalent: doc(
      base({
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:Encrypt"],
        Principal: { AWS: ["arn:aws:iam::111122223333:role/b", "arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/b"] },
      }),
    ),
    different: doc(base({ Action: ["kms:Encrypt", "kms:Decrypt"], Principal: { AWS: ["arn:aws:iam::111122223333:role/b"] } })),
  },
  {
    rule: "duplicate statements",
    a: doc(base()),
    equivalent: doc(base(), base()),
    different: doc(base(), base({ Sid: "Use2" })),
  },
  {
    rule: "action names case-insensitively",
    a: doc(base({ Action: "kms:Decrypt" })),
    equivalent: doc(base({ Action: "KMS:DECRYPT" })),
    different: doc(base({ Action: "kms:Decrypt*" })),
  },
  {
    rule: "condition key names case-insensitively, values case-sensitively",
    a: doc(base({ Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } } })),
    equivalent: doc(base({ Condition: { StringEquals: { "KMS:VIASERVICE": "s3.us-east-1.amazonaws.com" } } })),
    different: doc(base({ Condition: { StringEquals: { "kms:ViaService": "S3.us-east-1.amazonaws.com" } } })),
  },
  {
    rule: 'condition values true/"true"',
    a: doc(base({ Condition: { Bool: { "kms:GrantIsForAWSResource": true } } })),
    equivalent: doc(base({ Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } })),
    different: doc(base({ Condition: { Bool: { "kms:GrantIsForAWSResource": false } } })),
  },
  {
    rule: 'condition values 5/"5"',
    a: doc(base({ Condition: { NumericLessThan: { "kms:ExpirationModel": 5 } } })),
    equivalent: doc(base({ Condition: { NumericLessThan: { "kms:ExpirationModel": "5" } } })),
    different: doc(base({ Condition: { NumericLessThanEquals: { "kms:ExpirationModel": "5" } } })),
  },
  {
    rule: "Condition {} and no Condition",
    a: doc(base()),
    equivalent: doc(base({ Condition: {} })),
    different: doc(base({ Condition: { Bool: { "aws:SecureTransport": "true" } } })),
  },
  {
    rule: "empty Sid and no Sid",
    a: doc(base({ Sid: undefined })),
    equivalent: doc(base({ Sid: "" })),
    different: doc(base({ Sid: " " })),
  },
  {
    rule: "12-digit account id and arn:<partition>:iam::<id>:root",
    a: doc(base({ Principal: { AWS: "111122223333" } })),
    equivalent: doc(base({ Principal: { AWS: "arn:aws:iam::111122223333:root" } })),
    different: doc(base({ Principal: { AWS: "arn:aws:iam::111122223334:root" } })),
  },
  {
    rule: "account root in another partition is another principal",
    a: doc(base({ Principal: { AWS: ["111122223333"] } })),
    equivalent: doc(base({ Principal: { AWS: ["arn:aws:iam::111122223333:root", "111122223333"] } })),
    different: doc(base({ Principal: { AWS: ["arn:aws-cn:iam::111122223333:root"] } })),
  },
  {
    rule: '"Principal": "*" and {"AWS": "*"}',
    a: doc(base({ Principal: "*" })),
    equivalent: doc(base({ Principal: { AWS: "*" } })),
    different: doc(base({ Principal: { AWS: "111122223333" } })),
  },
  {
    rule: "Effect",
    a: doc(base()),
    equivalent: doc(base({ Effect: "Allow" })),
    different: doc(base({ Effect: "Deny" })),
  },
  {
    rule: "no wildcard expansion of actions",
    a: doc(base({ Action: "kms:*" })),
    equivalent: doc(base({ Action: ["KMS:*", "kms:*"] })),
    different: doc(base({ Action: "*" })),
  },
  {
    rule: "Action vs NotAction",
    a: doc(base({ Action: "kms:Decrypt" })),
    equivalent: doc(base({ Action: "kms:decrypt" })),
    different: doc(base({ Action: undefined, NotAction: "kms:Decrypt" })),
  },
  {
    rule: "Principal vs NotPrincipal",
    a: doc(base({ Effect: "Deny", Principal: { AWS: "111122223333" } })),
    equivalent: doc(base({ Effect: "Deny", Principal: { AWS: ["arn:aws:iam::111122223333:root"] } })),
    different: doc(base({ Effect: "Deny", Principal: undefined, NotPrincipal: { AWS: "111122223333" } })),
  },
  {
    rule: "Version (absent means 2008-10-17)",
    a: { Statement: [base()] },
    equivalent: { Version: "2008-10-17", Statement: [base()] },
    different: { Version: "2012-10-17", Statement: [base()] },
  },
  {
    rule: "Sid text",
    a: doc(base({ Sid: "Use" })),
    equivalent: doc(base({ Sid: "Use" })),
    different: doc(base({ Sid: "use" })),
  },
  {
    rule: "Id text (empty Id means none)",
    a: { ...doc(base()), Id: "" },
    equivalent: doc(base()),
    different: { ...doc(base()), Id: "key-policy-1" },
  },
  {
    rule: "principal types",
    a: doc(base({ Principal: { Service: "logs.amazonaws.com" } })),
    equivalent: doc(base({ Principal: { Service: ["logs.amazonaws.com", "logs.amazonaws.com"] } })),
    different: doc(base({ Principal: { Service: "logs.amazonaws.com", AWS: "111122223333" } })),
  },
];

/** JSON.stringify drops the `undefined` used above to remove an element; objects keep it. */
const strip = (v: unknown): unknown => (typeof v === "string" ? v : JSON.parse(JSON.stringify(v)));

describe("policy engine: equivalence rules", () => {
  for (const { rule, a, equivalent, different } of rules) {
    it(`${rule}: equivalent`, () => {
      expect(policiesEquivalent(strip(a), strip(equivalent))).to.equal(true);
      expect(canonicalPolicyJson(strip(a))).to.equal(canonicalPolicyJson(strip(equivalent)));
    });
    it(`${rule}: near miss is different`, () => {
      expect(policiesEquivalent(strip(a), strip(different))).to.equal(false);
      expect(policiesEquivalent(strip(different), strip(a))).to.equal(false);
    });
  }
});

interface InvalidCase {
  name: string;
  input: unknown;
  path: string;
  rule: string;
}

const invalid: InvalidCase[] = [
  { name: "not JSON", input: '{"Statement": [', path: "", rule: "invalid-json" },
  { name: "Statement is a number", input: { Version: "2012-10-17", Statement: 42 }, path: "Statement", rule: "invalid-type" },
  { name: "no Statement", input: { Version: "2012-10-17" }, path: "Statement", rule: "missing-element" },
  { name: "a document that is a list", input: [], path: "", rule: "invalid-type" },
  { name: "Effect lower case", input: doc(base({ Effect: "allow" })), path: "Statement[0].Effect", rule: "invalid-effect" },
  { name: "Effect missing", input: doc(base({ Effect: undefined })), path: "Statement[0].Effect", rule: "missing-element" },
  {
    name: "Action with NotAction",
    input: doc(base({ NotAction: "kms:Encrypt" })),
    path: "Statement[0].NotAction",
    rule: "exclusive-elements",
  },
  {
    name: "Principal with NotPrincipal",
    input: doc(base({ NotPrincipal: { AWS: "111122223333" } })),
    path: "Statement[0].NotPrincipal",
    rule: "exclusive-elements",
  },
  {
    name: "Resource with NotResource",
    input: doc(base({ NotResource: "*" })),
    path: "Statement[0].NotResource",
    rule: "exclusive-elements",
  },
  { name: "typo in a statement key", input: doc(base({ Condtion: {} })), path: "Statement[0].Condtion", rule: "unknown-key" },
  { name: "unknown document key", input: { ...doc(base()), Statment: [] }, path: "Statment", rule: "unknown-key" },
  { name: "bad Version", input: { Version: "2012-06-17", Statement: [base()] }, path: "Version", rule: "invalid-version" },
  { name: "too large", input: doc(...Array.from({ length: 400 }, (_, i) => base({ Sid: `S${i}` }))), path: "", rule: "policy-too-large" },
  { name: "character KMS refuses", input: doc(base({ Sid: "snow\u2603" })), path: "", rule: "invalid-character" },
  {
    name: "11-digit account id",
    input: doc(base({ Principal: { AWS: ["11112222333"] } })),
    path: "Statement[0].Principal.AWS[0]",
    rule: "invalid-principal",
  },
  {
    name: "principal ARN of another service",
    input: doc(base({ Principal: { AWS: "arn:aws:s3:::bucket" } })),
    path: "Statement[0].Principal.AWS",
    rule: "invalid-principal",
  },
  {
    name: "principal as a plain ARN string",
    input: doc(base({ Principal: "arn:aws:iam::111122223333:root" })),
    path: "Statement[0].Principal",
    rule: "invalid-principal",
  },
  {
    name: "unknown principal type",
    input: doc(base({ Principal: { Aws: "111122223333" } })),
    path: "Statement[0].Principal.Aws",
    rule: "invalid-principal-type",
  },
  { name: "empty principal", input: doc(base({ Principal: {} })), path: "Statement[0].Principal", rule: "empty-value" },
  { name: "action without service", input: doc(base({ Action: "Decrypt" })), path: "Statement[0].Action", rule: "invalid-action" },
  { name: "numeric resource", input: doc(base({ Resource: [42] })), path: "Statement[0].Resource[0]", rule: "invalid-type" },
  {
    name: "unknown condition operator",
    input: doc(base({ Condition: { StringEqual: { "kms:ViaService": "x" } } })),
    path: "Statement[0].Condition.StringEqual",
    rule: "invalid-condition-operator",
  },
  {
    name: "condition operator in wrong case",
    input: doc(base({ Condition: { stringequals: { "kms:ViaService": "x" } } })),
    path: "Statement[0].Condition.stringequals",
    rule: "invalid-condition-operator",
  },
  {
    name: "condition key given twice in two cases",
    input: doc(base({ Condition: { StringEquals: { "kms:ViaService": "a", "KMS:VIASERVICE": "b" } } })),
    path: 'Statement[0].Condition.StringEquals["KMS:VIASERVICE"]',
    rule: "duplicate-condition-key",
  },
  {
    name: "empty condition value list",
    input: doc(base({ Condition: { StringEquals: { "kms:ViaService": [] } } })),
    path: 'Statement[0].Condition.StringEquals["kms:ViaService"]',
    rule: "empty-value",
  },
  {
    name: "key policy statement without Principal",
    input: doc(base({ Principal: undefined })),
    path: "Statement[0].Principal",
    rule: "missing-element",
  },
];

describe("policy engine: invalid documents", () => {
  for (const c of invalid) {
    it(`${c.name}: ${c.rule} at ${c.path || "(document)"}`, () => {
      const problems = validatePolicy(strip(c.input));
      const match = problems.find((p) => p.path === c.path && p.rule === c.rule);
      expect(match, JSON.stringify(problems, null, 1)).to.not.equal(undefined);
      expect(match?.hint).to.be.a("string").and.not.equal("");
    });
    if (c.rule !== "missing-element" || !/Principal|Resource/.test(c.path)) {
      it(`${c.name}: is never equivalent, and the error carries the problems`, () => {
        let thrown: unknown;
        try {
          policiesEquivalent(strip(c.input), doc(base()));
        } catch (err) {
          thrown = err;
        }
        expect(thrown).to.be.instanceOf(PolicyValidationError);
        expect((thrown as PolicyValidationError).problems.some((p) => p.rule === c.rule)).to.equal(true);
      });
    }
  }

  it("validates key policies strictly and generic policies by grammar only", () => {
    const identity = doc({ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" });
    expect(validatePolicy(identity).map((p) => p.rule)).to.deep.equal(["missing-element"]);
    expect(validatePolicy(identity, { keyPolicy: false })).to.deep.equal([]);
  });

  it("accepts the default key policy KMS writes", () => {
    const kmsDefault = {
      Version: "2012-10-17",
      Id: "key-default-1",
      Statement: [
        {
          Sid: "Enable IAM User Permissions",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::111122223333:root" },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    };
    expect(validatePolicy(kmsDefault)).to.deep.equal([]);
  });
});
