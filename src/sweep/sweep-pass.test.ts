import { describe, expect, it } from "vitest";
import { MemoryLister } from "../../test/fakes/memory-lister.js";
import { sweepTarget, type Checkpoint, type PassDeps } from "./sweep-pass.js";

const T0 = Date.parse("2026-12-01T10:00:00Z");

function deps(lister: MemoryLister, pages = 100, over: Partial<PassDeps> = {}) {
  const published: string[] = [];
  const d: PassDeps = {
    lister,
    wanted: (o) => !o.key.includes("unwanted"),
    publish: async (o) => void published.push(o.key),
    pace: async () => undefined,
    budget: { pages },
    ...over,
  };
  return { d, published };
}

const target = { bucket: "raw", prefix: "cam", suffix: ".jpg" };

describe("sweepTarget", () => {
  it("publishes what was modified inside (since, now - margin] under the prefix and suffix, and moves the window", async () => {
    const l = new MemoryLister();
    l.add("cam-1/old.jpg", T0 - 60_000); // before the checkpoint
    l.add("cam-1/a.jpg", T0 - 30_000);
    l.add("cam-1/b.png", T0 - 30_000); // suffix
    l.add("cam-1/unwanted.jpg", T0 - 30_000); // no rule wants it
    l.add("cam-2/c.jpg", T0 - 10_001);
    l.add("cam-2/young.jpg", T0 - 5_000); // inside the margin: next sweep
    l.add("other/d.jpg", T0 - 30_000); // prefix
    const { d, published } = deps(l);
    const r = await sweepTarget(target, { since: T0 - 60_000 }, T0, 10_000, d);
    expect(published).toEqual(["cam-1/a.jpg", "cam-2/c.jpg"]);
    expect(r).toMatchObject({ complete: true, listed: 6, inWindow: 3, published: 2, pages: 1, checkpoint: { since: T0 - 10_000 } });
    // the young object belongs to the next pass, which starts where this one ended
    const next = await sweepTarget(target, r.checkpoint, T0 + 60_000, 10_000, deps(l).d);
    expect(next.published).toBe(1);
  });

  it("stops when the page budget is spent, keeps the window, and continues after the last key next time", async () => {
    const l = new MemoryLister();
    for (let i = 0; i < 2500; i++) l.add(`cam-${String(i).padStart(5, "0")}.jpg`, T0 - 20_000);
    const first = deps(l, 2);
    const r1 = await sweepTarget(target, { since: T0 - 60_000 }, T0, 10_000, first.d);
    expect(r1.complete).toBe(false);
    expect(first.published).toHaveLength(2000);
    expect(r1.checkpoint).toEqual({ since: T0 - 60_000, pass: { until: T0 - 10_000, after: "cam-01999.jpg" } });
    // later, with a new budget: the same window (not "now"), listing from where it stopped
    const second = deps(l, 2);
    const r2 = await sweepTarget(target, r1.checkpoint, T0 + 3_600_000, 10_000, second.d);
    expect(l.calls.at(-1)).toBe("cam-01999.jpg");
    expect(second.published).toHaveLength(500);
    expect(r2).toMatchObject({ complete: true, checkpoint: { since: T0 - 10_000 } });
  });

  it("a publish that fails ends the pass before that page: nothing is skipped, the page is listed again", async () => {
    const l = new MemoryLister();
    for (let i = 0; i < 1500; i++) l.add(`cam-${String(i).padStart(5, "0")}.jpg`, T0 - 20_000);
    let n = 0;
    const { d } = deps(l, 10, {
      publish: async () => {
        if (++n > 1200) throw new Error("intake full");
      },
    });
    const r = await sweepTarget(target, { since: T0 - 60_000 }, T0, 10_000, d);
    expect(r.error?.message).toBe("intake full");
    expect(r.complete).toBe(false);
    expect(r.checkpoint.pass).toEqual({ until: T0 - 10_000, after: "cam-00999.jpg" });
  });

  it("a listing that fails keeps the checkpoint where the last whole page ended", async () => {
    const l = new MemoryLister();
    for (let i = 0; i < 1200; i++) l.add(`cam-${String(i).padStart(5, "0")}.jpg`, T0 - 20_000);
    l.failAfter = 1100;
    const cp: Checkpoint = { since: T0 - 60_000 };
    const r = await sweepTarget(target, cp, T0, 10_000, deps(l).d);
    expect(r.error?.message).toBe("connection reset");
    expect(r.checkpoint).toEqual({ since: cp.since, pass: { until: T0 - 10_000, after: "cam-00999.jpg" } });
  });

  it("does nothing until the window has a length, and lists nothing without a budget", async () => {
    const l = new MemoryLister();
    l.add("cam-1/a.jpg", T0 - 20_000);
    expect((await sweepTarget(target, { since: T0 - 5_000 }, T0, 10_000, deps(l).d)).complete).toBe(true);
    expect(l.calls).toEqual([]);
    const r = await sweepTarget(target, { since: T0 - 60_000 }, T0, 10_000, deps(l, 0).d);
    expect(r).toMatchObject({ complete: false, listed: 0, checkpoint: { since: T0 - 60_000, pass: { until: T0 - 10_000, after: "" } } });
  });
});
