/**
 * @module results/results-index — the results index in memory: every replica's mirror of the results stream,
 * with the stream's own limits applied the same way (the newest `perCamera` entries of each camera, at most
 * `maxBytes` of entries in all, oldest first out, none older than `maxAgeMs`), so it holds what the stream holds
 * and no more. Queries filter by camera, pipeline, label and time, newest first.
 */
import type { ResultEntry } from "./result-entry.js";

/** Limits of a {@link ResultsIndex}; the same numbers configure the stream (results-stream.ts). */
export interface ResultsLimits {
  /** entries kept per camera (FRAMEGATE_RESULTS_PER_CAMERA) */
  perCamera: number;
  /** bytes of entries (their JSON) in all (FRAMEGATE_RESULTS_MAX_BYTES) */
  maxBytes: number;
  /** entries whose Workflow finished longer ago are dropped (FRAMEGATE_RESULTS_MAX_AGE) */
  maxAgeMs: number;
}

/** Filters of {@link ResultsIndex.query}. */
export interface ResultsQuery {
  camera?: string;
  pipeline?: string;
  /** entries with at least one detection of this label (case-insensitive) */
  label?: string;
  /** entries whose Workflow finished at or after this time (ms since the epoch) */
  sinceMs?: number;
  limit: number;
}

/** Why an entry left the index. */
export type EvictReason = "camera" | "bytes" | "age";

/** Called on every change of the index's size and every eviction (the metrics). */
export interface ResultsIndexObserver {
  size(entries: number, bytes: number): void;
  evicted(reason: EvictReason, n: number): void;
}

interface Held {
  entry: ResultEntry;
  bytes: number;
  finishedMs: number;
}

/**
 * @example
 * const index = new ResultsIndex({ perCamera: 8, maxBytes: 64 << 20, maxAgeMs: 7 * 86_400_000 });
 * index.add(entry, JSON.stringify(entry).length);
 * index.query({ camera: "gate-01", label: "person", limit: 20 });
 */
export class ResultsIndex {
  readonly limits: ResultsLimits;
  /** every entry by id, in arrival (stream) order: the oldest is the first out at the byte limit */
  readonly #all = new Map<string, Held>();
  /** ids per camera, in arrival order */
  readonly #byCamera = new Map<string, string[]>();
  /** `bucket/key` of every frame and processed object an entry names -> how many entries name it */
  readonly #objects = new Map<string, number>();
  #bytes = 0;
  #prunedAt = -Infinity;
  readonly #observer: ResultsIndexObserver | undefined;
  readonly #now: () => number;

  constructor(limits: ResultsLimits, observer?: ResultsIndexObserver, now: () => number = Date.now) {
    for (const k of ["perCamera", "maxBytes", "maxAgeMs"] as const) {
      if (!Number.isInteger(limits[k]) || limits[k] < 1) throw new RangeError(`results index ${k} must be a whole number >= 1, got ${limits[k]}`);
    }
    this.limits = limits;
    this.#observer = observer;
    this.#now = now;
  }

  get size(): number {
    return this.#all.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get cameras(): number {
    return this.#byCamera.size;
  }

  has(id: string): boolean {
    return this.#all.has(id);
  }

