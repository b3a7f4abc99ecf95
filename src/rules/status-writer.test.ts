import { describe, expect, it } from "vitest";
import type { Verdict } from "./resource-rules.js";
import { desiredStatus, sameStatus } from "./status-writer.js";

const verdict = (accepted: boolean, generation = 2): Verdict => ({
  kind: "Pipeline",
  name: "p",
  generation,
  accepted,
  reason: accepted ? "Accepted" : "InvalidSpec",
  message: accepted ? "the gateway runs this generation" : "spec.x: bad",
  issues: [],
  summary: { trigger: "minio raw a/*", select: "every event" },
});

describe("the status of a verdict", () => {
  const t0 = new Date("2026-01-01T00:00:00Z");
  const t1 = new Date("2026-01-02T00:00:00Z");

  it("moves lastTransitionTime only when the condition's status changes", () => {
    const first = desiredStatus(verdict(true, 1), undefined, t0);
    expect(first).toMatchObject({ observedGeneration: 1, trigger: "minio raw a/*", select: "every event" });
    expect(first.conditions).toEqual([{ type: "Accepted", status: "True", reason: "Accepted", message: "the gateway runs this generation", observedGeneration: 1, lastTransitionTime: t0.toISOString() }]);
    expect(desiredStatus(verdict(true, 2), first, t1).conditions![0]!.lastTransitionTime).toBe(t0.toISOString());
    expect(desiredStatus(verdict(false, 2), first, t1).conditions![0]!.lastTransitionTime).toBe(t1.toISOString());
  });

  it("compares stored and wanted status whatever the order of their keys, ignoring transition times", () => {
    const wanted = desiredStatus(verdict(true), undefined, t1);
    const c = wanted.conditions![0]!;
    const stored = { select: wanted.select, conditions: [{ status: c.status, type: c.type, reason: c.reason, observedGeneration: 2, message: c.message, lastTransitionTime: t0.toISOString() }], trigger: wanted.trigger, observedGeneration: 2 };
    expect(sameStatus(stored, wanted)).toBe(true);
    expect(sameStatus({ ...stored, observedGeneration: 1 }, wanted)).toBe(false);
    expect(sameStatus(undefined, wanted)).toBe(false);
  });

  it("writes reported conditions besides Accepted, keeps the stored order, and removes a managed type no longer reported", () => {
    const ready = { type: "NotificationsReady", status: "True" as const, reason: "Configured", message: "bucket raw sends ..." };
    const managed = ["NotificationsReady"];
    const first = desiredStatus(verdict(true, 1), undefined, t0, { managed, conditions: [ready] });
    expect(first.conditions!.map((c) => [c.type, c.status, c.observedGeneration])).toEqual([
      ["Accepted", "True", 1],
      ["NotificationsReady", "True", 1],
    ]);
    // stored with another condition in front (someone else's): its place and the others' order stay
    const foreign = { type: "Reviewed", status: "True" as const, reason: "Ok", message: "", lastTransitionTime: t0.toISOString() };
    const stored = { ...first, conditions: [foreign, ...first.conditions!] };
    const failed = desiredStatus(verdict(true, 1), stored, t1, { managed, conditions: [{ ...ready, status: "False", reason: "AccessDenied", message: "run framegate setup" }] });
    expect(failed.conditions!.map((c) => [c.type, c.status, c.lastTransitionTime])).toEqual([
      ["Reviewed", "True", t0.toISOString()],
      ["Accepted", "True", t0.toISOString()],
      ["NotificationsReady", "False", t1.toISOString()],
    ]);
    // not reported any more (a webhook pipeline now): removed; nothing reported at all: left as stored
    expect(desiredStatus(verdict(true, 1), stored, t1, { managed, conditions: [] }).conditions!.map((c) => c.type)).toEqual(["Reviewed", "Accepted"]);
    expect(desiredStatus(verdict(true, 1), stored, t1).conditions!.map((c) => c.type)).toEqual(["Reviewed", "Accepted", "NotificationsReady"]);
    // the same conditions in another order are the same status (no write)
    expect(sameStatus({ ...first, conditions: [...first.conditions!].reverse() }, first)).toBe(true);
  });
});
