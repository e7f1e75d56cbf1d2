/**
 * A bounded cache of what a function computes from a text under typed options, with counters a
 * test can read. The key of the options is derived from an OptionsKey table, which must name every
 * option of the type: add an option and the table fails to compile until it says how that option
 * tells two results apart, so a result made under other options is never returned.
 *
 * A result is many small objects, and a cache full of results that are never asked for again is
 * work for the garbage collector on every call. So a text seen for the first time is only noted,
 * and its result is kept from the second time on: a text used once costs no more than it must.
 *
 * The bound is in characters, so that a stream of large unseen texts neither grows memory nor
 * burdens the collector: an entry counts its text and the caller's estimate of its result. Recency
 * is kept in two generations rather than one ordered list: new and recently used texts go to the
 * current one; when it holds half the bound it becomes the previous one, and the one before is
 * dropped whole. Nothing is evicted one entry at a time (a Map's oldest entry is found by walking
 * over the holes its deletions left).
 */

/** How each option of `O` shows in the cache key; every option must be listed (the `-?` makes optional ones required here). */
export type OptionsKey<O> = { readonly [K in keyof O]-?: (value: O[K] | undefined) => string };

/** What the cache has done since it was made or last cleared. */
export interface TextCacheStats {
  /** Calls answered from the cache. */
  hits: number;
  /** Calls that computed their result. */
  misses: number;
  /** Results stored (a text's second miss: the first only notes it). */
  stored: number;
}

interface Slot<V> {
  text: string;
  options: string;
  value: V;
  chars: number;
}

/*
 * Keyed by a fingerprint of the text rather than the text: a Map hashes every character of a new
 * string key, which costs a cold call more than reading the text's start, end and a sample
 * between. Texts with one fingerprint share a bucket and are told apart by comparing them, so a
 * result is only ever returned for its own text.
 */
class Generation<V> {
  readonly buckets = new Map<number, Slot<V>[]>();
  chars = 0;

  find(print: number, text: string, options: string): Slot<V> | undefined {
    const bucket = this.buckets.get(print);
    return bucket?.find((s) => s.text === text && s.options === options);
  }

  add(print: number, slot: Slot<V>): void {
    const bucket = this.buckets.get(print);
    if (bucket) bucket.push(slot);
    else this.buckets.set(print, [slot]);
    this.chars += slot.chars;
  }

  remove(print: number, slot: Slot<V>): void {
    const bucket = this.buckets.get(print);
    const at = bucket ? bucket.indexOf(slot) : -1;
    if (!bucket || at < 0) return;
    bucket.splice(at, 1);
    if (bucket.length === 0) this.buckets.delete(print);
    this.chars -= slot.chars;
  }
}

/**
 * Texts seen once, by fingerprint (and options): a table of numbers, one slot per fingerprint's
 * low bits, so that noting a text allocates nothing. Two texts that share a slot only make the
 * later one be stored a call late (or early, for a shared fingerprint); never a wrong answer,
 * since a stored result is only returned for its own text.
 */
const SEEN_SLOTS = 1 << 12;

/**
 * The length, about 32 characters spread over the text, and its last 16 (where texts that are
 * otherwise alike differ most). Kept within 30 bits, so that V8 stores it as a small integer.
 */
function fingerprint(text: string, seed = 0): number {
  const n = text.length;
  let h = (seed + n) | 0;
  const step = (n >> 5) + 1;
  for (let i = 0; i < n; i += step) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  for (let i = Math.max(0, n - 16); i < n; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h & 0x3fffffff;
}

export class TextCache<O extends object, V> {
  private current = new Generation<V>();
  private previous = new Generation<V>();
  private readonly seen = new Int32Array(SEEN_SLOTS).fill(-1);
  private readonly optionNames: ReadonlyArray<keyof O>;
  private readonly optionKeys: ReadonlyArray<(value: unknown) => string>;
  private readonly defaultKey: string;
  private counts: TextCacheStats = { hits: 0, misses: 0, stored: 0 };

  /**
   * @param compute what is cached: a pure function of the text and the options.
   * @param keyOf how each option shows in the key (see OptionsKey).
   * @param resultChars the characters an entry's result counts for, beside its text.
   * @param maxChars the bound, in characters.
   */
  constructor(
    private readonly compute: (text: string, options: O | undefined) => V,
    keyOf: OptionsKey<O>,
    private readonly resultChars: (text: string, value: V) => number,
    private readonly maxChars: number,
  ) {
    this.optionNames = Object.keys(keyOf) as Array<keyof O>;
    this.optionKeys = this.optionNames.map((name) => keyOf[name] as (value: unknown) => string);
    this.defaultKey = this.optionsKey({} as O);
  }

  /** The cache key of a set of options: every option's text, in the table's order (the defaults' is made once). */
  optionsKey(options: O | undefined): string {
    if (options === undefined) return this.defaultKey;
    const names = this.optionNames;
    let key = "";
    for (let i = 0; i < names.length; i++) key += this.optionKeys[i](options[names[i]]) + "\u0000";
    return key;
  }

  /** compute(text, options), from the cache when it holds the result. */
  get(text: string, options?: O): V {
    const optionsKey = this.optionsKey(options);
    const print = fingerprint(text);
    let slot = this.current.find(print, text, optionsKey);
    if (!slot) {
      slot = this.previous.find(print, text, optionsKey);
      if (slot) {
        this.previous.remove(print, slot);
        this.rotateFor(slot.chars);
        this.current.add(print, slot);
      }
    }
    if (slot) {
      this.counts.hits++;
      return slot.value;
    }
    this.counts.misses++;
    const value = this.compute(text, options);
    const seen = fingerprint(optionsKey, print);
    const at = seen & (SEEN_SLOTS - 1);
    if (this.seen[at] === seen) {
      const chars = text.length + this.resultChars(text, value);
      if (chars <= this.maxChars / 4) {
        this.rotateFor(chars);
        this.current.add(print, { text, options: optionsKey, value, chars });
        this.counts.stored++;
      }
    } else {
      this.seen[at] = seen;
    }
    return value;
  }

  /** Empties the cache and zeroes its counters. */
  clear(): void {
    this.current = new Generation<V>();
    this.previous = new Generation<V>();
    this.seen.fill(-1);
    this.counts = { hits: 0, misses: 0, stored: 0 };
  }

  /** A copy of the counters. */
  stats(): TextCacheStats {
    return { ...this.counts };
  }

  /** Starts a new generation (dropping the one before the current) if `size` more would pass half the bound. */
  private rotateFor(size: number): void {
    if (this.current.chars + size > this.maxChars / 2) {
      this.previous = this.current;
      this.current = new Generation<V>();
    }
  }
}
