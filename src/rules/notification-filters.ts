/**
 * @module rules/notification-filters — the MinIO bucket notifications the rules need, so MinIO publishes
 * only events some pipeline can use. One entry per bucket: MinIO refuses overlapping filters for the
 * same event type, so pipelines on one bucket share the longest common literal prefix and suffix.
 * The gateway filters precisely anyway; this only keeps useless events off the wire.
 */
import type { CompiledPipeline } from "./types.js";

export interface BucketNotification {
  bucket: string;
  prefix: string;
  suffix: string;
  events: string[];
  pipelines: string[];
  /** some pipeline reads the objects' metadata (see {@link needsObjectMetadata}) */
  needsMetadata: boolean;
}

/**
 * True when a pipeline's match or Workflow depends on an object's user metadata or content type: it
 * filters on them, or its camera comes from metadata (no `{camera}` capture in its key pattern). A listing
 * shows them only to an identity that may read the objects (MinIO), so the sweep's identity needs it then.
 */
export function needsObjectMetadata(p: CompiledPipeline): boolean {
  const t = p.spec.trigger;
  if (t.source !== "minio") return false;
  return t.where?.metadata !== undefined || t.where?.contentType !== undefined || !p.pattern?.captures.includes("camera");
}

/** Literal suffix of a key pattern: the text after its last wildcard or capture (e.g. ".jpg"). */
export function literalSuffix(pattern: string): string {
  const m = /[*}]([^*{}]*)$/.exec(pattern);
  return m ? m[1]! : pattern;
}

export function notificationFilters(pipelines: readonly CompiledPipeline[]): BucketNotification[] {
  const by = new Map<string, BucketNotification & { suffixes: string[]; prefixes: string[] }>();
  for (const p of pipelines) {
    const t = p.spec.trigger;
    if (t.source !== "minio") continue;
    const prefix = p.pattern?.literalPrefix ?? t.prefix ?? "";
    // the compiled pattern knows its literal suffix exactly (`**/thumb.jpg` also matches a root `thumb.jpg`)
    const suffix = p.pattern?.literalSuffix ?? t.suffix ?? (t.key ? literalSuffix(t.key) : "");
    const e = by.get(t.bucket) ?? { bucket: t.bucket, prefix: "", suffix: "", events: [], pipelines: [], needsMetadata: false, prefixes: [], suffixes: [] };
    e.needsMetadata ||= needsObjectMetadata(p);
    e.prefixes.push(prefix);
    e.suffixes.push(suffix);
    for (const ev of t.events) if (!e.events.includes(ev)) e.events.push(ev);
    e.pipelines.push(p.name);
    by.set(t.bucket, e);
  }
  return [...by.values()].map(({ prefixes, suffixes, ...e }) => ({
    ...e,
    prefix: commonPrefix(prefixes),
    suffix: reverse(commonPrefix(suffixes.map(reverse))),
    events: collapseEvents(e.events),
  }));
}

function commonPrefix(xs: string[]): string {
  if (xs.length === 0) return "";
  let p = xs[0]!;
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}

function reverse(s: string): string {
  return [...s].reverse().join("");
}

/** `s3:ObjectCreated:*` already covers every `s3:ObjectCreated:...`; MinIO rejects duplicates. */
function collapseEvents(events: string[]): string[] {
  const wild = events.filter((e) => e.endsWith("*")).map((e) => e.slice(0, -1));
  return events.filter((e) => e.endsWith("*") || !wild.some((w) => e.startsWith(w))).sort();
}