  /**
   * Whether a new result of `camera` that finished at `finishedMs` would be kept: not too old, and the camera
   * has room or holds something older. The feeder skips what would be dropped at once (after a restart the
   * informer lists every old Workflow again).
   */
  wouldKeep(camera: string, finishedMs: number): boolean {
    if (finishedMs < this.#now() - this.limits.maxAgeMs) return false;
    const ids = this.#byCamera.get(camera) ?? [];
    if (ids.length < this.limits.perCamera) return true;
    return ids.some((id) => this.#all.get(id)!.finishedMs < finishedMs);
  }

  /** Adds an entry of `bytes` (its JSON's length); false when its id is already held. Applies the limits. */
  add(entry: ResultEntry, bytes: number): boolean {
    if (this.#all.has(entry.id)) return false;
    const finishedMs = Date.parse(entry.finishedAt) || 0;
    this.#all.set(entry.id, { entry, bytes, finishedMs });
    this.#bytes += bytes;
    for (const o of objectsOf(entry)) this.#objects.set(o, (this.#objects.get(o) ?? 0) + 1);
    const ids = this.#byCamera.get(entry.camera) ?? [];
    ids.push(entry.id);
    this.#byCamera.set(entry.camera, ids);
    let camera = 0;
    while (ids.length > this.limits.perCamera) {
      this.#remove(ids[0]!);
      camera++;
    }
    if (camera) this.#observer?.evicted("camera", camera);
    let bytesOut = 0;
    while (this.#bytes > this.limits.maxBytes && this.#all.size > 1) {
      this.#remove(this.#all.keys().next().value as string);
      bytesOut++;
    }
    if (bytesOut) this.#observer?.evicted("bytes", bytesOut);
    this.#pruneAge();
    this.#observer?.size(this.#all.size, this.#bytes);
    return this.#all.has(entry.id);
  }

  /** Whether some entry names `bucket/key` as its frame or a processed object (the only objects the gateway serves). */
  names(bucket: string, key: string): boolean {
    return this.#objects.has(`${bucket}/${key}`);
  }

  /** Entries passing every filter, the latest finished first. Cost: the camera's entries with `camera`, else all. */
  query(q: ResultsQuery): ResultEntry[] {
    this.#pruneAge();
    const label = q.label?.toLowerCase();
    const held = q.camera !== undefined ? (this.#byCamera.get(q.camera) ?? []).map((id) => this.#all.get(id)!) : [...this.#all.values()];
    // the newest `limit` hits, kept sorted as they are found: no sort of every hit for a fleet-wide query
    const top: Held[] = [];
    // newest arrivals first: once `top` is full most older entries are passed over with one comparison
    for (let i = held.length - 1; i >= 0; i--) {
      const h = held[i]!;
      if (top.length === q.limit && !newer(h, top[top.length - 1]!)) continue;
      if (q.pipeline !== undefined && h.entry.pipeline !== q.pipeline) continue;
      if (q.sinceMs !== undefined && h.finishedMs < q.sinceMs) continue;
      if (label !== undefined && !h.entry.detections.some((d) => d.label.toLowerCase() === label)) continue;
      let lo = 0;
      let hi = top.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (newer(top[mid]!, h)) lo = mid + 1;
        else hi = mid;
      }
      top.splice(lo, 0, h);
      if (top.length > q.limit) top.pop();
    }
    return top.map((h) => h.entry);
  }

  /** Labels detected in the held entries, with how many entries have each (the view's label filter). */
  labels(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { entry } of this.#all.values()) {
      for (const l of new Set(entry.detections.map((d) => d.label))) out[l] = (out[l] ?? 0) + 1;
    }
    return out;
  }

  #pruneAge(): void {
    // at most once a second: a full pass over the entries
    if (this.#now() - this.#prunedAt < 1000) return;
    this.#prunedAt = this.#now();
    const cutoff = this.#now() - this.limits.maxAgeMs;
    let n = 0;
    for (const [id, h] of this.#all) {
      if (h.finishedMs < cutoff) {
        this.#remove(id);
        n++;
      }
    }
    if (n) {
      this.#observer?.evicted("age", n);
      this.#observer?.size(this.#all.size, this.#bytes);
    }
  }

  #remove(id: string): void {
    const h = this.#all.get(id);
    if (!h) return;
    this.#all.delete(id);
    this.#bytes -= h.bytes;
    for (const o of objectsOf(h.entry)) {
      const n = (this.#objects.get(o) ?? 1) - 1;
      if (n > 0) this.#objects.set(o, n);
      else this.#objects.delete(o);
    }
    const ids = this.#byCamera.get(h.entry.camera);
    if (!ids) return;
    const at = ids.indexOf(id);
    if (at >= 0) ids.splice(at, 1);
    if (ids.length === 0) this.#byCamera.delete(h.entry.camera);
  }
}

/** Whether `a` sorts before `b`: finished later, then by id. */
function newer(a: Held, b: Held): boolean {
  return a.finishedMs !== b.finishedMs ? a.finishedMs > b.finishedMs : a.entry.id < b.entry.id;
}

function objectsOf(e: ResultEntry): string[] {
  const refs = [...e.processed, ...(e.frame ? [e.frame] : [])];
  return [...new Set(refs.map((r) => `${r.bucket}/${r.key}`))];
}
