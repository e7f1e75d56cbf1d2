/**
 * The program the e2e tests deploy: it declares what `scenario.json` (written by each test) lists,
 * so that one test can change the declared state between `pulumi up` runs.
 */
export const SCENARIO_PROGRAM = `
const fs = require("fs");
const path = require("path");
const { KeyPolicy, KeyPolicyStatement, Grant } = require("pulumi-kms-policy");
const scenario = JSON.parse(fs.readFileSync(path.join(__dirname, "scenario.json"), "utf8"));
for (const p of scenario.keyPolicies || []) new KeyPolicy(p.name, p.args);
for (const s of scenario.keyPolicyStatements || []) new KeyPolicyStatement(s.name, s.args);
const grants = {};
for (const g of scenario.grants || []) grants[g.name] = new Grant(g.name, g.args);
module.exports = { grantIds: Object.fromEntries(Object.entries(grants).map(([n, g]) => [n, g.grantId])) };
`;

export interface Scenario {
  keyPolicies?: Array<{ name: string; args: Record<string, unknown> }>;
  keyPolicyStatements?: Array<{ name: string; args: Record<string, unknown> }>;
  grants?: Array<{ name: string; args: Record<string, unknown> }>;
}

/** A key policy that keeps the account root in control (so the lockout check passes) plus one app statement. */
export function appPolicy(account: string, extra: Record<string, unknown>[] = []): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
      {
        Sid: "AppUse",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:role/app` },
        Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
      },
      ...extra,
    ],
  };
}

/**
 * The migration e2e's program. Phase "old" stands in for a stack that managed the key with
 * `@pulumi/aws` (which cannot run here: no provider plugin downloads): two resources of another type
 * whose delete would do what `aws.kms.KeyPolicy`'s and `aws.kms.Grant`'s deletes do to live access
 * (write the default policy, revoke the grant), recorded as a marker file instead. Phase "new"
 * declares this package's KeyPolicy and Grant for the same key, policy and grant.
 */
export const MIGRATION_PROGRAM = `
const fs = require("fs");
const path = require("path");
const pulumi = require("@pulumi/pulumi");
const { KeyPolicy, Grant } = require("pulumi-kms-policy");
const scenario = JSON.parse(fs.readFileSync(path.join(__dirname, "scenario.json"), "utf8"));
const legacy = {
  async create(inputs) { return { id: inputs.name, outs: inputs }; },
  async delete(_id, props) { require("fs").appendFileSync(props.deletedMarker, props.name + "\\n"); },
};
class Legacy extends pulumi.dynamic.Resource {
  constructor(name, kind, args) { super(legacy, name, { name, ...args }, {}, "legacy", kind); }
}
if (scenario.phase === "old") {
  new Legacy("app-key-policy", "KeyPolicy", { keyId: scenario.keyId, deletedMarker: scenario.deletedMarker });
  new Legacy("reader", "Grant", { keyId: scenario.keyId, deletedMarker: scenario.deletedMarker });
} else {
  new KeyPolicy("app-key-policy", { keyId: scenario.keyId, policy: scenario.policy });
  const reader = new Grant("reader", scenario.grant);
  module.exports = { readerId: reader.grantId };
}
`;
