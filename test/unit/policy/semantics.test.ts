import { expect } from "chai";
import {
  PolicyValidationError,
  canonicalPolicyJson,
  diffPolicies,
  formatPolicyDiff,
  normalizePolicy,
  policiesEquivalent,
  validatePolicy,
} from "../../../provider/policy";

/** One statement of a key policy whose Condition (or principal) each case varies. */
const withCondition = (condition: unknown, version = "2012-10-17") =>
  JSON.stringify({
    Version: version,
    Statement: [
      {
        Sid: "Use",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111122223333:role/app" },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: condition,
      },
    ],
  });
const cond = (operator: string, value: unknown, key = "aws:SourceIp") => ({ [operator]: { [key]: value } });

interface Case {
  rule: string;
  a: string;
  same: string;
  different: string;
}

const valueCases: Case[] = [
  {
    rule: "...IgnoreCase compares values without case",
    a: withCondition(cond("StringEqualsIgnoreCase", "Billing", "aws:PrincipalTag/team")),
    same: withCondition(cond("StringEqualsIgnoreCase", "BILLING", "aws:PrincipalTag/team")),
    different: withCondition(cond("StringEquals", "BILLING", "aws:PrincipalTag/team")),
  },
  {
    rule: 'Numeric* compares numbers: 10, "10" and "10.0"',
    a: withCondition(cond("NumericLessThan", 10, "kms:ExpirationModel")),
    same: withCondition(cond("NumericLessThan", ["10.0", "010"], "kms:ExpirationModel")),
    different: withCondition(cond("NumericLessThan", "10.5", "kms:ExpirationModel")),
  },
  {
    rule: "Date* compares instants: any ISO 8601 offset and epoch seconds",
    a: withCondition(cond("DateLessThan", "2030-01-01T00:00:00Z", "aws:CurrentTime")),
    same: withCondition(cond("DateLessThan", ["2030-01-01T01:00:00+01:00", "1893456000"], "aws:CurrentTime")),
    different: withCondition(cond("DateLessThan", "2030-01-01T00:00:01Z", "aws:CurrentTime")),
  },
  {
    rule: "IpAddress compares networks: a bare IPv4 address is /32",
    a: withCondition(cond("IpAddress", "203.0.113.7")),
    same: withCondition(cond("IpAddress", "203.0.113.7/32")),
    different: withCondition(cond("IpAddress", "203.0.113.7/31")),
  },
  {
    rule: "NotIpAddress compares networks: host bits and IPv6 spelling",
    a: withCondition(cond("NotIpAddress", ["203.0.113.0/24", "2001:db8::/32"])),
    same: withCondition(cond("NotIpAddress", ["203.0.113.99/24", "2001:0DB8:0000::1/32"])),
    different: withCondition(cond("NotIpAddress", ["203.0.113.0/25", "2001:db8::/32"])),
  },
  {
    rule: "a bare IPv6 address is /128",
    a: withCondition(cond("IpAddress", "2001:db8::1")),
    same: withCondition(cond("IpAddress", "2001:0db8:0:0:0:0:0:0001/128")),
    different: withCondition(cond("IpAddress", "2001:db8::1/64")),
  },
  {
    rule: "ArnEquals and ArnLike are identical",
    a: withCondition(cond("ArnEquals", "arn:aws:iam::111122223333:role/app", "aws:PrincipalArn")),
    same: withCondition(cond("ArnLike", "arn:aws:iam::111122223333:role/app", "aws:PrincipalArn")),
    different: withCondition(cond("StringLike", "arn:aws:iam::111122223333:role/app", "aws:PrincipalArn")),
  },
  {
    rule: "ArnNotEquals and ArnNotLike are identical, also with IfExists",
    a: withCondition(cond("ArnNotEqualsIfExists", "arn:aws:iam::111122223333:role/*", "aws:PrincipalArn")),
    same: withCondition(cond("ArnNotLikeIfExists", "arn:aws:iam::111122223333:role/*", "aws:PrincipalArn")),
    different: withCondition(cond("ArnNotLike", "arn:aws:iam::111122223333:role/*", "aws:PrincipalArn")),
  },
  {
    rule: "IfExists stays distinct",
    a: withCondition(cond("StringEqualsIfExists", "o-abc123", "aws:PrincipalOrgID")),
    same: withCondition(cond("StringEqualsIfExists", ["o-abc123"], "AWS:PrincipalOrgID")),
    different: withCondition(cond("StringEquals", "o-abc123", "aws:PrincipalOrgID")),
  },
  {
    rule: "ForAnyValue: and ForAllValues: stay distinct",
    a: withCondition(cond("ForAnyValue:StringEquals", "Decrypt", "kms:GrantOperations")),
    same: withCondition(cond("ForAnyValue:StringEquals", ["Decrypt", "Decrypt"], "kms:GrantOperations")),
    different: withCondition(cond("ForAllValues:StringEquals", "Decrypt", "kms:GrantOperations")),
  },
  {
    rule: "${*} is a literal * under 2012-10-17 where * is no wildcard",
    a: withCondition(cond("StringEquals", "a*b", "aws:PrincipalTag/p")),
    same: withCondition(cond("StringEquals", "a${*}b", "aws:PrincipalTag/p")),
    different: withCondition(cond("StringLike", "a${*}b", "aws:PrincipalTag/p")),
  },
  {
    rule: "${$} is $ and ${?} is ? under 2012-10-17",
    a: withCondition(cond("StringLike", "cost$?", "aws:PrincipalTag/p")),
    same: withCondition(cond("StringLike", "cost${$}?", "aws:PrincipalTag/p")),
    different: withCondition(cond("StringLike", "cost$${?}", "aws:PrincipalTag/p")),
  },
  {
    rule: "${*} is literal text under 2008-10-17",
    a: withCondition(cond("StringEquals", "a${*}b", "aws:PrincipalTag/p"), "2008-10-17"),
    same: withCondition(cond("StringEquals", ["a${*}b"], "aws:PrincipalTag/p"), "2008-10-17"),
    different: withCondition(cond("StringEquals", "a*b", "aws:PrincipalTag/p"), "2008-10-17"),
  },
];

