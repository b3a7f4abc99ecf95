import { describe, expect, it } from "vitest";
import { Limits, type WaitReason } from "./limits.js";

describe("Limits.admit", () => {
  it("reserves a slot only for a pipeline with maxInFlight, and without waiting while under it", async () => {
    const limits = new Limits();
    const waits: WaitReason[] = [];
    expect(await limits.admit("p", { maxInFlight: 2 }, { namespace: "ns", name: "w1" }, (r) => (waits.push(r), () => undefined))).toBe(true);
    expect(limits.inFlight("p")).toBe(1);
    expect(await limits.admit("q", {}, { namespace: "ns", name: "w2" })).toBe(false);
    expect(limits.inFlight("q")).toBe(0);
    expect(waits).toEqual([]);
  });

  it("waits at the limit, reporting the wait's start and end, until a reservation is given back", async () => {
    const limits = new Limits();
    await limits.admit("p", { maxInFlight: 1 }, { namespace: "ns", name: "w1" });
    const events: string[] = [];
    const second = limits.admit("p", { maxInFlight: 1 }, { namespace: "ns", name: "w2" }, (r) => {
      events.push(`wait ${r}`);
      return () => events.push(`done ${r}`);
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual(["wait in-flight"]);
    limits.unreserve("p", "ns", "w1");
    expect(await second).toBe(true);
    expect(events).toEqual(["wait in-flight", "done in-flight"]);
    expect(limits.inFlight("p")).toBe(1);
  });

  it("takes a rate token (a rate-limited create always asks for one), waiting once the burst is spent", async () => {
    const limits = new Limits();
    const waits: WaitReason[] = [];
    const onWait = (r: WaitReason) => (waits.push(r), () => undefined);
    const t0 = Date.now();
    await limits.admit("p", { ratePerSecond: 5 }, { namespace: "ns", name: "a" }, onWait);
    expect(Date.now() - t0).toBeLessThan(100);
    await limits.admit("p", { ratePerSecond: 5 }, { namespace: "ns", name: "b" }, onWait);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(waits).toEqual(["rate", "rate"]);
  });
});
