/**
 * @module rules/pattern-segment — one "/"-free segment of a key pattern: parsed into literal runs and
 * wildcards (`*`, `{name}`), shared between patterns when equal, and matched against a slice of a key
 * with literal searches only (see rules/key-pattern.ts for the pattern as a whole).
 */
import { fail } from "./pattern-error.js";
import { RESERVED_CAPTURE_NAMES } from "./variables.js";

const CAPTURE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A wildcard inside one segment: a capture (index into the capture list) or a `*` (cap = -1). */
export interface Wild {
  cap: number;
  /** fewest characters it takes: 1 for a capture, 0 for `*` */
  min: number;
}

export type Segment =
  | { kind: "literal"; text: string }
  | { kind: "any" }
  /** head W tail: one wildcard (`*.jpg`, `{camera}`, `img-{n}.png`), the common case */
  | { kind: "single"; head: string; wild: Wild; tail: string; minLength: number }
  /** head W0 sep0 W1 sep1 ... Wn tail: wildcards never touch, separators are non-empty */
  | { kind: "wild"; head: string; wilds: Wild[]; seps: string[]; tail: string; minLength: number };

interface Part {
  lit?: string;
  wild?: Wild;
  offset: number;
}

/** Parses one segment (no "/" in it) into literal runs and wildcards. */
export function parseSegment(source: string, seg: string, base: number, captures: string[]): Segment {
  if (seg === "**") return { kind: "any" };
  const parts: Part[] = [];
  let lit = "";
  let litStart = base;
  const flush = () => {
    if (lit !== "") parts.push({ lit, offset: litStart });
    lit = "";
  };
  const pushWild = (wild: Wild, offset: number, text: string) => {
    flush();
    const prev = parts[parts.length - 1];
    if (prev?.wild) {
      fail(source, offset, `has two wildcards side by side ("${text}" right after another "*" or "{...}")`,
        'where one ends and the next begins is ambiguous; put literal text between them (e.g. "{camera}-{seq}") or drop one');
    }
    parts.push({ wild, offset });
  };
  for (let i = 0; i < seg.length; ) {
    const c = seg[i]!;
    const at = base + i;
    if (c === "{" && seg[i + 1] === "{") {
      if (lit === "") litStart = at;
      lit += "{";
      i += 2;
    } else if (c === "}" && seg[i + 1] === "}") {
      if (lit === "") litStart = at;
      lit += "}";
      i += 2;
    } else if (c === "{") {
      const close = seg.indexOf("}", i + 1);
      const reopen = seg.indexOf("{", i + 1);
      if (close < 0 || (reopen >= 0 && reopen < close)) {
        fail(source, at, 'has an unclosed "{"', 'close it ("{camera}") or write "{{" for a literal "{"');
      }
      const name = seg.slice(i + 1, close);
      if (name === "") fail(source, at, 'has an empty capture "{}"', 'name it ("{camera}") or write "{{}}" for literal braces');
      if (!CAPTURE_NAME_RE.test(name)) {
        fail(source, at, `has an invalid capture name "{${name}}"`, "use letters, digits and '_', starting with a letter or '_' (e.g. {camera}, {site_id})");
      }
      if (captures.includes(name)) {
        fail(source, at, `captures "{${name}}" twice`, 'give each capture its own name, or use "*" for a part you do not need');
      }
      if (RESERVED_CAPTURE_NAMES.has(name)) {
        fail(source, at, `has a capture "{${name}}" that would hide the built-in variable {${name}}`, `rename the capture (e.g. {${name}_part})`);
      }
      captures.push(name);
      pushWild({ cap: captures.length - 1, min: 1 }, at, `{${name}}`);
      i = close + 1;
    } else if (c === "}") {
      fail(source, at, 'has a "}" with no "{" before it', 'write "}}" for a literal "}"');
    } else if (c === "*") {
      if (seg[i + 1] === "*") {
        fail(source, at, 'uses "**" inside a segment', 'use "**" only as a whole segment between slashes (as in "cam/**/x.jpg"); "*" matches within one segment ("*.jpg")');
      }
      pushWild({ cap: -1, min: 0 }, at, "*");
      i++;
    } else {
      if (lit === "") litStart = at;
      lit += c;
      i++;
    }
  }
  flush();
  if (parts.every((p) => p.lit !== undefined)) return { kind: "literal", text: parts.map((p) => p.lit).join("") };
  let k = 0;
  const head = parts[0]?.lit ?? "";
  if (parts[0]?.lit !== undefined) k++;
  const last = parts[parts.length - 1];
  const tail = last?.lit ?? "";
  const end = last?.lit !== undefined ? parts.length - 1 : parts.length;
  const wilds: Wild[] = [];
  const seps: string[] = [];
  for (; k < end; k++) {
    const p = parts[k]!;
    if (p.wild) wilds.push(p.wild);
    else seps.push(p.lit!);
  }
  const minLength = head.length + tail.length + seps.reduce((n, s) => n + s.length, 0) + wilds.reduce((n, w) => n + w.min, 0);
  if (wilds.length === 1) return { kind: "single", head, wild: wilds[0]!, tail, minLength };
  return { kind: "wild", head, wilds, seps, tail, minLength };
}

