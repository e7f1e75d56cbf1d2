/**
 * A strict JSON reader for policy text. `JSON.parse` keeps the last of two duplicate keys, accepts
 * nothing else it should refuse, and turns `3600.0` into `3600`. AWS refuses duplicate keys, so a
 * policy with two `Condition` blocks must be an error, not one block silently lost; and a number's
 * text is what a string condition compares, so it is kept as written.
 *
 * The duplicate-key protocol (this module owns it; parse.ts and validate.ts follow it):
 * - A strict read refuses a key given twice in one object (JsonSyntaxError "duplicate-key", with
 *   the path). A tolerant read keeps the last, as JSON.parse does: KMS already accepted the text.
 * - The fast path (V8's JSON.parse) cannot see a duplicate; it counts the key separators of the
 *   text instead, and a parsed value with fewer keys had a key twice (countKeys).
 * - A caller that walks every object of the value anyway may take that count over
 *   (JsonReadOptions.deferKeyCheck): the read then returns JsonRead.uncheckedKeys, and the caller
 *   must settle it with keyLost before trusting the value. readPolicy passes the number on
 *   (ParsedPolicy.uncheckedKeys); validateParsed settles it, and reads the text again with the
 *   strict reader alone to say where the duplicate is. Nothing else may skip that step: a value
 *   read with deferKeyCheck and never settled may silently lack one of two keys.
 */

/** A JSON number kept as the text it was written with (`3600.0` stays "3600.0"). */
export class JsonNumber {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  /** JSON.stringify writes the number, as the original text meant it. */
  toJSON(): number {
    return Number(this.text);
  }
}

/** A JSON object as the reader returns it: not a list, not null, not a number (JsonNumber is an object too). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/** Why a text is not strict JSON; `path` is the JSON path of the element, `""` for the document. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly rule: "invalid-json" | "duplicate-key" | "byte-order-mark" | "control-character",
    message: string,
    readonly hint: string,
    public path = "",
  ) {
    super(message);
    this.name = "JsonSyntaxError";
  }
}

export interface JsonReadOptions {
  /**
   * Accept what a strict reader refuses but a store may still hold: the last of duplicate keys
   * wins, a byte-order mark is skipped, raw control characters stay in strings. For text KMS
   * returned, which KMS already accepted (the engine's `tolerant` option).
   */
  tolerant?: boolean;
  /**
   * Key names the caller expects (see keyTable): a key with one of these texts is returned as the
   * table's own string, so that the many objects of a document share one copy of each name.
   */
  keys?: KeyTable;
  /**
   * Try V8's own parser first (the default; see nativeRead): the same result, several times
   * faster on text without numbers. `false` reads with the strict reader alone (for tests).
   */
  native?: boolean;
  /**
   * Leave the duplicate-key check of a native read to the caller, who walks the value anyway:
   * JsonRead.uncheckedKeys is then the number of keys the text holds, which the caller must settle
   * with keyLost (see the duplicate-key protocol above). Strict reads only.
   */
  deferKeyCheck?: boolean;
}

/** What one read found besides the value: facts a caller would otherwise scan the text again for. */
export interface JsonRead {
  value: unknown;
  /** Every character of the text is below U+0080 (so its UTF-8 size is its length); false when not known. */
  ascii: boolean;
  /**
   * The text may hold a character outside tab, LF, CR and U+0020..U+00FF: a string held one above
   * U+00FF, a raw control character (tolerant read) or the skipped byte-order mark. False means it
   * holds none: outside strings, JSON allows only structure, literals and those four spaces.
   */
  outsideLatin1: boolean;
  /** A string or key holds U+0000, raw or escaped. */
  holdsNul: boolean;
  /** The keys the text holds, when the caller must still compare them with the value's (see JsonReadOptions.deferKeyCheck). */
  uncheckedKeys?: number;
}

/**
 * Settles a deferred duplicate-key check (the protocol above): true when the value holds fewer
 * keys than the text, that is, when one object gave a key twice and the value kept only the last.
 * `keysInValue` is the count the caller made on its walk, or countKeys(value).
 */