describe("policy engine: operator-aware condition values", () => {
  for (const c of valueCases) {
    it(`${c.rule}: equivalent`, () => {
      expect(policiesEquivalent(c.a, c.same)).to.equal(true);
      expect(canonicalPolicyJson(c.a)).to.equal(canonicalPolicyJson(c.same));
    });
    it(`${c.rule}: near miss is different`, () => {
      expect(policiesEquivalent(c.a, c.different)).to.equal(false);
      expect(policiesEquivalent(c.different, c.a)).to.equal(false);
    });
  }

  it("an ArnEquals beside an ArnLike on the same key stays two conditions (both must hold)", () => {
    const both = withCondition({
      ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/a" },
      ArnLike: { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/b" },
    });
    const merged = withCondition(
      cond("ArnLike", ["arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/b"], "aws:PrincipalArn"),
    );
    expect(policiesEquivalent(both, merged)).to.equal(false);
  });

  it("an ArnEquals block and an ArnLike block on different keys merge into one (AWS documents them as identical)", () => {
    const source = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main";
    const principal = "arn:aws:iam::111122223333:role/app";
    const apart = withCondition({ ArnEquals: { "aws:SourceArn": source }, ArnLike: { "aws:PrincipalArn": principal } });
    const merged = withCondition({ ArnLike: { "aws:SourceArn": source, "aws:PrincipalArn": principal } });
    const allEquals = withCondition({ ArnEquals: { "aws:SourceArn": source, "aws:PrincipalArn": principal } });
    expect(policiesEquivalent(apart, merged)).to.equal(true);
    expect(policiesEquivalent(merged, apart)).to.equal(true);
    expect(policiesEquivalent(apart, allEquals)).to.equal(true);
    expect(canonicalPolicyJson(apart)).to.equal(canonicalPolicyJson(merged));
    // A near miss: one value changed is still a difference.
    const changed = withCondition({ ArnLike: { "aws:SourceArn": source, "aws:PrincipalArn": `${principal}-2` } });
    expect(policiesEquivalent(apart, changed)).to.equal(false);
    // The Not pair merges too; it never merges with the positive pair.
    const notApart = withCondition({ ArnNotEquals: { "aws:SourceArn": source }, ArnNotLike: { "aws:PrincipalArn": principal } });
    expect(
      policiesEquivalent(notApart, withCondition({ ArnNotLike: { "aws:SourceArn": source, "aws:PrincipalArn": principal } })),
    ).to.equal(true);
    expect(policiesEquivalent(notApart, merged)).to.equal(false);
  });

  it("an ArnEquals and an ArnLike that give one key the same values merge; IfExists and set prefixes stay apart", () => {
    const arn = "arn:aws:iam::111122223333:role/a";
    const twice = withCondition({ ArnEquals: { "aws:PrincipalArn": arn }, ArnLike: { "aws:PrincipalArn": [arn, arn] } });
    expect(policiesEquivalent(twice, withCondition(cond("ArnLike", arn, "aws:PrincipalArn")))).to.equal(true);
    const ifExists = withCondition({ ArnEqualsIfExists: { "aws:SourceArn": arn }, ArnLike: { "aws:PrincipalArn": arn } });
    expect(policiesEquivalent(ifExists, withCondition({ ArnLike: { "aws:SourceArn": arn, "aws:PrincipalArn": arn } }))).to.equal(false);
  });

  it("a diff of merged Arn blocks names each entry as written", () => {
    const source = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main";
    const before = withCondition({
      ArnEquals: { "aws:SourceArn": source },
      ArnLike: { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/a" },
    });
    const after = withCondition({
      ArnEquals: { "aws:SourceArn": source },
      ArnLike: { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/b" },
    });
    const diff = diffPolicies(before, after);
    expect(diff.changed).to.have.length(1);
    const conditions = diff.changed[0].conditions;
    expect(conditions.added.map((c) => c.value)).to.deep.equal(["arn:aws:iam::111122223333:role/b"]);
    expect(conditions.removed.map((c) => c.value)).to.deep.equal(["arn:aws:iam::111122223333:role/a"]);
    expect(conditions.added[0].key).to.equal("aws:PrincipalArn");
  });

  it("a date offset beyond 23:59 is not an offset: the value stays as written", () => {
    const date = (v: string) => withCondition(cond("DateLessThan", v, "aws:CurrentTime"));
    expect(policiesEquivalent(date("2030-01-02T00:00:00+24:00"), date("2030-01-01T00:00:00Z"))).to.equal(false);
    expect(policiesEquivalent(date("2030-01-01T00:00:00+00:60"), date("2029-12-31T23:00:00Z"))).to.equal(false);
    expect(policiesEquivalent(date("2030-01-02T00:00:00+24:00"), date("2030-01-02T00:00:00+24:00"))).to.equal(true);
    // The largest offsets there are still read as offsets.
    expect(policiesEquivalent(date("2030-01-01T23:59:00+23:59"), date("2030-01-01T00:00:00Z"))).to.equal(true);
    expect(policiesEquivalent(date("2029-12-31T00:01:00-23:59"), date("2030-01-01T00:00:00Z"))).to.equal(true);
  });

  it("policy variables are not read in Numeric and Date values (AWS substitutes none there)", () => {
    const numeric = (v: string) => withCondition(cond("NumericLessThan", v, "kms:n"));
    expect(policiesEquivalent(numeric("${*}"), numeric("*"))).to.equal(false);
    const date = (v: string) => withCondition(cond("DateLessThan", v, "aws:CurrentTime"));
    expect(policiesEquivalent(date("${*}"), date("*"))).to.equal(false);
    // Where AWS does substitute them (a string operator), they are read.
    const string = (v: string) => withCondition(cond("StringEquals", v, "kms:n"));
    expect(policiesEquivalent(string("a${*}"), string("a*"))).to.equal(true);
  });

  it("a value the operator cannot read is compared as text", () => {
    expect(
      policiesEquivalent(withCondition(cond("NumericEquals", "ten", "k:n")), withCondition(cond("NumericEquals", "ten", "k:n"))),
    ).to.equal(true);
    expect(
      policiesEquivalent(withCondition(cond("NumericEquals", "ten", "k:n")), withCondition(cond("NumericEquals", "TEN", "k:n"))),
    ).to.equal(false);
    expect(
      policiesEquivalent(
        withCondition(cond("DateEquals", "2030-01-01T00:00:00", "aws:CurrentTime")),
        withCondition(cond("DateEquals", "2030-01-01T00:00:00Z", "aws:CurrentTime")),
      ),
    ).to.equal(false);
  });
});

describe("policy engine: number text is kept", () => {
  const text = (value: string) => withCondition({ StringEquals: { "kms:EncryptionContext:ttl": "__V__" } }).replace('"__V__"', value);

  it('an unquoted 3600.0 is the value "3600.0"', () => {
    const policy = normalizePolicy(text("3600.0"));
    expect(policy.Statement[0].Condition).to.deep.equal({ StringEquals: { "kms:encryptioncontext:ttl": ["3600.0"] } });
    expect(policiesEquivalent(text("3600.0"), text('"3600.0"'))).to.equal(true);
  });

  it("3600.0 is not 3600 to a string operator, but is to a numeric one", () => {
    expect(policiesEquivalent(text("3600.0"), text("3600"))).to.equal(false);
    const numeric = (v: string) => text(v).replace("StringEquals", "NumericEquals");
    expect(policiesEquivalent(numeric("3600.0"), numeric("3600"))).to.equal(true);
  });

  it("large and precise numbers keep every digit", () => {
    expect(normalizePolicy(text("12345678901234567890.10")).Statement[0].Condition).to.deep.equal({
      StringEquals: { "kms:encryptioncontext:ttl": ["12345678901234567890.10"] },
    });
    expect(policiesEquivalent(text("9007199254740993"), text("9007199254740992"))).to.equal(false);
  });
});

describe("policy engine: account principals and partitions", () => {
  const withPrincipal = (aws: string) => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: aws }, Action: "kms:*", Resource: "*" }],
  });

  it("a bare account id is the root of the key's partition, aws by default", () => {
    expect(policiesEquivalent(withPrincipal("111122223333"), withPrincipal("arn:aws:iam::111122223333:root"))).to.equal(true);
    expect(policiesEquivalent(withPrincipal("111122223333"), withPrincipal("arn:aws-cn:iam::111122223333:root"))).to.equal(false);
  });

  it("the partition option moves the bare id into that partition", () => {
    const cn = { partition: "aws-cn" };
    expect(policiesEquivalent(withPrincipal("111122223333"), withPrincipal("arn:aws-cn:iam::111122223333:root"), cn)).to.equal(true);
    expect(policiesEquivalent(withPrincipal("111122223333"), withPrincipal("arn:aws:iam::111122223333:root"), cn)).to.equal(false);
  });

  it("roots of two partitions never merge", () => {
    expect(
      policiesEquivalent(withPrincipal("arn:aws:iam::111122223333:root"), withPrincipal("arn:aws-us-gov:iam::111122223333:root")),
    ).to.equal(false);
  });
});

