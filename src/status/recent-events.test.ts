import { describe, expect, it } from "vitest";
import { type RecentEvent, RecentEvents } from "./recent-events.js";

const ev = (n: number, extra: Partial<RecentEvent> = {}): RecentEvent => ({
  receivedAt: new Date(1_700_000_000_000 + n * 1000).toISOString(),
  source: "minio",
  id: `raw/e${n}.jpg@${n}`,
  matches: [],
  ...extra,
});
const ids = (list: RecentEvent[]) => list.map((e) => e.id);

describe("RecentEvents", () => {
  it("lists newest first", () => {
    const r = new RecentEvents(5);
    [1, 2, 3].forEach((n) => r.push(ev(n)));
    expect(ids(r.list())).toEqual(["raw/e3.jpg@3", "raw/e2.jpg@2", "raw/e1.jpg@1"]);
    expect(r.size).toBe(3);
  });

  it("keeps only the last `capacity` events", () => {
    const r = new RecentEvents(3);
    for (let n = 1; n <= 7; n++) r.push(ev(n));
    expect(r.size).toBe(3);
    expect(ids(r.list())).toEqual(["raw/e7.jpg@7", "raw/e6.jpg@6", "raw/e5.jpg@5"]);
  });

  it("applies limit, clamped to 1..capacity", () => {
    const r = new RecentEvents(4);
    for (let n = 1; n <= 6; n++) r.push(ev(n));
    expect(ids(r.list({ limit: 2 }))).toEqual(["raw/e6.jpg@6", "raw/e5.jpg@5"]);
    expect(r.list({ limit: 100 })).toHaveLength(4);
    expect(r.list({ limit: 0 })).toHaveLength(1);
  });

  it("filters by camera and by matched pipeline before limiting", () => {
    const r = new RecentEvents(10);
    r.push(ev(1, { camera: "gate-1", matches: [{ pipeline: "detect", outcome: "created", workflow: "detect-abc" }] }));
    r.push(ev(2, { camera: "gate-2", matches: [{ pipeline: "detect", outcome: "sampled" }] }));
    r.push(ev(3, { camera: "gate-1", matches: [{ pipeline: "thumbs", outcome: "created" }] }));
    r.push(ev(4, { camera: "gate-1" }));
    expect(ids(r.list({ camera: "gate-1" }))).toEqual(["raw/e4.jpg@4", "raw/e3.jpg@3", "raw/e1.jpg@1"]);
    expect(ids(r.list({ pipeline: "detect" }))).toEqual(["raw/e2.jpg@2", "raw/e1.jpg@1"]);
    expect(ids(r.list({ pipeline: "detect", camera: "gate-1" }))).toEqual(["raw/e1.jpg@1"]);
    expect(ids(r.list({ camera: "gate-1", limit: 1 }))).toEqual(["raw/e4.jpg@4"]);
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new RecentEvents(0)).toThrow(/positive integer, got 0/);
    expect(() => new RecentEvents(1.5)).toThrow(RangeError);
  });
});