export function keyLost(uncheckedKeys: number | undefined, keysInValue: () => number): boolean {
  return uncheckedKeys !== undefined && keysInValue() !== uncheckedKeys;
}

/** How many reads took each path since the last reset (for tests: the fast path must stay in use). */
export interface JsonReadStats {
  /** Reads V8's parser answered. */
  native: number;
  /** Reads the strict reader made (the fast path declined, was switched off, or refused the text). */
  strict: number;
}
const readStats: JsonReadStats = { native: 0, strict: 0 };

/** A copy of the read counters; `reset` zeroes them. */
export function jsonReadStats(reset = false): JsonReadStats {
  const copy = { ...readStats };
  if (reset) readStats.native = readStats.strict = 0;
  return copy;
}

/** Known key names grouped by length, for the reader's `keys` option. */
export type KeyTable = ReadonlyArray<readonly string[] | undefined>;

/** Builds a KeyTable from the names a document's objects usually use. */
export function keyTable(names: Iterable<string>): KeyTable {
  const table: string[][] = [];
  for (const name of names) {
    const sameLength = (table[name.length] ??= []);
    if (!sameLength.includes(name)) sameLength.push(name);
  }
  return table;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Parses JSON text; numbers become JsonNumber. Throws JsonSyntaxError. */
export function readJson(text: string, options: JsonReadOptions = {}): unknown {
  return readJsonText(text, options).value;
}

/** readJson, with what the read learnt about the text on the way (see JsonRead). */
export function readJsonText(text: string, options: JsonReadOptions = {}): JsonRead {
  const tolerant = options.tolerant === true;
  const native = options.native === false ? undefined : nativeRead(text, tolerant, options.deferKeyCheck === true);
  if (native) {
    readStats.native++;
    return native;
  }
  readStats.strict++;
  const reader = new Reader(text, tolerant, options.keys ?? []);
  const value = reader.document();
  return { value, ascii: !reader.nonAscii, outsideLatin1: reader.outsideLatin1, holdsNul: reader.holdsNul };
}

/*
 * The fast path. V8's native parser is several times faster than any reader written in
 * JavaScript, and on most policies it gives exactly what the strict reader would: it refuses a
 * byte-order mark and raw control characters, keeps "__proto__" as an ordinary key, and decodes
 * strings the same way. It differs in two things only, and both are found without allocating:
 * a number (whose text JSON.parse drops) is seen in a scan of the text, and a duplicate key
 * (which JSON.parse silently drops) shows as fewer keys in the parsed tree than key separators
 * in the text. Whenever either appears, or JSON.parse refuses the text, the strict reader reads it
 * again, and gives the precise error or the number's text.
 */

/** A character above U+00FF; on a one-byte string V8 answers without looking at the text. */
const ABOVE_LATIN1 = /[\u0100-\uffff]/;

function nativeRead(text: string, tolerant: boolean, deferKeyCheck: boolean): JsonRead | undefined {
  const scan = scanStructure(text);
  if (scan < 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  // A tolerant read keeps the last of duplicate keys, as JSON.parse does.
  const keys = scan >>> 1;
  if (!tolerant && !deferKeyCheck && countKeys(value) !== keys) return undefined;
  // JSON.parse refused raw control characters and a BOM, so a character outside what KMS accepts
  // can only be one above U+00FF. Whether the text is ASCII is left unknown (a scan would cost
  // more than the caller's own check, which it makes only for long texts).
  const read: JsonRead = { value, ascii: false, outsideLatin1: ABOVE_LATIN1.test(text), holdsNul: (scan & 1) === 1 };
  if (!tolerant && deferKeyCheck) read.uncheckedKeys = keys;
  return read;
}

/**
 * One walk over the text's structure: twice the number of key separators (colons outside
 * strings), plus one if a string holds an escaped U+0000; -1 if the text holds a number. Strings
 * are skipped with indexOf, not character by character. Exact on valid JSON; on invalid JSON the
 * answer does not matter, since JSON.parse then refuses the text.
 */
function scanStructure(t: string): number {
  const n = t.length;
  let keys = 0;
  let nul = 0;
  let backslash = t.indexOf("\\");
  if (backslash < 0) backslash = n;
  let p = 0;
  while (p < n) {
    const c = t.charCodeAt(p);
    if (c === 0x22) {
      let close = t.indexOf('"', p + 1);
      if (close < 0) return -1;
      // Escapes before the candidate closing quote: each takes the character after it (\u0000 is a NUL).
      while (backslash < close) {
        if (t.charCodeAt(backslash + 1) === 0x75 && t.startsWith("0000", backslash + 2)) nul = 1;
        const after = backslash + 2;
        if (after > close) {
          close = t.indexOf('"', after);
          if (close < 0) return -1;
        }
        backslash = t.indexOf("\\", after);
        if (backslash < 0) backslash = n;
      }
      p = close + 1;
      continue;
    }
    if (c === 0x3a) keys++;
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return -1;
    p++;
  }
  return keys * 2 + nul;
}

/** The number of keys of every object in a parsed JSON value. */
export function countKeys(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) n += countKeys(value[i]);
    return n;
  }
  const object = value as Record<string, unknown>;
  for (const key in object) n += 1 + countKeys(object[key]);
  return n;
}

