import { describe, expect, it } from "vitest";
import { liveMessage, liveRecords } from "./live-notification.js";
import { parseMinioNotificationText } from "./minio-event.js";
import { sampleNotification } from "./sample-notification.js";
import { HEADERS } from "./wire.js";

/** A record as the listen stream carries it: the same as a target's, with the key unescaped. */
function liveRecord(key: string) {
  const rec = sampleNotification({ bucket: "raw", key, etag: "9b2c0f", metadata: { camera: "gate 01" } }).Records[0]!;
  return { ...rec, s3: { ...rec.s3, object: { ...rec.s3.object, key } } };
}

describe("liveMessage", () => {
  it.each(["gate-01/2026/a.jpg", "gate 01/a+b%20.jpg", "kamera-ü/ä.jpg"])("decodes to the event the durable copy of %s decodes to", (key) => {
    const durable = parseMinioNotificationText(JSON.stringify(sampleNotification({ bucket: "raw", key, etag: "9b2c0f", metadata: { camera: "gate 01" } })))[0]!;
    const m = liveMessage(liveRecord(key));
    const live = parseMinioNotificationText(new TextDecoder().decode(m.data))[0]!;
    expect(live.id).toBe(durable.id);
    expect(live.key).toBe(key);
    expect(m.eventId).toBe(durable.id);
    expect(live.metadata).toEqual(durable.metadata);
    expect(m.msgId).toBe(`live:${durable.id}`);
    expect(m.headers[HEADERS.fastPath]).toBe("live");
  });

  it("refuses a record that is not an object event, saying where", () => {
    expect(() => liveMessage({ eventName: "s3:ObjectCreated:Put" })).toThrow(/live event stream.*record/);
  });
});

describe("liveRecords", () => {
  it("reads records, pings and keep-alives", () => {
    expect(liveRecords('{"Records":[{"a":1}]}')).toEqual([{ a: 1 }]);
    expect(liveRecords('{"Records":null}')).toEqual([]);
    expect(liveRecords(" ")).toEqual([]);
  });
  it("refuses a line that is not JSON", () => {
    expect(() => liveRecords("{nope")).toThrow(/not JSON/);
  });
});
