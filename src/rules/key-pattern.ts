/**
 * @module rules/key-pattern — `key:` patterns ("{camera}/**" + "/*.jpg"): parsed into segments and matched
 * against object keys without regexes.
 */
// Key patterns are split on "/" into segments. A segment is `**` (any number of whole segments, none
// included), or literal text mixed with `*` (any run within the segment, none included) and `{name}`
// (a named capture: one or more characters other than "/"). `{{` and `}}` are literal braces.
// Matching never uses a regex: segments are matched with literal searches, and `**` with the classic
// wildcard algorithm that only backtracks to the last `**`, so a 1,024-byte key costs at most
// O(key length x pattern length) — no catastrophic backtracking.
// When a segment could be split several ways ("{a}.{b}" against "x.y.z"), earlier captures take as
// few characters as possible (a = "x", b = "y.z").
// (Line comments on purpose: block comments cannot hold the `**` + "/" of the examples.)

import { fail, PatternError } from "./pattern-error.js";
import { type KeyShape, matchHead, matchTail } from "./key-shape.js";
import { caps, intern, matchSegment, parseSegment, reserveCaptures, type Segment, shared } from "./pattern-segment.js";
import type { CompiledPattern } from "./types.js";

const NO_CAPTURES: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Segment boundaries of the key being matched: segment i is (b[i] + 1, b[i + 1]); reused, matching is synchronous. */
const bounds: number[] = [];

/** A `key:` pattern: segments matched around its `**`s (see the module comment). */
class KeyPattern implements CompiledPattern {
  readonly literalPrefix: string;
  readonly literalSuffix: string;
  readonly leadingCapture: string | undefined;
  readonly leadingCaptureToSlash: boolean;
  readonly shape: KeyShape | undefined;
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
    reserveCaptures(captures.length);
    this.firstAny = segs.findIndex((s) => s.kind === "any");
    this.lastAny = segs.findLastIndex((s) => s.kind === "any");
    this.literalHead = this.firstAny >= 0 && segs.slice(0, this.firstAny).every((s) => s.kind === "literal");
    let prefix = "";
    let leading: string | undefined;
    let toSlash = false;
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
        toSlash = w.cap >= 0 && s.kind === "single" && s.tail === "";
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
    this.leadingCaptureToSlash = toSlash;
    this.captureCount = captures.length;
    this.cameraOnly = captures.length === 1 && captures[0] === "camera";
    this.lastSeg = segs[segs.length - 1]!;
    this.shape = this.shapeOf();
  }

  /** The shape a rule can match this pattern by (see rules/key-shape.ts), if it has one. */
  private shapeOf(): KeyShape | undefined {
    const { segs, firstAny: fa } = this;
    const n = segs.length;
    if (fa < 0 || fa !== this.lastAny || (this.captureCount > 0 && !this.cameraOnly)) return undefined;
    const camera = this.cameraOnly;
    if (this.literalHead && fa > 0 && fa === n - 1) return { kind: "head", segment: undefined, camera };
    if (this.literalHead && fa > 0 && fa === n - 2) return { kind: "tail", segment: this.lastSeg, camera };
    if (fa === 1 && n === 2) return { kind: "lead", segment: segs[0], camera };
    return undefined;
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
      if (!hasTail) return matchHead(key, pos);
      // "lit/.../**" + one last segment ("*.jpg"): that segment is whatever follows the last "/"
      if (fa === n - 2) return matchTail(key, pos, this.lastSeg);
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
