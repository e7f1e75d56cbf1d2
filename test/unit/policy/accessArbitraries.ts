import fc from "fast-check";
import { AccessRequest, RequestPrincipal } from "../../../provider/policy/access/model";

/*
 * Generators for the access checks' properties: small pools, so that statements of two policies
 * overlap, cover and contradict each other often, and requests drawn from the same pools hit them.
 */

export type Json = Record<string, unknown>;

export const A = "111122223333";
export const B = "444455556666";
export const principalPool = [
  `arn:aws:iam::${A}:root`,
  A,
  `arn:aws:iam::${A}:role/app`,
  `arn:aws:iam::${A}:user/ops`,
  `arn:aws:iam::${B}:root`,
  `arn:aws:iam::${B}:role/app`,
];
export const servicePool = ["logs.amazonaws.com", "s3.amazonaws.com"];
export const actionPool = [
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKey*",
  "kms:ReEncrypt*",
  "kms:PutKeyPolicy",
  "kms:Describe*",
  "kms:*",
  "kms:CreateGrant",
];
export const KEY = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const resourcePool = ["*", KEY, `arn:aws:kms:us-east-1:${A}:key/*`];

/** Condition entries: an operator, a key, values drawn for that key. */
const conditionPool: Array<[string, string, string[]]> = [
  ["StringEquals", "kms:ViaService", ["s3.us-east-1.amazonaws.com", "sqs.us-east-1.amazonaws.com"]],
  ["StringLike", "kms:ViaService", ["s3.*", "*.us-east-1.amazonaws.com", "s3.us-east-1.amazonaws.com"]],
  ["StringNotEquals", "kms:ViaService", ["s3.us-east-1.amazonaws.com"]],
  ["StringEqualsIfExists", "kms:CallerAccount", [A, B]],
  ["StringEqualsIgnoreCase", "aws:PrincipalTag/team", ["Billing", "ops"]],
  ["Bool", "aws:SecureTransport", ["true", "false"]],
  ["BoolIfExists", "aws:MultiFactorAuthPresent", ["true"]],
  ["NumericLessThan", "aws:MultiFactorAuthAge", ["3600", "600"]],
  ["NumericGreaterThanEquals", "aws:MultiFactorAuthAge", ["60"]],
  ["DateLessThan", "aws:CurrentTime", ["2030-01-01T00:00:00Z", "2026-06-01T00:00:00Z"]],
  ["IpAddress", "aws:SourceIp", ["10.0.0.0/8", "10.1.0.0/16", "192.0.2.0/24"]],
  ["NotIpAddress", "aws:SourceIp", ["10.0.0.0/8"]],
  ["Null", "kms:GranteePrincipal", ["true", "false"]],
  ["ForAnyValue:StringEquals", "aws:TagKeys", ["env", "team"]],
  ["ForAllValues:StringEquals", "aws:TagKeys", ["env", "team"]],
  ["ForAnyValue:StringNotLike", "aws:TagKeys", ["e*"]],
  ["ArnLike", "aws:PrincipalArn", [`arn:aws:iam::${A}:role/*`, `arn:aws:iam::${A}:role/app`]],
  ["ArnNotEquals", "aws:PrincipalArn", [`arn:aws:iam::${A}:role/app`]],
  ["StringEquals", "aws:PrincipalAccount", ["${aws:ResourceAccount}", A]],
];

/** Request values per condition key: the policy's values, near misses, and values of other shapes. */
export const contextPool: Record<string, string[]> = {
  "kms:ViaService": [
    "s3.us-east-1.amazonaws.com",
    "sqs.us-east-1.amazonaws.com",
    "s3.eu-west-1.amazonaws.com",
    "ec2.us-east-1.amazonaws.com",
  ],
  "kms:CallerAccount": [A, B, "999999999999"],
  "aws:PrincipalTag/team": ["billing", "Billing", "ops", "dev"],
  "aws:SecureTransport": ["true", "false"],
  "aws:MultiFactorAuthPresent": ["true", "false"],
  "aws:MultiFactorAuthAge": ["10", "599", "600", "3599", "3600", "86400", "60", "59"],
  "aws:CurrentTime": [
    "2025-01-01T00:00:00Z",
    "2026-06-01T00:00:00Z",
    "2029-12-31T23:59:59Z",
    "2030-01-01T00:00:00Z",
    "2031-01-01T00:00:00Z",
  ],
  "aws:SourceIp": ["10.1.2.3", "10.2.0.1", "192.0.2.7", "203.0.113.1"],
  "kms:GranteePrincipal": [`arn:aws:iam::${A}:role/app`],
  "aws:TagKeys": ["env", "team", "owner", "extra"],
  "aws:PrincipalArn": [`arn:aws:iam::${A}:role/app`, `arn:aws:iam::${A}:role/other`, `arn:aws:iam::${B}:role/app`],
  "aws:PrincipalAccount": [A, B],
  "aws:ResourceAccount": [A, B],
};

