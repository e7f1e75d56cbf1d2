import fc from "fast-check";

/** Generators for valid key policies built from small pools, so that collisions and overlaps happen. */

export type Json = Record<string, unknown>;

const accounts = ["111122223333", "444455556666"];
export const principalPool = [
  ...accounts.map((a) => `arn:aws:iam::${a}:role/app`),
  ...accounts.map((a) => `arn:aws:iam::${a}:user/ops`),
  "arn:aws:iam::111122223333:root",
  "444455556666",
];
export const actionPool = [
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKey*",
  "kms:ReEncrypt*",
  "kms:DescribeKey",
  "kms:CreateGrant",
  "kms:*",
];
export const resourcePool = ["*", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"];
export const conditionKeyPool = ["kms:ViaService", "kms:CallerAccount", "aws:PrincipalOrgID", "kms:EncryptionContext:app"];
export const conditionValuePool = ["s3.us-east-1.amazonaws.com", "111122223333", "o-abc123", "Billing", "billing"];
export const operatorPool = ["StringEquals", "StringLike", "StringNotEquals", "ForAnyValue:StringEquals", "StringEqualsIfExists"];

const nonEmptySubset = <T>(pool: T[]) => fc.uniqueArray(fc.constantFrom(...pool), { minLength: 1, maxLength: Math.min(3, pool.length) });

const condition = fc.dictionary(
  fc.constantFrom(...operatorPool),
  fc.dictionary(fc.constantFrom(...conditionKeyPool), nonEmptySubset(conditionValuePool), { minKeys: 1, maxKeys: 2 }),
  { minKeys: 1, maxKeys: 2 },
);

export const statement: fc.Arbitrary<Json> = fc
  .record(
    {
      Sid: fc.constantFrom("Root", "Use", "Admin", "Grants", "Deny"),
      Effect: fc.constantFrom("Allow", "Deny"),
      principal: fc.oneof({ weight: 1, arbitrary: fc.constant<"*">("*") }, { weight: 6, arbitrary: nonEmptySubset(principalPool) }),
      notPrincipal: fc.boolean(),
      actions: nonEmptySubset(actionPool),
      notAction: fc.boolean(),
      resources: nonEmptySubset(resourcePool),
      Condition: condition,
    },
    { requiredKeys: ["Effect", "principal", "notPrincipal", "actions", "notAction", "resources"] },
  )
  .map((r) => {
    const s: Json = { Effect: r.Effect };
    if (r.Sid !== undefined) s.Sid = r.Sid;
    const principal = r.principal === "*" ? "*" : { AWS: r.principal };
    s[r.notPrincipal && r.Effect === "Deny" ? "NotPrincipal" : "Principal"] = principal;
    s[r.notAction ? "NotAction" : "Action"] = r.actions;
    s.Resource = r.resources;
    if (r.Condition !== undefined) s.Condition = r.Condition;
    return s;
  });

/** Valid policies; Sids are unique within a policy, as KMS users write them. */
export const policy: fc.Arbitrary<Json> = fc
  .array(statement, { minLength: 1, maxLength: 5 })
  .map((statements) => {
    const seen = new Set<unknown>();
    return statements.map((s) => {
      if (s.Sid === undefined || !seen.has(s.Sid)) {
        seen.add(s.Sid);
        return s;
      }
      const { Sid: _drop, ...rest } = s;
      return rest;
    });
  })
  .chain((statements) =>
    fc
      .record({ Version: fc.constantFrom("2012-10-17", "2008-10-17"), Id: fc.constantFrom(undefined, "key-policy") })
      .map(({ Version, Id }) => {
        const d: Json = { Version, Statement: statements };
        if (Id) d.Id = Id;
        return d;
      }),
  );
