/**
 * @module status/camera-activity — when each camera last sent a frame and how often it usually does, shared by
 * every replica through a store (JetStream KV in production) so that a camera that went silent is still seen as
 * silent after a restart. From it come two fleet gauges (cameras tracked, cameras silent longer than their usual
 * interval) and one bounded per-camera last-frame gauge; the alert rules need no rule per camera.
 */
import type { Logger } from "pino";
import type { Metrics } from "../lib/metrics.js";

/** One camera's record in the store. Times in ms since the epoch. */
export interface CameraSeen {
  camera: string;
  /** when its last frame was processed */
  t: number;
  /** its usual gap between frames (moving average, ms); 0 while unknown (one frame seen) */
  gap: number;
}

/** Where the records live; `watch` delivers every current record first, then each change, from any replica. */
export interface CameraActivityStore {
  put(rec: CameraSeen): Promise<void>;
  watch(onRecord: (rec: CameraSeen) => void): Promise<{ stop(): void }>;
}

export interface CameraActivityOptions {
  /** a camera's record is written at most this often by one replica (default 30 s): KV writes stay far below the frame rate */
  writeEveryMs?: number;
  /** silent when quiet for longer than `factor` times its usual gap (default 3) ... */
  factor?: number;
  /** ... and never before this (default 5 min): one late frame is no outage */
  minSilenceMs?: number;
  /** per-camera series exported (default 10,000, the most recently seen); the fleet gauges count every camera */
  seriesMax?: number;
  /** cameras kept in memory (default 100,000); the one seen longest ago is forgotten first */
  capacity?: number;
}

/** Weight of the newest gap in the moving average: a camera that changes its rate is followed within ~5 frames. */
const GAP_WEIGHT = 0.3;

interface Entry extends CameraSeen {
  writtenAt: number;
}

/**
 * @example
 * const activity = new CameraActivity(store, metrics, log);
 * await activity.start();                 // loads every camera's record, then follows other replicas' writes
 * activity.seen("gate-01", Date.now());   // from the processor, for each processed frame
 * activity.evaluate(Date.now());          // on a timer: sets the gauges
 */
export class CameraActivity {
  /** Map order is least recently seen first: every update moves the camera to the end */
  readonly #cams = new Map<string, Entry>();
  readonly #o: Required<CameraActivityOptions>;
  #watch?: { stop(): void };

  constructor(
    private readonly store: CameraActivityStore,
    private readonly metrics: Pick<Metrics, "camerasTracked" | "camerasSilent" | "cameraLastFrame" | "cameraWrites">,
    private readonly log: Logger,
    opts: CameraActivityOptions = {},
  ) {
    this.#o = { writeEveryMs: 30_000, factor: 3, minSilenceMs: 300_000, seriesMax: 10_000, capacity: 100_000, ...opts };
  }

  async start(): Promise<void> {
    this.#watch = await this.store.watch((rec) => this.apply(rec));
  }

  stop(): void {
    this.#watch?.stop();
  }

  get size(): number {
    return this.#cams.size;
  }

  /** A frame of `camera` was processed at `at`; writes the record when this replica has not for `writeEveryMs`. */
  seen(camera: string, at: number): void {
    const prev = this.#cams.get(camera);
    if (prev && at <= prev.t) return;
    const gap = !prev ? 0 : prev.gap === 0 ? at - prev.t : Math.round(prev.gap * (1 - GAP_WEIGHT) + (at - prev.t) * GAP_WEIGHT);
    const entry: Entry = { camera, t: at, gap, writtenAt: prev?.writtenAt ?? 0 };
    this.#set(entry);
    if (at - entry.writtenAt < this.#o.writeEveryMs) return;
    entry.writtenAt = at;
    this.store.put({ camera, t: at, gap }).then(
      () => this.metrics.cameraWrites.inc({ result: "ok" }),
      (err: unknown) => {
        entry.writtenAt = 0; // the next frame tries again
        this.metrics.cameraWrites.inc({ result: "failed" });
        this.log.warn({ err, camera }, "writing the camera's last-frame time failed; the next frame retries (a restart now would see it as older than it is)");
      },
    );
  }

  /** A record from the store (this or another replica's write, or the initial load); older news is ignored. */
  apply(rec: CameraSeen): void {
    const cur = this.#cams.get(rec.camera);
    if (cur && cur.t >= rec.t) return;
    this.#set({ ...rec, writtenAt: cur?.writtenAt ?? rec.t });
  }

  /** Whether a camera last seen at `t` with usual gap `gap` counts as silent at `now`. */
  isSilent(rec: Pick<CameraSeen, "t" | "gap">, now: number): boolean {
    return now - rec.t > Math.max(this.#o.factor * rec.gap, this.#o.minSilenceMs);
  }

  /** Sets the gauges; returns the silent cameras (longest silent first) for logs and the API. */
  evaluate(now: number): string[] {
    const silent: CameraSeen[] = [];
    for (const c of this.#cams.values()) if (this.isSilent(c, now)) silent.push(c);
    this.metrics.camerasTracked.set(this.#cams.size);
    this.metrics.camerasSilent.set(silent.length);
    this.metrics.cameraLastFrame.reset();
    // the most recently seen are at the end of the map
    const all = [...this.#cams.values()];
    for (const c of all.slice(Math.max(0, all.length - this.#o.seriesMax))) this.metrics.cameraLastFrame.set({ camera: c.camera }, c.t / 1000);
    return silent.sort((a, b) => a.t - b.t).map((c) => c.camera);
  }

  #set(e: Entry): void {
    this.#cams.delete(e.camera);
    this.#cams.set(e.camera, e);
    if (this.#cams.size > this.#o.capacity) this.#cams.delete(this.#cams.keys().next().value!);
  }
}
