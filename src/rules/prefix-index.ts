/**
 * @module rules/prefix-index — a radix tree from literal strings to values, answering "which added
 * strings are a prefix of this key" (or, built with `fromEnd`, a suffix) in one walk whose cost
 * depends on the key's length, not on how many strings were added.
 */

interface RadixNode<T> {
  /** edge text leading into this node, in walk order (reversed for suffix trees) */
  label: string;
  values: T[];
  /** children by the char code of their label's first character */
  children: Map<number, RadixNode<T>>;
}

const node = <T>(label: string): RadixNode<T> => ({ label, values: [], children: new Map() });

/** Radix tree of prefixes (default) or suffixes (`fromEnd: true`). */
export class PrefixIndex<T> {
  readonly #root: RadixNode<T> = node("");
  readonly #fromEnd: boolean;
  #size = 0;

  constructor(opts: { fromEnd?: boolean } = {}) {
    this.#fromEnd = opts.fromEnd ?? false;
  }

  /** Number of values added. */
  get size(): number {
    return this.#size;
  }

  /** Adds `value` under `text` (which may be empty: then it is collected for every key). */
  add(text: string, value: T): void {
    this.#size++;
    const s = this.#fromEnd ? text.split("").reverse().join("") : text; // UTF-16 units, as collect walks them
    let n = this.#root;
    let i = 0;
    while (i < s.length) {
      const child = n.children.get(s.charCodeAt(i));
      if (!child) {
        const leaf = node<T>(s.slice(i));
        leaf.values.push(value);
        n.children.set(s.charCodeAt(i), leaf);
        return;
      }
      let common = 0;
      const label = child.label;
      while (common < label.length && i + common < s.length && label.charCodeAt(common) === s.charCodeAt(i + common)) common++;
      if (common < label.length) {
        // split the edge: child keeps the rest of its label below a new middle node
        const mid = node<T>(label.slice(0, common));
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

  /** Pushes onto `out` the values of every added text that is a prefix (suffix, with `fromEnd`) of `key`. */
  collect(key: string, out: T[]): void {
    let n = this.#root;
    if (n.values.length > 0) out.push(...n.values);
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
      if (n.values.length > 0) for (const v of n.values) out.push(v);
    }
  }
}
