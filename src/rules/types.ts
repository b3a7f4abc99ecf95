/** @module rules/types — compiled rules: what the loader produces and the matcher and renderer consume. */
import type { NormalizedEvent } from "../triggers/event.js";
import type { Issue } from "../lib/errors.js";
import type { Pipeline } from "./schema.js";
import type { Service } from "./catalog-schema.js";
import type { KeyShape } from "./key-shape.js";

/** A trigger's key condition compiled once at load (see rules/pattern.ts and rules/key-pattern.ts). */
export interface CompiledPattern {
  source: string;
  /** the literal text every matching key starts with (used by the matcher's index) */
  literalPrefix: string;
  /** the literal text every matching key ends with ("" when none); lets the matcher index suffix rules */
  literalSuffix?: string;
  /** the capture that starts right where `literalPrefix` ends (`{camera}/**` -> "camera"), if any */
  leadingCapture?: string;
  /** that capture takes everything up to the next "/" (or the key's end): `{camera}/**`, not `{camera}-x/**` */
  leadingCaptureToSlash?: boolean;
  /** named captures (`{camera}` -> "camera") in order */
  captures: string[];
  /** how a rule can match it from flat fields (rules/key-shape.ts); undefined: only through `match` */
  shape?: KeyShape | undefined;
  /** returns the captures, or null when the key does not match */
  match(key: string): Record<string, string> | null;
}

/** A validated pipeline with everything the hot path needs precomputed. */
export interface CompiledPipeline {
  name: string;
  /** file it came from (as the loader was given it), for error messages */
  file: string;
  /** 1-based line where its document starts in `file` (several documents may share a file) */
  line?: number;
  spec: Pipeline["spec"];
  pipeline: Pipeline;
  /** key/prefix/suffix compiled into one matcher; undefined for webhook triggers */
  pattern?: CompiledPattern;
  /** effective partition template (`select.by` or its default) */
  by: string;
  /** the `select:` durations, parsed once at load */
  durations: SelectDurations;
}

/** `spec.select`'s durations in milliseconds (undefined when not set). */
export interface SelectDurations {
  dedupeMs?: number;
  sampleMs?: number;
  batchWindowMs?: number;
}

export type Catalog = Map<string, Service>;

/** The loaded rule set: either pipelines + catalog, or the issues that stopped it. */
export interface RuleSet {
  pipelines: CompiledPipeline[];
  catalog: Catalog;
  /** files read, for hot reload */
  files: string[];
}

/** One pipeline that an event matched, with the template variables it provides. */
export interface Match {
  pipeline: CompiledPipeline;
  event: NormalizedEvent;
  /** `{bucket}`, `{key}`, `{file}`, `{dir}`, `{camera}`, `{etag}`, ..., named captures, `body.*` flattened lazily */
  vars: Record<string, string>;
  camera?: string;
}

export interface Matcher {
  /** every pipeline the event matches, in the pipelines' load order */
  match(event: NormalizedEvent): Match[];
}

export type { Issue };
