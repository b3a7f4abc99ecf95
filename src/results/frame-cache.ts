/**
 * @module results/frame-cache — frames and thumbnails for the Results view, read through the gateway from MinIO
 * and kept in memory in a least-recently-used cache with a byte cap: a dashboard showing the same grid to
 * several people reads each frame from MinIO once. Thumbnails are made with sharp (a JPEG `thumbWidth` wide).
 * Concurrent requests for one frame share one read.
 */
import type { Metrics } from "../lib/metrics.js";
import type { ObjectBody, ObjectReader } from "./object-reader.js";

/** Options of {@link FrameCache}. */
export interface FrameCacheOptions {
  reader: ObjectReader;
  /** bytes kept in all (FRAMEGATE_RESULTS_FRAME_CACHE_BYTES); an item over a quarter of it is served, not kept */
  maxBytes: number;
  /** largest object read from MinIO (default 25 MiB, detect's own input cap) */
  maxObjectBytes?: number;
  /** thumbnail width in pixels (default 320) */
  thumbWidth?: number;
  metrics?: Pick<Metrics, "frameCacheBytes" | "frameRequests">;
}

export type FrameSize = "thumb" | "full";

/**
 * @example
 * const frames = new FrameCache({ reader, maxBytes: 64 << 20 });
 * const { body, contentType } = await frames.get("processed", "people-detect/resize/gate-01/a.jpg", "thumb");
 */
export class FrameCache {
  readonly #o: FrameCacheOptions;
  readonly #items = new Map<string, ObjectBody>();
  readonly #reading = new Map<string, Promise<ObjectBody>>();
  #bytes = 0;

  constructor(o: FrameCacheOptions) {
    if (!Number.isInteger(o.maxBytes) || o.maxBytes < 1) throw new RangeError(`frame cache maxBytes must be a whole number >= 1, got ${o.maxBytes}`);
    this.#o = o;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#items.size;
  }

  /** The frame or its thumbnail; ObjectReadError from the reader when MinIO has none or refuses. */
  async get(bucket: string, key: string, size: FrameSize): Promise<ObjectBody> {
    const id = `${size}:${bucket}/${key}`;
    const held = this.#items.get(id);
    if (held) {
      this.#items.delete(id);
      this.#items.set(id, held); // most recently used last
      this.#o.metrics?.frameRequests.inc({ result: "hit" });
      return held;
    }
    let reading = this.#reading.get(id);
    if (!reading) {
      reading = this.#load(bucket, key, size).finally(() => this.#reading.delete(id));
      this.#reading.set(id, reading);
    }
    try {
      const body = await reading;
      this.#o.metrics?.frameRequests.inc({ result: "miss" });
      this.#keep(id, body);
      return body;
    } catch (e) {
      this.#o.metrics?.frameRequests.inc({ result: "error" });
      throw e;
    }
  }

  async #load(bucket: string, key: string, size: FrameSize): Promise<ObjectBody> {
    const full = await this.#o.reader.read(bucket, key, this.#o.maxObjectBytes ?? 25 << 20);
    if (size === "full") return full;
    // loaded on the first thumbnail: libvips is ~7 MB of resident memory a gateway that never serves one need not hold
    const { default: sharp } = await import("sharp");
    const body = await sharp(full.body, { limitInputPixels: 40_000_000 })
      .rotate()
      .resize({ width: this.#o.thumbWidth ?? 320, withoutEnlargement: true })
      .jpeg({ quality: 75 })
      .toBuffer();
    return { body, contentType: "image/jpeg" };
  }

  #keep(id: string, item: ObjectBody): void {
    if (this.#items.has(id) || item.body.length > this.#o.maxBytes / 4) return;
    this.#items.set(id, item);
    this.#bytes += item.body.length;
    while (this.#bytes > this.#o.maxBytes) {
      const [oldest, v] = this.#items.entries().next().value as [string, ObjectBody];
      this.#items.delete(oldest);
      this.#bytes -= v.body.length;
    }
    this.#o.metrics?.frameCacheBytes.set(this.#bytes);
  }
}
