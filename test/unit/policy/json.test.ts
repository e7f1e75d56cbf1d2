import { expect } from "chai";
import fc from "fast-check";
import { JsonNumber, JsonRead, JsonSyntaxError, jsonReadStats, readJsonText } from "../../../provider/policy/json";
import { normalizePolicy, policiesEquivalent, validatePolicy } from "../../../provider/policy";
import { policy } from "./arbitraries";

/** What a read gives, the native fast path or the strict reader alone. */
const read = (text: string, native: boolean, tolerant = false): JsonRead | JsonSyntaxError => {
  try {
    return readJsonText(text, { native, tolerant });
  } catch (err) {
    if (err instanceof JsonSyntaxError) return err;
    throw err;
  }
};

/** Fast and strict agree: the same value, the same facts (ascii is only a hint: "false" is "not known"), or the same error. */
function expectSameRead(text: string, tolerant = false): void {
  const fast = read(text, true, tolerant);
  const strict = read(text, false, tolerant);
  if (strict instanceof JsonSyntaxError) {
    expect(fast, text).to.be.instanceOf(JsonSyntaxError);
    const f = fast as JsonSyntaxError;
    expect({ rule: f.rule, path: f.path, message: f.message }, text).to.deep.equal({
      rule: strict.rule,
      path: strict.path,
      message: strict.message,
    });
    return;
  }
  expect(fast, text).to.not.be.instanceOf(JsonSyntaxError);
  const f = fast as JsonRead;
  expect(f.value, text).to.deep.equal(strict.value);
  expect(f.outsideLatin1, text).to.equal(strict.outsideLatin1);
  expect(f.holdsNul, text).to.equal(strict.holdsNul);
  if (f.ascii) expect(strict.ascii, text).to.equal(true);
}

