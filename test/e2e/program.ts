/**
 * The program the e2e tests deploy: it declares what `scenario.json` (written by each test) lists,
 * so that one test can change the declared state between `pulumi up` runs.
 */
export const SCENARIO_PROGRAM = `
const fs = require("fs");
const path = require("path");
const { KeyPolicy, Grant } = require("pulumi-kms-policy");
const scenario = JSON.parse(fs.readFileSync(path.join(__dirname, "scenario.json"), "utf8"));
for (const p of scenario.keyPolicies || []) new KeyPolicy(p.name, p.args);
const grants = {};
for (const g of scenario.grants || []) grants[g.name] = new Grant(g.name, g.args);
module.exports = { grantIds: Object.fromEntries(Object.entries(grants).map(([n, g]) => [n, g.grantId])) };
`;

export interface Scenario {
  keyPolicies?: Array<{ name: string; args: Record<string, unknown> }>;
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
