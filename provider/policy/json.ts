/**
 * A strict JSON reader for policy text. `JSON.parse` keeps the last of two duplicate keys, accepts
 * nothing else it should refuse, and turns `3600.0` into `3600`. AWS refuses duplicate keys, so a
 * policy with two `Condition` blocks must be an error, not one block silently lost; and a number's
 * text is what a string condition compares, so it is kept as written.
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
   * returned, which KMS already accepted.
   */
  lenient?: boolean;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Parses JSON text; numbers become JsonNumber. Throws JsonSyntaxError. */
export function readJson(text: string, options: JsonReadOptions = {}): unknown {
  return new Reader(text, options.lenient === true).document();
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

class Reader {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly lenient: boolean,
  ) {}

  document(): unknown {
    if (this.text.charCodeAt(0) === 0xfeff) {
      if (!this.lenient) {
        throw new JsonSyntaxError(
          "byte-order-mark",
          "the policy starts with a byte-order mark (U+FEFF), which AWS refuses",
          "save the file as UTF-8 without a BOM",
        );
      }
      this.pos = 1;
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
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x22) return this.string();
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.text.startsWith("true", this.pos)) return this.literal(4, true);
    if (this.text.startsWith("false", this.pos)) return this.literal(5, false);
    if (this.text.startsWith("null", this.pos)) return this.literal(4, null);
    return this.fail(Number.isNaN(c) ? "unexpected end of text" : `unexpected ${JSON.stringify(this.text[this.pos])}`);
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
      if (c < 0x20) {
        if (Number.isNaN(c)) {
          this.pos = p;
          this.fail("unterminated string");
        }
        if (!this.lenient) this.controlCharacter(p, c);
      }
      p++;
    }
    let out = t.slice(start, p);
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return out;
      }
      if (Number.isNaN(c)) {
        this.pos = p;
        this.fail("unterminated string");
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
            out += String.fromCharCode(parseInt(hex, 16));
            p += 4;
            break;
          }
          default:
            this.pos = p - 1;
            this.fail(`unknown escape \\${e ?? ""}`);
        }
        continue;
      }
      if (c < 0x20 && !this.lenient) this.controlCharacter(p, c);
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
      const key = this.string();
      this.space();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail("expected : after a key");
      this.pos++;
      let value: unknown;
      try {
        value = this.value();
      } catch (err) {
        throw prefixed(err, key);
      }
      if (hasOwn.call(out, key) && !this.lenient) {
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
