/*
 * IAM's wildcard patterns (`*` any run of characters, `?` one character) as languages: matching,
 * inclusion and overlap of two patterns, decided exactly on the patterns' automata. The access
 * checks use them for actions, resources and the values of the Like and Arn operators.
 */

/** A pattern's positions: `*` and `?` are wildcards, every other character is itself. */
type Glob = string;

const isWild = (c: string) => c === "*" || c === "?";

/** The states reachable from `states` without reading (a `*` may match nothing). */
function close(pattern: Glob, states: Set<number>): Set<number> {
  const out = new Set(states);
  for (const s of states) {
    let i = s;
    while (i < pattern.length && pattern[i] === "*") out.add(++i);
  }
  return out;
}

function step(pattern: Glob, states: Set<number>, c: string): Set<number> {
  const next = new Set<number>();
  for (const s of states) {
    if (s >= pattern.length) continue;
    const p = pattern[s];
    if (p === "*") next.add(s);
    else if (p === "?" || p === c) next.add(s + 1);
  }
  return close(pattern, next);
}

/** Does `text` match `pattern`? Both compared as given (callers fold case where IAM does). */
export function globMatch(pattern: Glob, text: string): boolean {
  const star = pattern.indexOf("*");
  const question = pattern.indexOf("?");
  if (star < 0 && question < 0) return pattern === text;
  // `prefix*`, the common shape, without the automaton.
  if (question < 0 && star === pattern.length - 1) return text.startsWith(pattern.slice(0, -1));
  let states = close(pattern, new Set([0]));
  for (const c of text) {
    states = step(pattern, states, c);
    if (states.size === 0) return false;
  }
  return states.has(pattern.length);
}

/** The literal characters of the patterns, and one character none of them holds. */
function alphabet(...patterns: Glob[]): string[] {
  const chars = new Set<string>();
  for (const p of patterns) for (const c of p) if (!isWild(c)) chars.add(c);
  let other = 0xe000; // a private-use character: no policy text holds one (KMS refuses it)
  while (chars.has(String.fromCharCode(other))) other++;
  return [...chars, String.fromCharCode(other)];
}

const key = (a: Set<number>, b: Set<number>) => `${[...a].sort().join(",")}|${[...b].sort().join(",")}`;

/**
 * Explores the product of the two patterns' subset automata; `stop` is asked of every reachable
 * pair of state sets and ends the walk with true when it says so.
 */
function explore(p: Glob, q: Glob, stop: (a: Set<number>, b: Set<number>) => boolean): boolean {
  const letters = alphabet(p, q);
  const start: [Set<number>, Set<number>] = [close(p, new Set([0])), close(q, new Set([0]))];
  const seen = new Set([key(...start)]);
  const queue = [start];
  while (queue.length > 0) {
    const [a, b] = queue.pop() as [Set<number>, Set<number>];
    if (stop(a, b)) return true;
    for (const c of letters) {
      const na = step(p, a, c);
      if (na.size === 0) continue;
      const nb = step(q, b, c);
      const k = key(na, nb);
      if (seen.has(k)) continue;
      seen.add(k);
      queue.push([na, nb]);
    }
  }
  return false;
}

/** Answers of the automata, by pair of patterns: a policy's few patterns meet again and again. */
const answers = new Map<string, boolean>();
function remember(kind: string, p: Glob, q: Glob, decide: () => boolean): boolean {
  const k = `${kind}${p}\u0000${q}`;
  let v = answers.get(k);
  if (v === undefined) {
    v = decide();
    if (answers.size >= 65_536) answers.clear();
    answers.set(k, v);
  }
  return v;
}

/** Every text `p` matches, `q` matches too. */
export function globIncluded(p: Glob, q: Glob): boolean {
  if (p === q || q === "*") return true;
  if (!p.includes("*") && !p.includes("?")) return globMatch(q, p);
  return remember("<", p, q, () => !explore(p, q, (a, b) => a.has(p.length) && !b.has(q.length)));
}

/** Some text matches both patterns. */
export function globOverlap(p: Glob, q: Glob): boolean {
  if (p === q || p === "*" || q === "*") return true;
  if (!p.includes("*") && !p.includes("?")) return globMatch(q, p);
  if (!q.includes("*") && !q.includes("?")) return globMatch(p, q);
  return remember("&", p, q, () => explore(p, q, (a, b) => a.has(p.length) && b.has(q.length)));
}

export const hasWildcard = (p: Glob): boolean => p.includes("*") || p.includes("?");
