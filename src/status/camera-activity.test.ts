/** @module status/camera-activity.test — silence by each camera's usual interval, throttled writes, bounded series. */
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { createMetrics } from "../lib/metrics.js";
import { CameraActivity, type CameraActivityStore, type CameraSeen } from "./camera-activity.js";

/** A shared in-memory store: what one instance writes, every watcher (this or a "restarted" one) receives. */
class MemoryStore implements CameraActivityStore {
  readonly records = new Map<string, CameraSeen>();
  readonly watchers = new Set<(r: CameraSeen) => void>();
  writes = 0;
  fail = false;
  async put(rec: CameraSeen): Promise<void> {
    if (this.fail) throw new Error("bucket full");
    this.writes++;
    this.records.set(rec.camera, rec);
    for (const w of this.watchers) w(rec);
  }
  async watch(on: (r: CameraSeen) => void) {
    for (const r of this.records.values()) on(r);
    this.watchers.add(on);
    return { stop: () => void this.watchers.delete(on) };
  }
}

const log = pino({ level: "silent" });
const S = 1000;
const T0 = 1_800_000_000_000;

async function setup(store = new MemoryStore(), opts = {}) {
  const metrics = createMetrics({ defaultMetrics: false });
  const a = new CameraActivity(store, metrics, log, { minSilenceMs: 60 * S, ...opts });
  await a.start();
  const gauge = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values;
  return { a, store, metrics, gauge };
}

describe("CameraActivity", () => {
  it("a camera is silent after factor x its usual gap, never before the floor; the others are not", async () => {
    const { a, gauge } = await setup();
    // gate-01 every 60 s, dock every 5 s
    for (let i = 0; i < 5; i++) a.seen("gate-01", T0 + i * 60 * S);
    for (let i = 0; i < 50; i++) a.seen("dock", T0 + i * 5 * S);
    const last = T0 + 240 * S;
    // 150 s after gate-01's last frame: under 3 x 60 s; dock's last frame was at 245 s: 145 s quiet, > the 60 s floor
    expect(a.evaluate(last + 150 * S)).toEqual(["dock"]);
    expect(a.evaluate(last + 181 * S)).toEqual(["gate-01", "dock"]);
    expect((await gauge("framegate_cameras_silent"))[0]!.value).toBe(2);
    expect((await gauge("framegate_cameras_tracked"))[0]!.value).toBe(2);
    // a frame ends the silence
    a.seen("dock", last + 182 * S);
    expect(a.evaluate(last + 183 * S)).toEqual(["gate-01"]);
  });

  it("writes at most once per camera per writeEveryMs, and a new instance on the same store still sees the silence", async () => {
    const store = new MemoryStore();
    const { a } = await setup(store, { writeEveryMs: 30 * S });
    for (let i = 0; i <= 60; i++) a.seen("gate-01", T0 + i * S);
    await new Promise((r) => setImmediate(r));
    expect(store.writes).toBe(3); // at 0, 30 and 60 s
    a.stop();
    // a restart: nothing in memory, everything from the store
    const { a: b } = await setup(store);
    expect(b.size).toBe(1);
    expect(b.evaluate(T0 + 60 * S + 10 * S)).toEqual([]);
    expect(b.evaluate(T0 + 60 * S + 61 * S)).toEqual(["gate-01"]);
  });

  it("follows another replica's writes and ignores older news", async () => {
    const store = new MemoryStore();
    const { a } = await setup(store);
    const { a: other } = await setup(store);
    other.seen("gate-02", T0);
    await new Promise((r) => setImmediate(r));
    expect(a.size).toBe(1);
    a.apply({ camera: "gate-02", t: T0 - 1000, gap: 0 });
    expect(a.evaluate(T0 + 61 * S)).toEqual(["gate-02"]);
    expect(a.evaluate(T0 + 59 * S)).toEqual([]);
  });

  it("a failed write is counted and retried with the next frame", async () => {
    const store = new MemoryStore();
    const { a, gauge } = await setup(store, { writeEveryMs: 30 * S });
    store.fail = true;
    a.seen("gate-01", T0);
    await new Promise((r) => setImmediate(r));
    expect((await gauge("framegate_camera_activity_writes_total")).find((v) => v.labels.result === "failed")?.value).toBe(1);
    store.fail = false;
    a.seen("gate-01", T0 + S);
    await new Promise((r) => setImmediate(r));
    expect(store.writes).toBe(1);
  });

  it("exports at most seriesMax per-camera series, the most recently seen; the fleet gauges count them all", async () => {
    const { a, gauge } = await setup(new MemoryStore(), { seriesMax: 3 });
    for (let i = 0; i < 10; i++) a.seen(`cam-${i}`, T0 + i * S);
    a.evaluate(T0 + 10 * S);
    const series = await gauge("framegate_camera_last_frame_timestamp_seconds");
    expect(series.map((v) => v.labels.camera).sort()).toEqual(["cam-7", "cam-8", "cam-9"]);
    expect(series.find((v) => v.labels.camera === "cam-9")!.value).toBe((T0 + 9 * S) / 1000);
    expect((await gauge("framegate_cameras_tracked"))[0]!.value).toBe(10);
  });

  it("keeps at most capacity cameras in memory, forgetting the one seen longest ago", async () => {
    const { a } = await setup(new MemoryStore(), { capacity: 2 });
    a.seen("a", T0);
    a.seen("b", T0 + S);
    a.seen("c", T0 + 2 * S);
    expect(a.size).toBe(2);
    expect(a.evaluate(T0 + 63 * S)).toEqual(["b", "c"]);
  });
});