describe("policy engine: strict JSON", () => {
  const good = withCondition(cond("StringEquals", "o-abc123", "aws:PrincipalOrgID"));
  const cases: Array<[string, string, string, string]> = [
    ["duplicate Effect", good.replace('"Effect":"Allow"', '"Effect":"Deny","Effect":"Allow"'), "Statement[0].Effect", "duplicate-key"],
    [
      "two Condition blocks",
      good.replace('"Condition":', '"Condition":{"Bool":{"aws:SecureTransport":"true"}},"Condition":'),
      "Statement[0].Condition",
      "duplicate-key",
    ],
    [
      "duplicate key deep inside a condition",
      good.replace('{"aws:PrincipalOrgID":"o-abc123"}', '{"aws:PrincipalOrgID":"o-abc123","aws:PrincipalOrgID":"o-other"}'),
      'Statement[0].Condition.StringEquals["aws:PrincipalOrgID"]',
      "duplicate-key",
    ],
    ["duplicate document key", good.replace('{"Version"', '{"Statement":[],"Version"'), "Statement", "duplicate-key"],
    ["byte-order mark", `\uFEFF${good}`, "", "byte-order-mark"],
    ["raw tab inside a string", good.replace('"Sid":"Use"', '"Sid":"U\tse"'), "Statement[0].Sid", "control-character"],
    [
      "raw newline inside a string",
      good.replace("o-abc123", "o-abc\n123"),
      'Statement[0].Condition.StringEquals["aws:PrincipalOrgID"]',
      "control-character",
    ],
  ];
  for (const [name, text, path, rule] of cases) {
    it(`${name}: ${rule} at ${path || "(document)"} with a fix, and never compared`, () => {
      const problems = validatePolicy(text);
      expect(problems, JSON.stringify(problems)).to.have.length(1);
      expect(problems[0]).to.include({ path, rule });
      expect(problems[0].hint).to.be.a("string").and.not.equal("");
      expect(() => policiesEquivalent(text, good)).to.throw(PolicyValidationError);
    });
    it(`${name}: a tolerant read (a live policy) still compares it`, () => {
      expect(() => policiesEquivalent(text, text, { tolerant: true })).to.not.throw();
    });
  }

  it("the same text without the problem is valid", () => {
    expect(validatePolicy(good)).to.deep.equal([]);
    expect(validatePolicy(good.replace('"Sid":"Use"', '"Sid":"U\\tse"'))).to.deep.equal([]);
  });

  it("reports a syntax error with its line and column", () => {
    const [problem] = validatePolicy('{\n  "Version": "2012-10-17",\n  "Statement": [,]\n}');
    expect(problem.rule).to.equal("invalid-json");
    expect(problem.message).to.match(/line 3, column 17/);
  });

  it("reads escapes as JSON.parse does", () => {
    const escaped =
      '{"Version":"2012-10-17","Statement":[{"Sid":"a\\"b\\\\c\\/d\\u0041","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}';
    expect(normalizePolicy(escaped).Statement[0].Sid).to.equal(JSON.parse(escaped).Statement[0].Sid);
  });
});

