import { MAX_NESTING } from "../policy/json";
import { joinPath } from "../policy/path";

export interface Location {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units (SARIF's default). */
  column: number;
}

/**
 * Where each JSON path of a document starts in its text: an object member at its key, a list item
 * at its value; a key given twice at its second copy. Paths are in validatePolicy's format. Text
 * that is not JSON yields what was read before the fault; findingLocation places the fault itself.
 */
export function jsonLocations(text: string): Map<string, Location> {
  const found = new Map<string, Location>();
  const repeated = new Set<string>();
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): Location => ({ line, column: i - lineStart + 1 });
  const skip = () => {
    while (i < text.length && /[\s\uFEFF]/.test(text[i])) {
      if (text[i] === "\n") {
        line++;
        lineStart = i + 1;
      }
      i++;
    }
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string, depth: number): void => {
    // As deep as the reader goes (MAX_NESTING); the reader reports what is deeper.
    if (depth > MAX_NESTING) throw new Error("too deep");
    skip();
    const c = text[i];
    if (c === "{") {
      i++;
      skip();
      if (text[i] === "}") return void i++;
      for (;;) {
        skip();
        if (text[i] !== '"') throw new Error("key expected");
        const at = here();
        const key = string();
        const child = joinPath(path, key);
        // A key given twice is reported (duplicate-key) at its second copy, where a strict reader stops.
        if (!found.has(child)) found.set(child, at);
        else if (!repeated.has(child)) {
          repeated.add(child);
          found.set(child, at);
        }
        skip();
        if (text[i++] !== ":") throw new Error("colon expected");
        value(child, depth + 1);
        skip();
        if (text[i] === ",") i++;
        else if (text[i++] === "}") return;
        else throw new Error("comma expected");
      }
    } else if (c === "[") {
      i++;
      skip();
      if (text[i] === "]") return void i++;
      for (let n = 0; ; n++) {
        skip();
        const child = joinPath(path, n);
        found.set(child, here());
        value(child, depth + 1);
        skip();
        if (text[i] === ",") i++;
        else if (text[i++] === "]") return;
        else throw new Error("comma expected");
      }
    } else if (c === '"') {
      string();
    } else {
      const m = /^[^\s,\]}]+/.exec(text.slice(i, i + 64));
      if (!m) throw new Error("value expected");
      i += m[0].length;
    }
  };
  try {
    skip();
    found.set("", here());
    value("", 0);
  } catch {
    // Not JSON: validatePolicy's invalid-json finding says where; keep what was located.
  }
  return found;
}

/** The location of a path, or of its nearest located ancestor (`a.b[2].c` -> `a.b[2]` -> `a.b` -> `a`). */
export function locate(locations: Map<string, Location>, path: string): Location {
  for (let p = path; ;) {
    const at = locations.get(p);
    if (at) return at;
    if (p === "") return { line: 1, column: 1 };
    const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
    p = cut > 0 ? p.slice(0, cut) : "";
  }
}

/**
 * A message about a place in the text rather than an element ends with it: where the reader stopped
 * (provider/policy/json.ts, Reader.fail), a character KMS refuses (parse.ts, invalidCharacter).
 */
const FAULT_AT = /at line (\d+), column (\d+)$/;

/**
 * Where a finding is in the text: where its message says, for a finding about a place in the
 * text (its path is only as far as the reader got, or the document); any other at its JSON path.
 */
export function findingLocation(locations: Map<string, Location>, finding: { path: string; message: string }): Location {
  const fault = FAULT_AT.exec(finding.message);
  if (fault) return { line: Number(fault[1]), column: Number(fault[2]) };
  return locate(locations, finding.path);
}