/** `Statement[0]` + `Principal` -> `Statement[0].Principal`; keys that are not identifiers are quoted. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  const part = isIdentifier(key) ? key : `["${key.replace(/"/g, '\\"')}"]`;
  if (!base || part.startsWith("[")) return `${base}${part}`;
  return `${base}.${part}`;
}

/** The validator builds a path for every element, and policies repeat the same few keys. */
const identifiers = new Map<string, boolean>();
function isIdentifier(key: string): boolean {
  let known = identifiers.get(key);
  if (known === undefined) {
    known = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key);
    if (identifiers.size < 1024) identifiers.set(key, known);
  }
  return known;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/*
 * The reader walks the text by character code and slices each string once. Facts a caller needs
 * about the whole text (see JsonRead) are gathered in the same walk: only string contents can hold
 * characters other than JSON's structure, literals and spaces, so watching strings is enough.
 */
class Reader {
  private pos = 0;
  nonAscii = false;
  outsideLatin1 = false;
  holdsNul = false;
  constructor(
    private readonly text: string,
    private readonly tolerant: boolean,
    private readonly keys: KeyTable,
  ) {}

  document(): unknown {
    if (this.text.charCodeAt(0) === 0xfeff) {
      if (!this.tolerant) {
        throw new JsonSyntaxError(
          "byte-order-mark",
          "the policy starts with a byte-order mark (U+FEFF), which AWS refuses",
          "save the file as UTF-8 without a BOM",
        );
      }
      this.pos = 1;
      this.nonAscii = true;
      this.outsideLatin1 = true;
    }
    const value = this.value();
    this.space();
    if (this.pos < this.text.length) this.fail("unexpected text after the end of the JSON document");
    return value;
  }

  private fail(what: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split("\n").length;
    const column = this.pos - before.lastIndexOf("\n");
    throw new JsonSyntaxError(
      "invalid-json",
      `the policy is not valid JSON: ${what} at line ${line}, column ${column}`,
      "check for a missing comma, brace or quote; `kms-policy validate FILE` shows the position",
    );
  }

  private space(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  private value(): unknown {
    this.space();
    const t = this.text;
    const p = this.pos;
    const c = t.charCodeAt(p);
    if (c === 0x22) return this.string();
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (c === 0x74 && t.startsWith("true", p)) return this.literal(4, true);
    if (c === 0x66 && t.startsWith("false", p)) return this.literal(5, false);
    if (c === 0x6e && t.startsWith("null", p)) return this.literal(4, null);
    return this.fail(Number.isNaN(c) ? "unexpected end of text" : `unexpected ${JSON.stringify(t[p])}`);
  }

  private literal<T>(length: number, value: T): T {
    this.pos += length;
    return value;
  }

  private number(): JsonNumber {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) return this.fail("malformed number");
    this.pos += m[0].length;
    return new JsonNumber(m[0]);
  }

