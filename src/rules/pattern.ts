/**
 * @module rules/pattern — a MinIO trigger's key condition compiled once at load: its `key:` pattern
 * (rules/key-pattern.ts), or else its literal `prefix`/`suffix` filters.
 */
import { compileKeyPattern } from "./key-pattern.js";
import type { KeyShape } from "./key-shape.js";
import { PatternError } from "./pattern-error.js";
import type { CompiledPattern } from "./types.js";

/** The pattern fields of a MinIO trigger. */
export interface PatternSpec {
  key?: string | undefined;
  prefix?: string | undefined;
  suffix?: string | undefined;
}

const NO_CAPTURES: Record<string, string> = Object.freeze({}) as Record<string, string>;
const AFFIXES: KeyShape = Object.freeze({ kind: "affixes", segment: undefined, camera: false });

/** Literal `prefix`/`suffix` filters. */
class PrefixSuffixPattern implements CompiledPattern {
  readonly captures: string[] = [];
  readonly source: string;
  readonly shape = AFFIXES;
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
