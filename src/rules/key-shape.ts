/**
 * @module rules/key-shape — the few shapes nearly every key pattern has (`cam-01/**` + `/*.jpg`, `{camera}/**`,
 * `cam-01/**`, plain prefix/suffix filters), matched from a handful of flat fields. A compiled rule copies
 * them at load, so checking a candidate reads the rule alone rather than the rule, its pattern, the
 * pattern's segment list and its prefix text; and the matcher's index, which compares the literal
 * prefix or suffix exactly, lets the rule skip that comparison.
 */
import { caps, matchSegment, type Segment } from "./pattern-segment.js";

/**
 * - `affixes`: a prefix/suffix filter; the literal prefix and suffix are the whole check (S3 semantics)
 * - `head`: literal segments, then a final `**` ("a/b/**"): the key is the prefix or continues with "/"
 * - `tail`: literal segments, `**`, one last segment ("cam-01/**" + "/*.jpg")
 * - `lead`: one non-literal first segment, then a final `**` ("{camera}/**")
 */
export type ShapeKind = "affixes" | "head" | "tail" | "lead";

/** A pattern's shape; its literal prefix and suffix are checked before the shape's own test. */
export interface KeyShape {
  kind: ShapeKind;
  /** the segment `tail` matches last and `lead` first */
  segment: Segment | undefined;
  /** the pattern captures exactly `{camera}` (otherwise nothing) */
  camera: boolean;
}

/** `head`, after the key was found to start with the prefix (of `prefixLength` characters, no trailing "/"). */
export function matchHead(key: string, prefixLength: number): boolean {
  // "a/**" also matches the key "a": ** takes zero segments
  return prefixLength === key.length || key.charCodeAt(prefixLength) === 47; /* / */
}

/**
 * `tail`, after the key was found to start with the prefix (the literal segments and their "/") and
 * end with the suffix: the last segment is whatever follows the key's last "/", and may not reach
 * back into the prefix.
 */
export function matchTail(key: string, prefixLength: number, last: Segment): boolean {
  const start = key.lastIndexOf("/") + 1;
  return start >= prefixLength && matchSegment(last, key, start, key.length, caps);
}

/** `lead`: the first segment is the key up to its first "/" (or the whole key). */
export function matchLead(key: string, first: Segment): boolean {
  const end = key.indexOf("/");
  return matchSegment(first, key, 0, end < 0 ? key.length : end, caps);
}

/** The text of capture `i` of the key just matched. */
export const capturedText = (key: string, i: number): string => key.slice(caps[2 * i], caps[2 * i + 1]);
