import { expect } from "chai";
import {
  LINT_RULES,
  LintFinding,
  LintOptions,
  PolicyStatement,
  lintPolicy,
  parseSuppressions,
  policiesEquivalent,
  validatePolicy,
} from "../../../provider/policy";

const ACCOUNT = "111122223333";
const OTHER = "444455556666";
const admin: PolicyStatement = {
  Sid: "Admin",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: "kms:*",
  Resource: "*",
};
const use = (s: Record<string, unknown>): Record<string, unknown> => ({
  Sid: "Use",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` },
  Action: "kms:Decrypt",
  Resource: "*",
  ...s,
});
const doc = (...statements: Array<Record<string, unknown>>) => ({ Version: "2012-10-17", Statement: [admin, ...statements] });
const findings = (policy: unknown, options?: LintOptions): LintFinding[] => lintPolicy(policy, options);
const rulesOf = (policy: unknown, options?: LintOptions) => findings(policy, options).map((f) => f.rule);

/** For each rule: a document where it fires (at `path`) and a near miss where it does not. */
const cases: Array<{ rule: string; fires: unknown; path: string; nearMiss: unknown; why: string }> = [
  {
    rule: "public-access",
    fires: doc(use({ Principal: "*" })),
    path: "Statement[1].Principal",
    nearMiss: doc(use({ Principal: "*", Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT } } })),
    why: 'an Allow to "*" restricted by kms:CallerAccount',
  },
  {
    rule: "public-access",
    fires: doc(use({ Principal: { AWS: "*" }, Condition: { StringNotEquals: { "kms:CallerAccount": OTHER } } })),
    path: "Statement[1].Principal",
    nearMiss: doc(use({ Principal: { AWS: "*" }, Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } })),
    why: "aws:PrincipalOrgID limits it to an organization (a negated operator does not limit)",
  },
  {
    rule: "public-access",
    fires: doc(use({ Principal: "*", Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:*" } } })),
    path: "Statement[1].Principal",
    nearMiss: doc(use({ Principal: "*", Condition: { ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:*` } } })),
    why: "a pattern with wildcards where the account id stands limits nothing; one with the account id does",
  },
  {
    rule: "public-access",
    fires: doc(use({ Principal: { AWS: "*" }, Condition: { StringLike: { "aws:userid": "*:*" } } })),
    path: "Statement[1].Principal",
    nearMiss: doc(use({ Principal: { AWS: "*" }, Condition: { StringLike: { "aws:userid": "AROAEXAMPLEROLEID:*" } } })),
    why: "a role's unique id names one role; only wildcards name everyone",
  },
  {
    rule: "public-access",
    fires: doc(use({ Principal: "*", Condition: { StringLike: { "aws:SourceVpce": "vpce-*" } } })),
    path: "Statement[1].Principal",
    nearMiss: doc(use({ Principal: "*", Condition: { StringLike: { "aws:SourceVpce": "vpce-1a2b3c4d*" } } })),
    why: '"vpce-*" matches every endpoint; a pattern with an endpoint id does not',
  },
  {
    rule: "public-access",
    fires: doc(use({ Principal: "*", Condition: { StringLike: { "aws:PrincipalOrgID": "o-*" }, ArnEquals: { "aws:SourceArn": "*" } } })),
    path: "Statement[1].Principal",
    nearMiss: doc(use({ Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc" } } })),
    why: "StringEquals compares text, so any organization id limits; ArnEquals takes wildcards as ArnLike does",
  },
  {
    rule: "wildcard-principal-admin",
    fires: doc(use({ Principal: "*", Action: "kms:PutKeyPolicy", Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT } } })),
    path: "Statement[1].Action",
    nearMiss: doc(
      use({
        Principal: "*",
        Action: ["kms:CreateGrant", "kms:Decrypt"],
        Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": "ec2.us-east-1.amazonaws.com" } },
      }),
    ),
    why: "CreateGrant through a named service (the EBS key policy pattern)",
  },
  {
    rule: "wildcard-principal-admin",
    fires: doc(use({ Principal: "*", Action: "kms:*", Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT } } })),
    path: "Statement[1].Action",
    nearMiss: doc(
      use({ Principal: "*", Action: "kms:*", Condition: { ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/KeyAdmin` } } }),
    ),
    why: "aws:PrincipalArn names the identity behind the wildcard",
  },
  {
    rule: "cross-account-create-grant",
    fires: doc(use({ Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: ["kms:CreateGrant", "kms:ListGrants"] })),
    path: "Statement[1].Principal.AWS",
    nearMiss: doc(
      use({
        Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
        Action: ["kms:CreateGrant", "kms:ListGrants"],
        Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
      }),
    ),
    why: "kms:GrantIsForAWSResource (AWS's cross-account example)",
  },
  {
    rule: "unknown-action",
    fires: doc(use({ Action: "kms:Decryt" })),
    path: "Statement[1].Action",
    nearMiss: doc(use({ Action: "KMS:DECRYPT" })),
    why: "action names are case-insensitive",
  },
  {
    rule: "action-matches-nothing",
    fires: doc(use({ Action: "kms:GenerateDataKeys*" })),
    path: "Statement[1].Action",
    nearMiss: doc(use({ Action: "kms:GenerateDataKey*" })),
    why: "kms:GenerateDataKey* matches four actions",
  },
  {
    rule: "action-other-service",
    fires: doc(use({ Action: ["kms:Decrypt", "s3:GetObject"] })),
    path: "Statement[1].Action[1]",
    nearMiss: doc(use({ Action: ["kms:Decrypt", "*"] })),
    why: '"*" includes kms actions',
  },
  {
    rule: "unknown-condition-key",
    fires: doc(use({ Condition: { StringEquals: { "kms:ViaServise": "s3.us-east-1.amazonaws.com" } } })),
    path: 'Statement[1].Condition.StringEquals["kms:ViaServise"]',
    nearMiss: doc(use({ Condition: { StringEquals: { "kms:EncryptionContext:Department": "IT" } } })),
    why: "kms:EncryptionContext:<key> is a template key",
  },
  {
    rule: "condition-key-not-applicable",
    fires: doc(use({ Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } })),
    path: 'Statement[1].Condition.Bool["kms:GrantIsForAWSResource"]',
    nearMiss: doc(use({ Condition: { ArnLike: { "aws:SourceArn": "arn:aws:cloudtrail:*:111122223333:trail/*" } } })),
    why: "a global key such as aws:SourceArn applies to every action",
  },
  {
    rule: "condition-value-type",
    fires: doc(use({ Condition: { NumericEquals: { "kms:RotationPeriodInDays": "abc" } }, Action: "kms:EnableKeyRotation" })),
    path: 'Statement[1].Condition.NumericEquals["kms:RotationPeriodInDays"]',
    nearMiss: doc(use({ Condition: { NumericLessThanEquals: { "kms:RotationPeriodInDays": 365 } }, Action: "kms:EnableKeyRotation" })),
    why: "a number",
  },
  {
    rule: "condition-value-type",
    fires: doc(use({ Condition: { Bool: { "aws:SecureTransport": "yes" } } })),
    path: 'Statement[1].Condition.Bool["aws:SecureTransport"]',
    nearMiss: doc(use({ Condition: { Bool: { "aws:SecureTransport": true } } })),
    why: "a JSON boolean",
  },
  {
    rule: "condition-value-type",
    fires: doc(use({ Condition: { DateLessThan: { "aws:CurrentTime": "2026-13-45" }, IpAddress: { "aws:SourceIp": "10.0.0.0/33" } } })),
    path: 'Statement[1].Condition.DateLessThan["aws:CurrentTime"]',
    nearMiss: doc(
      use({
        Condition: {
          DateLessThan: { "aws:CurrentTime": "2026-12-31T23:59:59Z" },
          IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32", "203.0.113.7"] },
        },
      }),
    ),
    why: "an ISO 8601 time, CIDR blocks and a bare address",
  },
  {
    rule: "condition-value-type",
    fires: doc(use({ Condition: { ArnLike: { "aws:SourceArn": "cloudtrail:trail/*" } } })),
    path: 'Statement[1].Condition.ArnLike["aws:SourceArn"]',
    nearMiss: doc(use({ Condition: { ArnLike: { "aws:SourceArn": "arn:${aws:partition}:cloudtrail:*:111122223333:trail/*" } } })),
    why: "an ARN with a policy variable",
  },
  {
    rule: "set-operator-single-valued",
    fires: doc(use({ Condition: { "ForAnyValue:StringEquals": { "kms:CallerAccount": ACCOUNT } } })),
    path: 'Statement[1].Condition["ForAnyValue:StringEquals"]',
    nearMiss: doc(use({ Condition: { "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["Department", "Project"] } } })),
    why: "kms:EncryptionContextKeys is multivalued",
  },
  {
    rule: "statement-no-effect",
    fires: doc({ Sid: "NoAction", Effect: "Allow", Principal: { AWS: ACCOUNT }, Resource: "*" }),
    path: "Statement[1].Action",
    nearMiss: doc({ Sid: "NotAction", Effect: "Deny", Principal: { AWS: ACCOUNT }, NotAction: "kms:Decrypt", Resource: "*" }),
    why: "NotAction counts as an action element",
  },
  {
    rule: "duplicate-sid",
    fires: doc(use({}), use({ Action: "kms:Encrypt" })),
    path: "Statement[2].Sid",
    nearMiss: doc(use({}), use({ Sid: "Use2", Action: "kms:Encrypt" })),
    why: "distinct Sids",
  },
  {
    rule: "allow-not-principal",
    fires: doc(use({ Principal: undefined, NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` } })),
    path: "Statement[1].NotPrincipal",
    nearMiss: doc(use({ Effect: "Deny", Principal: undefined, NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` } })),
    why: "Deny with NotPrincipal is the documented use",
  },
  {
    rule: "resource-not-key",
    fires: doc(use({ Resource: "arn:aws:s3:::bucket/*" })),
    path: "Statement[1].Resource",
    nearMiss: doc(use({ Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/*` })),
    why: "a key ARN pattern",
  },
  {
    rule: "resource-not-key",
    fires: doc(use({ Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:alias/app` })),
    path: "Statement[1].Resource",
    nearMiss: doc(
      use({ Resource: [`arn:aws:kms:*:${ACCOUNT}:*`, "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"] }),
    ),
    why: "a pattern that covers every key of the account, and a key ARN",
  },
  {
    rule: "missing-version",
    fires: { Statement: [admin] },
    path: "Version",
    nearMiss: { Version: "2012-10-17", Statement: [admin] },
    why: "Version given",
  },
  {
    rule: "old-version",
    fires: { Version: "2008-10-17", Statement: [admin] },
    path: "Version",
    nearMiss: { Version: "2012-10-17", Statement: [admin] },
    why: "the current version",
  },
  {
    rule: "missing-sid",
    fires: doc(use({ Sid: undefined })),
    path: "Statement[1]",
    nearMiss: doc(use({ Sid: "Use" })),
    why: "a Sid",
  },
];

describe("lintPolicy", () => {
  for (const c of cases) {
    it(`${c.rule}: fires at ${c.path}, not on a near miss (${c.why})`, () => {
      const fired = findings(c.fires).filter((f) => f.rule === c.rule);
      expect(fired.map((f) => f.path)).to.include(c.path);
      expect(fired[0].hint).to.be.a("string").and.not.equal("");
      expect(rulesOf(c.nearMiss)).to.not.include(c.rule);
    });
  }

  it("has a test case, a severity, a one-line description and a documentation link for every rule", () => {
    for (const r of LINT_RULES) {
      expect(
        cases.map((c) => c.rule),
        r.id,
      ).to.include(r.id);
      expect(r.description).to.not.contain("\n");
      expect(r.docs).to.match(/^https:\/\/docs\.aws\.amazon\.com\//);
      for (const c of cases.filter((x) => x.rule === r.id))
        expect(findings(c.fires).find((f) => f.rule === r.id)?.severity).to.equal(r.severity);
    }
  });

  it("names the intended action and condition key in its hints", () => {
    expect(findings(doc(use({ Action: "kms:Decryt" }))).find((f) => f.rule === "unknown-action")?.hint).to.contain("kms:Decrypt");
    expect(
      findings(doc(use({ Condition: { StringEquals: { "kms:ViaServise": "x" } } }))).find((f) => f.rule === "unknown-condition-key")?.hint,
    ).to.contain("kms:ViaService");
  });

  it("reports exactly validatePolicy's problems as errors, worst first", () => {
    const broken = {
      Version: "2012-10-17",
      Statement: [{ Effect: "allow", Principal: { AWS: ACCOUNT }, Action: "kms:Decryt", Resource: "*" }],
    };
    const errors = findings(broken).filter((f) => f.severity === "error");
    expect(errors.map(({ severity: _s, ...p }) => p)).to.deep.equal(validatePolicy(broken));
    const severities = findings(broken).map((f) => f.severity);
    expect(severities[0]).to.equal("error");
    expect(severities).to.include("warning");
    expect(findings("{not json").map((f) => f.rule)).to.deep.equal(["invalid-json"]);
  });

  it("never throws on shapes KMS refuses", () => {
    for (const bad of [
      null,
      42,
      "[]",
      { Statement: 7 },
      { Statement: [1, "x", null] },
      { Statement: [{ Action: 5, Condition: { Bool: 3, NumericEquals: { k: [{}] } }, Principal: 9 }] },
    ]) {
      expect(() => lintPolicy(bad)).to.not.throw();
    }
  });

  it("a suppression leaves out one rule for one Sid, never an error", () => {
    const policy = doc(use({ Principal: "*", Action: "kms:Decryt" }), {
      Sid: "Other",
      Effect: "allow",
      Principal: "*",
      Action: "kms:Decrypt",
      Resource: "*",
    });
    const ignore = parseSuppressions("Use:public-access, Other:*").suppressions;
    const left = findings(policy, { ignore });
    expect(left.filter((f) => f.sid === "Use").map((f) => f.rule)).to.deep.equal(["unknown-action"]);
    expect(left.filter((f) => f.rule === "public-access")).to.have.length(0);
    expect(left.some((f) => f.rule === "invalid-effect")).to.equal(true);
  });

  it("reads kms-policy:ignore as a comma or newline list or a JSON list, and reports entries that are not Sid:rule", () => {
    expect(parseSuppressions('["A:public-access","B:missing-sid"]').suppressions).to.deep.equal([
      { sid: "A", rule: "public-access" },
      { sid: "B", rule: "missing-sid" },
    ]);
    expect(parseSuppressions("A:duplicate-sid\nB:*,\n").suppressions).to.deep.equal([
      { sid: "A", rule: "duplicate-sid" },
      { sid: "B", rule: "*" },
    ]);
    expect(parseSuppressions("nocolon, A:, :rule").invalid).to.deep.equal(["nocolon", "A:", ":rule"]);
    expect(parseSuppressions(undefined)).to.deep.equal({ suppressions: [], invalid: [], problems: [] });
  });

  it("kms-policy:ignore refuses a rule id that is no lint rule, naming the ids (it would suppress nothing)", () => {
    const parsed = parseSuppressions("A:publc-access, B:invalid-effect, C:Public-Access, D:public-access");
    expect(parsed.suppressions).to.deep.equal([{ sid: "D", rule: "public-access" }]);
    expect(parsed.invalid).to.deep.equal(["A:publc-access", "B:invalid-effect", "C:Public-Access"]);
    expect(parsed.problems).to.have.length(3);
    for (const problem of parsed.problems) for (const r of LINT_RULES) expect(problem).to.contain(r.id);
    expect(parsed.problems[0]).to.contain('"publc-access" is not a rule id');
    expect(parsed.problems[1]).to.contain("error findings never are");
  });

  it("kms-policy:ignore reports an old space-separated list as several entries, not one Sid", () => {
    // Before Sids could hold spaces, "PublicRead:public-access Legacy:missing-sid" was two entries;
    // read as one, its Sid would be "PublicRead:public-access Legacy" and both findings would come back.
    const setting = parseSuppressions("PublicRead:public-access Legacy:missing-sid");
    expect(setting.suppressions).to.deep.equal([]);
    expect(setting.problems).to.have.length(1);
    expect(setting.problems[0]).to.contain("looks like several entries").and.contain("commas or newlines");
    const flag = parseSuppressions(["A:public-access,B:missing-sid", "C:* D:duplicate-sid"], "flag");
    expect(flag.suppressions).to.deep.equal([]);
    expect(flag.problems.map((p) => p.includes("looks like several entries") && p.includes("repeat --ignore"))).to.deep.equal([true, true]);
    // Near miss: a Sid with a colon and spaces that is no rule id is one entry.
    expect(parseSuppressions(["Team: read, write:public-access", "Use:public access for all:missing-sid"]).suppressions).to.deep.equal([
      { sid: "Team: read, write", rule: "public-access" },
      { sid: "Use:public access for all", rule: "missing-sid" },
    ]);
  });

  it("kms-policy:ignore takes Sids with spaces and colons (a key policy's Sid is any text): the rule is after the last colon", () => {
    expect(
      parseSuppressions("Allow access for Key Administrators:cross-account-create-grant, Allow everyone:public-access").suppressions,
    ).to.deep.equal([
      { sid: "Allow access for Key Administrators", rule: "cross-account-create-grant" },
      { sid: "Allow everyone", rule: "public-access" },
    ]);
    expect(parseSuppressions(["Team: read, write:public-access"]).suppressions).to.deep.equal([
      { sid: "Team: read, write", rule: "public-access" },
    ]);
    expect(parseSuppressions("Allow everyone:public access").invalid).to.deep.equal(["Allow everyone:public access"]);
    const policy = doc(use({ Sid: "Allow everyone", Principal: "*" }));
    const { suppressions } = parseSuppressions("Allow everyone:public-access");
    expect(rulesOf(policy)).to.include("public-access");
    expect(rulesOf(policy, { ignore: suppressions })).to.not.include("public-access");
  });

  it("a finding of a statement without a Sid is suppressed only by rule, for every statement (*:rule)", () => {
    const policy = doc(use({ Sid: undefined }));
    expect(rulesOf(policy)).to.include("missing-sid");
    expect(rulesOf(policy, { ignore: parseSuppressions("*:missing-sid").suppressions })).to.not.include("missing-sid");
  });

  it("uses the key's account when given: another account's CreateGrant is flagged even with no admin statement", () => {
    const policy = {
      Version: "2012-10-17",
      Statement: [use({ Principal: { AWS: `arn:aws:iam::${OTHER}:role/x` }, Action: "kms:CreateGrant" })],
    };
    expect(rulesOf(policy)).to.not.include("cross-account-create-grant");
    expect(rulesOf(policy, { account: ACCOUNT })).to.include("cross-account-create-grant");
    expect(rulesOf(policy, { account: OTHER })).to.not.include("cross-account-create-grant");
  });

  describe("without the key's account, the owner is inferred only when the policy leaves one candidate", () => {
    const allow = (Sid: string, AWS: string | string[], Action: unknown = "kms:*") => ({
      Sid,
      Effect: "Allow",
      Principal: { AWS },
      Action,
      Resource: "*",
    });
    const root = (account: string) => `arn:aws:iam::${account}:root`;
    const role = (account: string, name = "Admin") => `arn:aws:iam::${account}:role/${name}`;
    const grantFindings = (statements: unknown[], options?: LintOptions) =>
      findings({ Version: "2012-10-17", Statement: statements }, options).filter((f) => f.rule === "cross-account-create-grant");
    const at = (statements: unknown[], options?: LintOptions) => grantFindings(statements, options).map((f) => f.path);

    it("the one account whose root may call kms:PutKeyPolicy, wherever its statement stands (the reviewer's probe)", () => {
      // Statement 0 names another account's admin role first; statement 1 is AWS's default root statement.
      const probe = [allow("Admins", [role(OTHER), role(ACCOUNT)], "kms:Put*"), allow("Enable IAM User Permissions", root(ACCOUNT))];
      expect(at(probe)).to.deep.equal([]);
      // Once the other account may create grants, it is the one flagged, not the owner's root.
      const granting = [
        allow("Admins", [role(OTHER), role(ACCOUNT)], ["kms:Put*", "kms:CreateGrant"]),
        allow("Enable IAM User Permissions", root(ACCOUNT)),
      ];
      expect(at(granting)).to.deep.equal(["Statement[0].Principal.AWS[0]"]);
      const [f] = grantFindings(granting);
      expect(f.message).to.contain(
        `account ${ACCOUNT}, taken as the key's owner: the only account whose root the policy allows kms:PutKeyPolicy`,
      );
      expect(f.hint).to.contain(`--account ${OTHER}`);
      // A bare account id is the root too.
      expect(at([allow("Partner", role(OTHER)), allow("Root", ACCOUNT)])).to.deep.equal(["Statement[0].Principal.AWS"]);
    });

    it("with no root allowed it, the one account allowed kms:PutKeyPolicy at all", () => {
      const statements = [
        allow("KeyAdmins", role(ACCOUNT), ["kms:PutKeyPolicy", "kms:Describe*"]),
        allow("Partner", root(OTHER), "kms:CreateGrant"),
      ];
      expect(at(statements)).to.deep.equal(["Statement[1].Principal.AWS"]);
      expect(grantFindings(statements)[0].message).to.contain("the only account the policy allows kms:PutKeyPolicy");
    });

    it("several roots, or several accounts and no root: no owner, and the rule stays quiet", () => {
      for (const action of ["kms:*", ["kms:CreateGrant", "kms:PutKeyPolicy"], "*"]) {
        const twoRoots = [allow(`Account${ACCOUNT}`, root(ACCOUNT)), allow(`Account${OTHER}`, root(OTHER), action)];
        expect(at(twoRoots), JSON.stringify(action)).to.deep.equal([]);
        // Given the owner, the other account's CreateGrant is flagged, whichever it is.
        expect(at(twoRoots, { account: ACCOUNT })).to.deep.equal(["Statement[1].Principal.AWS"]);
        expect(at(twoRoots, { account: OTHER })).to.deep.equal(["Statement[0].Principal.AWS"]);
      }
      expect(at([allow("Admins", [role(OTHER), role(ACCOUNT)])])).to.deep.equal([]);
      expect(at([allow("Admins", [role(OTHER), role(ACCOUNT)])], { account: ACCOUNT })).to.deep.equal(["Statement[0].Principal.AWS[0]"]);
    });
  });

  describe("a condition pattern limits the callers only if it matches no foreign caller", () => {
    const publicUse = (Condition: Record<string, unknown>) => doc(use({ Principal: "*", Condition }));
    const like = (key: string, value: string, operator = "StringLike") => ({ [operator]: { [key]: value } });
    const noLimit: Array<[string, Record<string, unknown>]> = [
      ["a partial org id prefix", like("aws:PrincipalOrgID", "o*")],
      ["an org id of wildcards around the dash", like("aws:PrincipalOrgID", "*-*")],
      ["a partial VPC prefix", like("aws:SourceVpc", "vpc*")],
      ["the prefix every modern VPC id has", like("aws:SourceVpc", "vpc-0*")],
      ["a VPC prefix on the endpoint key", like("aws:SourceVpce", "vpc*")],
      ["a partial org path", like("aws:PrincipalOrgPaths", "o*/*")],
      ["a unique id's first letter", like("aws:userid", "A*")],
      ["twelve ? for any account", like("aws:SourceAccount", "????????????")],
      [
        "an account id in the resource part, wildcards in the account field",
        like("aws:PrincipalArn", "arn:aws:*:*:*:role/111122223333", "ArnLike"),
      ],
      ["StringLike's * spans colons: the account field may fall inside it", like("aws:PrincipalArn", "arn:aws:iam:*:role/*")],
      ["the caller's own account as a variable", like("aws:PrincipalArn", "arn:aws:iam::${aws:PrincipalAccount}:*", "ArnLike")],
      ["any topic of any account", like("aws:SourceArn", "arn:aws:sns:*:*:*", "ArnLike")],
      ["any trail in any partition", like("aws:SourceArn", "arn:*:cloudtrail:*:*:trail/*", "ArnEquals")],
    ];
    const limits: Array<[string, Record<string, unknown>]> = [
      ["one account's principals", like("aws:PrincipalArn", "arn:aws:iam::111122223333:*", "ArnLike")],
      ["an org id compared as text", like("aws:PrincipalOrgID", "o-abc", "StringEquals")],
      ["an endpoint id", like("aws:SourceVpce", "vpce-1a2b3c4d")],
      ["an endpoint id prefix", like("aws:SourceVpce", "vpce-1a2b3c4d*")],
      ["an org id prefix", like("aws:PrincipalOrgID", "o-a1b2*")],
      ["an org path under one organization", like("aws:PrincipalOrgPaths", "o-a1b2c3d4e5/*")],
      ["a role's sessions", like("aws:userid", "AROAEXAMPLEROLEID:*")],
      ["one account's trails", like("aws:SourceArn", "arn:aws:cloudtrail:*:111122223333:trail/*", "ArnLike")],
      ["StringLike spans colons: only ARNs with :111122223333: in them", like("aws:PrincipalArn", "arn:aws:*:111122223333:*")],
      ["the key's own account as a variable", like("aws:PrincipalArn", "arn:aws:iam::${aws:ResourceAccount}:*", "ArnLike")],
    ];
    for (const [why, condition] of noLimit)
      it(`public-access fires: ${why} (${JSON.stringify(condition)})`, () => {
        expect(rulesOf(publicUse(condition))).to.include("public-access");
      });
    for (const [why, condition] of limits)
      it(`public-access stays quiet: ${why} (${JSON.stringify(condition)})`, () => {
        expect(rulesOf(publicUse(condition))).to.not.include("public-access");
      });

    const admin = (pattern: string, operator = "ArnLike") =>
      rulesOf(doc(use({ Principal: "*", Action: "kms:PutKeyPolicy", Condition: like("aws:PrincipalArn", pattern, operator) })));
    it("wildcard-principal-admin: an account-wide aws:PrincipalArn pattern names no one, though it limits the account", () => {
      for (const pattern of [
        "arn:aws:iam::111122223333:*",
        "arn:aws:iam::111122223333:role/*",
        "arn:aws:sts::111122223333:assumed-role/*",
      ]) {
        expect(admin(pattern), pattern).to.include("wildcard-principal-admin");
        expect(admin(pattern), pattern).to.not.include("public-access");
      }
      expect(rulesOf(doc(use({ Principal: "*", Action: "kms:PutKeyPolicy", Condition: like("aws:userid", "AROA*:*") })))).to.include(
        "wildcard-principal-admin",
      );
    });
    it("wildcard-principal-admin stays quiet when the pattern names a role, user or path beyond the account", () => {
      for (const pattern of [
        "arn:aws:iam::111122223333:role/KeyAdmin",
        "arn:aws:iam::111122223333:role/Admin*",
        "arn:aws:iam::111122223333:role/admins/*",
        "arn:aws:sts::111122223333:assumed-role/KeyAdmin/*",
      ])
        expect(admin(pattern), pattern).to.not.include("wildcard-principal-admin");
      expect(admin("arn:aws:iam::111122223333:role/KeyAdmin*", "StringLike")).to.not.include("wildcard-principal-admin");
    });
  });

  it("flags a Numeric, Date or IpAddress value exactly when normalization cannot compare it as one (+5, 5., Feb 30)", () => {
    const flagged = (operator: string, key: string, value: string, action = "kms:Decrypt") =>
      findings(doc(use({ Action: action, Condition: { [operator]: { [key]: value } } }))).some((f) => f.rule === "condition-value-type");
    const compared = (operator: string, key: string, a: string, b: string) =>
      policiesEquivalent(doc(use({ Condition: { [operator]: { [key]: a } } })), doc(use({ Condition: { [operator]: { [key]: b } } })));
    for (const text of ["+5", "5.", ".5", "1e3", "5 "]) {
      expect(flagged("NumericLessThan", "aws:MultiFactorAuthAge", text), text).to.equal(true);
      expect(compared("NumericLessThan", "aws:MultiFactorAuthAge", text, "5"), text).to.equal(false);
    }
    for (const text of ["5", "-5", "005", "5.0"]) {
      expect(flagged("NumericLessThan", "aws:MultiFactorAuthAge", text), text).to.equal(false);
      expect(compared("NumericLessThan", "aws:MultiFactorAuthAge", text, text.startsWith("-") ? "-5" : "5"), text).to.equal(true);
    }
    for (const text of ["2021-02-30", "2021-02-28T10:00:00+24:00", "1234567890123"])
      expect(flagged("DateLessThan", "aws:CurrentTime", text), text).to.equal(true);
    // A time without an offset is a date, though not a certain instant: not flagged, compared as written.
    expect(flagged("DateLessThan", "aws:CurrentTime", "2021-02-28T10:00")).to.equal(false);
    expect(compared("DateLessThan", "aws:CurrentTime", "2021-02-28T10:00", "2021-02-28T10:00:00Z")).to.equal(false);
    for (const text of ["fe80::1%eth0", "010.0.0.1", "10.0.0.0/8/8"])
      expect(flagged("IpAddress", "aws:SourceIp", text), text).to.equal(true);
    expect(flagged("IpAddress", "aws:SourceIp", "2001:db8::/32")).to.equal(false);
  });

  it("reads numbers as written: long and small unquoted numbers are numbers, in the message too", () => {
    const text = `{"Version": "2012-10-17", "Statement": [{"Sid": "Use", "Effect": "Allow", "Principal": {"AWS": "${ACCOUNT}"},
      "Action": "kms:Decrypt", "Resource": "*", "Condition": {
        "NumericLessThan": {"aws:MultiFactorAuthAge": 12345678901234567890123},
        "NumericGreaterThan": {"aws:MultiFactorAuthAge": 0.0000001},
        "DateLessThan": {"aws:CurrentTime": 1.5}}}]}`;
    const typed = findings(text).filter((f) => f.rule === "condition-value-type");
    expect(typed.map((f) => f.path)).to.deep.equal(['Statement[0].Condition.DateLessThan["aws:CurrentTime"]']);
    expect(typed[0].message).to.match(/^1\.5 is not/);
  });

  it("generic mode keeps the set-operator rule for kms and global keys (the catalog is read for it)", () => {
    const identity = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::b/*",
          Condition: { "ForAllValues:StringEquals": { "aws:SourceAccount": ACCOUNT, "aws:TagKeys": ["a"], "s3:prefix": ["x"] } },
        },
      ],
    };
    const set = findings(identity, { keyPolicy: false }).filter((f) => f.rule === "set-operator-single-valued");
    expect(set.map((f) => f.message)).to.have.length(1);
    expect(set[0].message).to.contain("aws:SourceAccount");
  });

  it("generic mode keeps the grammar-level rules and leaves out the key-policy rules (actions, condition keys, Resource)", () => {
    // The catalog may still be read (for a set operator, above); what generic mode leaves out is judging actions and keys by it.
    const identity = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:GetObject", "kms:Decryt"],
          Resource: "arn:aws:s3:::b/*",
          Condition: { Bool: { "aws:SecureTransport": "yes" }, StringEquals: { "kms:ViaServise": "s3.us-east-1.amazonaws.com" } },
        },
      ],
    };
    const generic = rulesOf(identity, { keyPolicy: false });
    expect(generic).to.include("condition-value-type");
    const keyPolicyOnly = ["action-other-service", "resource-not-key", "unknown-action", "unknown-condition-key"];
    for (const rule of keyPolicyOnly) expect(generic, rule).to.not.include(rule);
    // The same statement as a key policy's (with a Principal) has each of them: the test can tell the modes apart.
    const asKeyPolicy = rulesOf({ ...identity, Statement: [{ ...identity.Statement[0], Principal: { AWS: ACCOUNT } }] });
    for (const rule of keyPolicyOnly) expect(asKeyPolicy, rule).to.include(rule);
  });
});
