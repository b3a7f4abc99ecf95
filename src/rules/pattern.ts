/** @module rules/pattern — trigger key patterns (`key`, `prefix`, `suffix`) compiled once at load. */

// Key patterns are split on "/" into segments. A segment is `**` (any number of whole segments, none
// included), or literal text mixed with `*` (any run within the segment, none included) and `{name}`
// (a named capture: one or more characters other than "/"). `{{` and `}}` are literal braces.
// Matching never uses a regex: segments are matched with literal searches, and `**` with the classic
// wildcard algorithm that only backtracks to the last `**`, so a 1,024-byte key costs at most
// O(key length x pattern length) — no catastrophic backtracking.
// When a segment could be split several ways ("{a}.{b}" against "x.y.z"), earlier captures take as
// few characters as possible (a = "x", b = "y.z").
// (Line comments on purpose: block comments cannot hold the `**` + "/" of the examples.)

import { FramegateError } from "../lib/errors.js";
import type { CompiledPattern } from "./types.js";
import { RESERVED_CAPTURE_NAMES } from "./variables.js";

/** A key pattern that cannot be compiled; `offset` is the 0-based character in `pattern` at fault. */
export class PatternError extends FramegateError {
  override name = "PatternError";
  constructor(message: string, readonly pattern: string, readonly offset: number) {
    super(message);
  }
}

/** The pattern fields of a MinIO trigger. */
export interface PatternSpec {
  key?: string | undefined;
  prefix?: string | undefined;
  suffix?: string | undefined;
}

const CAPTURE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A wildcard inside one segment: a capture (index into the capture list) or a `*` (cap = -1). */
interface Wild {
  cap: number;
  /** fewest characters it takes: 1 for a capture, 0 for `*` */
  min: number;
}

type Segment =
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

function fail(source: string, offset: number, what: string, fix: string): never {
  throw new PatternError(`"${source}" ${what} at character ${offset + 1} — ${fix}`, source, offset);
}

