/**
 * @module flow/recent-done — with the fast path on, the Workflows this process created for the fast copies
 * of the last half minute, in memory, so that MinIO's durable copy of the same event (0-3 s later, same event
 * id) is found done without reading its done mark from the state bucket. A miss (another replica did the
 * fast copy, this one restarted, the entry was pushed out or is older than `maxAgeMs`) falls back to that
 * read: the state bucket stays the truth across replicas and restarts, this only spares round trips.
 *
 * Bounded twice: at most `limit` entries (FRAMEGATE_RECENT_DONE_LIMIT; the oldest is dropped first and
 * counted as evicted) and none older than `maxAgeMs` (dropped as new ones come). An entry is a pipeline name
 * and an event id (bucket/key@etag, ~100-200 bytes), so the default limit holds a few MB.
 */

/** How long an entry is trusted: MinIO's durable copy comes within one 3 s replay of its store, or much later after an outage. */
export const RECENT_DONE_MAX_AGE_MS = 30_000;

export interface RecentDoneMetrics {
  /** a durable copy looked up: `hit` when the fast copy's Workflow was found here */
  lookup(result: "hit" | "miss"): void;
  /** entries dropped at the limit before their age (each a durable copy that will read the state bucket) */
  evicted(n: number): void;
  /** entries held now */
  entries(n: number): void;
}

export class RecentDone {
  /** key -> when its Workflow was done (ms); insertion order is age order, so the oldest is first */
  readonly #done = new Map<string, number>();

  constructor(
    readonly limit: number,
    private readonly metrics?: RecentDoneMetrics,
    readonly maxAgeMs = RECENT_DONE_MAX_AGE_MS,
  ) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`RecentDone limit must be a whole number >= 0, got ${limit}`);
  }

  get size(): number {
    return this.#done.size;
  }

  /** The Workflow of `eventId` for `pipeline` exists (created or found existing) as of `now`. A limit of 0 keeps nothing. */
  add(pipeline: string, eventId: string, now = Date.now()): void {
    if (this.limit === 0) return;
    const key = keyOf(pipeline, eventId);
    this.#done.delete(key);
    this.#done.set(key, now);
    let evicted = 0;
    for (const [k, at] of this.#done) {
      const old = now - at >= this.maxAgeMs;
      if (!old && this.#done.size <= this.limit) break;
      this.#done.delete(k);
      if (!old) evicted++;
    }
    if (evicted > 0) this.metrics?.evicted(evicted);
    this.metrics?.entries(this.#done.size);
  }

  /** Whether this process did `eventId` for `pipeline` less than `windowMs` (and `maxAgeMs`) before `now`. */
  doneWithin(pipeline: string, eventId: string, windowMs: number, now = Date.now()): boolean {
    const at = this.#done.get(keyOf(pipeline, eventId));
    const hit = at !== undefined && now - at < Math.min(windowMs, this.maxAgeMs);
    this.metrics?.lookup(hit ? "hit" : "miss");
    return hit;
  }
}

/** Pipeline names are DNS labels, so a NUL cannot occur in one. */
const keyOf = (pipeline: string, eventId: string) => `${pipeline}\u0000${eventId}`;
