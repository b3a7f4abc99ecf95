/** @module results/results-index.test — the index's limits (per camera, bytes, age) and its queries. */
import { describe, expect, it } from "vitest";
import type { ResultEntry } from "./result-entry.js";
import { ResultsIndex, type EvictReason } from "./results-index.js";

const T0 = Date.parse("2026-06-01T12:00:00Z");

function entry(camera: string, n: number, o: Partial<ResultEntry> = {}): ResultEntry {
  return {
    id: `argo/wf-${camera}-${n}#0`,
    camera,
    pipeline: "people-detect",
    source: { bucket: "raw", key: `${camera}/${n}.jpg` },
    processed: [{ step: "resize", bucket: "processed", key: `people-detect/resize/${camera}/${n}.jpg` }],
    frame: { bucket: "processed", key: `people-detect/resize/${camera}/${n}.jpg` },
    detections: [],
    workflow: { name: `wf-${camera}-${n}`, namespace: "argo" },
    createdAt: new Date(T0 + n * 1000).toISOString(),
    finishedAt: new Date(T0 + n * 1000 + 500).toISOString(),
    steps: [{ step: "resize", phase: "Succeeded", durationMs: 400 }],
    ...o,
  };
}

const person = { label: "person", score: 0.9, box: { x: 1, y: 2, width: 3, height: 4 } };
const car = { label: "car", score: 0.7, box: { x: 5, y: 6, width: 7, height: 8 } };

function make(limits: Partial<ConstructorParameters<typeof ResultsIndex>[0]> = {}, now = T0 + 3_600_000) {
  const evicted: Record<string, number> = {};
  const sizes: number[] = [];
  const index = new ResultsIndex({ perCamera: 3, maxBytes: 1 << 20, maxAgeMs: 86_400_000, ...limits }, {
    size: (n) => sizes.push(n),
    evicted: (r: EvictReason, n) => (evicted[r] = (evicted[r] ?? 0) + n),
  }, () => now);
  return { index, evicted, sizes };
}

describe("ResultsIndex", () => {
  it("keeps each camera's newest perCamera entries and counts what it drops", () => {
    const { index, evicted } = make();
    for (let n = 1; n <= 5; n++) index.add(entry("gate-01", n), 100);
    index.add(entry("gate-02", 1), 100);
    expect(index.query({ camera: "gate-01", limit: 10 }).map((e) => e.id)).toEqual(["argo/wf-gate-01-5#0", "argo/wf-gate-01-4#0", "argo/wf-gate-01-3#0"]);
    expect(index.size).toBe(4);
    expect(index.cameras).toBe(2);
    expect(evicted).toEqual({ camera: 2 });
    // a dropped entry's frame is no longer served
    expect(index.names("processed", "people-detect/resize/gate-01/1.jpg")).toBe(false);
    expect(index.names("processed", "people-detect/resize/gate-01/5.jpg")).toBe(true);
  });

  it("at the byte limit drops the oldest entries of any camera first", () => {
    const { index, evicted } = make({ perCamera: 100, maxBytes: 1000 });
    for (let n = 1; n <= 4; n++) index.add(entry(`cam-${n}`, n), 300);
    expect(index.bytes).toBe(900);
    expect(index.query({ limit: 10 }).map((e) => e.camera)).toEqual(["cam-4", "cam-3", "cam-2"]);
    expect(evicted).toEqual({ bytes: 1 });
  });

  it("drops entries older than maxAgeMs and does not admit them", () => {
    const now = T0 + 10_000;
    const { index, evicted } = make({ maxAgeMs: 5_000 }, now);
    expect(index.wouldKeep("gate-01", now - 6_000)).toBe(false);
    expect(index.wouldKeep("gate-01", now - 1_000)).toBe(true);
    index.add(entry("gate-01", 1), 10); // finished at T0+1.5s: 8.5 s old
    expect(index.query({ limit: 10 })).toEqual([]);
    expect(evicted.age).toBe(1);
  });

  it("wouldKeep: a full camera admits only what is newer than something it holds", () => {
    const { index } = make({ perCamera: 2 });
    index.add(entry("gate-01", 5), 10);
    index.add(entry("gate-01", 6), 10);
    expect(index.wouldKeep("gate-01", Date.parse(entry("gate-01", 4).finishedAt))).toBe(false);
    expect(index.wouldKeep("gate-01", Date.parse(entry("gate-01", 7).finishedAt))).toBe(true);
    expect(index.wouldKeep("gate-02", 0 + T0)).toBe(true);
  });

  it("ignores an id it already holds", () => {
    const { index } = make();
    expect(index.add(entry("gate-01", 1), 10)).toBe(true);
    expect(index.add(entry("gate-01", 1), 10)).toBe(false);
    expect(index.size).toBe(1);
    expect(index.bytes).toBe(10);
  });

  it("filters by camera, pipeline, label (any case) and time, newest first, up to limit", () => {
    const { index } = make({ perCamera: 10 });
    index.add(entry("gate-01", 1, { detections: [person] }), 10);
    index.add(entry("gate-01", 2, { detections: [car], pipeline: "cars" }), 10);
    index.add(entry("gate-02", 3, { detections: [person, car] }), 10);
    index.add(entry("gate-02", 4), 10);
    const ids = (q: Parameters<ResultsIndex["query"]>[0]) => index.query(q).map((e) => e.id.replace(/^argo\/wf-|#0$/g, ""));
    expect(ids({ limit: 10 })).toEqual(["gate-02-4", "gate-02-3", "gate-01-2", "gate-01-1"]);
    expect(ids({ limit: 2 })).toEqual(["gate-02-4", "gate-02-3"]);
    expect(ids({ camera: "gate-01", limit: 10 })).toEqual(["gate-01-2", "gate-01-1"]);
    expect(ids({ label: "PERSON", limit: 10 })).toEqual(["gate-02-3", "gate-01-1"]);
    expect(ids({ pipeline: "cars", limit: 10 })).toEqual(["gate-01-2"]);
    expect(ids({ label: "car", camera: "gate-02", limit: 10 })).toEqual(["gate-02-3"]);
    expect(ids({ sinceMs: Date.parse(entry("x", 3).finishedAt), limit: 10 })).toEqual(["gate-02-4", "gate-02-3"]);
    expect(ids({ camera: "nobody", limit: 10 })).toEqual([]);
    expect(index.labels()).toEqual({ person: 2, car: 2 });
  });

  it("refuses limits that are not whole numbers >= 1", () => {
    expect(() => new ResultsIndex({ perCamera: 0, maxBytes: 1, maxAgeMs: 1 })).toThrow(/perCamera must be a whole number >= 1, got 0/);
  });
});
