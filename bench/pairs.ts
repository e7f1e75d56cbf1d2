import * as fs from "fs";
import * as path from "path";

/**
 * The policy pairs both benchmark engines read (ours and the Go peer): for each size, one pair that
 * means the same ("equivalent") and one where a single action is gone ("one action removed").
 * Everything here is deterministic: the same sizes always give the same texts.
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Doc = { [key: string]: Json };

/** The account used in the benchmark policies (AWS's documentation example account). */
const ACCOUNT = "111122223333";

export type PairKind = "equivalent" | "one action removed";

export interface PolicyPair {
  /** File-safe name, e.g. `4kb-equivalent`. */
  name: string;
  targetKb: number;
  kind: PairKind;
  /** What both engines must answer. */
  expected: boolean;
  /** Only equivalent pairs are timed: the common case of a refresh, and the issue's goals. */
  timed: boolean;
  /** The declared text, as a program would write it (compact JSON). */
  a: string;
  /** The text KMS might hand back for it (see `asKmsReturns`). */
  b: string;
}

/**
 * Serializes as KMS's GetKeyPolicy returns policies: `"Key" : value`, two-space indents for
 * objects, arrays kept on their opening line (`[ {` ... `}, {` ... `} ]`, `[ "a", "b" ]`).
 * Modelled on the example outputs of `aws kms get-key-policy` in the AWS CLI reference
 * (https://docs.aws.amazon.com/cli/latest/reference/kms/get-key-policy.html).
 */
export function kmsStyleJson(value: Json, depth = 0): string {
  if (Array.isArray(value)) return value.length === 0 ? "[ ]" : `[ ${value.map((v) => kmsStyleJson(v, depth)).join(", ")} ]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{ }";
    const inner = "  ".repeat(depth + 1);
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)} : ${kmsStyleJson(v, depth + 1)}`).join(",\n")}\n${"  ".repeat(depth)}}`;
  }
  return JSON.stringify(value);
}

function appStatement(i: number): Doc {
  return {
    Sid: `App${i}`,
    Effect: i % 7 === 0 ? "Deny" : "Allow",
    Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/app-${i}`, `arn:aws:iam::444455556666:role/reader-${i}`] },
    Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
    Resource: "*",
    Condition: { StringEquals: { "kms:ViaService": `s3.us-east-${(i % 2) + 1}.amazonaws.com`, "kms:CallerAccount": ACCOUNT } },
  };
}

/**
 * A key policy as a program declares it: the account statement (principal written as the bare
 * account id) and as many application statements (two roles, three actions, two conditions) as fit
 * in `maxBytes` once KMS has re-serialized it, the larger of the two texts.
 */
export function declaredPolicy(maxBytes: number): Doc {
  const statements: Doc[] = [{ Sid: "Root", Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: "kms:*", Resource: "*" }];
  const size = (s: Doc[]) => Buffer.byteLength(kmsStyleJson(asKmsReturns({ Version: "2012-10-17", Statement: s })));
  for (let i = 0; ; i++) {
    const next = [...statements, appStatement(i)];
    if (size(next) > maxBytes) break;
    statements.push(appStatement(i));
  }
  if (size(statements) > maxBytes) throw new Error(`no benchmark policy fits in ${maxBytes} bytes`);
  return { Version: "2012-10-17", Statement: statements };
}

const statementsOf = (doc: Doc) => doc.Statement as Doc[];

/**
 * The same policy as KMS might return it, every change one that both engines call equivalent:
 * statements in reverse order, keys in each statement reversed, action lists reversed, every other
 * `Resource` a one-element list, and a bare account-id principal as the account's root ARN (as AWS
 * rewrites it). Re-cased action names or condition keys are left out on purpose: the peer compares
 * them case-sensitively and would call the pair different.
 */
export function asKmsReturns(doc: Doc): Doc {
  const statements = statementsOf(doc).map((s, i) =>
    Object.fromEntries(
      Object.entries(s)
        .reverse()
        .map(([k, v]): [string, Json] => {
          if (k === "Action" && Array.isArray(v)) return [k, [...v].reverse()];
          if (k === "Resource" && typeof v === "string" && i % 2 === 1) return [k, [v]];
          if (
            k === "Principal" &&
            v !== null &&
            typeof v === "object" &&
            !Array.isArray(v) &&
            typeof v.AWS === "string" &&
            /^\d{12}$/.test(v.AWS)
          ) {
            return [k, { ...v, AWS: `arn:aws:iam::${v.AWS}:root` }];
          }
          return [k, v];
        }),
    ),
  );
  return { Version: doc.Version, Statement: statements.reverse() };
}

/** The policy with one action gone from its middle application statement (which keeps at least one). */
export function withoutOneAction(doc: Doc): Doc {
  const statements = statementsOf(doc);
  const candidates = statements.map((s, i) => ({ s, i })).filter(({ s }) => Array.isArray(s.Action) && s.Action.length > 1);
  if (candidates.length === 0) throw new Error("the policy has no statement with an action to spare");
  const { i: target } = candidates[Math.floor(candidates.length / 2)];
  return { ...doc, Statement: statements.map((s, i) => (i === target ? { ...s, Action: (s.Action as Json[]).slice(1) } : s)) };
}

/** Room left under each size for `uniqueVariant`'s suffix, so that the 32 KB pair stays within KMS's limit. */
const VARIANT_ROOM = 64;

/** The benchmark pairs at each size (KB; 32 is KMS's limit of 32,768 bytes). */
export function benchPairs(sizesKb: number[]): PolicyPair[] {
  return sizesKb.flatMap((kb) => {
    const declared = declaredPolicy(kb * 1024 - VARIANT_ROOM);
    const a = JSON.stringify(declared);
    return [
      {
        name: `${kb}kb-equivalent`,
        targetKb: kb,
        kind: "equivalent" as const,
        expected: true,
        timed: true,
        a,
        b: kmsStyleJson(asKmsReturns(declared)),
      },
      {
        name: `${kb}kb-one-action-removed`,
        targetKb: kb,
        kind: "one action removed" as const,
        expected: false,
        timed: false,
        a,
        b: kmsStyleJson(asKmsReturns(withoutOneAction(declared))),
      },
    ];
  });
}

/**
 * The `n`th text that differs from `text` only in trailing whitespace (JSON allows it), so that a
 * cache keyed by input text never recognises it: the cold compare. Flat, not a rope, so that the
 * engine does not pay for joining it.
 */
export function uniqueVariant(text: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 2 ** (VARIANT_ROOM - 2)) throw new RangeError(`variant number ${n} out of range`);
  const suffix = "\n" + n.toString(2).replace(/0/g, " ").replace(/1/g, "\t");
  return Buffer.from(text + suffix, "latin1").toString("latin1");
}

/** Writes each pair's two texts and `manifest.json` (what the peer reads) into `dir`; returns the manifest's path. */
export function writePairs(dir: string, pairs: PolicyPair[]): string {
  fs.mkdirSync(dir, { recursive: true });
  const manifest = {
    pairs: pairs.map((p) => {
      const files = { a: `${p.name}.a.json`, b: `${p.name}.b.json` };
      fs.writeFileSync(path.join(dir, files.a), p.a);
      fs.writeFileSync(path.join(dir, files.b), p.b);
      return { name: p.name, targetKb: p.targetKb, kind: p.kind, expected: p.expected, timed: p.timed, ...files };
    }),
  };
  const manifestPath = path.join(dir, "manifest.json");
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
  return manifestPath;
}
