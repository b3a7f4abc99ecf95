import { describe, expect, it } from "vitest";
import type { ObjectEvent } from "../triggers/event.js";
import { badEventReport, eventReport, settleReport, type PipelineOutcome } from "./event-report.js";

const ev: ObjectEvent = {
  source: "minio",
  id: "raw/gate-01/a.jpg@e1",
  eventName: "s3:ObjectCreated:Put",
  eventTime: "2026-11-28T12:00:00.000Z",
  bucket: "raw",
  key: "gate-01/a.jpg",
  etag: "e1",
  metadata: { camera: "meta-cam" },
};
const msg = { seq: 9, timestampMs: Date.parse("2026-11-28T12:00:05Z") };

describe("event reports", () => {
  it("names the camera a match captured, else the object's metadata", () => {
    expect(eventReport(ev, msg, []).camera).toBe("meta-cam");
    const match = { pipeline: {} as never, event: ev, vars: {}, camera: "gate-01" };
    expect(eventReport(ev, msg, [match])).toEqual({ seq: 9, receivedAt: ev.eventTime, source: "minio", id: ev.id, bucket: "raw", key: "gate-01/a.jpg", camera: "gate-01", matches: [] });
  });

  it("labels each pipeline's outcome by the message's decision", () => {
    const outcomes: PipelineOutcome[] = [
      { pipeline: "a", workflow: "a-1", kind: "created" },
      { pipeline: "b", kind: "skipped", reason: "sampled" },
      { pipeline: "c", kind: "retry", error: new Error("503"), reason: "error" },
      { pipeline: "d", kind: "rejected", error: new Error("422"), reason: "rejected" },
    ];
    const labels = (kind: "nak" | "term") =>
      settleReport(eventReport(ev, msg, []), outcomes, kind === "nak" ? { kind, delayMs: 1, reason: "r" } : { kind, reason: "r" }).matches.map((m) => m.outcome);
    expect(labels("nak")).toEqual(["created", "sampled", "retrying", "dead-lettered"]);
    expect(labels("term")).toEqual(["created", "sampled", "dead-lettered", "dead-lettered"]);
  });

  it("names a message that is no event by its sequence", () => {
    expect(badEventReport(msg, "webhook", "not JSON")).toEqual({ seq: 9, receivedAt: "2026-11-28T12:00:05.000Z", source: "webhook", id: "seq-9", matches: [], error: "not JSON" });
  });
});