  /** A character of a string outside printable ASCII: note what it tells about the text, refuse what JSON refuses. */
  private unusual(p: number, c: number): void {
    if (c >= 0x80) {
      this.nonAscii = true;
      if (c > 0xff) this.outsideLatin1 = true;
      return;
    }
    if (Number.isNaN(c)) {
      this.pos = p;
      this.fail("unterminated string");
    }
    if (!this.tolerant) this.controlCharacter(p, c);
    this.outsideLatin1 = true;
    if (c === 0) this.holdsNul = true;
  }

  /** A key: the table's copy when it is a known name written without escapes. */
  private key(): string {
    const t = this.text;
    const start = this.pos + 1;
    const end = t.indexOf('"', start);
    const known = end > 0 ? this.keys[end - start] : undefined;
    if (known !== undefined) {
      for (const name of known) {
        let i = 0;
        while (i < name.length && name.charCodeAt(i) === t.charCodeAt(start + i)) i++;
        if (i === name.length) {
          this.pos = end + 1;
          return name;
        }
      }
    }
    return this.string();
  }

  private string(): string {
    const t = this.text;
    const start = ++this.pos;
    // Fast path: most policy strings have no escape.
    let p = start;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return t.slice(start, p);
      }
      if (c === 0x5c) break;
      if (!(c >= 0x20 && c < 0x80)) this.unusual(p, c);
      p++;
    }
    let out = t.slice(start, p);
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return out;
      }
      if (c === 0x5c) {
        const e = t[p + 1];
        p += 2;
        switch (e) {
          case '"':
            out += '"';
            break;
          case "\\":
            out += "\\";
            break;
          case "/":
            out += "/";
            break;
          case "b":
            out += "\b";
            break;
          case "f":
            out += "\f";
            break;
          case "n":
            out += "\n";
            break;
          case "r":
            out += "\r";
            break;
          case "t":
            out += "\t";
            break;
          case "u": {
            const hex = t.slice(p, p + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
              this.pos = p;
              this.fail("malformed \\u escape");
            }
            const code = parseInt(hex, 16);
            if (code === 0) this.holdsNul = true;
            out += String.fromCharCode(code);
            p += 4;
            break;
          }
          default:
            this.pos = p - 1;
            this.fail(`unknown escape \\${e ?? ""}`);
        }
        continue;
      }
      if (!(c >= 0x20 && c < 0x80)) this.unusual(p, c);
      out += t[p++];
    }
  }

  private controlCharacter(p: number, c: number): never {
    this.pos = p;
    const code = c.toString(16).toUpperCase().padStart(4, "0");
    throw new JsonSyntaxError(
      "control-character",
      `a string contains the raw control character U+${code}, which JSON forbids inside strings`,
      `write it as an escape (\\n, \\t or \\u${code}) or remove it`,
    );
  }

  private array(): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    this.space();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      try {
        out.push(this.value());
      } catch (err) {
        throw prefixed(err, out.length);
      }
      this.space();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x5d) return out;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected , or ] in a list");
      }
    }
  }

  private object(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    this.space();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail("expected a quoted key");
      const key = this.key();
      this.space();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail("expected : after a key");
      this.pos++;
      let value: unknown;
      try {
        value = this.value();
      } catch (err) {
        throw prefixed(err, key);
      }
      if (hasOwn.call(out, key) && !this.tolerant) {
        throw new JsonSyntaxError(
          "duplicate-key",
          `"${key}" appears twice in one object; AWS refuses the policy, and a JSON reader would silently keep only the last`,
          `merge the two "${key}" entries into one`,
          joinPath("", key),
        );
      }
      // "__proto__" is an ordinary policy key here, never the object's prototype.
      if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      this.space();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x7d) return out;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected , or } in an object");
      }
    }
  }
}

/** Adds the enclosing key or index to the path of an error found inside a value. */
function prefixed(err: unknown, key: string | number): unknown {
  if (err instanceof JsonSyntaxError && err.rule !== "invalid-json") {
    const inner = err.path;
    err.path = joinPath("", key) + (inner === "" ? "" : inner.startsWith("[") ? inner : `.${inner}`);
  }
  return err;
}
