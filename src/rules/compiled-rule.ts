/**
 * @module rules/compiled-rule — one pipeline's trigger as a predicate on events: source, bucket or hook,
 * event names, key pattern and `where:`. The indexed matcher and the naive one share it, so they can
 * only differ in which pipelines they try — and in how the key is checked: a rule of the indexed
 * matcher matches its key by its pattern's shape (rules/key-shape.ts) from fields copied into the
 * rule, skipping what its index already compared; the naive matcher's rules always ask the pattern.
 */
import type { HookEvent, NormalizedEvent, ObjectEvent } from "../triggers/event.js";
import { compileGlobList, type GlobTest } from "./glob.js";
import { bodyValue, hookVars, matchVars, objectVars, type ObjectVars } from "./match-vars.js";
import { capturedText, matchHead, matchLead, matchTail, type ShapeKind } from "./key-shape.js";
import type { Segment } from "./pattern-segment.js";
import { compileTriggerPattern } from "./pattern.js";
import type { CompiledPattern, CompiledPipeline, Match } from "./types.js";

/** Per-event state shared by all the rules tried on it: the event's variables, computed on first use. */
export class EventContext {
  #object: ObjectVars | undefined;
  #hook: Record<string, string> | undefined;
  /** null: not looked up yet */
  #metaCamera: string | undefined | null = null;
  constructor(readonly event: NormalizedEvent) {}
  objectVars(e: ObjectEvent): ObjectVars {
    return (this.#object ??= objectVars(e));
  }
  /** The camera named by the event's metadata, looked up once per event rather than once per rule. */
  metadataCamera(e: ObjectEvent): string | undefined {
    if (this.#metaCamera === null) this.#metaCamera = metadataValue(e.metadata, "camera");
    return this.#metaCamera;
  }
  hookVars(e: HookEvent): Record<string, string> {
    return (this.#hook ??= hookVars(e));
  }
}

type EventNameTest = (name: string) => boolean;

/** Compiled event-name filters, shared by every rule with the same list (most use the default one). */
const eventNameTests = new Map<string, EventNameTest>();

/** Exact names and names ending in `*` (a prefix); checked with one Set lookup in the common case. */
function compileEventNames(names: readonly string[]): EventNameTest {
  const id = names.join("\n");
  const known = eventNameTests.get(id);
  if (known) return known;
  const exact = new Set(names.filter((n) => !n.endsWith("*")));
  const prefixes = names.filter((n) => n.endsWith("*")).map((n) => n.slice(0, -1));
  const test: EventNameTest = prefixes.length === 0 ? (n) => exact.has(n) : (n) => exact.has(n) || prefixes.some((p) => n.startsWith(p));
  if (eventNameTests.size < 1000) eventNameTests.set(id, test);
  return test;
}

const META_PREFIX = "x-amz-meta-";
const metaName = (n: string) => (n.toLowerCase().startsWith(META_PREFIX) ? n.slice(META_PREFIX.length) : n).toLowerCase();

/** Event metadata names are lowercased by the trigger; a case-insensitive scan covers hand-built events. */
function metadataValue(meta: Record<string, string>, name: string): string | undefined {
  const direct = meta[name];
  if (direct !== undefined) return direct;
  for (const k in meta) if (metaName(k) === name) return meta[k];
  return undefined;
}

const NO_CAPTURES: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** What the index that found a rule has already established (bits of {@link CompiledRule.indexedBy}). */
export const PROVEN_CHANNEL = 1;
/** the key starts with the pattern's literal prefix */
export const PROVEN_PREFIX = 2;
/** the key ends with the pattern's literal suffix */
export const PROVEN_SUFFIX = 4;
/** the camera matches `where.camera` (the index found the rule under a glob's literal start that proves it) */
export const PROVEN_CAMERA = 8;

/** `where:` conditions past the camera (rarer), in one object so that a rule without them reads one field. */
interface MoreConditions {
  contentType: GlobTest | undefined;
  minSize: number | undefined;
  maxSize: number | undefined;
  /** undefined when empty */
  metadata: [string, string][] | undefined;
}

/**
 * One pipeline's trigger, compiled; `index` is its position in load order. Fields are declared in the
 * order a candidate reads them (V8 lays them out so), so a check touches the start of the object only.
 */
export class CompiledRule {
  /** PROVEN_* bits: what the index this rule is found through has checked (0: nothing, as for the naive matcher) */
  #proven = 0;
  readonly #events: EventNameTest;
  // the pattern's shape, copied so that checking a key reads this object only (undefined: ask the pattern)
  readonly #shape: ShapeKind | undefined;
  readonly #segment: Segment | undefined;
  readonly #prefixLength: number;
  readonly #suffix: string;
  readonly #cameraCapture: boolean;
  readonly #camera: GlobTest | undefined;
  readonly #more: MoreConditions | undefined;
  readonly pipeline: CompiledPipeline;
  readonly index: number;
  readonly source: "minio" | "webhook";
  /** the bucket (MinIO) or hook (webhook) it listens on */
  readonly channel: string;
  readonly pattern: CompiledPattern | undefined;
  readonly #prefix: string;
  readonly #fields: [string[], GlobTest][];

  /** `opts.shapes: false` makes the rule check keys through its pattern only (the naive matcher, the reference). */
  constructor(pipeline: CompiledPipeline, index: number, opts: { shapes?: boolean } = {}) {
    this.pipeline = pipeline;
    this.index = index;
    const t = pipeline.spec.trigger;
    this.source = t.source;
    this.#fields = [];
    this.#more = undefined;
    if (t.source === "minio") {
      this.channel = t.bucket;
      this.pattern = pipeline.pattern ?? compileTriggerPattern(t);
      this.#events = compileEventNames(t.events);
      const w = t.where;
      this.#camera = w?.camera ? compileGlobList(w.camera) : undefined;
      const metadata = Object.entries(w?.metadata ?? {});
      if (w?.contentType || w?.minSize !== undefined || w?.maxSize !== undefined || metadata.length > 0) {
        this.#more = {
          // MIME types are case-insensitive (RFC 2045)
          contentType: w?.contentType ? compileGlobList(w.contentType, { ignoreCase: true }) : undefined,
          minSize: w?.minSize,
          maxSize: w?.maxSize,
          metadata: metadata.length > 0 ? metadata.map(([k, v]) => [metaName(k), v]) : undefined,
        };
      }
    } else {
      this.channel = t.hook;
      this.pattern = undefined;
      this.#events = () => true;
      this.#camera = undefined;
      this.#fields = Object.entries(t.where?.fields ?? {}).map(([path, globs]) => [path.split("."), compileGlobList(globs)]);
    }
    const shape = opts.shapes === false ? undefined : this.pattern?.shape;
    this.#shape = shape?.kind;
    this.#segment = shape?.segment;
    this.#cameraCapture = shape?.camera ?? false;
    this.#prefix = this.pattern?.literalPrefix ?? "";
    this.#prefixLength = this.#prefix.length;
    this.#suffix = this.pattern?.literalSuffix ?? "";
  }

  /**
   * Tells the rule what the index it is found through has checked (PROVEN_* bits), once when it is
   * indexed: {@link match} then skips those checks. Only for a rule that is found through that index alone.
   */
  indexedBy(proven: number): void {
    this.#proven = proven;
  }

  /** The globs on the camera id, if any (the matcher indexes their literal prefixes). */
  get cameraGlobs(): readonly string[] | undefined {
    const t = this.pipeline.spec.trigger;
    return t.source === "minio" ? t.where?.camera : undefined;
  }

  /** The match of this pipeline for the event, or null. Checks everything its index has not (see {@link indexedBy}). */
  match(ctx: EventContext): Match | null {
    const e = ctx.event;
    if ((this.#proven & PROVEN_CHANNEL) === 0 && (e.source !== this.source || (e.source === "minio" ? e.bucket : e.hook) !== this.channel)) return null;
    return e.source === "minio" ? this.#matchObject(e, ctx) : this.#matchHook(e, ctx);
  }

  /** The key's captures, or null when it does not match the pattern. */
  #matchKey(key: string): Record<string, string> | null {
    const shape = this.#shape;
    if (shape === undefined) return this.pattern!.match(key);
    const proven = this.#proven;
    if ((proven & PROVEN_PREFIX) === 0 && !key.startsWith(this.#prefix)) return null;
    if ((proven & PROVEN_SUFFIX) === 0 && !key.endsWith(this.#suffix)) return null;
    if (shape === "tail") {
      if (!matchTail(key, this.#prefixLength, this.#segment!)) return null;
    } else if (shape === "lead") {
      if (!matchLead(key, this.#segment!)) return null;
    } else if (shape === "head" && !matchHead(key, this.#prefixLength)) {
      return null;
    }
    return this.#cameraCapture ? { camera: capturedText(key, 0) } : NO_CAPTURES;
  }

  #matchObject(e: ObjectEvent, ctx: EventContext): Match | null {
    if (!this.#events(e.eventName)) return null;
    const captures = this.#matchKey(e.key);
    if (captures === null) return null;
    const camera = captures.camera ?? ctx.metadataCamera(e);
    if (this.#camera && (this.#proven & PROVEN_CAMERA) === 0 && (camera === undefined || !this.#camera(camera))) return null;
    const more = this.#more;
    if (more !== undefined) {
      if (more.contentType && (e.contentType === undefined || !more.contentType(e.contentType))) return null;
      if (more.minSize !== undefined && (e.size === undefined || e.size < more.minSize)) return null;
      if (more.maxSize !== undefined && (e.size === undefined || e.size > more.maxSize)) return null;
      if (more.metadata) for (const [name, want] of more.metadata) if (metadataValue(e.metadata, name) !== want) return null;
    }
    // one object shape for every match (camera may be undefined)
    return { pipeline: this.pipeline, event: e, vars: matchVars(ctx.objectVars(e), camera ?? "", captures), camera: camera === "" ? undefined : camera };
  }

  #matchHook(e: HookEvent, ctx: EventContext): Match | null {
    for (const [path, test] of this.#fields) {
      const v = bodyValue(e.body, path);
      // an array matches when one of its scalar items does (kinds: ["motion", "tamper"])
      const values = Array.isArray(v) ? v : [v];
      if (!values.some((x) => x !== undefined && (x === null || typeof x !== "object") && test(x === null ? "" : String(x)))) return null;
    }
    const m: Match = { pipeline: this.pipeline, event: e, vars: { ...ctx.hookVars(e) } };
    const body = e.body as { camera?: unknown } | null;
    // webhooks have no {camera} variable; a body "camera" still names the camera for logs and the dashboard
    if (body !== null && typeof body === "object" && typeof body.camera === "string" && body.camera !== "") m.camera = body.camera;
    return m;
  }
}
