import { expect } from "chai";
import { PolicyValidationError, clearPolicyCache, policiesEquivalent } from "../../../provider/policy";
import { EngineOptions, engineOptionsKey, policyCacheStats } from "../../../provider/policy/normalize";

const policy = (action: string, sid = "Use") =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: sid, Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/app" }, Action: action, Resource: "*" }],
  });

describe("policy engine: the cache of canonical keys", () => {
  beforeEach(clearPolicyCache);

  it("a repeated compare gives the same verdicts, warm as cold", () => {
    const a = policy("kms:Decrypt");
    const b = policy("KMS:DECRYPT");
    const c = policy("kms:Encrypt");
    for (let i = 0; i < 3; i++) {
      expect(policiesEquivalent(a, b)).to.equal(true);
      expect(policiesEquivalent(a, c)).to.equal(false);
    }
  });

  it("an invalid text still throws from the cache, naming which side", () => {
    const bad = policy("Decrypt");
    for (let i = 0; i < 2; i++) {
      expect(() => policiesEquivalent(policy("kms:Decrypt"), bad)).to.throw(PolicyValidationError, /second policy is invalid/);
      expect(() => policiesEquivalent(bad, policy("kms:Decrypt"))).to.throw(PolicyValidationError, /first policy is invalid/);
    }
  });

  it("keeps options apart: a text valid when tolerant is still refused when strict", () => {
    const noPrincipal = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }] });
    expect(policiesEquivalent(noPrincipal, noPrincipal, { tolerant: true })).to.equal(true);
    expect(() => policiesEquivalent(noPrincipal, noPrincipal)).to.throw(PolicyValidationError);
    const id = policy("kms:Decrypt").replace('"arn:aws:iam::111122223333:role/app"', '"111122223333"');
    const root = (p: string) => id.replace('"111122223333"', `"arn:${p}:iam::111122223333:root"`);
    expect(policiesEquivalent(id, root("aws"))).to.equal(true);
    expect(policiesEquivalent(id, root("aws-cn"), { partition: "aws-cn" })).to.equal(true);
    expect(policiesEquivalent(id, root("aws"), { partition: "aws-cn" })).to.equal(false);
  });

  it("stays right past its bound, for texts it has dropped", () => {
    // 600 texts of about 4 KB: more than the cache's million characters.
    const pad = "x".repeat(4000);
    const texts = Array.from({ length: 600 }, (_, i) => policy("kms:Decrypt", `S${i}${pad}`));
    for (const t of texts) expect(policiesEquivalent(t, t)).to.equal(true);
    expect(policiesEquivalent(texts[0], texts[1])).to.equal(false);
    expect(policiesEquivalent(texts[0], policy("KMS:Decrypt", `S0${pad}`))).to.equal(true);
    expect(policiesEquivalent(texts[599], policy("KMS:Decrypt", `S599${pad}`))).to.equal(true);
  });

  it("a value that holds a NUL (written as an escape) is compared exactly", () => {
    const withNul = (sid: string) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: sid, Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" }],
      });
    expect(policiesEquivalent(withNul("a\u0000b"), withNul("a\u0000b"))).to.equal(true);
    expect(policiesEquivalent(withNul("a\u0000b"), withNul("a\u0000c"))).to.equal(false);
  });

  it("tells apart texts of one length that differ only where the cache's fingerprint does not look", () => {
    // Same length, same start and end; only the second character of a long Sid differs, which
    // the fingerprint does not read: the two texts share a bucket.
    const pad = "y".repeat(2000);
    const a = policy("kms:Decrypt", `Aa${pad}`);
    const b = policy("kms:Decrypt", `Ab${pad}`);
    const a2 = policy("KMS:DECRYPT", `Aa${pad}`);
    expect(a.length).to.equal(b.length);
    for (let i = 0; i < 3; i++) {
      expect(policiesEquivalent(a, b)).to.equal(false);
      expect(policiesEquivalent(b, a)).to.equal(false);
      expect(policiesEquivalent(a, a2)).to.equal(true);
    }
  });

  it("a text noted under a fingerprint another text shares never lends that text its form", () => {
    // As above, a and b share a fingerprint. a is only noted the first time; b, seen next, finds
    // the note and is stored at once. Neither may ever be answered with the other's form.
    const pad = "w".repeat(3000);
    const a = policy("kms:Decrypt", `Aa${pad}`);
    const b = policy("kms:Encrypt", `Ab${pad}`).replace("kms:Encrypt", "kms:Decrypt");
    const bUpper = policy("KMS:DECRYPT", `Ab${pad}`);
    const aUpper = policy("KMS:DECRYPT", `Aa${pad}`);
    expect(a.length).to.equal(b.length);
    expect(policiesEquivalent(a, aUpper)).to.equal(true);
    for (let i = 0; i < 3; i++) {
      expect(policiesEquivalent(b, bUpper)).to.equal(true);
      expect(policiesEquivalent(b, aUpper)).to.equal(false);
      expect(policiesEquivalent(a, bUpper)).to.equal(false);
      expect(policiesEquivalent(a, aUpper)).to.equal(true);
    }
  });

  it("stays right when more texts pass than it has slots to note them in", () => {
    // 5,000 texts seen once each, more than the table of texts seen once holds: some notes are
    // overwritten, so some texts are stored a sighting late. The verdicts never change.
    const texts = Array.from({ length: 5000 }, (_, i) => policy(i % 3 ? "kms:Decrypt" : "kms:Encrypt", `N${i}`));
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < texts.length; i += 7) {
        expect(policiesEquivalent(texts[i], policy(i % 3 ? "KMS:DECRYPT" : "kms:encrypt", `N${i}`))).to.equal(true);
        expect(policiesEquivalent(texts[i], texts[(i + 1) % texts.length])).to.equal(false);
      }
    }
  });

  it("gives the same verdicts while texts move between its generations", () => {
    // About 300 texts of 3 KB, each compared three times at different distances: some are
    // found in the current generation, some in the previous one, some after both were dropped.
    const pad = "z".repeat(3000);
    const texts = Array.from({ length: 300 }, (_, i) => policy(i % 2 ? "kms:Decrypt" : "kms:Encrypt", `S${i}${pad}`));
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < texts.length; i += round + 1) {
        const same = policy(i % 2 ? "KMS:decrypt" : "kms:ENCRYPT", `S${i}${pad}`);
        expect(policiesEquivalent(texts[i], same)).to.equal(true);
        expect(policiesEquivalent(texts[i], texts[(i + 1) % texts.length])).to.equal(false);
      }
    }
  });

  it("notes a text the first time, stores its form the second and answers from the cache from the third on", () => {
    const a = policy("kms:Decrypt");
    const b = policy("KMS:DECRYPT");
    expect(policiesEquivalent(a, b)).to.equal(true);
    expect(policyCacheStats()).to.deep.equal({ hits: 0, misses: 2, stored: 0 });
    expect(policiesEquivalent(a, b)).to.equal(true);
    expect(policyCacheStats()).to.deep.equal({ hits: 0, misses: 4, stored: 2 });
    for (let i = 0; i < 3; i++) expect(policiesEquivalent(a, b)).to.equal(true);
    expect(policyCacheStats()).to.deep.equal({ hits: 6, misses: 4, stored: 2 });
  });

  it("never caches a policy given as an object, which may change between calls", () => {
    const doc = JSON.parse(policy("kms:Decrypt")) as Record<string, unknown>;
    for (let i = 0; i < 3; i++) expect(policiesEquivalent(doc, doc)).to.equal(true);
    expect(policyCacheStats()).to.deep.equal({ hits: 0, misses: 0, stored: 0 });
  });

  it("never answers a text with a form made under other options: each option is part of the key", () => {
    const text = policy("kms:Decrypt");
    for (let i = 0; i < 3; i++) policiesEquivalent(text, text);
    const { hits } = policyCacheStats();
    policiesEquivalent(text, text, { tolerant: true });
    policiesEquivalent(text, text, { keyPolicy: false });
    policiesEquivalent(text, text, { partition: "aws-cn" });
    expect(policyCacheStats().hits).to.equal(hits);
    // Every option, each value that makes another form, has its own key; the defaults share one.
    const variants: EngineOptions[] = [
      {},
      { tolerant: true },
      { keyPolicy: false },
      { partition: "aws-cn" },
      { tolerant: true, keyPolicy: false },
    ];
    const keys = variants.map(engineOptionsKey);
    expect(new Set(keys).size).to.equal(variants.length);
    for (const same of [undefined, { tolerant: false }, { keyPolicy: true }, { partition: "aws" }])
      expect(engineOptionsKey(same)).to.equal(keys[0]);
  });
});
