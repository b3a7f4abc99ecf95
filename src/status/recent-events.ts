/**
 * @module status/recent-events — a bounded ring buffer of what the processor did with the latest events,
 * for `GET /api/events` and the dashboard. Memory stays fixed however many events flow through.
 */

import type { ProcessedEvent } from "./processed-event.js";

/** What happened to an event for one pipeline it matched. */
export type RecentMatch = ProcessedEvent["matches"][number];

/** One processed event, as the processor reports it. */
export type RecentEvent = ProcessedEvent;

/** Filters for {@link RecentEvents.list}. */
export interface RecentEventsQuery {
  /** at most this many, newest first (default and maximum: the capacity) */
  limit?: number;
  /** only events that matched this pipeline */
  pipeline?: string;
  /** only events of this camera */
  camera?: string;
}

/** Default number of events kept. */
export const DEFAULT_RECENT_EVENTS = 500;

/**
 * Keeps the last `capacity` events; the oldest is overwritten when full.
 * @example
 * const recent = new RecentEvents(200);
 * recent.push({ receivedAt: new Date().toISOString(), source: "minio", id: "raw/a.jpg@1", matches: [] });
 * recent.list({ limit: 20, camera: "gate-1" });
 */
export class RecentEvents {
  readonly capacity: number;
  readonly #slots: (RecentEvent | undefined)[];
  /** index the next push writes to */
  #next = 0;
  #size = 0;

  constructor(capacity: number = DEFAULT_RECENT_EVENTS) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`RecentEvents capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#slots = new Array<RecentEvent | undefined>(capacity);
  }

  /** Number of events held (at most `capacity`). */
  get size(): number {
    return this.#size;
  }

  /** Adds an event, dropping the oldest when full. */
  push(entry: RecentEvent): void {
    this.#slots[this.#next] = entry;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /** The newest events first, filtered; `limit` is clamped to 1..capacity. */
  list(query: RecentEventsQuery = {}): RecentEvent[] {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? this.capacity), 1), this.capacity);
    const out: RecentEvent[] = [];
    for (let i = 1; i <= this.#size && out.length < limit; i++) {
      const e = this.#slots[(this.#next - i + this.capacity) % this.capacity];
      if (!e) continue;
      if (query.camera !== undefined && e.camera !== query.camera) continue;
      if (query.pipeline !== undefined && !e.matches.some((m) => m.pipeline === query.pipeline)) continue;
      out.push(e);
    }
    return out;
  }
}