describe("policy engine: refuse only what KMS certainly refuses", () => {
  const statement = { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/app" }, Action: "kms:Decrypt", Resource: "*" };
  const one = (s: Record<string, unknown>) => ({ Version: "2012-10-17", Statement: [{ ...statement, ...s }] });
  const rules = (d: unknown) => validatePolicy(JSON.parse(JSON.stringify(d))).map((p) => `${p.path} ${p.rule}`);

  it('a wildcard inside a principal ARN is invalid; "*" alone is not', () => {
    expect(rules(one({ Principal: { AWS: "arn:aws:iam::111122223333:role/*" } }))).to.deep.equal([
      "Statement[0].Principal.AWS wildcard-principal",
    ]);
    expect(rules(one({ Principal: { AWS: ["arn:aws:iam::*:root"] } }))).to.deep.equal(["Statement[0].Principal.AWS[0] wildcard-principal"]);
    expect(rules(one({ Principal: { AWS: "*" } }))).to.deep.equal([]);
  });

  it("an empty Statement list is invalid; one statement is not", () => {
    expect(rules({ Version: "2012-10-17", Statement: [] })).to.deep.equal(["Statement empty-value"]);
    expect(rules(one({}))).to.deep.equal([]);
  });

  it("a key policy statement without Principal or NotPrincipal is invalid; with NotPrincipal it is not", () => {
    expect(rules(one({ Principal: undefined }))).to.deep.equal(["Statement[0].Principal missing-element"]);
    expect(rules(one({ Effect: "Deny", Principal: undefined, NotPrincipal: { AWS: "111122223333" } }))).to.deep.equal([]);
  });

  it("a statement without Action or without Resource is valid (it has no effect)", () => {
    expect(rules(one({ Action: undefined }))).to.deep.equal([]);
    expect(rules(one({ Resource: undefined }))).to.deep.equal([]);
    expect(rules(one({ Action: "Decrypt" }))).to.deep.equal(["Statement[0].Action invalid-action"]);
  });

  it("a service principal may be any well-formed DNS name, e.g. Route 53 DNSSEC's", () => {
    expect(rules(one({ Principal: { Service: "api-service.dnssec.route53.aws.internal" } }))).to.deep.equal([]);
    expect(rules(one({ Principal: { Service: ["dnssec-route53.amazonaws.com", "logs.us-east-1.amazonaws.com"] } }))).to.deep.equal([]);
    expect(rules(one({ Principal: { Service: "not a host" } }))).to.deep.equal(["Statement[0].Principal.Service invalid-principal"]);
    expect(rules(one({ Principal: { Service: "logs" } }))).to.deep.equal(["Statement[0].Principal.Service invalid-principal"]);
  });
});

describe("policy engine: key-policy mode is every function's default", () => {
  const identity = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }] };
  const generic = { keyPolicy: false };
  const calls: Array<[string, (o?: { keyPolicy: boolean }) => unknown]> = [
    [
      "validatePolicy",
      (o) => {
        const problems = validatePolicy(identity, o);
        if (problems.length) throw new PolicyValidationError(problems);
      },
    ],
    ["normalizePolicy", (o) => normalizePolicy(identity, o)],
    ["canonicalPolicyJson", (o) => canonicalPolicyJson(identity, o)],
    ["policiesEquivalent", (o) => policiesEquivalent(identity, identity, o)],
    ["diffPolicies", (o) => diffPolicies(identity, identity, o)],
  ];
  for (const [name, call] of calls) {
    it(`${name} refuses a statement without Principal by default, and accepts it in generic mode`, () => {
      expect(() => call()).to.throw(PolicyValidationError, /Principal/);
      expect(() => call(generic)).to.not.throw();
    });
  }
});

