import { expect } from "chai";
import fc from "fast-check";
import { KMS_POLICY_MAX_BYTES, canonicalPolicyJson } from "../../../provider/policy";
import { readJson } from "../../../provider/policy/json";
import {
  findStatement,
  mergeStatement,
  mergedPolicyProblems,
  otherStatementKeys,
  removeStatement,
  statementDocument,
  statementPath,
  statementSids,
  writeJson,
} from "../../../provider/policy/statementMerge";
import { Json, statement as statementArb } from "./arbitraries";

const root = "arn:aws:iam::111122223333:root";
const allowRoot = { Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" };
const handWritten = {
  Sid: "HandWritten",
  Effect: "Allow",
  Principal: { AWS: "arn:aws:iam::111122223333:role/ops" },
  Action: ["kms:Decrypt"],
  Resource: "*",
  Condition: { NumericLessThan: { "kms:GrantConstraintType": 3600.0 } },
};
const appStatement = {
  Sid: "AppDecrypts",
  Effect: "Allow",
  Principal: { AWS: "arn:aws:iam::111122223333:role/app" },
  Action: "kms:Decrypt",
  Resource: "*",
};
const live = (statements: unknown[], extra: Json = {}) =>
  JSON.stringify({ Version: "2012-10-17", Id: "key-default-1", ...extra, Statement: statements }, null, 2);

/** Each statement's canonical meaning, in document order. */
const meanings = (policy: string): string[] =>
  (readJson(policy, { tolerant: true }) as { Statement: unknown[] }).Statement.map((s) =>
    canonicalPolicyJson({ Version: "2012-10-17", Statement: [s] }, { tolerant: true }),
  );

describe("policy engine: merging one statement by Sid", () => {
  it("appends a statement whose Sid the policy lacks, after the others, keeping Version and Id", () => {
    const merged = mergeStatement(live([allowRoot]), "AppDecrypts", appStatement);
    expect(statementSids(merged)).to.deep.equal(["Enable IAM User Permissions", "AppDecrypts"]);
    const doc = JSON.parse(merged) as Json;
    expect(Object.keys(doc)).to.deep.equal(["Version", "Id", "Statement"]);
    expect(doc.Id).to.equal("key-default-1");
  });

  it("replaces the first statement with the Sid in its place, and keeps a later duplicate of the Sid (KMS accepts them) as it is", () => {
    const old = { ...appStatement, Action: "kms:Encrypt" };
    const merged = mergeStatement(live([old, allowRoot, { ...old, Action: "kms:Sign" }, handWritten]), "AppDecrypts", appStatement);
    expect(statementSids(merged)).to.deep.equal(["AppDecrypts", "Enable IAM User Permissions", "AppDecrypts", "HandWritten"]);
    expect(findStatement(merged, "AppDecrypts")?.Action).to.equal("kms:Decrypt");
    expect((JSON.parse(merged) as { Statement: Array<{ Action: string }> }).Statement[2].Action).to.equal("kms:Sign");
  });

  it("keeps a number's text in another owner's statement (3600.0 stays 3600.0)", () => {
    const text = live([allowRoot]).replace(
      /\]\s*}$/,
      `,\n{"Sid":"N","Effect":"Allow","Principal":{"AWS":"${root}"},"Action":"kms:Decrypt","Resource":"*","Condition":{"NumericLessThan":{"kms:x":3600.0}}}]}`,
    );
    const merged = mergeStatement(text, "AppDecrypts", appStatement);
    expect(merged).to.contain('"kms:x": 3600.0');
  });

  it("merges into a policy whose Statement is one object, not a list", () => {
    const merged = mergeStatement(JSON.stringify({ Version: "2012-10-17", Statement: allowRoot }), "AppDecrypts", appStatement);
    expect(statementSids(merged)).to.deep.equal(["Enable IAM User Permissions", "AppDecrypts"]);
  });

  it("refuses a statement whose Sid is not the one named, and a policy that is not a document", () => {
    expect(() => mergeStatement(live([allowRoot]), "Other", appStatement)).to.throw(/Sid "AppDecrypts", not "Other"/);
    expect(() => mergeStatement("[1]", "AppDecrypts", appStatement)).to.throw(/not a JSON object/);
    expect(() => mergeStatement('{"Statement":"x"}', "AppDecrypts", appStatement)).to.throw(/neither a statement nor a list/);
  });

  it("removes every statement with the Sid and nothing else; a policy without it is returned as it was", () => {
    const text = live([allowRoot, appStatement, handWritten]);
    const removed = removeStatement(text, "AppDecrypts");
    expect(statementSids(removed)).to.deep.equal(["Enable IAM User Permissions", "HandWritten"]);
    expect(removeStatement(text, "Missing")).to.equal(text);
  });

  it("the Sid is case-sensitive: appdecrypts is another statement", () => {
    const merged = mergeStatement(live([{ ...appStatement, Sid: "appdecrypts" }]), "AppDecrypts", appStatement);
    expect(statementSids(merged)).to.deep.equal(["appdecrypts", "AppDecrypts"]);
  });

  it("otherStatementKeys: the meaning of every statement but the Sid's, whatever KMS did to their text", () => {
    const a = live([allowRoot, appStatement, handWritten]);
    const reordered = JSON.stringify({
      Statement: [{ ...handWritten, Action: "kms:Decrypt" }, appStatement, allowRoot],
      Version: "2012-10-17",
    });
    expect([...otherStatementKeys(reordered, "AppDecrypts")].sort()).to.deep.equal([...otherStatementKeys(a, "AppDecrypts")].sort());
    expect(otherStatementKeys(a, "AppDecrypts")).to.have.length(2);
  });

  it("writeJson writes what JSON.stringify writes for values without JsonNumber", () => {
    const value = { a: [1, "x", { b: null, c: true }], d: {}, e: [] };
    expect(writeJson(value, 2)).to.equal(JSON.stringify(value, null, 2));
    expect(writeJson(value, 0)).to.equal(JSON.stringify(value));
  });

  describe("checks of the merged policy", () => {
    it("a Deny of kms:PutKeyPolicy to everyone is a lockout, naming the statement", () => {
      const deny = { Sid: "DenyAll", Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*" };
      const problems = mergedPolicyProblems(mergeStatement(live([allowRoot]), "DenyAll", deny), "DenyAll");
      expect(problems.map((p) => p.rule)).to.deep.equal(["policy-lockout"]);
      expect(problems[0].message).to.contain('"DenyAll"');
    });

    it("removing the only statement that allows kms:PutKeyPolicy is a lockout", () => {
      expect(
        mergedPolicyProblems(removeStatement(live([allowRoot, appStatement]), allowRoot.Sid), allowRoot.Sid).map((p) => p.rule),
      ).to.deep.equal(["policy-lockout"]);
    });

    it("a merged policy over 32 KB is refused; one that fits only compact is written compact", () => {
      const big = (n: number) => ({ ...appStatement, Action: Array.from({ length: n }, (_, i) => `kms:Action${i}`) });
      const tooLarge = mergeStatement(live([allowRoot]), "AppDecrypts", big(2200));
      expect(mergedPolicyProblems(tooLarge, "AppDecrypts").map((p) => p.rule)).to.deep.equal(["policy-too-large"]);
      const fitsCompact = mergeStatement(live([allowRoot]), "AppDecrypts", big(1800));
      expect(Buffer.byteLength(fitsCompact)).to.be.at.most(KMS_POLICY_MAX_BYTES);
      expect(fitsCompact).not.to.contain("\n");
      expect(mergedPolicyProblems(fitsCompact, "AppDecrypts")).to.deep.equal([]);
    });

    it("a merged policy that still allows the root to change it has no problem", () => {
      expect(mergedPolicyProblems(mergeStatement(live([allowRoot]), "AppDecrypts", appStatement), "AppDecrypts")).to.deep.equal([]);
    });
  });

  describe("properties", () => {
    const others = fc.array(statementArb, { maxLength: 6 }).map((list) => list.map((s, i) => ({ ...s, Sid: `Other${i}` })));
    const ours = statementArb.map((s) => ({ ...s, Sid: "Mine" }));

    it("merging leaves every other statement's meaning and order as it was, and ours appears once", () => {
      fc.assert(
        fc.property(others, ours, (list, mine) => {
          const before = live(list);
          const merged = mergeStatement(before, "Mine", mine);
          expect(otherStatementKeys(merged, "Mine")).to.deep.equal(otherStatementKeys(before, "Mine"));
          expect(statementSids(merged).filter((s) => s === "Mine")).to.have.length(1);
          expect(meanings(merged).length).to.equal(list.length + 1);
        }),
      );
    });

    it("replacing keeps our statement in its place, the others around it unchanged", () => {
      fc.assert(
        fc.property(others, ours, ours, fc.nat(6), (list, old, mine, at) => {
          const i = Math.min(at, list.length);
          const before = live([...list.slice(0, i), old, ...list.slice(i)]);
          const merged = mergeStatement(before, "Mine", mine);
          expect(statementSids(merged).indexOf("Mine")).to.equal(i);
          expect(meanings(merged)).to.deep.equal([
            ...meanings(before).slice(0, i),
            ...meanings(live([mine])),
            ...meanings(before).slice(i + 1),
          ]);
        }),
      );
    });

    it("merge then remove gives back the other statements in order, by meaning", () => {
      fc.assert(
        fc.property(others, ours, (list, mine) => {
          const before = live(list);
          const after = removeStatement(mergeStatement(before, "Mine", mine), "Mine");
          expect(meanings(after)).to.deep.equal(list.length ? meanings(before) : []);
        }),
      );
    });

    it("merging is idempotent: merging the same statement twice is the same text", () => {
      fc.assert(
        fc.property(others, ours, (list, mine) => {
          const once = mergeStatement(live(list), "Mine", mine);
          expect(mergeStatement(once, "Mine", mine)).to.equal(once);
        }),
      );
    });
  });
});

describe("policy engine: one statement as a document", () => {
  it("statementDocument wraps the text; statementPath names the statement's own paths", () => {
    expect(JSON.parse(statementDocument(JSON.stringify(appStatement)))).to.deep.equal({ Version: "2012-10-17", Statement: [appStatement] });
    expect(statementPath("Statement[0].Principal.AWS[0]")).to.equal("statement.Principal.AWS[0]");
    expect(statementPath("")).to.equal("statement");
  });
});
