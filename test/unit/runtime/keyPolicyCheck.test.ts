import { expect } from "chai";
import { checkKeyPolicy, keyAccountOf } from "../../../provider/runtime/keyPolicyCheck";
import { ProviderContext } from "../../../provider/runtime/context";
import { programKeyAccount } from "../../../provider/resources/keyPolicy";
import { allowsPolicyChanges } from "../../../provider/policy/lockout";
import { UNKNOWN } from "../../../provider/runtime/check";
import { engineWork, engineWorkSince } from "../../../provider/policy/work";

const keyId = "1234abcd-12ab-34cd-56ef-1234567890ab";
const policy = {
  Version: "2012-10-17",
  Statement: [{ Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" }],
};
const failuresOf = (news: Record<string, unknown>) => checkKeyPolicy({ keyId, policy, ...news }).failures;

describe("KeyPolicy check", () => {
  it("accepts a valid policy given as an object and fills the defaults", () => {
    const { inputs, failures } = checkKeyPolicy({ keyId, policy });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.deep.include({
      keyId,
      policyName: "default",
      onDelete: "restore",
      bypassPolicyLockoutSafetyCheck: false,
      readBackTimeoutSeconds: 60,
    });
    expect(JSON.parse(inputs.policy)).to.deep.equal(policy);
  });

  it("reports policy problems on the policy property, with the JSON path and the fix", () => {
    const [failure] = failuresOf({ policy: { Version: "2012-10-17", Statement: [{ ...policy.Statement[0], Condtion: {} }] } });
    expect(failure.property).to.equal("policy");
    expect(failure.reason).to.contain("Statement[0].Condtion");
    expect(failure.reason).to.contain('did you mean "Condition"');
  });

  it("lint: findings below kms-policy:failOn pass check; at or above it they fail with the path, rule and fix", () => {
    const publicUse = {
      Version: "2012-10-17",
      Statement: [...policy.Statement, { Sid: "Everyone", Effect: "Allow", Principal: "*", Action: "kms:Decryt", Resource: "*" }],
    };
    expect(checkKeyPolicy({ keyId, policy: publicUse }).failures).to.deep.equal([]);
    const security = checkKeyPolicy({ keyId, policy: publicUse }, { failOn: "security", lintIgnore: [] }).failures;
    expect(security.map((f) => f.property)).to.deep.equal(["policy"]);
    expect(security[0].reason).to.contain("Statement[1].Principal");
    expect(security[0].reason).to.contain("[public-access, security; kms-policy:failOn is security]");
    expect(security[0].reason).to.contain("kms:CallerAccount");
    const warning = checkKeyPolicy({ keyId, policy: publicUse }, { failOn: "warning", lintIgnore: [] }).failures;
    expect(warning.map((f) => f.reason.match(/\[([a-z-]+),/)?.[1])).to.deep.equal(["public-access", "unknown-action"]);
    const ignored = checkKeyPolicy(
      { keyId, policy: publicUse },
      { failOn: "warning", lintIgnore: [{ sid: "Everyone", rule: "public-access" }] },
    ).failures;
    expect(ignored).to.have.length(1);
    expect(ignored[0].reason).to.contain("unknown-action");
  });

  it("lint: the key ARN's account tells another account's CreateGrant apart", () => {
    const other = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Grants",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::444455556666:root" },
          Action: ["kms:CreateGrant", "kms:PutKeyPolicy"],
          Resource: "*",
        },
      ],
    };
    const arn = `arn:aws:kms:us-east-1:111122223333:key/${keyId}`;
    expect(checkKeyPolicy({ keyId, policy: other }, { failOn: "security", lintIgnore: [] }).failures).to.deep.equal([]);
    const failures = checkKeyPolicy({ keyId: arn, policy: other }, { failOn: "security", lintIgnore: [] }).failures;
    expect(failures.map((f) => f.reason)).to.satisfy((r: string[]) => r.length === 1 && r[0].includes("cross-account-create-grant"));
  });

  it("lint: a key given by bare id is in the account of the role assumed, which tells another account apart", () => {
    const grantsOnly = {
      Version: "2012-10-17",
      Statement: [
        { Sid: "Admin", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/KeyAdmin" }, Action: "kms:*", Resource: "*" },
        { Sid: "Grants", Effect: "Allow", Principal: { AWS: "arn:aws:iam::444455556666:root" }, Action: "kms:CreateGrant", Resource: "*" },
      ],
    };
    const lint = { failOn: "security" as const, lintIgnore: [] };
    const assumeRole = (account: string) => ({ roleArn: `arn:aws:iam::${account}:role/deployer` });
    const inOther = checkKeyPolicy({ keyId, policy: grantsOnly, assumeRole: assumeRole("444455556666") }, lint).failures;
    expect(inOther.map((f) => f.reason).join("\n")).to.contain("account 111122223333 may call kms:CreateGrant");
    const inOwn = checkKeyPolicy({ keyId, policy: grantsOnly, assumeRole: assumeRole("111122223333") }, lint).failures;
    expect(inOwn.map((f) => f.reason).join("\n")).to.contain("account 444455556666 may call kms:CreateGrant");
  });

  describe("check and the program's lint warnings take the key's account from one rule", () => {
    const context = new ProviderContext();
    const role = (roleArn: string) => ({ roleArn });

    it("the same account for every combination of the resource's and the stack's role and profile", () => {
      const seen = new Set<string | undefined>();
      for (const own of [undefined, role("arn:aws:iam::111122223333:role/own"), role("arn:aws:iam::1:role/malformed")])
        for (const profile of [undefined, "dev"])
          for (const stackRole of [undefined, role("arn:aws:iam::444455556666:role/stack")])
            for (const stackProfile of [undefined, "ops"]) {
              const config: Record<string, string | undefined> = {
                "kms-policy:assumeRole": stackRole && JSON.stringify(stackRole),
                "aws:profile": stackProfile,
              };
              context.configure({ get: (key) => config[key] });
              const provider = keyAccountOf(
                { keyId, policy, ...(own ? { assumeRole: own } : {}), ...(profile ? { profile } : {}) },
                context.stackAccess(),
              );
              const program = programKeyAccount({ assumeRole: own, profile }, { assumeRole: stackRole, profile: stackProfile });
              expect(provider, JSON.stringify({ own, profile, stackRole, stackProfile })).to.equal(program);
              seen.add(program);
            }
      // The combinations reach each outcome, so the comparison can tell two rules apart.
      expect([...seen]).to.have.members([undefined, "111122223333", "444455556666"]);
    });

    it("while the resource's own assumeRole is unknown (preview), the stack's role does not name the owner", () => {
      context.configure({
        get: (key) => (key === "kms-policy:assumeRole" ? JSON.stringify(role("arn:aws:iam::444455556666:role/stack")) : undefined),
      });
      const grants = {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "Grants",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111122223333:root" },
            Action: "kms:CreateGrant",
            Resource: "*",
          },
        ],
      };
      const lint = { ...context.settings, failOn: "security" as const, lintIgnore: [] };
      const news = { keyId, policy: grants, bypassPolicyLockoutSafetyCheck: true };
      // Near miss: under the stack's role the key is in 444455556666, so 111122223333's CreateGrant is another account's.
      expect(
        checkKeyPolicy(news, lint)
          .failures.map((f) => f.reason)
          .join("\n"),
      ).to.contain("cross-account-create-grant");
      expect(keyAccountOf({ ...news, assumeRole: UNKNOWN }, context.stackAccess())).to.equal(undefined);
      expect(checkKeyPolicy({ ...news, assumeRole: UNKNOWN }, lint).failures).to.deep.equal([]);
      expect(checkKeyPolicy({ ...news, profile: UNKNOWN }, lint).failures).to.deep.equal([]);
    });
  });

  it("refuses a policy nobody could change again, unless the lockout check is bypassed", () => {
    const lockout = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "kms:Decrypt", Resource: "*" }],
    };
    const [failure] = failuresOf({ policy: lockout });
    expect(failure.reason).to.contain("kms:PutKeyPolicy");
    expect(failure.reason).to.contain("bypassPolicyLockoutSafetyCheck");
    expect(failuresOf({ policy: lockout, bypassPolicyLockoutSafetyCheck: true })).to.deep.equal([]);
  });

  it("reads a bare account id in the partition of the key ARN", () => {
    const cnKey = `arn:aws-cn:kms:cn-north-1:111122223333:key/${keyId}`;
    const policy = {
      Version: "2012-10-17",
      Statement: [
        { Sid: "Root", Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "kms:*", Resource: "*" },
        {
          Sid: "OnlyAdmins",
          Effect: "Deny",
          NotPrincipal: { AWS: "arn:aws-cn:iam::111122223333:role/KeyAdmin" },
          Action: "kms:PutKeyPolicy",
          Resource: "*",
        },
      ],
    };
    expect(checkKeyPolicy({ keyId: cnKey, policy }).failures).to.deep.equal([]);
    expect(checkKeyPolicy({ keyId, policy }).failures.map((f) => f.property)).to.deep.equal(["policy"]);
  });

  it("knows which statements keep kms:PutKeyPolicy", () => {
    const allow = (s: Record<string, unknown>) =>
      allowsPolicyChanges({ Statement: [{ Effect: "Allow", Principal: "*", Resource: "*", ...s }] });
    expect(allow({ Action: "kms:Put*" })).to.equal(true);
    expect(allow({ Action: "*" })).to.equal(true);
    expect(allow({ NotAction: "kms:Decrypt" })).to.equal(true);
    expect(allow({ NotAction: "kms:PutKeyPolicy" })).to.equal(false);
    expect(allow({ Action: "kms:PutKeyPolicy", Effect: "Deny" })).to.equal(false);
  });

  describe("a Deny takes kms:PutKeyPolicy back only when that is certain", () => {
    const admin = "arn:aws:iam::111122223333:role/admin";
    const allowRootAndAdmin: Array<Record<string, unknown>> = [
      { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" },
      { Effect: "Allow", Principal: { AWS: admin }, Action: "kms:PutKeyPolicy", Resource: "*" },
    ];
    const withDeny = (deny: Record<string, unknown>, allows = allowRootAndAdmin) =>
      allowsPolicyChanges(
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [...allows, { Effect: "Deny", ...("NotAction" in deny ? {} : { Action: "kms:Put*" }), Resource: "*", ...deny }],
        }),
      );

    it("a Deny to everyone, written either way, is a lockout", () => {
      expect(withDeny({ Principal: "*" })).to.equal(false);
      expect(withDeny({ Principal: { AWS: ["*"] } })).to.equal(false);
      expect(withDeny({ Principal: "*", NotAction: "kms:Decrypt" })).to.equal(false);
    });

    it("a Deny to every principal the Allows name is a lockout; missing one is not", () => {
      expect(withDeny({ Principal: { AWS: ["111122223333", admin] } })).to.equal(false);
      expect(withDeny({ Principal: { AWS: "arn:aws:iam::111122223333:root" } })).to.equal(true);
      expect(withDeny({ Principal: { AWS: [admin] } })).to.equal(true);
      expect(withDeny({ Principal: { Service: "logs.amazonaws.com" } })).to.equal(true);
    });

    it("a Deny through NotPrincipal leaves only the principals it excepts", () => {
      // An identity of the root's own account may still be allowed through IAM: not certain.
      expect(withDeny({ NotPrincipal: { AWS: "arn:aws:iam::111122223333:role/other" } })).to.equal(true);
      expect(withDeny({ NotPrincipal: { AWS: "arn:aws:iam::444455556666:role/other" } })).to.equal(false);
      expect(withDeny({ NotPrincipal: { AWS: admin } })).to.equal(true);
      expect(
        withDeny({ NotPrincipal: { AWS: "arn:aws:iam::111122223333:role/other" } }, [{ ...allowRootAndAdmin[0], Principal: "*" }]),
      ).to.equal(true);
    });

    it("a Deny that is conditional, names another resource or another action is not counted", () => {
      expect(withDeny({ Principal: "*", Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } } })).to.equal(true);
      expect(withDeny({ Principal: "*", Resource: "arn:aws:kms:us-east-1:111122223333:key/other" })).to.equal(true);
      expect(withDeny({ Principal: "*", Action: "kms:Decrypt" })).to.equal(true);
      expect(withDeny({ Principal: "*", NotAction: "kms:PutKeyPolicy" })).to.equal(true);
    });

    it("check names the Deny in its reason", () => {
      const policy = {
        Version: "2012-10-17",
        Statement: [...allowRootAndAdmin, { Effect: "Deny", Principal: "*", Action: "kms:PutKeyPolicy", Resource: "*" }],
      };
      const [failure] = failuresOf({ policy });
      expect(failure.property).to.equal("policy");
      expect(failure.reason).to.match(/unconditional Deny.*lockout/);
      expect(failuresOf({ policy, bypassPolicyLockoutSafetyCheck: true })).to.deep.equal([]);
    });
  });

  const bad: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ["empty key id", { keyId: "" }, "keyId", /required/],
    ["alias", { keyId: "alias/app" }, "keyId", /alias/],
    ["not a key", { keyId: "my-key" }, "keyId", /neither a key id/],
    ["policy missing", { policy: undefined }, "policy", /required/],
    ["policy a number", { policy: 42 }, "policy", /JSON string or a PolicyDocument/],
    ["policy not JSON", { policy: "{" }, "policy", /not valid JSON/],
    ["policy name", { policyName: "custom" }, "policyName", /only key policy name is "default"/],
    ["onDelete", { onDelete: "keep" }, "onDelete", /"restore", "default", "retain"/],
    ["region", { region: "US East" }, "region", /not an AWS region/],
    ["region against ARN", { keyId: `arn:aws:kms:eu-west-1:111122223333:key/${keyId}`, region: "us-east-1" }, "region", /contradicts/],
    ["bypass not boolean", { bypassPolicyLockoutSafetyCheck: "yes" }, "bypassPolicyLockoutSafetyCheck", /true or false/],
    ["timeout", { readBackTimeoutSeconds: -1 }, "readBackTimeoutSeconds", /0 to 3600/],
  ];
  for (const [name, news, property, reason] of bad) {
    it(`fails on ${name}, naming ${property}`, () => {
      const failures = failuresOf(news);
      expect(
        failures.some((f) => f.property === property && reason.test(f.reason)),
        JSON.stringify(failures),
      ).to.equal(true);
    });
  }

  it("leaves values unknown at preview to the next check", () => {
    expect(failuresOf({ keyId: UNKNOWN, policy: UNKNOWN })).to.deep.equal([]);
  });
});

describe("KeyPolicy check: work done once", () => {
  it("reads, validates, lints and normalizes the policy once for the lint and the lockout check together", () => {
    const text = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" }],
    });
    const start = { ...engineWork };
    const { failures } = checkKeyPolicy({ keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", policy: text });
    expect(failures).to.deep.equal([]);
    expect(engineWorkSince(start)).to.deep.equal({ reads: 1, validations: 1, normalizations: 1, lints: 1 });
  });
});
