/**
 * @module rules/match-vars — the template variables of an event (`{bucket}`, `{file}`, `{body.a.b}`, ...),
 * computed once per event and shared by every pipeline it matches.
 */
import type { HookEvent, ObjectEvent } from "../triggers/event.js";

/** Limits for flattening a webhook body into `body.<path>` variables (bodies come from outside). */
const MAX_BODY_DEPTH = 16;
const MAX_BODY_VARS = 1000;

/** The variables of every object event; values are "" when the event lacks them (e.g. no camera). */
export interface ObjectVars {
  bucket: string;
  key: string;
  file: string;
  dir: string;
  camera: string;
  etag: string;
  size: string;
  eventName: string;
  eventTime: string;
  versionId: string;
  contentType: string;
}

/** `{bucket}`, `{key}`, `{file}`, `{dir}`, `{etag}`, ... of an object event; `{camera}` is set per match. */
export function objectVars(e: ObjectEvent): ObjectVars {
  const slash = e.key.lastIndexOf("/");
  return {
    bucket: e.bucket,
    key: e.key,
    file: e.key.slice(slash + 1),
    dir: slash < 0 ? "" : e.key.slice(0, slash),
    camera: "",
    etag: e.etag ?? "",
    size: e.size === undefined ? "" : String(e.size),
    eventName: e.eventName,
    eventTime: e.eventTime,
    versionId: e.versionId ?? "",
    contentType: e.contentType ?? "",
  };
}

/**
 * A copy of an event's variables for one match, with its camera and captures. Spelled out rather
 * than spread: one object shape, several times faster on the hot path.
 */
export function matchVars(v: ObjectVars, camera: string, captures: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {
    bucket: v.bucket,
    key: v.key,
    file: v.file,
    dir: v.dir,
    camera,
    etag: v.etag,
    size: v.size,
    eventName: v.eventName,
    eventTime: v.eventTime,
    versionId: v.versionId,
    contentType: v.contentType,
  };
  for (const name in captures) if (name !== "camera") out[name] = captures[name]!; // camera: set above
  return out;
}

/**
 * Every scalar of a JSON body as `body.<path>` (arrays by index: `body.items.0.id`), as text;
 * null becomes "". Depth and count are capped so a hostile body cannot cost much.
 */
export function flattenBody(body: unknown, out: Record<string, string> = {}): Record<string, string> {
  let count = 0;
  const walk = (v: unknown, path: string, depth: number) => {
    if (count >= MAX_BODY_VARS) return;
    if (v === null || typeof v !== "object") {
      if (path !== "body") {
        out[path] = v === null || v === undefined ? "" : String(v);
        count++;
      }
      return;
    }
    if (depth >= MAX_BODY_DEPTH) return;
    for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`, depth + 1);
  };
  walk(body, "body", 0);
  return out;
}

/** `{hook}`, `{id}`, `{receivedAt}` and the flattened body of a webhook event. */
export function hookVars(e: HookEvent): Record<string, string> {
  return flattenBody(e.body, { hook: e.hook, id: e.id, receivedAt: e.receivedAt });
}

/** The value at a dot path in a JSON body (`"device.kind"`), or undefined. */
export function bodyValue(body: unknown, path: readonly string[]): unknown {
  let v = body;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}