const subset = <T>(pool: T[], max = 3) => fc.uniqueArray(fc.constantFrom(...pool), { minLength: 1, maxLength: Math.min(max, pool.length) });

export const conditionArb: fc.Arbitrary<Json | undefined> = fc.option(
  fc
    .uniqueArray(fc.integer({ min: 0, max: conditionPool.length - 1 }), { minLength: 1, maxLength: 2 })
    .chain((picks) =>
      fc.tuple(
        ...picks.map((i) =>
          subset(conditionPool[i][2], 2).map((values) => conditionPool[i].slice(0, 2).concat([values]) as [string, string, string[]]),
        ),
      ),
    )
    .map((entries) => {
      const out: Record<string, Record<string, string[]>> = {};
      for (const [op, key, values] of entries) (out[op] ??= {})[key] = values;
      return out;
    }),
  { nil: undefined, freq: 2 },
);

export const statementArb: fc.Arbitrary<Json> = fc
  .record({
    Effect: fc.constantFrom("Allow", "Allow", "Deny"),
    principal: fc.oneof(
      { weight: 1, arbitrary: fc.constant("*" as const) },
      { weight: 6, arbitrary: subset(principalPool).map((aws) => ({ AWS: aws })) },
      { weight: 1, arbitrary: subset(servicePool, 1).map((s) => ({ Service: s })) },
    ),
    notPrincipal: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    actions: subset(actionPool),
    notAction: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
    resources: fc.oneof({ weight: 5, arbitrary: fc.constant(["*"]) }, { weight: 1, arbitrary: subset(resourcePool, 2) }),
    notResource: fc.integer({ min: 0, max: 15 }).map((n) => n === 0),
    Condition: conditionArb,
  })
  .map((r) => {
    const s: Json = { Effect: r.Effect };
    if (r.notPrincipal && r.principal !== "*") s.NotPrincipal = r.principal;
    else s.Principal = r.principal;
    s[r.notAction ? "NotAction" : "Action"] = r.actions;
    s[r.notResource && !r.resources.includes("*") ? "NotResource" : "Resource"] = r.resources;
    if (r.Condition) s.Condition = r.Condition;
    return s;
  });

export const policyArb: fc.Arbitrary<Json> = fc
  .array(statementArb, { minLength: 1, maxLength: 5 })
  .map((Statement) => ({ Version: "2012-10-17", Statement }));

/** Principals a request may come from: every identity the pools name, and ones they do not. */
export const requestPrincipals: RequestPrincipal[] = [
  { kind: "aws", arn: `arn:aws:iam::${A}:root` },
  { kind: "aws", arn: `arn:aws:iam::${A}:role/app` },
  { kind: "aws", arn: `arn:aws:sts::${A}:assumed-role/app/session-1` },
  { kind: "aws", arn: `arn:aws:iam::${A}:user/ops` },
  { kind: "aws", arn: `arn:aws:iam::${A}:user/someone-else` },
  { kind: "aws", arn: `arn:aws:iam::${B}:root` },
  { kind: "aws", arn: `arn:aws:iam::${B}:role/app` },
  { kind: "aws", arn: `arn:aws:sts::${B}:assumed-role/app/s` },
  { kind: "aws", arn: `arn:aws:iam::${B}:user/ops` },
  { kind: "aws", arn: "arn:aws:iam::777788889999:user/stranger" },
  { kind: "service", name: "logs.amazonaws.com" },
  { kind: "service", name: "s3.amazonaws.com" },
  { kind: "service", name: "ec2.amazonaws.com" },
  { kind: "anonymous" },
];
/** Actions a request may name: KMS actions, and ones KMS may add later. */
export const requestActions = [
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKeyPair",
  "kms:ReEncryptFrom",
  "kms:PutKeyPolicy",
  "kms:DescribeKey",
  "kms:CreateGrant",
  "kms:ScheduleKeyDeletion",
  "kms:ReEncryptFuture",
  "kms:FutureAction",
];
export const requestKeys = [KEY, `arn:aws:kms:us-east-1:${B}:key/0000`];

export const requestArb: fc.Arbitrary<AccessRequest> = fc.record({
  principal: fc.constantFrom(...requestPrincipals),
  action: fc.constantFrom(...requestActions),
  resource: fc.constantFrom(...requestKeys),
  context: fc
    .uniqueArray(fc.constantFrom(...Object.keys(contextPool)), { maxLength: Object.keys(contextPool).length })
    .chain((keys) => fc.tuple(...keys.map((k) => subset(contextPool[k], 2).map((v) => [k, v] as const))))
    .map((pairs) => Object.fromEntries(pairs) as Record<string, string[]>),
});
