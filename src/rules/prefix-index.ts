/**
 * @module rules/prefix-index — literal strings mapped to values, answering "which added strings are a
 * prefix of this key" (or, with `fromEnd`, a suffix) at a cost that does not grow with how many
 * strings were added.
 *
 * When the added strings have few distinct lengths (the usual case: camera folders such as
 * "cam-0042/" are all one length), a lookup is one probe per length: a rolling hash of the key's
 * first (last) characters, computed in one pass without allocating, looked up in a small open-addressing
 * table of hashes. Otherwise a radix tree is walked along the key. Either is built on the first lookup
 * after a change.
 *
 * It is exact: a probe's hit is compared with the key before its values are collected, against the
 * table's texts laid end to end in one string, so a text that merely shares a hash with the key's start
 * is never collected, and the comparison reads memory next to its neighbours' rather than one string
 * object per text. The matcher relies on this: a rule found here needs no prefix (suffix) check.
 */

/** Above this many distinct lengths, the radix tree beats one probe per length. */
const MAX_PROBES = 8;

interface RadixNode<T> {
  /** edge text leading into this node, in walk order (reversed for suffix trees) */
  label: string;
  values: T[];
  /** children by the char code of their label's first character */
  children: Map<number, RadixNode<T>>;
}

const radixNode = <T>(label: string): RadixNode<T> => ({ label, values: [], children: new Map() });

/** The texts of one length: text i is `pool.slice(i * length, (i + 1) * length)`. */
interface Table<T> {
  length: number;
  /**
   * Open addressing on the texts' hashes, at most half full. Slot s holds at 3s the hash, at 3s + 1 the
   * text's number plus one (0: an empty slot; negative: the text has several values) and at 3s + 2
   * the value (or an array of them): a hit reads one slot, its values included.
   */
  slots: unknown[];
  /** a hash's first slot is `Math.imul(hash, SPREAD) >>> shift` */
  shift: number;
  mask: number;
  /**
   * A bit per (char code mod 32) of the first and of the last character of this length's texts, in
   * key order: a key whose window misses either is not probed (texts of other lengths often start or
   * end otherwise: "gate-01" next to "cam-0042/"; "-17.jpg" next to "-170.jpg"), sparing a table read.
   */
  firstChars: number;
  lastChars: number;
  /**
   * One bit per text, at its hash's low bits: about 16 bits per text, so a probe for a text that is not
   * there passes ~6% of the time. Far smaller than the slots, so most probes that find nothing read
   * memory that stays in cache when there are thousands of texts.
   */
  filter: Int32Array;
  filterMask: number;
  pool: string;
}

/** Fibonacci hashing: spreads the rolling hash's bits over the slot number. */
const SPREAD = 0x9e3779b1 | 0;

/** One step of the rolling hash; kept within V8's small-integer range so it stays an unboxed int. */
const step = (h: number, c: number) => (Math.imul(h, 31) + c) & 0x3fffffff;

function hashOf(text: string, fromEnd: boolean): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = step(h, text.charCodeAt(fromEnd ? text.length - 1 - i : i));
  return h;
}

/** `length` characters of `key` from `at` equal those of `pool` from `from`. */
function sameText(key: string, at: number, pool: string, from: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (key.charCodeAt(at + i) !== pool.charCodeAt(from + i)) return false;
  return true;
}

function table<T>(length: number, byText: Map<string, T[]>, fromEnd: boolean): Table<T> {
  const bits = Math.max(3, Math.ceil(Math.log2(byText.size * 2)));
  const slots: unknown[] = new Array<number>(3 << bits).fill(0);
  const mask = (1 << bits) - 1;
  const texts: string[] = [];
  let firstChars = length === 0 ? -1 : 0;
  let lastChars = firstChars;
  const filterBits = Math.max(64, 2 ** Math.ceil(Math.log2(byText.size * 16)));
  const filter = new Int32Array(filterBits / 32);
  for (const [text, vs] of byText) {
    if (length > 0) {
      firstChars |= 1 << (text.charCodeAt(0) & 31);
      lastChars |= 1 << (text.charCodeAt(length - 1) & 31);
    }
    const h = hashOf(text, fromEnd);
    const bit = h & (filterBits - 1);
    filter[bit >>> 5]! |= 1 << (bit & 31);
    let s = Math.imul(h, SPREAD) >>> (32 - bits);
    while (slots[3 * s + 1] !== 0) s = (s + 1) & mask;
    slots[3 * s] = h;
    slots[3 * s + 1] = vs.length === 1 ? texts.length + 1 : -(texts.length + 1);
    slots[3 * s + 2] = vs.length === 1 ? vs[0] : vs;
    texts.push(text);
  }
  return { length, slots, shift: 32 - bits, mask, firstChars, lastChars, filter, filterMask: filterBits - 1, pool: texts.join("") };
}

