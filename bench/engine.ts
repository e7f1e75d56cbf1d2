import { normalizePolicy, policiesEquivalent } from "../provider/policy";
import { microsPerCall, round } from "./stats";

/**
 * Policy engine speed: median microseconds to normalize one policy and to compare two equivalent
 * policies (the common case in a refresh), at 1, 4, 16 and 32 KB, next to a naive baseline
 * (JSON.parse + sorted-key stringify: wrong about equivalence, but the floor).
 */

function sortedStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedStringify).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedStringify((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

const naiveEquivalent = (a: string, b: string) => sortedStringify(JSON.parse(a)) === sortedStringify(JSON.parse(b));

/** A realistic key policy of about `bytes` bytes: many roles, conditions, a few actions each. */
export function policyOfSize(bytes: number): { policy: string; rewritten: string } {
  const statements: Record<string, unknown>[] = [
    { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" },
  ];
  for (let i = 0; JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 2).length < bytes - 600; i++) {
    statements.push({
      Sid: `App${i}`,
      Effect: i % 7 === 0 ? "Deny" : "Allow",
      Principal: { AWS: [`arn:aws:iam::111122223333:role/app-${i}`, `arn:aws:iam::444455556666:role/reader-${i}`] },
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": `s3.us-east-${(i % 2) + 1}.amazonaws.com`, "kms:CallerAccount": "111122223333" } },
    });
  }
  const doc = { Version: "2012-10-17", Statement: statements };
  // The same policy as KMS might return it: statements reversed, keys reordered, other spacing, upper-case actions.
  const rewritten = {
    Statement: [...statements].reverse().map((s) => Object.fromEntries(Object.entries(s).reverse().map(([k, v]) => [k, k === "Action" && Array.isArray(v) ? v.map((a: string) => a.toUpperCase()) : v]))),
    Version: "2012-10-17",
  };
  return { policy: JSON.stringify(doc, null, 2), rewritten: JSON.stringify(rewritten) };
}

export interface EngineResult {
  targetKb: number;
  bytes: number;
  statements: number;
  normalizeMicros: number;
  compareMicros: number;
  comparesPerSecond: number;
  naiveCompareMicros: number;
  ratioToNaive: number;
}

export function benchEngine(): EngineResult[] {
  return [1, 4, 16, 32].map((kb) => {
    const { policy, rewritten } = policyOfSize(kb * 1024 - (kb === 32 ? 1024 : 0));
    if (!policiesEquivalent(policy, rewritten)) throw new Error("the benchmark's rewrite changed the meaning");
    const normalizeMicros = microsPerCall(() => normalizePolicy(policy));
    const compareMicros = microsPerCall(() => policiesEquivalent(policy, rewritten));
    const naiveCompareMicros = microsPerCall(() => naiveEquivalent(policy, rewritten));
    return {
      targetKb: kb,
      bytes: Buffer.byteLength(policy),
      statements: (JSON.parse(policy) as { Statement: unknown[] }).Statement.length,
      normalizeMicros: round(normalizeMicros),
      compareMicros: round(compareMicros),
      comparesPerSecond: Math.round(1e6 / compareMicros),
      naiveCompareMicros: round(naiveCompareMicros),
      ratioToNaive: round(compareMicros / naiveCompareMicros, 2),
    };
  });
}
