// A program as `pulumi new typescript` lays it out, managing the policy of an existing KMS key and
// two grants on it. Run it with `pulumi config set keyArn arn:aws:kms:REGION:ACCOUNT:key/ID` and
// `pulumi up`; `test/e2e/compat.e2e.test.ts` deploys it on Node 22 with the newest @pulumi/pulumi.
import * as pulumi from "@pulumi/pulumi";
import { Grant, KeyPolicy, PolicyDocument } from "pulumi-kms-policy";

const config = new pulumi.Config();
const keyArn = config.require("keyArn");
const account = keyArn.split(":")[4];
const role = (name: string): string => `arn:aws:iam::${account}:role/${name}`;

// A typed policy document: the compiler catches a misspelt element before preview does.
const policy: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    // Keeps the account in control of the key (without it, preview refuses the policy: lockout).
    { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
    {
      Sid: "AppUsesKeyThroughS3",
      Effect: "Allow",
      Principal: { AWS: role("app") },
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
    },
  ],
};

const keyPolicy = new KeyPolicy("app-key-policy", { keyId: keyArn, policy });

const reader = new Grant("reader", {
  keyId: keyArn,
  granteePrincipal: role("reader"),
  operations: ["Decrypt", "DescribeKey"],
  constraints: { encryptionContextSubset: { app: "billing" } },
});

const writer = new Grant("writer", {
  keyId: keyArn,
  granteePrincipal: role("writer"),
  operations: ["Encrypt", "GenerateDataKey"],
  constraints: { encryptionContextEquals: { app: "billing", stage: "ingest" } },
});

export const managedKeyArn: pulumi.Output<string> = keyPolicy.keyArn;
export const policyBeforePulumi: pulumi.Output<string> = keyPolicy.previousPolicy;
export const readerGrantId: pulumi.Output<string> = reader.grantId;
export const readerGrantToken: pulumi.Output<string> = reader.grantToken; // a secret
export const writerGrantId: pulumi.Output<string> = writer.grantId;
export const writerGrantToken: pulumi.Output<string> = writer.grantToken; // a secret

// Which Node.js and @pulumi/pulumi ran the program: the compatibility test checks its cell with them.
export const nodeVersion: string = process.version;
export const sdkVersion: string = (require("@pulumi/pulumi/package.json") as { version: string }).version;
