import { expect } from "chai";
import { lintPolicy } from "../../../provider/policy";
import { keyPolicies } from "../../fixtures/keyPolicies";

/*
 * Key policies written after the patterns AWS documents (each names its source). None grants
 * public access, so none may get an `error` or a `security` finding. The engine's real-policy
 * corpus (test/fixtures/keyPolicies.ts) is held to the same bar, except a statement that really
 * is public (an Allow to everyone without any condition), which must be flagged.
 */
const A = "111122223333";
const B = "444455556666";
const root = (account = A) => ({ AWS: `arn:aws:iam::${account}:root` });
const enableIam = { Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: root(), Action: "kms:*", Resource: "*" };
const v = (...Statement: object[]) => ({ Version: "2012-10-17", Statement });

const corpus: Record<string, object> = {
  // KMS developer guide, "Default key policy": the statement that enables IAM policies.
  "default key policy": { Version: "2012-10-17", Id: "key-default-1", Statement: [enableIam] },
  // KMS developer guide, "Default key policy" as the console writes it: administrators, users, persistent resources.
  "console default with key users": v(
    enableIam,
    {
      Sid: "Allow access for Key Administrators",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${A}:role/KeyAdmin` },
      Action: [
        "kms:Create*",
        "kms:Describe*",
        "kms:Enable*",
        "kms:List*",
        "kms:Put*",
        "kms:Update*",
        "kms:Revoke*",
        "kms:Disable*",
        "kms:Get*",
        "kms:Delete*",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:ScheduleKeyDeletion",
        "kms:CancelKeyDeletion",
        "kms:RotateKeyOnDemand",
      ],
      Resource: "*",
    },
    {
      Sid: "Allow use of the key",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${A}:role/KeyUser` },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: "*",
    },
    {
      Sid: "Allow attachment of persistent resources",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${A}:role/KeyUser` },
      Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      Resource: "*",
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    },
  ),
  // KMS developer guide, "Allowing users in other accounts to use a KMS key".
  "cross-account use": v(
    enableIam,
    {
      Sid: "Allow an external account to use this KMS key",
      Effect: "Allow",
      Principal: root(B),
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: "*",
    },
    {
      Sid: "Allow attachment of persistent resources in an external account",
      Effect: "Allow",
      Principal: root(B),
      Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      Resource: "*",
      Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
    },
  ),
  // EBS: "Allow access through EBS for all principals in the account that are authorized to use EBS" (aws/ebs key policy).
  "EBS through the service": v(enableIam, {
    Sid: "Allow access through EBS for all principals in the account that are authorized to use EBS",
    Effect: "Allow",
    Principal: { AWS: "*" },
    Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
    Resource: "*",
    Condition: { StringEquals: { "kms:CallerAccount": A, "kms:ViaService": "ec2.us-east-1.amazonaws.com" } },
  }),
  // CloudTrail user guide, "Configure AWS KMS key policies for CloudTrail".
  CloudTrail: v(
    enableIam,
    {
      Sid: "Allow CloudTrail to encrypt logs",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:GenerateDataKey*",
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceArn": `arn:aws:cloudtrail:us-east-1:${A}:trail/main` },
        StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${A}:trail/*` },
      },
    },
    {
      Sid: "Allow CloudTrail to describe key",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:DescribeKey",
      Resource: "*",
    },
    {
      Sid: "Allow principals in the account to decrypt log files",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: ["kms:Decrypt", "kms:ReEncryptFrom"],
      Resource: "*",
      Condition: {
        StringEquals: { "kms:CallerAccount": A },
        StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${A}:trail/*` },
      },
    },
  ),
  // CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using AWS KMS".
  "CloudWatch Logs": v(enableIam, {
    Sid: "AllowLogs",
    Effect: "Allow",
    Principal: { Service: "logs.us-east-1.amazonaws.com" },
    Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
    Resource: "*",
    Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:us-east-1:${A}:log-group:app` } },
  }),
  // SNS developer guide, "Enable compatibility between event sources from AWS services and encrypted topics".
  "SNS from CloudWatch": v(enableIam, {
    Sid: "AllowCloudWatch",
    Effect: "Allow",
    Principal: { Service: "cloudwatch.amazonaws.com" },
    Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
    Resource: "*",
    Condition: { StringEquals: { "aws:SourceAccount": A } },
  }),
  // S3 user guide, SSE-KMS with a key of the bucket owner's, used through S3 only.
  "S3 through the service": v(enableIam, {
    Sid: "AllowS3",
    Effect: "Allow",
    Principal: { AWS: "*" },
    Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
    Resource: "*",
    Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": A } },
  }),
  // KMS developer guide, aws:PrincipalOrgID in key policies ("Using conditions in key policies").
  organization: v(enableIam, {
    Sid: "AllowOrg",
    Effect: "Allow",
    Principal: "*",
    Action: ["kms:Decrypt", "kms:DescribeKey"],
    Resource: "*",
    Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
  }),
  // Route 53 developer guide, "Customer managed keys for DNSSEC" (service principal and SourceAccount).
  "Route 53 DNSSEC": v(
    enableIam,
    {
      Sid: "Allow Route 53 DNSSEC Service",
      Effect: "Allow",
      Principal: { Service: "dnssec-route53.amazonaws.com" },
      Action: ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": A }, ArnLike: { "aws:SourceArn": "arn:aws:route53:::hostedzone/*" } },
    },
    {
      Sid: "Allow Route 53 DNSSEC to CreateGrant",
      Effect: "Allow",
      Principal: { Service: "dnssec-route53.amazonaws.com" },
      Action: "kms:CreateGrant",
      Resource: "*",
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    },
  ),
  // KMS developer guide, multi-Region keys: "Controlling access to multi-Region keys" (kms:ReplicaRegion).
  "multi-Region replication": v(enableIam, {
    Sid: "AllowReplication",
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${A}:role/KeyAdmin` },
    Action: "kms:ReplicateKey",
    Resource: "*",
    Condition: { StringEquals: { "kms:ReplicaRegion": ["us-west-2", "eu-west-1"] } },
  }),
  // KMS developer guide, kms:EncryptionContextKeys with ForAllValues (multivalued), and a Deny with NotPrincipal.
  "encryption context and NotPrincipal deny": v(
    enableIam,
    {
      Sid: "ContextKeys",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${A}:role/app` },
      Action: ["kms:Encrypt", "kms:Decrypt"],
      Resource: "*",
      Condition: {
        "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["Department", "Project"] },
        Null: { "kms:EncryptionContextKeys": "false" },
      },
    },
    {
      Sid: "DenyOthersDelete",
      Effect: "Deny",
      NotPrincipal: { AWS: [`arn:aws:iam::${A}:role/KeyAdmin`, `arn:aws:iam::${A}:root`] },
      Action: "kms:ScheduleKeyDeletion",
      Resource: "*",
    },
  ),
};

/** The engine's real-policy corpus (test/fixtures/keyPolicies.ts). */
const engineCorpus: Array<[string, Record<string, unknown>]> = keyPolicies.map((k) => [k.name, k.policy]);

/** Statements that really are public: an Allow to everyone with no condition at all. */
function reallyPublic(policy: unknown): Set<string> {
  const doc = (typeof policy === "string" ? JSON.parse(policy) : policy) as { Statement: unknown };
  const list = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Array<Record<string, unknown>>;
  const isEveryone = (p: unknown) =>
    p === "*" || (typeof p === "object" && p !== null && [(p as { AWS?: unknown }).AWS].flat().includes("*"));
  return new Set(list.flatMap((st, i) => (st.Effect === "Allow" && isEveryone(st.Principal) && !st.Condition ? [`Statement[${i}]`] : [])));
}

describe("lintPolicy on documented key policies", () => {
  const all: Array<[string, unknown]> = [...Object.entries(corpus), ...engineCorpus];

  it("runs on the whole engine corpus (at least 40 policies)", () => {
    expect(engineCorpus.length).to.be.at.least(40);
  });
  for (const [name, policy] of all) {
    it(`${name}: no error and no security finding, unless a statement really is public`, () => {
      const publicStatements = reallyPublic(policy);
      const serious = lintPolicy(policy).filter((f) => f.severity === "error" || f.severity === "security");
      // A statement open to everyone with no condition deserves its security findings, and only those.
      const unexpected = serious.filter((f) => !(f.severity === "security" && [...publicStatements].some((at) => f.path.startsWith(at))));
      expect(unexpected, JSON.stringify(unexpected, null, 2)).to.deep.equal([]);
      for (const at of publicStatements) expect(serious.map((f) => f.path)).to.include(`${at}.Principal`);
    });
  }

  it("the engine corpus follows AWS's examples: no warning but the no-effect statement its DNSSEC fixture keeps on purpose", () => {
    const warnings = engineCorpus.flatMap(([name, policy]) =>
      lintPolicy(policy)
        .filter((f) => f.severity === "warning")
        .map((f) => `${name}: ${f.rule} at ${f.path}`),
    );
    expect(warnings).to.deep.equal([
      "Route 53 DNSSEC signing key (earlier service principal, statement without Resource): statement-no-effect at Statement[0].Resource",
    ]);
  });

  it("the console's default policy has no finding at all", () => {
    const rules = lintPolicy(corpus["console default with key users"]).map((f) => f.rule);
    expect(rules).to.deep.equal([]);
  });
});
