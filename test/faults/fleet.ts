/**
 * @module test/faults/fleet — a synthetic camera fleet for fault tests: a few JPEG frames made once with
 * sharp and reused, PUT with the `minio` client as `<camera>/<yyyy>/<mm>/<dd>/<hhmmss-n>.jpg` at a steady
 * rate. Unlike the harness fleet it keeps every attempt, failed ones with their key, so a test can count
 * only the uploads whose PUT succeeded and still recognise an object MinIO stored before it died.
 */
import type { Client } from "minio";
import { frameKey, jpegFrame } from "../harness/synthetic-camera.js";

/** One PUT: `ok` when MinIO answered 200. `at` is when it finished (ms since the epoch). */
export interface Attempt {
  camera: string;
  key: string;
  ok: boolean;
  at: number;
  error?: string;
}

/** Options of {@link Fleet}. */
export interface FleetOptions {
  client: Client;
  cameras: string[];
  /** default `raw` */
  bucket?: string;
  /** frames per second per camera (default 2) */
  fps?: number;
  /** give up on a PUT after this long (default 10 s): a killed server must not stall a camera */
  putTimeoutMs?: number;
}

let pool: Promise<Buffer[]> | undefined;

/** Six JPEG frames, encoded once per process and shared by every camera. */
export function framePool(): Promise<Buffer[]> {
  pool ??= Promise.all([0, 1, 2, 3, 4, 5].map((i) => jpegFrame(i * 41 + 7)));
  return pool;
}

/**
 * Cameras uploading until {@link Fleet.stop}.
 * @example
 * const fleet = new Fleet({ client: minio.client, cameras: ["gate-01", "lobby-01"] });
 * await fleet.start(); await sleep(20_000); await fleet.stop();
 * fleet.ok().map((a) => a.key)
 */
export class Fleet {
  readonly attempts: Attempt[] = [];
  #stopped = false;
  #runs: Promise<void>[] = [];

  constructor(readonly o: FleetOptions) {}

  /** Encodes the frames (once) and starts every camera, spread over one frame interval. */
  async start(): Promise<void> {
    const frames = await framePool();
    const interval = 1000 / (this.o.fps ?? 2);
    this.#runs = this.o.cameras.map((camera, i) => this.#run(camera, frames, interval, (interval * i) / this.o.cameras.length));
  }

  /** Stops every camera and waits for the PUTs in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#runs);
  }

  /** Attempts whose PUT succeeded. */
  ok(): Attempt[] {
    return this.attempts.filter((a) => a.ok);
  }

  /** Attempts whose PUT failed (the object may still exist: MinIO can store it and die before answering). */
  failed(): Attempt[] {
    return this.attempts.filter((a) => !a.ok);
  }

  /** Successful uploads that finished between `from` and `to` (ms since the epoch). */
  okBetween(from: number, to: number): number {
    return this.attempts.filter((a) => a.ok && a.at >= from && a.at <= to).length;
  }

  async #run(camera: string, frames: Buffer[], intervalMs: number, offsetMs: number): Promise<void> {
    const bucket = this.o.bucket ?? "raw";
    const start = performance.now() + offsetMs;
    for (let n = 1; !this.#stopped; n++) {
      const wait = start + (n - 1) * intervalMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (this.#stopped) break;
      const body = frames[(n + camera.length) % frames.length]!;
      const key = frameKey(camera, new Date(), n);
      try {
        await withTimeout(
          this.o.client.putObject(bucket, key, body, body.length, { "Content-Type": "image/jpeg" }),
          this.o.putTimeoutMs ?? 10_000,
        );
        this.attempts.push({ camera, key, ok: true, at: Date.now() });
      } catch (e) {
        this.attempts.push({ camera, key, ok: false, at: Date.now(), error: (e as Error).message });
      }
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`PUT did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