/** JSON text with duplicate keys spliced in at random depths, escapes, colons and quotes in strings. */
const awkwardString = fc.constantFrom("a", "a:b", 'q"uote', "back\\slash", "\u0000", "é", "\u0100", ":", "\\u0000", "__proto__", "");
const awkwardValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    awkwardString,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.array(fc.tuple(awkwardString, tie("value")), { maxLength: 4 }).map((entries) => ({ entries })),
  ),
})).value;
/** Writes `{entries}` objects as JSON objects, keeping repeated keys (which JSON.stringify of an object cannot). */
function write(value: unknown, escapeKeys: boolean): string {
  if (Array.isArray(value)) return `[${value.map((v) => write(v, escapeKeys)).join(",")}]`;
  if (value !== null && typeof value === "object" && "entries" in value) {
    const entries = (value as { entries: Array<[string, unknown]> }).entries;
    const key = (k: string) =>
      escapeKeys ? `"${[...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"` : JSON.stringify(k);
    return `{${entries.map(([k, v]) => `${key(k)} : ${write(v, escapeKeys)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

describe("policy engine: the native fast path of the JSON reader", () => {
  it("is the path a policy without numbers takes, through the engine too; a number or a duplicate key takes the strict reader", () => {
    jsonReadStats(true);
    readJsonText('{"Version": "2012-10-17", "Statement": []}');
    expect(jsonReadStats(true)).to.deep.equal({ native: 1, strict: 0 });
    readJsonText('{"a": 1}');
    expect(() => readJsonText('{"a": "x", "a": "y"}')).to.throw(JsonSyntaxError);
    expect(jsonReadStats(true)).to.deep.equal({ native: 0, strict: 2 });
    const text = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "Use", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" }],
    });
    expect(validatePolicy(text)).to.deep.equal([]);
    normalizePolicy(text);
    expect(jsonReadStats(true)).to.deep.equal({ native: 2, strict: 0 });
  });

  it("gives what the strict reader gives, on texts with duplicate keys at any depth, escapes, colons and quotes in strings", () => {
    fc.assert(
      fc.property(awkwardValue, fc.boolean(), fc.boolean(), (value, escapeKeys, tolerant) => {
        expectSameRead(write(value, escapeKeys), tolerant);
      }),
      { numRuns: 400 },
    );
  });

  it("gives the same normalized policy as the strict reader on generated policies, compact and KMS-style", () => {
    fc.assert(
      fc.property(policy, (doc) => {
        for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2).replace(/": /g, '" : ')]) {
          expectSameRead(text);
          expect(normalizePolicy(text)).to.deep.equal(normalizePolicy(readJsonText(text, { native: false }).value));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("agrees with the strict reader on texts JSON.parse reads differently or refuses", () => {
    for (const text of [
      '{"a":1,"b":3600.0}',
      '{"a":-0}',
      '{"a":"x","a":"y"}',
      '{"a":{"b":"x","b":"x"}}',
      '{"Effect":"Allow","\\u0045ffect":"Deny"}',
      '{"__proto__":"x"}',
      '{"__proto__":"x","__proto__":"y"}',
      '{"a":"b:c","d":"e\\":f"}',
      '{"a":"\\\\","b":"\\\\u0000"}',
      '{"a":"\\u0000"}',
      "\uFEFF{}",
      '{"a":"x\ty"}',
      '{"a":"\u0100"}',
      '{"a":1e5}',
      '{"a":tru}',
      '{"a":"x"',
      "",
    ]) {
      expectSameRead(text);
      expectSameRead(text, true);
    }
  });

  it("keeps a number's text: a document with a number is read by the strict reader", () => {
    const value = readJsonText('{"ttl":3600.0,"n":[1,2.50]}').value as Record<string, unknown>;
    expect(value.ttl).to.be.instanceOf(JsonNumber);
    expect(String(value.ttl)).to.equal("3600.0");
    expect((value.n as JsonNumber[]).map(String)).to.deep.equal(["1", "2.50"]);
  });

  it('keeps "__proto__" as an ordinary key, never the prototype', () => {
    const value = readJsonText('{"__proto__":{"polluted":"yes"}}').value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).to.equal(Object.prototype);
    expect(Object.keys(value)).to.deep.equal(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it("a duplicate key written with an escape is still refused, with its path and the fix", () => {
    const text =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","\\u0045ffect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}';
    const problems = validatePolicy(text);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include({ rule: "duplicate-key", path: "Statement[0].Effect" });
    expect(problems[0].hint).to.match(/merge/);
  });

  it("a duplicate key is found whichever way the validator walked the statement", () => {
    const doc = (statement: string) => `{"Version":"2012-10-17","Statement":[${statement}]}`;
    const valid = '"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"';
    for (const [statement, path] of [
      // passes the quick check but for the repeat
      [`{${valid},"Resource":"*"}`, "Statement[0].Resource"],
      // a Condition block of three keys: the full checks walk it
      [`{${valid},"Condition":{"StringEquals":{"k:a":"1","k:b":"2","k:c":"3","k:b":"2"}}}`, 'Statement[0].Condition.StringEquals["k:b"]'],
      // an invalid statement: the validator would report other problems
      [`{"Effect":"allow","Action":"Decrypt","Action":"kms:Decrypt","Principal":"*"}`, "Statement[0].Action"],
      // in a value the validator never walks as an object
      [`{${valid},"Condition":{"StringEquals":{"k:a":{"x":1,"x":2}}}}`, 'Statement[0].Condition.StringEquals["k:a"].x'],
    ]) {
      const problems = validatePolicy(doc(statement));
      expect(problems, statement).to.have.length(1);
      expect(problems[0], statement).to.include({ rule: "duplicate-key", path });
      expect(() => policiesEquivalent(doc(statement), doc(`{${valid}}`))).to.throw(/appears twice/);
    }
  });

  it("a byte-order mark is its own error, not a syntax error", () => {
    const [problem] = validatePolicy('\uFEFF{"Version":"2012-10-17","Statement":[]}');
    expect(problem).to.include({ rule: "byte-order-mark", path: "" });
  });

  it("still checks KMS's size and characters on texts the native parser read", () => {
    const statement = (i: number) => ({ Sid: `S${i}é`, Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" });
    // Under 32,768 characters, over 32,768 bytes: é is two bytes in UTF-8.
    let n = 1;
    const doc = () => JSON.stringify({ Version: "2012-10-17", Statement: Array.from({ length: n }, (_, i) => statement(i)) });
    while (Buffer.byteLength(doc()) <= 32_768) n++;
    expect(doc().length).to.be.below(32_768);
    expect(validatePolicy(doc()).map((p) => p.rule)).to.deep.equal(["policy-too-large"]);
    n = 1;
    expect(validatePolicy(doc())).to.deep.equal([]);
    const outside = JSON.stringify({ Version: "2012-10-17", Statement: [{ ...statement(0), Sid: "\u0100" }] });
    expect(validatePolicy(outside).map((p) => p.rule)).to.deep.equal(["invalid-character"]);
  });

  it("a NUL written as an escape is seen, so that two such texts still compare exactly", () => {
    const withSid = (sid: string) =>
      `{"Version":"2012-10-17","Statement":[{"Sid":"${sid}","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}`;
    expect(readJsonText(withSid("a\\u0000b")).holdsNul).to.equal(true);
    expect(readJsonText(withSid("a\\\\u0000b")).holdsNul).to.equal(false);
    expect(policiesEquivalent(withSid("a\\u0000b"), withSid("a\\u0000b"), { tolerant: true })).to.equal(true);
  });
});
