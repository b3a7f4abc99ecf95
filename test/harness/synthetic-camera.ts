/**
 * @module test/harness/synthetic-camera — cameras that behave like the real ones: JPEG frames made with
 * sharp, PUT with the `minio` client under `<camera>/<yyyy>/<mm>/<dd>/<hhmmss-n>.jpg` in bucket `raw`,
 * at a steady rate. Used by the end-to-end tests, `make demo` and `bench/stack.ts`.
 */
import { Client } from "minio";
import sharp from "sharp";
import { cameraPolicy, cameraPolicyName, newCameraAccessKey, newCameraSecretKey } from "../../src/storage/camera-identities.js";
import { ensureIdentity } from "../../src/storage/identities.js";
import { MinioAdmin } from "../../src/storage/minio-admin.js";
import type { MinioServer } from "./minio.js";

/** Width and height of the generated frames (about 20 KB as JPEG: above every rule's `minSize`). */
export const FRAME_SIZE = { width: 320, height: 240 } as const;

/**
 * The object key of frame `n` of `camera` taken at `at` (UTC), as cameras upload them:
 * `<camera>/<yyyy>/<mm>/<dd>/<hhmmss>-<n>.jpg`.
 * @example frameKey("gate-01", new Date("2026-11-28T12:00:00Z"), 3) // "gate-01/2026/11/28/120000-3.jpg"
 */
export function frameKey(camera: string, at: Date, n: number): string {
  const p2 = (x: number) => String(x).padStart(2, "0");
  const day = `${at.getUTCFullYear()}/${p2(at.getUTCMonth() + 1)}/${p2(at.getUTCDate())}`;
  const time = `${p2(at.getUTCHours())}${p2(at.getUTCMinutes())}${p2(at.getUTCSeconds())}`;
  return `${camera}/${day}/${time}-${n}.jpg`;
}

/**
 * A JPEG frame: gaussian noise over a colour derived from `seed`, so every frame has its own bytes (and
 * ETag). About 5 ms of CPU each.
 */
export async function jpegFrame(seed: number, size: { width: number; height: number } = FRAME_SIZE): Promise<Buffer> {
  const hue = (seed * 47) % 256;
  return sharp({
    create: {
      width: size.width,
      height: size.height,
      channels: 3,
      background: { r: hue, g: 255 - hue, b: (hue * 3) % 256 },
      noise: { type: "gaussian", mean: 128, sigma: 30 },
    },
  })
    .jpeg({ quality: 70 })
    .toBuffer();
}

/** One finished upload. */
export interface Upload {
  camera: string;
  bucket: string;
  key: string;
  etag: string;
  /** `performance.timeOrigin + performance.now()` when the PUT returned (ms since the epoch, sub-ms) */
  doneAt: number;
  /** milliseconds the PUT took */
  putMs: number;
}

/**
 * Uploads one frame the way a camera does, with `Content-Type: image/jpeg`.
 * @example await uploadFrame(minio.client, "raw", "gate-01", 1)
 */
export async function uploadFrame(
  client: Client,
  bucket: string,
  camera: string,
  n: number,
  opts: { at?: Date; body?: Buffer; key?: string; metadata?: Record<string, string> } = {},
): Promise<Upload> {
  const body = opts.body ?? (await jpegFrame(n + camera.length * 31));
  const key = opts.key ?? frameKey(camera, opts.at ?? new Date(), n);
  const t0 = performance.now();
  const info = await client.putObject(bucket, key, body, body.length, { "Content-Type": "image/jpeg", ...opts.metadata });
  const t1 = performance.now();
  return { camera, bucket, key, etag: info.etag, doneAt: performance.timeOrigin + t1, putMs: t1 - t0 };
}

/** Options of {@link CameraFleet}. */
export interface FleetOptions {
  /** the client cameras upload with, unless `clientFor` gives one per camera */
  client: Client;
  /** each camera's own client (its own MinIO identity: see {@link cameraClients}) */
  clientFor?(camera: string): Client;
  /** default `raw` */
  bucket?: string;
  /** camera ids; or a count, named by {@link fleetCameraIds} */
  cameras: string[] | number;
  /** frames per second per camera (default 2) */
  fps?: number;
  /** stop each camera after this many frames (default: until {@link CameraFleet.stop}) */
  framesPerCamera?: number;
  /** JPEGs to upload round-robin (e.g. real photos), instead of generated frames */
  frames?: Buffer[];
  /** called after every upload (not awaited) */
  onUpload?(u: Upload): void;
  /** called when a PUT fails; the camera goes on with its next frame */
  onError?(camera: string, e: Error): void;
}

