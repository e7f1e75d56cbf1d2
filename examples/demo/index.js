// @ts-check
// The demo stack: one KMS key, its key policy managed by KeyPolicy, and two grants.
const pulumi = require("@pulumi/pulumi");
const { KeyPolicy, Grant } = require("pulumi-kms-policy");
const { DemoKey } = require("./demoKey");

const key = new DemoKey("demo-key", { description: "pulumi-kms-policy demo key" });
/** @type {pulumi.Output<string>} */
const account = /** @type {any} */ (key).accountId;
const keyId = /** @type {pulumi.Output<string>} */ (/** @type {any} */ (key).keyId);
const keyArn = /** @type {pulumi.Output<string>} */ (/** @type {any} */ (key).arn);

const keyPolicy = new KeyPolicy("demo-key-policy", {
  keyId,
  policy: account.apply((acct) => ({
    Version: "2012-10-17",
    Statement: [
      // Keeps the account in control of the key (without it, check refuses the policy: lockout).
      { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: "kms:*", Resource: "*" },
      {
        Sid: "AppUsesKeyThroughS3",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${acct}:role/app` },
        Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
      },
      {
        Sid: "AuditorsDescribe",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${acct}:role/auditor` },
        Action: "kms:DescribeKey",
        Resource: "*",
      },
    ],
  })),
});

const reader = new Grant("demo-reader", {
  keyId: keyArn,
  granteePrincipal: pulumi.interpolate`arn:aws:iam::${account}:role/reader`,
  operations: ["Decrypt", "DescribeKey"],
});

const writer = new Grant("demo-writer", {
  keyId: keyArn,
  granteePrincipal: pulumi.interpolate`arn:aws:iam::${account}:role/writer`,
  operations: ["GenerateDataKey", "Encrypt"],
  constraints: { encryptionContextSubset: { app: "demo" } },
  retireOnDelete: true,
  retiringPrincipal: pulumi.interpolate`arn:aws:iam::${account}:role/writer`,
});

module.exports = {
  keyId,
  keyArn,
  policyPreviousToPulumi: keyPolicy.previousPolicy,
  readerGrantId: reader.grantId,
  writerGrantId: writer.grantId,
  readerGrantToken: reader.grantToken, // a secret: shown as [secret]
};