describe("policy engine: tolerant reading of live policies", () => {
  // Shapes KMS has stored (accepted by it, or by an older KMS) that this package would not write.
  const live = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" },
      { Sid: "NoPrincipal", Effect: "Allow", Action: "kms:Decrypt", Resource: "*" },
      { Sid: "OddService", Effect: "Allow", Principal: { Service: "odd_service" }, Action: "kms:Decrypt", Resource: [42] },
    ],
  });

  it("strict mode refuses the live policy; tolerant mode compares it with itself", () => {
    expect(() => policiesEquivalent(live, live)).to.throw(PolicyValidationError);
    expect(policiesEquivalent(live, live, { tolerant: true })).to.equal(true);
  });

  it("tolerant mode still finds its differences and explains them", () => {
    const changed = live.replace('"kms:Decrypt","Resource":"*"', '"kms:Encrypt","Resource":"*"');
    expect(policiesEquivalent(live, changed, { tolerant: true })).to.equal(false);
    const text = formatPolicyDiff(diffPolicies(live, changed, { tolerant: true }));
    expect(text).to.contain("~ statement NoPrincipal");
    expect(text).to.contain("+ action kms:Encrypt");
    expect(text).to.contain("- action kms:Decrypt");
  });

  it("tolerant mode treats a number where a string belongs as its text", () => {
    expect(policiesEquivalent(live, live.replace("[42]", '"42"'), { tolerant: true })).to.equal(true);
  });

  it("text that is not JSON at all is still an error, even tolerant", () => {
    expect(() => policiesEquivalent("{", live, { tolerant: true })).to.throw(PolicyValidationError, /not valid JSON/);
  });
});