/** Prefixes (default) or suffixes (`fromEnd: true`) of keys, each with the values added under it. */
export class PrefixIndex<T> {
  readonly #fromEnd: boolean;
  readonly #entries: [string, T][] = [];
  /** shortest length first, so values come out shortest match first */
  #tables: Table<T>[] | undefined;
  #root: RadixNode<T> | undefined;

  constructor(opts: { fromEnd?: boolean } = {}) {
    this.#fromEnd = opts.fromEnd ?? false;
  }

  /** Number of values added. */
  get size(): number {
    return this.#entries.length;
  }

  /** Adds `value` under `text` (which may be empty: then it is collected for every key). */
  add(text: string, value: T): void {
    this.#entries.push([text, value]);
    this.#tables = undefined;
    this.#root = undefined;
  }

  /** Pushes onto `out` the values of every added text that is a prefix (suffix, with `fromEnd`) of `key`. */
  collect(key: string, out: T[]): void {
    if (this.#tables === undefined && this.#root === undefined) this.#build();
    const tables = this.#tables;
    if (tables === undefined) return this.#walk(key, out);
    const len = key.length;
    const fromEnd = this.#fromEnd;
    let h = 0;
    let at = 0;
    for (let i = 0; i < tables.length; i++) {
      const t = tables[i]!;
      const l = t.length;
      if (l > len) return;
      for (; at < l; at++) h = step(h, key.charCodeAt(fromEnd ? len - 1 - at : at));
      const from = fromEnd ? len - l : 0;
      if (l > 0 && ((t.firstChars >>> (key.charCodeAt(from) & 31)) & 1 & (t.lastChars >>> (key.charCodeAt(from + l - 1) & 31))) === 0) continue;
      const bit = h & t.filterMask;
      if (((t.filter[bit >>> 5]! >>> (bit & 31)) & 1) === 0) continue;
      const slots = t.slots;
      for (let s = Math.imul(h, SPREAD) >>> t.shift; ; s = (s + 1) & t.mask) {
        const n = slots[3 * s + 1] as number;
        if (n === 0) break;
        if (slots[3 * s] !== h) continue;
        const k = (n > 0 ? n : -n) - 1;
        // texts of one length differ, so at most one of them is the key's start (end)
        if (!sameText(key, from, t.pool, k * l, l)) continue;
        if (n > 0) out.push(slots[3 * s + 2] as T);
        else for (const v of slots[3 * s + 2] as T[]) out.push(v);
        break;
      }
    }
  }

  #build(): void {
    const byLength = new Map<number, Map<string, T[]>>();
    for (const [text, value] of this.#entries) {
      let texts = byLength.get(text.length);
      if (!texts) byLength.set(text.length, (texts = new Map()));
      const list = texts.get(text);
      if (list) list.push(value);
      else texts.set(text, [value]);
    }
    if (byLength.size <= MAX_PROBES) {
      this.#tables = [...byLength.keys()].sort((a, b) => a - b).map((l) => table(l, byLength.get(l)!, this.#fromEnd));
      return;
    }
    this.#root = radixNode("");
    for (const [text, value] of this.#entries) this.#insert(text, value);
  }

  #insert(text: string, value: T): void {
    const s = this.#fromEnd ? text.split("").reverse().join("") : text; // UTF-16 units, as #walk reads them
    let n = this.#root!;
    let i = 0;
    while (i < s.length) {
      const child = n.children.get(s.charCodeAt(i));
      if (!child) {
        const leaf = radixNode<T>(s.slice(i));
        leaf.values.push(value);
        n.children.set(s.charCodeAt(i), leaf);
        return;
      }
      let common = 0;
      const label = child.label;
      while (common < label.length && i + common < s.length && label.charCodeAt(common) === s.charCodeAt(i + common)) common++;
      if (common < label.length) {
        // split the edge: the child keeps the rest of its label below a new middle node
        const mid = radixNode<T>(label.slice(0, common));
        child.label = label.slice(common);
        mid.children.set(child.label.charCodeAt(0), child);
        n.children.set(s.charCodeAt(i), mid);
        n = mid;
      } else {
        n = child;
      }
      i += common;
    }
    n.values.push(value);
  }

  #walk(key: string, out: T[]): void {
    let n = this.#root!;
    for (const v of n.values) out.push(v);
    const len = key.length;
    let i = 0;
    while (i < len) {
      const child = n.children.get(this.#fromEnd ? key.charCodeAt(len - 1 - i) : key.charCodeAt(i));
      if (!child) return;
      const label = child.label;
      if (this.#fromEnd) {
        if (i + label.length > len) return;
        for (let j = 1; j < label.length; j++) if (label.charCodeAt(j) !== key.charCodeAt(len - 1 - i - j)) return;
      } else if (!key.startsWith(label, i)) {
        return;
      }
      i += label.length;
      n = child;
      for (const v of n.values) out.push(v);
    }
  }
}
