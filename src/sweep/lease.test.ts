import { describe, expect, it } from "vitest";
import { MemoryStateStore } from "../flow/state-store.js";
import { KvLease } from "./lease.js";

describe("KvLease", () => {
  it("one holder at a time; renewals keep it; a dead holder is replaced once its claim runs out", async () => {
    const store = new MemoryStateStore();
    const a = new KvLease(store, "sweep.lease", "a", 10_000);
    const b = new KvLease(store, "sweep.lease", "b", 10_000);
    expect(await a.acquire(1_000)).toBe(true);
    expect(await b.acquire(2_000)).toBe(false);
    expect(await a.acquire(9_000)).toBe(true); // renewed until 19,000
    expect(await b.acquire(15_000)).toBe(false);
    expect((await b.current(15_000))?.holder).toBe("a");
    expect(await b.acquire(19_001)).toBe(true);
    expect(await a.acquire(19_002)).toBe(false);
  });

  it("two replicas racing for a free lease: exactly one wins", async () => {
    const store = new MemoryStateStore();
    const all = ["a", "b", "c", "d"].map((h) => new KvLease(store, "sweep.lease", h, 10_000));
    const won = await Promise.all(all.map((l) => l.acquire(1_000)));
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it("release hands it over at once, and only the holder can release", async () => {
    const store = new MemoryStateStore();
    const a = new KvLease(store, "sweep.lease", "a", 60_000);
    const b = new KvLease(store, "sweep.lease", "b", 60_000);
    await a.acquire(1_000);
    await b.release();
    expect(await b.acquire(2_000)).toBe(false);
    await a.release();
    expect(await b.acquire(2_000)).toBe(true);
  });
});