/**
 * Camera ids for a fleet of `n`: a third `gate-NN`, a third `lobby-NN`, the rest `street-NN`, so the
 * example pipelines (gate batches, lobby template, people-detect for all) all get traffic.
 * @example fleetCameraIds(4) // ["gate-01", "lobby-01", "street-01", "gate-02"]
 */
export function fleetCameraIds(n: number): string[] {
  const kinds = ["gate", "lobby", "street"];
  return Array.from({ length: n }, (_, i) => `${kinds[i % 3]}-${String(Math.floor(i / 3) + 1).padStart(2, "0")}`);
}

/**
 * A fleet of cameras uploading frames at a fixed rate, each camera on its own schedule (start times
 * spread over one frame interval). Frames are generated ahead of time per camera so the schedule is
 * not held up by JPEG encoding.
 *
 * @example
 * const fleet = new CameraFleet({ client: minio.client, cameras: 20, fps: 2 });
 * fleet.start();
 * await fleet.stop();
 */
export class CameraFleet {
  readonly cameras: string[];
  readonly uploads: Upload[] = [];
  readonly #o: FleetOptions;
  #stopped = false;
  #runs: Promise<void>[] = [];
  errors = 0;

  constructor(opts: FleetOptions) {
    this.#o = opts;
    this.cameras = typeof opts.cameras === "number" ? fleetCameraIds(opts.cameras) : opts.cameras;
  }

  /** Starts every camera; returns at once. */
  start(): void {
    const fps = this.#o.fps ?? 2;
    const interval = 1000 / fps;
    this.#runs = this.cameras.map((camera, i) => this.#runCamera(camera, interval, (interval * i) / this.cameras.length));
  }

  /** Resolves when every camera has uploaded `framesPerCamera` frames (or was stopped). */
  async done(): Promise<void> {
    await Promise.all(this.#runs);
  }

  /** Stops the cameras and waits for uploads in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.done();
  }

  async #runCamera(camera: string, intervalMs: number, offsetMs: number): Promise<void> {
    const bucket = this.#o.bucket ?? "raw";
    const max = this.#o.framesPerCamera ?? Infinity;
    const start = performance.now() + offsetMs;
    // frames are a few KB: a small pool per camera, reused round-robin (keys and ETags still differ per key)
    const pool = this.#o.frames?.length ? this.#o.frames : await Promise.all([0, 1, 2, 3].map((k) => jpegFrame(k * 7 + camera.length + camera.charCodeAt(0))));
    for (let n = 1; n <= max && !this.#stopped; n++) {
      const wait = start + (n - 1) * intervalMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (this.#stopped) break;
      try {
        const u = await uploadFrame(this.#o.clientFor?.(camera) ?? this.#o.client, bucket, camera, n, { body: pool[n % pool.length]! });
        this.uploads.push(u);
        this.#o.onUpload?.(u);
      } catch (e) {
        this.errors++;
        this.#o.onError?.(camera, e as Error);
      }
    }
  }
}

/**
 * Gives each camera its own MinIO identity, as `framegate cameras add` does (a user with policy
 * `framegate-camera-<id>`, allowed only to PUT under `<bucket>/<id>/`), and returns a client per camera.
 * @example const clients = await cameraClients(stack.minio, fleet.cameras); new CameraFleet({ ..., clientFor: (c) => clients.get(c)! })
 */
export async function cameraClients(minio: Pick<MinioServer, "endpoint" | "host" | "port" | "accessKey" | "secretKey">, cameras: readonly string[], bucket = "raw"): Promise<Map<string, Client>> {
  const admin = new MinioAdmin({ endpoint: minio.endpoint, accessKey: minio.accessKey, secretKey: minio.secretKey });
  const clients = new Map<string, Client>();
  // MinIO saves each IAM change to its drive (about half a second per camera here): do them side by side
  await Promise.all(
    cameras.map(async (id) => {
      const accessKey = newCameraAccessKey();
      const secretKey = newCameraSecretKey();
      await ensureIdentity(admin, { accessKey, secretKey, policyName: cameraPolicyName(id), policy: cameraPolicy(bucket, id) });
      clients.set(id, new Client({ endPoint: minio.host, port: minio.port, useSSL: false, accessKey, secretKey, region: "us-east-1" }));
    }),
  );
  return clients;
}
