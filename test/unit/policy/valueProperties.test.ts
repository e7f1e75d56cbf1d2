import { expect } from "chai";
import fc from "fast-check";
import { canonicalPolicyJson, policiesEquivalent } from "../../../provider/policy";
import { Json, policy } from "./arbitraries";

/** One condition value written two ways that mean the same, and a value that differs. */
interface ValueCase {
  operator: string;
  key: string;
  value: unknown;
  same: unknown;
  different: unknown;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const flipCase = (s: string, mask: boolean[]) => [...s].map((c, i) => (mask[i % mask.length] ? c.toUpperCase() : c.toLowerCase())).join("");
const setPrefix = (p: string) => fc.constantFrom("", "ForAnyValue:", "ForAllValues:").map((prefix) => prefix + p);

const numeric = fc
  .record({
    n: fc.integer({ min: -1_000_000, max: 1_000_000 }),
    zeros: fc.nat(3),
    op: fc.constantFrom("NumericEquals", "NumericLessThan", "NumericGreaterThanEqualsIfExists"),
  })
  .map(({ n, zeros, op }): ValueCase => ({
    operator: op,
    key: "kms:RotationPeriodInDays",
    value: n,
    same: `${n}.${"0".repeat(zeros + 1)}`,
    different: String(n + 1),
  }));

const date = fc
  .record({
    t: fc.integer({ min: 0, max: 4_000_000_000 }),
    offsetMinutes: fc.integer({ min: -12 * 60, max: 14 * 60 }),
    op: setPrefix("DateLessThan"),
  })
  .map(({ t, offsetMinutes, op }): ValueCase => {
    const local = new Date((t + offsetMinutes * 60) * 1000);
    const sign = offsetMinutes < 0 ? "-" : "+";
    const abs = Math.abs(offsetMinutes);
    const withOffset = `${local.toISOString().slice(0, 19)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
    return { operator: op, key: "aws:CurrentTime", value: String(t), same: withOffset, different: new Date((t + 1) * 1000).toISOString() };
  });

const ipv4 = fc
  .record({
    octets: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
    prefix: fc.integer({ min: 1, max: 32 }),
    op: fc.constantFrom("IpAddress", "NotIpAddress"),
  })
  .map(({ octets, prefix, op }): ValueCase => {
    const n = octets.reduce((a, o) => a * 256 + o, 0);
    const mask = (0xffffffff << (32 - prefix)) >>> 0;
    const text = (x: number) => [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join(".");
    const network = (n & mask) >>> 0;
    const hostBits = prefix === 32 ? network : (network | ((~mask >>> 0) & n)) >>> 0;
    const other = prefix === 1 ? `${text(network)}/2` : `${text(network)}/${prefix - 1}`;
    return {
      operator: op,
      key: "aws:SourceIp",
      value: prefix === 32 ? text(network) : `${text(network)}/${prefix}`,
      same: `${text(hostBits)}/${prefix}`,
      different: other,
    };
  });

const ipv6 = fc
  .record({
    groups: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }),
    zeroRun: fc.nat(7),
    op: fc.constantFrom("IpAddress", "NotIpAddress"),
  })
  .map(({ groups, zeroRun, op }): ValueCase => {
    const g = groups.map((x, i) => (i >= zeroRun && i < zeroRun + 3 ? 0 : x));
    const full = g.map((x) => x.toString(16).padStart(4, "0").toUpperCase()).join(":");
    const short = g.map((x) => x.toString(16)).join(":");
    const changed = [...g];
    changed[7] ^= 1;
    return {
      operator: op,
      key: "aws:SourceIp",
      value: short,
      same: `${full}/128`,
      different: changed.map((x) => x.toString(16)).join(":"),
    };
  });

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const ignoreCase = fc
  .record({ w: word, mask: fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), op: setPrefix("StringEqualsIgnoreCase") })
  .map(({ w, mask, op }): ValueCase => ({
    operator: op,
    key: "aws:PrincipalTag/team",
    value: w,
    same: flipCase(w, mask),
    different: `${w}x`,
  }));

const arn = fc
  .record({ w: word, op: fc.constantFrom("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "ArnEqualsIfExists") })
  .map(({ w, op }) => {
    const swapped = op
      .replace(/Equals/, "TMP")
      .replace(/Like/, "Equals")
      .replace(/TMP/, "Like");
    return {
      operator: op,
      key: "aws:PrincipalArn",
      value: `arn:aws:iam::111122223333:role/${w}`,
      same: swapped,
      different: `arn:aws:iam::111122223333:role/${w}x`,
    };
  });

const withCondition = (d: Json, operator: string, key: string, value: unknown): Json => {
  const extra = {
    Sid: "Conditioned",
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::111122223333:role/app" },
    Action: "kms:Decrypt",
    Resource: "*",
    Condition: { [operator]: { [key]: value } },
  };
  return { ...d, Statement: [...(d.Statement as Json[]), extra] };
};

describe("policy engine: properties of operator-aware values", () => {
  const cases: Array<[string, fc.Arbitrary<ValueCase>]> = [
    ["Numeric* values as numbers", numeric],
    ["Date* values as instants", date],
    ["IpAddress values as IPv4 networks", ipv4],
    ["IpAddress values as IPv6 networks", ipv6],
    ["...IgnoreCase values without case", ignoreCase],
  ];
  for (const [name, arbitrary] of cases) {
    it(`${name}: another spelling is equivalent, another value is not`, () => {
      fc.assert(
        fc.property(policy, arbitrary, (d, c) => {
          const a = withCondition(d, c.operator, c.key, c.value);
          expect(policiesEquivalent(a, withCondition(d, c.operator, c.key, c.same)), JSON.stringify(c)).to.equal(true);
          expect(policiesEquivalent(a, withCondition(d, c.operator, c.key, c.different)), JSON.stringify(c)).to.equal(false);
        }),
      );
    });
  }

  it("ArnEquals and ArnLike (and the Not pair) are one operator; the value still counts", () => {
    fc.assert(
      fc.property(policy, arn, (d, c) => {
        const a = withCondition(d, c.operator, c.key, c.value);
        expect(policiesEquivalent(a, withCondition(d, c.same, c.key, c.value))).to.equal(true);
        expect(policiesEquivalent(a, withCondition(d, c.operator, c.key, c.different))).to.equal(false);
      }),
    );
  });

  it("a string operator keeps every value as written", () => {
    fc.assert(
      fc.property(policy, fc.oneof(numeric, ignoreCase, ipv4), (d, c) => {
        fc.pre(String(c.value) !== String(c.same));
        const a = withCondition(d, "StringEquals", c.key, c.value);
        expect(policiesEquivalent(a, withCondition(d, "StringEquals", c.key, c.same))).to.equal(false);
      }),
    );
  });
});

describe("policy engine: properties of number text", () => {
  const decimal = fc
    .record({
      integer: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
      fraction: fc.option(fc.stringMatching(/^[0-9]{1,8}$/), { nil: undefined }),
    })
    .map(({ integer, fraction }) => (fraction === undefined ? String(integer) : `${integer}.${fraction}`));

  it("an unquoted number is the string of its text, digit for digit", () => {
    fc.assert(
      fc.property(policy, decimal, (d, n) => {
        const text = JSON.stringify(withCondition(d, "StringEquals", "kms:EncryptionContext:n", "__N__"));
        const unquoted = text.replace('"__N__"', n);
        const quoted = text.replace('"__N__"', JSON.stringify(n));
        expect(policiesEquivalent(unquoted, quoted)).to.equal(true);
        expect(canonicalPolicyJson(unquoted)).to.contain(JSON.stringify(n));
        expect(policiesEquivalent(unquoted, text.replace('"__N__"', `${n}${n.includes(".") ? "0" : ".0"}`))).to.equal(false);
      }),
    );
  });
});

describe("policy engine: properties of partitions", () => {
  const partitions = ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"];
  const accountIds = fc.stringMatching(/^[0-9]{12}$/);

  it("a bare account id is the root of the partition given, and of no other", () => {
    fc.assert(
      fc.property(policy, accountIds, fc.constantFrom(...partitions), fc.constantFrom(...partitions), (d, id, p, q) => {
        fc.pre(p !== q);
        const bare = withCondition(d, "StringEquals", "aws:PrincipalOrgID", "o-abc123") as Record<string, Json[]>;
        const withPrincipal = (aws: string) => ({
          ...bare,
          Statement: [...bare.Statement, { Sid: "Account", Effect: "Allow", Principal: { AWS: aws }, Action: "kms:*", Resource: "*" }],
        });
        expect(policiesEquivalent(withPrincipal(id), withPrincipal(`arn:${p}:iam::${id}:root`), { partition: p })).to.equal(true);
        expect(policiesEquivalent(withPrincipal(id), withPrincipal(`arn:${q}:iam::${id}:root`), { partition: p })).to.equal(false);
        expect(policiesEquivalent(withPrincipal(`arn:${p}:iam::${id}:root`), withPrincipal(`arn:${q}:iam::${id}:root`))).to.equal(false);
      }),
    );
  });
});
