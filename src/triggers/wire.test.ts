import { describe, expect, it } from "vitest";
import { BadEventError } from "../lib/errors.js";
import type { InboundMessage } from "./decision.js";
import { decodeMessage, encodeIntake, HEADERS, hookSubject } from "./wire.js";

const enc = new TextEncoder();

function message(subject: string, data: Uint8Array | string, headers: Record<string, string> = {}): InboundMessage {
  return {
    subject,
    data: typeof data === "string" ? enc.encode(data) : data,
    seq: 7,
    deliveryCount: 1,
    timestampMs: Date.parse("2026-11-28T12:00:00Z"),
    header: (n) => headers[n],
    working: () => undefined,
  };
}

const notification = JSON.stringify({
  Records: [{ eventVersion: "2.0", eventSource: "minio:s3", eventTime: "2026-11-28T12:00:00.000Z", eventName: "s3:ObjectCreated:Put", s3: { bucket: { name: "raw" }, object: { key: "gate-01%2Fa.jpg", size: 3, eTag: "e1" } } }],
});

describe("wire format", () => {
  it("decodes a MinIO notification on the MinIO subject", () => {
    const d = decodeMessage(message("minio.events", notification), "minio.events").decoded;
    expect(d.ok && d.events.map((e) => e.source === "minio" && e.key)).toEqual(["gate-01/a.jpg"]);
  });

  it("gives the events of a forced on-demand run a new identity, and leaves a plain run's alone", () => {
    const forced = decodeMessage(message("minio.events", notification, { [HEADERS.runPipeline]: "p", [HEADERS.runForce]: "n1" }), "minio.events").decoded;
    expect(forced.ok && forced.events.map((e) => e.id)).toEqual(["raw/gate-01/a.jpg@e1#run-n1"]);
    const plain = decodeMessage(message("minio.events", notification, { [HEADERS.runPipeline]: "p" }), "minio.events").decoded;
    expect(plain.ok && plain.events.map((e) => e.id)).toEqual(["raw/gate-01/a.jpg@e1"]);
  });

  it("round-trips a webhook: the headers the gateway encodes are the ones the consumer reads", () => {
    const at = new Date("2026-11-28T11:59:00Z");
    const headers = encodeIntake({ eventId: "evt-1", requestId: "req-1", receivedAt: at });
    const d = decodeMessage(message(hookSubject("alerts"), '{"camera":"gate-01"}', headers), "minio.events").decoded;
    expect(d).toEqual({ ok: true, events: [{ source: "webhook", hook: "alerts", id: "evt-1", body: { camera: "gate-01" }, receivedAt: at.toISOString() }] });
    expect(headers[HEADERS.requestId]).toBe("req-1");
  });

  it("falls back to Nats-Msg-Id and the stream time when the headers are missing", () => {
    const d = decodeMessage(message("framegate.hooks.alerts", "{}", { [HEADERS.msgId]: "m-1" }), "minio.events").decoded;
    expect(d.ok && d.events[0]).toMatchObject({ id: "m-1", receivedAt: "2026-11-28T12:00:00.000Z" });
  });

  it.each([
    ["bytes that are not UTF-8", "minio.events", new Uint8Array([0xff, 0xfe]), /not valid UTF-8/, "minio"],
    ["a hook body that is not JSON", "framegate.hooks.alerts", "{", /hook "alerts": body is not JSON/, "webhook"],
    ["a subject no source publishes on", "other.subject", "{}", /no event source publishes on "other.subject": expected minio.events or framegate.hooks.<hook>/, "webhook"],
  ] as const)("turns %s into a BadEventError, not a throw", (_what, subject, data, reason, source) => {
    const d = decodeMessage(message(subject, data), "minio.events").decoded;
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.error).toBeInstanceOf(BadEventError);
    expect(d.error.message).toMatch(reason);
    expect(d.source).toBe(source);
  });

  it("adds `decoded` to the message itself, keeping its release()", () => {
    const m = message("minio.events", notification);
    expect(decodeMessage(m, "minio.events")).toBe(m);
  });
});