/**
 * Segments are immutable, so equal ones (`**`, `*.jpg`, `{camera}` as capture 0) are shared between
 * patterns: with thousands of pipelines the few common segments stay in cache.
 */
const segmentCache = new Map<string, Segment>();

/** The same goes for common literal suffixes (".jpg"): one string object read by every pattern. */
const stringCache = new Map<string, string>();
export function shared(s: string): string {
  const known = stringCache.get(s);
  if (known !== undefined) return known;
  if (stringCache.size < 10_000) stringCache.set(s, s);
  return s;
}

export function intern(seg: Segment): Segment {
  if (seg.kind === "literal") return seg;
  const id = JSON.stringify(seg);
  const known = segmentCache.get(id);
  if (known) return known;
  if (segmentCache.size < 10_000) segmentCache.set(id, seg);
  return seg;
}

/** First index i in [from, lim - lit.length] where `lit` occurs in s, else -1 (never looks past lim). */
function findWithin(s: string, lit: string, from: number, lim: number): number {
  const last = lim - lit.length;
  const c0 = lit.charCodeAt(0);
  for (let i = from; i <= last; i++) if (s.charCodeAt(i) === c0 && s.startsWith(lit, i)) return i;
  return -1;
}

/** Matches one segment pattern against s[start, end), writing capture bounds into caps. */
export function matchSegment(seg: Segment, s: string, start: number, end: number, caps: number[]): boolean {
  if (seg.kind === "literal") return end - start === seg.text.length && s.startsWith(seg.text, start);
  if (seg.kind === "any") return false;
  if (end - start < seg.minLength) return false;
  if (seg.kind === "single") {
    if (seg.head !== "" && !s.startsWith(seg.head, start)) return false;
    if (seg.tail !== "" && !s.startsWith(seg.tail, end - seg.tail.length)) return false;
    const cap = seg.wild.cap;
    if (cap >= 0) {
      caps[2 * cap] = start + seg.head.length;
      caps[2 * cap + 1] = end - seg.tail.length;
    }
    return true;
  }
  if (seg.head !== "" && !s.startsWith(seg.head, start)) return false;
  let pos = start + seg.head.length;
  const lim = end - seg.tail.length;
  if (seg.tail !== "" && !s.startsWith(seg.tail, lim)) return false;
  const n = seg.wilds.length;
  for (let i = 0; i < n - 1; i++) {
    const w = seg.wilds[i]!;
    const sep = seg.seps[i]!;
    const at = findWithin(s, sep, pos + w.min, lim);
    if (at < 0) return false;
    if (w.cap >= 0) {
      caps[2 * w.cap] = pos;
      caps[2 * w.cap + 1] = at;
    }
    pos = at + sep.length;
  }
  const w = seg.wilds[n - 1]!;
  if (lim - pos < w.min) return false;
  if (w.cap >= 0) {
    caps[2 * w.cap] = pos;
    caps[2 * w.cap + 1] = lim;
  }
  return true;
}

/**
 * Capture bounds of the key being matched (start, end per capture), written by {@link matchSegment} and
 * read right after it; one array for every pattern, since matching is synchronous.
 */
export const caps: number[] = [];

/** Makes room in {@link caps} for a pattern with `count` captures. */
export function reserveCaptures(count: number): void {
  while (caps.length < count * 2) caps.push(0);
}
