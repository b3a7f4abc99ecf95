import { describe, expect, it } from "vitest";
import { BadEventError } from "../lib/errors.js";
import { createHookEvent, hookEventId, parseHookEvent } from "./hook-event.js";
import { parseEventInput } from "./parse-input.js";

const minio = JSON.stringify({
  EventName: "s3:ObjectCreated:Put",
  Key: "raw/gate-01/a b.jpg",
  Records: [
    {
      eventVersion: "2.0",
      eventSource: "minio:s3",
      eventTime: "2024-05-01T12:00:00.000Z",
      eventName: "s3:ObjectCreated:Put",
      s3: { bucket: { name: "raw" }, object: { key: "gate-01%2Fa+b.jpg", size: 10, eTag: "e1", sequencer: "S1" } },
    },
  ],
});

function bad(text: string): string {
  try {
    parseEventInput(text);
  } catch (err) {
    expect(err).toBeInstanceOf(BadEventError);
    return (err as Error).message;
  }
  throw new Error("expected a BadEventError");
}

describe("parseEventInput", () => {
  it("reads a MinIO notification", () => {
    const evs = parseEventInput(minio);
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({ source: "minio", bucket: "raw", key: "gate-01/a b.jpg", etag: "e1" });
  });

  it("reads a webhook event", () => {
    const [ev] = parseEventInput('{"hook":"motion-alerts","body":{"camera":"gate-01","kind":"motion"}}');
    expect(ev).toMatchObject({ source: "webhook", hook: "motion-alerts", body: { camera: "gate-01", kind: "motion" } });
    expect(ev!.id).toBe(hookEventId("motion-alerts", { kind: "motion", camera: "gate-01" }));
    expect(Number.isNaN(Date.parse((ev as { receivedAt: string }).receivedAt))).toBe(false);
  });

  it("keeps a given id and receivedAt (replays are reproducible)", () => {
    const [ev] = parseEventInput('{"hook":"motion-alerts","body":{},"id":"idem-1","receivedAt":"2024-05-01T12:00:00Z"}');
    expect(ev).toMatchObject({ id: "idem-1", receivedAt: "2024-05-01T12:00:00Z" });
  });

  it.each([
    ["empty input", "   ", "the input is empty"],
    ["not JSON", "hello", "the input is not JSON"],
    ["a JSON array", "[1,2]", "the input is not an event"],
    ["an unrelated object", '{"foo":1}', "the input is not an event"],
    ["a MinIO notification missing Records", '{"EventName":"s3:ObjectCreated:Put"}', "Records: required"],
    ["a hook without body", '{"hook":"motion-alerts"}', "body: required"],
    ["a hook with a bad name", '{"hook":"Motion Alerts","body":{}}', "hook: must be a hook name"],
    ["a hook with an unknown field", '{"hook":"m","body":{},"bdy":1}', "bdy"],
    ["a hook with a bad time", '{"hook":"m","body":{},"receivedAt":"yesterday"}', "receivedAt: must be an RFC 3339 time"],
  ])("rejects %s", (_what, text, message) => {
    expect(bad(text)).toContain(message);
  });
});

describe("hook events", () => {
  it("hashes equal bodies equally whatever their key order, and different bodies differently", () => {
    expect(hookEventId("h", { a: 1, b: { c: [1, 2], d: "x" } })).toBe(hookEventId("h", { b: { d: "x", c: [1, 2] }, a: 1 }));
    expect(hookEventId("h", { a: 1 })).not.toBe(hookEventId("h", { a: 2 }));
    expect(hookEventId("h", { a: 1 })).not.toBe(hookEventId("g", { a: 1 }));
    expect(hookEventId("h", { a: [1, 2] })).not.toBe(hookEventId("h", { a: [2, 1] }));
  });

  it("uses the Idempotency-Key when given", () => {
    expect(createHookEvent({ hook: "h", body: {}, id: "k1", receivedAt: new Date("2024-01-01T00:00:00Z") })).toEqual({
      source: "webhook",
      id: "k1",
      hook: "h",
      body: {},
      receivedAt: "2024-01-01T00:00:00.000Z",
    });
  });

  it("rejects a value that is not an object", () => {
    expect(() => parseHookEvent("x")).toThrow(BadEventError);
  });
});
