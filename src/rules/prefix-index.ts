/**
 * @module rules/prefix-index — literal strings mapped to values, answering "which added strings are a
 * prefix of this key" (or, with `fromEnd`, a suffix) at a cost that does not grow with how many
 * strings were added.
 *
 * When the added strings have few distinct lengths (the usual case: camera folders such as
 * "cam-0042/" are all one length), a lookup is one hash probe per length: a rolling hash of the key's
 * first (last) characters, computed in one pass without allocating, looked up in a Map. Otherwise a
 * radix tree is walked along the key. Either is built on the first lookup after a change.
 *
 * It finds candidates: with probes, a text that merely shares a 30-bit hash with the key's start can
 * (rarely) be collected too. The matcher checks every candidate in full anyway, and not reading each
 * text back saves a cache miss per lookup when there are thousands of them.
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

/** Probe tables, one per distinct length, shortest first (so values come out shortest match first). */
interface Probes<T> {
  lengths: number[];
  /**
   * One bit per (hash of a length's texts) masked to the filter's size: a compact pre-check that lets
   * most probes of keys matching nothing skip the Map (and its cache misses) altogether.
   */
  filter: Uint8Array;
  filterMask: number;
  /** rolling hash -> the value (or, for several, the values) of the texts of that length with that hash */
  tables: Map<number, T | Many<T>>[];
}

/** Several values under one hash; a wrapper so a value that is itself an array stays one value. */
class Many<T> {
  constructor(readonly values: T[]) {}
}

/** One step of the rolling hash; kept within V8's small-integer range so Map lookups stay cheap. */
const step = (h: number, c: number) => (Math.imul(h, 31) + c) & 0x3fffffff;

function hashOf(text: string, fromEnd: boolean): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = step(h, text.charCodeAt(fromEnd ? text.length - 1 - i : i));
  return h;
}

/** Prefixes (default) or suffixes (`fromEnd: true`) of keys, each with the values added under it. */
export class PrefixIndex<T> {
  readonly #fromEnd: boolean;
  readonly #entries: [string, T][] = [];
  #probes: Probes<T> | undefined;
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
    this.#probes = undefined;
    this.#root = undefined;
  }

  /**
   * Pushes onto `out` the values of every added text that is a prefix (suffix, with `fromEnd`) of
   * `key` — and, rarely, of a text that only shares its hash (see the module comment).
   */
  collect(key: string, out: T[]): void {
    if (this.#probes === undefined && this.#root === undefined) this.#build();
    const p = this.#probes;
    if (p === undefined) return this.#walk(key, out);
    const len = key.length;
    const fromEnd = this.#fromEnd;
    let h = 0;
    let at = 0;
    for (let i = 0; i < p.lengths.length; i++) {
      const l = p.lengths[i]!;
      if (l > len) return;
      for (; at < l; at++) h = step(h, key.charCodeAt(fromEnd ? len - 1 - at : at));
      const bit = (h ^ l) & p.filterMask;
      if ((p.filter[bit >>> 3]! & (1 << (bit & 7))) === 0) continue;
      const hit = p.tables[i]!.get(h);
      if (hit === undefined) continue;
      if (hit instanceof Many) for (let j = 0; j < hit.values.length; j++) out.push(hit.values[j]!);
      else out.push(hit); // one value stored as is: one memory read less per lookup
    }
  }

  #build(): void {
    const byLength = new Map<number, Map<string, T[]>>();
    for (const [text, value] of this.#entries) {
      let table = byLength.get(text.length);
      if (!table) byLength.set(text.length, (table = new Map()));
      const list = table.get(text);
      if (list) list.push(value);
      else table.set(text, [value]);
    }
    if (byLength.size <= MAX_PROBES) {
      const lengths = [...byLength.keys()].sort((a, b) => a - b);
      const tables = lengths.map((l) => {
        const all = new Map<number, T[]>();
        for (const [text, values] of byLength.get(l)!) {
          const h = hashOf(text, this.#fromEnd);
          all.set(h, [...(all.get(h) ?? []), ...values]);
        }
        const table = new Map<number, T | Many<T>>();
        for (const [h, values] of all) table.set(h, values.length === 1 ? values[0]! : new Many(values));
        return table;
      });
      // about 16 bits per text: a probe for a text that is not there passes the filter ~6% of the time
      const bits = Math.max(1024, 2 ** Math.ceil(Math.log2(this.#entries.length * 16)));
      const filter = new Uint8Array(bits / 8);
      for (const [text] of this.#entries) {
        const bit = (hashOf(text, this.#fromEnd) ^ text.length) & (bits - 1);
        filter[bit >>> 3]! |= 1 << (bit & 7);
      }
      this.#probes = { lengths, tables, filter, filterMask: bits - 1 };
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