/** Parses one segment (no "/" in it) into literal runs and wildcards. */
function parseSegment(source: string, seg: string, base: number, captures: string[]): Segment {
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
function shared(s: string): string {
  const known = stringCache.get(s);
  if (known !== undefined) return known;
  if (stringCache.size < 10_000) stringCache.set(s, s);
  return s;
}

function intern(seg: Segment): Segment {
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
function matchSegment(seg: Segment, s: string, start: number, end: number, caps: number[]): boolean {
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

const NO_CAPTURES: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Segment boundaries of the key being matched: segment i is (b[i] + 1, b[i + 1]); reused, matching is synchronous. */
const bounds: number[] = [];

/** Capture bounds of the key being matched (start, end per capture), shared by all patterns for the same reason. */
let caps: number[] = [];

class KeyPattern implements CompiledPattern {
  readonly literalPrefix: string;
  readonly literalSuffix: string;
  readonly leadingCapture: string | undefined;
  private readonly firstAny: number;
  private readonly lastAny: number;
  /** every segment before the first `**` is literal: `literalPrefix` alone checks them */
  private readonly literalHead: boolean;
  /** hot-path copies, so that matching reads this object rather than the arrays behind it */
  private readonly captureCount: number;
  private readonly cameraOnly: boolean;
  private readonly lastSeg: Segment;

  constructor(
    readonly source: string,
    private readonly segs: Segment[],
    readonly captures: string[],
  ) {
    if (caps.length < captures.length * 2) caps = new Array<number>(captures.length * 2).fill(0);
    this.firstAny = segs.findIndex((s) => s.kind === "any");
    this.lastAny = segs.findLastIndex((s) => s.kind === "any");
    this.literalHead = this.firstAny >= 0 && segs.slice(0, this.firstAny).every((s) => s.kind === "literal");
    let prefix = "";
    let leading: string | undefined;
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i]!;
      if (s.kind === "literal") {
        prefix += s.text + (i < segs.length - 1 ? "/" : "");
        continue;
      }
      if (s.kind === "wild" || s.kind === "single") {
        prefix += s.head;
        const w = s.kind === "wild" ? s.wilds[0]! : s.wild;
        if (w.cap >= 0) leading = captures[w.cap];
      } else if (segs.slice(i).every((x) => x.kind === "any")) {
        prefix = prefix.slice(0, -1); // "a/**" also matches the key "a" (** takes zero segments)
      }
      break;
    }
    let suffix = "";
    for (let i = segs.length - 1; i >= 0; i--) {
      const s = segs[i]!;
      if (s.kind === "literal") {
        suffix = (i > 0 ? "/" : "") + s.text + suffix;
        continue;
      }
      if (s.kind === "wild" || s.kind === "single") suffix = s.tail + suffix;
      else if (segs.slice(0, i + 1).every((x) => x.kind === "any")) suffix = suffix.slice(1); // "**" + "/x.jpg" also matches "x.jpg"
      break;
    }
    this.literalPrefix = prefix;
    this.literalSuffix = shared(suffix);
    this.leadingCapture = leading;
    this.captureCount = captures.length;
    this.cameraOnly = captures.length === 1 && captures[0] === "camera";
    this.lastSeg = segs[segs.length - 1]!;
  }

  match(key: string): Record<string, string> | null {
    if (!key.startsWith(this.literalPrefix) || !key.endsWith(this.literalSuffix)) return null;
    if (this.firstAny === this.lastAny ? !this.matchOneAny(key) : !this.matchManyAnys(key)) return null;
    if (this.captureCount === 0) return NO_CAPTURES;
    if (this.cameraOnly) return { camera: key.slice(caps[0], caps[1]) }; // the common case, one object shape
    const out: Record<string, string> = {};
    for (let i = 0; i < this.captureCount; i++) out[this.captures[i]!] = key.slice(caps[2 * i], caps[2 * i + 1]);
    return out;
  }

  /**
   * No `**`, or exactly one: segments before it are walked from the start of the key and segments after
   * it from the end, so the key is never split (the common, fast case).
   */
  private matchOneAny(key: string): boolean {
    const segs = this.segs;
    const n = segs.length;
    const fa = this.firstAny;
    const head = fa < 0 ? n : fa;
    const hasTail = fa >= 0 && fa < n - 1;
    let pos = 0;
    if (this.literalHead && head > 0) {
      // match() checked literalPrefix: the head segments joined, plus "/" unless "**" ends the pattern
      pos = this.literalPrefix.length;
      // a trailing "**" (prefix without its "/"): the key is the prefix itself, or continues with "/"
      if (!hasTail) return pos === key.length || key.charCodeAt(pos) === 47 /* / */;
      if (fa === n - 2) {
        // "lit/.../**" + one last segment ("*.jpg"): that segment is whatever follows the last "/"
        const start = key.lastIndexOf("/") + 1;
        return start >= pos && matchSegment(this.lastSeg, key, start, key.length, caps);
      }
    }
    for (let i = this.literalHead ? head : 0; i < head; i++) {
      let end = key.indexOf("/", pos);
      if (end < 0) {
        // the key ends inside the head: fine only for its last segment, with nothing required after it
        if (i !== head - 1 || hasTail) return false;
        end = key.length;
      } else if (fa < 0 && i === n - 1) {
        return false; // more segments than the pattern has, and no "**" to take them
      }
      if (!matchSegment(segs[i]!, key, pos, end, caps)) return false;
      pos = end + 1;
    }
    if (!hasTail) return true;
    let end = key.length;
    for (let i = n - 1; i > fa; i--) {
      // (lastIndexOf clamps a negative start to 0, so an empty first segment needs its own case)
      const start = end === 0 ? 0 : key.lastIndexOf("/", end - 1) + 1;
      // a tail segment may not reach back into the head (start >= pos), and all but the first
      // tail segment need a "/" before them
      if (start < pos || (start === 0 && i > fa + 1)) return false;
      if (!matchSegment(segs[i]!, key, start, end, caps)) return false;
      end = start - 1;
    }
    return true;
  }

  private matchManyAnys(key: string): boolean {
    const b = bounds;
    b.length = 0;
    b.push(-1);
    for (let i = key.indexOf("/"); i !== -1; i = key.indexOf("/", i + 1)) b.push(i);
    b.push(key.length);
    return this.matchSegments(key, b.length - 1);
  }

  private seg(p: number, key: string, k: number): boolean {
    return matchSegment(this.segs[p]!, key, bounds[k]! + 1, bounds[k + 1]!, caps);
  }

  private matchSegments(key: string, nseg: number): boolean {
    const segs = this.segs;
    const fa = this.firstAny;
    if (fa < 0) {
      if (nseg !== segs.length) return false;
      for (let i = 0; i < nseg; i++) if (!this.seg(i, key, i)) return false;
      return true;
    }
    const la = this.lastAny;
    const tail = segs.length - 1 - la;
    if (nseg < fa + tail) return false;
    for (let i = 0; i < fa; i++) if (!this.seg(i, key, i)) return false;
    for (let i = 0; i < tail; i++) if (!this.seg(la + 1 + i, key, nseg - tail + i)) return false;
    // segments between the first and the last "**": wildcard matching over whole segments,
    // backtracking only to the most recent "**" (complete for this kind of pattern, and O(n*m))
    const kEnd = nseg - tail;
    let p = fa;
    let k = fa;
    let star = -1;
    let mark = 0;
    while (k < kEnd) {
      if (p <= la && segs[p]!.kind === "any") {
        star = p++;
        mark = k;
      } else if (p < la && this.seg(p, key, k)) {
        p++;
        k++;
      } else if (star >= 0) {
        p = star + 1;
        k = ++mark;
      } else {
        return false;
      }
    }
    while (p <= la && segs[p]!.kind === "any") p++;
    return p > la;
  }
}

/**
 * Compiles a key pattern; throws {@link PatternError} with a message that says what is wrong and how to fix it.
 * @example compileKeyPattern("{camera}/*.jpg").match("gate-01/1.jpg") // { camera: "gate-01" }
 */
export function compileKeyPattern(source: string): CompiledPattern {
  if (source === "") throw new PatternError('the key pattern is empty — write one such as "{camera}/*.jpg", or leave key out to match every key', source, 0);
  if (source.startsWith("/")) fail(source, 0, 'starts with "/"', 'object keys never start with "/"; remove it');
  const captures: string[] = [];
  const segs: Segment[] = [];
  const texts = source.split("/");
  let offset = 0;
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!;
    if (text === "" && i === texts.length - 1) {
      fail(source, offset - 1, 'ends with "/", so it only matches folder-marker objects',
        `add "**" to match everything below it ("${source}**"), or drop the "/"`);
    }
    if (text === "") fail(source, offset, 'has an empty segment ("//")', 'object keys have no empty segments; remove one "/"');
    segs.push(intern(parseSegment(source, text, offset, captures)));
    offset += text.length + 1;
  }
  return new KeyPattern(source, segs, captures);
}

