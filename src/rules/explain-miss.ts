/**
 * @module rules/explain-miss — why a pipeline did not match an event, in words, for dry runs (the
 * composer). It walks the checks in the order {@link CompiledRule.match} makes them and names the first
 * that fails; it is only called after the real matcher said "no", so it never decides anything.
 */
import type { NormalizedEvent } from "../triggers/event.js";
import { isSuspended } from "./compile-pipeline.js";
import { compileGlobList } from "./glob.js";
import { compileTriggerPattern } from "./pattern.js";
import type { CompiledPipeline } from "./types.js";

const list = (xs: readonly string[]) => xs.map((x) => JSON.stringify(x)).join(", ");

/**
 * The first trigger condition of `p` that `e` fails, e.g. `the key "a.png" does not match "{camera}/**\/*.jpg"`.
 * @example explainMiss(pipeline, event) // 'the bucket is "other", the trigger listens on "raw"'
 */
export function explainMiss(p: CompiledPipeline, e: NormalizedEvent): string {
  if (isSuspended(p)) return "the pipeline is suspended (spec.suspend: true): it matches nothing until spec.suspend is false or removed";
  const t = p.spec.trigger;
  if (t.source !== e.source) return `the event comes from ${e.source}, the trigger listens to ${t.source}`;
  if (t.source === "webhook" || e.source === "webhook") {
    const hook = e.source === "webhook" ? e.hook : "";
    if (t.source === "webhook" && hook !== t.hook) return `the hook is "${hook}", the trigger listens on "${t.hook}"`;
    return "a where.fields condition does not hold for the body";
  }
  if (e.bucket !== t.bucket) return `the bucket is "${e.bucket}", the trigger listens on "${t.bucket}"`;
  const names = t.events;
  const nameOk = names.some((n) => (n.endsWith("*") ? e.eventName.startsWith(n.slice(0, -1)) : n === e.eventName));
  if (!nameOk) return `the event is ${e.eventName}, the trigger takes ${list(names)}`;
  const pattern = p.pattern ?? compileTriggerPattern(t);
  const captures = pattern.match(e.key);
  if (captures === null) return `the key "${e.key}" does not match the pattern "${pattern.source}"`;
  const w = t.where;
  const camera = captures.camera ?? e.metadata.camera;
  if (w?.camera) {
    if (camera === undefined) return `where.camera needs a camera, and the event names none (no {camera} capture, no camera metadata)`;
    if (!compileGlobList(w.camera)(camera)) return `the camera "${camera}" matches none of where.camera: ${list(w.camera)}`;
  }
  if (w?.contentType && (e.contentType === undefined || !compileGlobList(w.contentType, { ignoreCase: true })(e.contentType))) {
    return `the content type ${JSON.stringify(e.contentType ?? "(none)")} matches none of where.contentType: ${list(w.contentType)}`;
  }
  if (w?.minSize !== undefined && (e.size === undefined || e.size < w.minSize)) return `the size ${e.size ?? "(none)"} is below where.minSize ${w.minSize}`;
  if (w?.maxSize !== undefined && (e.size === undefined || e.size > w.maxSize)) return `the size ${e.size ?? "(none)"} is above where.maxSize ${w.maxSize}`;
  for (const [k, v] of Object.entries(w?.metadata ?? {})) {
    const name = k.toLowerCase().replace(/^x-amz-meta-/, "");
    if (e.metadata[name] !== v) return `the metadata ${name} is ${JSON.stringify(e.metadata[name] ?? "(none)")}, where.metadata wants ${JSON.stringify(v)}`;
  }
  return "the trigger's conditions do not hold for this event";
}