class PrefixSuffixPattern implements CompiledPattern {
  readonly captures: string[] = [];
  readonly source: string;
  constructor(
    readonly literalPrefix: string,
    readonly literalSuffix: string,
  ) {
    const parts = [];
    if (literalPrefix) parts.push(`prefix ${JSON.stringify(literalPrefix)}`);
    if (literalSuffix) parts.push(`suffix ${JSON.stringify(literalSuffix)}`);
    this.source = parts.length > 0 ? parts.join(" + ") : "every key";
  }
  match(key: string): Record<string, string> | null {
    // S3 filter semantics: independent checks, so prefix and suffix may overlap
    return key.startsWith(this.literalPrefix) && key.endsWith(this.literalSuffix) ? NO_CAPTURES : null;
  }
}

/**
 * Compiles literal `prefix`/`suffix` filters (S3 semantics: plain text, both must hold).
 * Either may be empty; with both empty every key matches.
 */
export function compilePrefixSuffix(prefix = "", suffix = ""): CompiledPattern {
  return new PrefixSuffixPattern(prefix, suffix);
}

/**
 * Compiles a trigger's `key`, or else its `prefix`/`suffix`; throws {@link PatternError} when the
 * key pattern is invalid or `key` is combined with `prefix`/`suffix`.
 */
export function compileTriggerPattern(spec: PatternSpec): CompiledPattern {
  if (spec.key !== undefined) {
    if (spec.prefix !== undefined || spec.suffix !== undefined) {
      throw new PatternError(
        'set either key or prefix/suffix, not both — a key pattern can say both at once (e.g. "cam-01/**/*.jpg")',
        spec.key,
        0,
      );
    }
    return compileKeyPattern(spec.key);
  }
  return compilePrefixSuffix(spec.prefix, spec.suffix);
}
