import { describe, expect, it } from "vitest";
import { BadEventError } from "../lib/errors.js";
import { DEFAULT_MAX_RECORDS, parseMinioNotification, parseMinioNotificationText } from "./minio-event.js";
import { queryEscape } from "./query-unescape.js";

/** A record the way MinIO's `eventArgs.ToEvent(true)` builds it. */
function record(key: string, over: { eventName?: string; bucket?: string; escapedKey?: string; object?: Record<string, unknown> } = {}) {
  const eventName = over.eventName ?? "s3:ObjectCreated:Put";
  const removed = eventName.startsWith("s3:ObjectRemoved:");
  const bucket = over.bucket ?? "raw";
  return {
    eventVersion: "2.0",
    eventSource: "minio:s3",
    awsRegion: "",
    eventTime: "2024-05-01T12:00:00.123Z",
    eventName,
    userIdentity: { principalId: "minioadmin" },
    requestParameters: { principalId: "minioadmin", region: "", sourceIPAddress: "10.0.0.7" },
    responseElements: { "x-amz-id-2": "dd9025bab4ad", "x-amz-request-id": "17C1D1B0", "x-minio-deployment-id": "d1", "x-minio-origin-endpoint": "http://10.0.0.5:9000" },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: "Config",
      bucket: { name: bucket, ownerIdentity: { principalId: "minioadmin" }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: over.escapedKey ?? queryEscape(key),
        ...(removed
          ? {}
          : {
              size: 48213,
              eTag: "9b2cf535f27731c974343645a3985328",
              contentType: "image/jpeg",
              userMetadata: { "X-Amz-Meta-Camera": "gate-01", "X-Amz-Meta-Motion": "true", "content-type": "image/jpeg" },
            }),
        sequencer: "17C1D1B0A6E4F2C8",
        ...over.object,
      },
    },
    source: { host: "10.0.0.7", port: "", userAgent: "MinIO (linux; amd64) minio-go/v7.0.70" },
  };
}

function notification(records: unknown[]) {
  const first = records[0] as ReturnType<typeof record> | undefined;
  return { EventName: first?.eventName ?? "s3:ObjectCreated:Put", Key: "raw/x", Records: records };
}

function badMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BadEventError);
    return (err as Error).message;
  }
  throw new Error("expected a BadEventError, nothing was thrown");
}

describe("parseMinioNotification", () => {
  it("normalizes a Put record", () => {
    const [ev, ...rest] = parseMinioNotification(notification([record("gate-01/2024/05/01/120000-1.jpg")]));
    expect(rest).toHaveLength(0);
    expect(ev).toEqual({
      source: "minio",
      id: "raw/gate-01/2024/05/01/120000-1.jpg@9b2cf535f27731c974343645a3985328",
      eventName: "s3:ObjectCreated:Put",
      eventTime: "2024-05-01T12:00:00.123Z",
      bucket: "raw",
      key: "gate-01/2024/05/01/120000-1.jpg",
      size: 48213,
      etag: "9b2cf535f27731c974343645a3985328",
      contentType: "image/jpeg",
      sequencer: "17C1D1B0A6E4F2C8",
      metadata: { camera: "gate-01", motion: "true" },
    });
  });

  it.each([
    ["a space", "gate 01/frame 1.jpg", "gate+01%2Fframe+1.jpg"],
    ["a plus", "gate+01/a+b.jpg", "gate%2B01%2Fa%2Bb.jpg"],
    ["a percent sign", "gate/100%.jpg", "gate%2F100%25.jpg"],
    ["non-ASCII", "caméra-ü/東京/😀.jpg", "cam%C3%A9ra-%C3%BC%2F%E6%9D%B1%E4%BA%AC%2F%F0%9F%98%80.jpg"],
    ["an already literal '%2F' in the name", "a%2Fb.jpg", "a%252Fb.jpg"],
  ])("decodes a key with %s", (_what, key, escaped) => {
    expect(queryEscape(key)).toBe(escaped);
    const [ev] = parseMinioNotification(notification([record(key, { escapedKey: escaped })]));
    expect(ev!.key).toBe(key);
    expect(ev!.id).toBe(`raw/${key}@9b2cf535f27731c974343645a3985328`);
  });

  it("decodes every random key that Go's QueryEscape could produce", () => {
    const alphabet = "ab/ +%?&=#~._-é😀\u00a0\t";
    for (let n = 0; n < 300; n++) {
      let key = "k";
      for (let i = 0; i < 12; i++) key += [...alphabet][Math.floor(Math.random() * [...alphabet].length)];
      const [ev] = parseMinioNotification(notification([record(key)]));
      expect(ev!.key).toBe(key);
    }
  });

  it("turns every record of a notification into an event, in order", () => {
    const evs = parseMinioNotification(
      notification([record("gate-01/a.jpg"), record("gate-02/b.jpg", { bucket: "raw-2" }), record("gate-03/c.jpg", { eventName: "s3:ObjectRemoved:Delete" })]),
    );
    expect(evs.map((e) => `${e.bucket}/${e.key} ${e.eventName}`)).toEqual([
      "raw/gate-01/a.jpg s3:ObjectCreated:Put",
      "raw-2/gate-02/b.jpg s3:ObjectCreated:Put",
      "raw/gate-03/c.jpg s3:ObjectRemoved:Delete",
    ]);
  });

  it("gives a delete no size or eTag and identifies it by version, else sequencer", () => {
    const [plain, versioned] = parseMinioNotification(
      notification([
        record("gate-01/a.jpg", { eventName: "s3:ObjectRemoved:Delete" }),
        record("gate-01/a.jpg", { eventName: "s3:ObjectRemoved:DeleteMarkerCreated", object: { versionId: "7f1c-v2" } }),
      ]),
    );
    expect(plain).not.toHaveProperty("size");
    expect(plain).not.toHaveProperty("etag");
    expect(plain!.id).toBe("raw/gate-01/a.jpg@17C1D1B0A6E4F2C8");
    expect(versioned!.id).toBe("raw/gate-01/a.jpg@7f1c-v2");
    expect(versioned!.versionId).toBe("7f1c-v2");
  });

  it("ignores a size or eTag on a delete even if a sender includes them", () => {
    const [ev] = parseMinioNotification(notification([record("a.jpg", { eventName: "s3:ObjectRemoved:Delete", object: { size: 5, eTag: "abc" } })]));
    expect(ev).not.toHaveProperty("size");
    expect(ev!.id).toBe("raw/a.jpg@17C1D1B0A6E4F2C8");
  });

  it("reads a 0-byte upload (Go omits size 0) as size 0", () => {
    const r = record("empty.jpg");
    delete (r.s3.object as { size?: number }).size;
    expect(parseMinioNotification(notification([r]))[0]!.size).toBe(0);
  });

  it("lowercases metadata names, drops the prefix and non-user metadata, and falls back to metadata content-type", () => {
    const [ev] = parseMinioNotification(
      notification([record("a.jpg", { object: { contentType: undefined, userMetadata: { "X-AMZ-META-Camera-Id": "Gate 7", "content-type": "image/png", "X-Amz-Tagging": "x=y" } } })]),
    );
    expect(ev!.metadata).toEqual({ "camera-id": "Gate 7" });
    expect(ev!.contentType).toBe("image/png");
  });

  it("accepts an object without metadata (userMetadata omitted or null)", () => {
    const [a, b] = parseMinioNotification(notification([record("a.jpg", { object: { userMetadata: undefined } }), record("b.jpg", { object: { userMetadata: null } })]));
    expect(a!.metadata).toEqual({});
    expect(b!.metadata).toEqual({});
  });

  it("identifies an object without eTag by versionId", () => {
    const [ev] = parseMinioNotification(notification([record("a.jpg", { object: { eTag: "", versionId: "v9" } })]));
    expect(ev!.id).toBe("raw/a.jpg@v9");
    expect(ev).not.toHaveProperty("etag");
  });
});

describe("parseMinioNotification rejects bad input with what and where", () => {
  it("a record without its bucket", () => {
    const r = record("a.jpg") as { s3: { bucket?: unknown } };
    delete r.s3.bucket;
    expect(badMessage(() => parseMinioNotification(notification([record("ok.jpg"), record("ok2.jpg"), r])))).toContain("Records[2].s3.bucket: required");
  });

  it("a record without a bucket name", () => {
    const r = record("a.jpg") as { s3: { bucket: { name?: unknown } } };
    delete r.s3.bucket.name;
    expect(badMessage(() => parseMinioNotification(notification([r])))).toContain("Records[0].s3.bucket.name: required");
  });

  it("a key of the wrong type", () => {
    expect(badMessage(() => parseMinioNotification(notification([record("a", { object: { key: 42 } })])))).toContain(
      "Records[0].s3.object.key: expected string, got a number",
    );
  });

  it.each([
    ["%zz", "a%zzb.jpg", 'Records[0].s3.object.key: invalid escape "%zz" at offset 1'],
    ["a trailing %", "abc%", 'Records[0].s3.object.key: invalid escape "%" at offset 3'],
    ["a truncated %4", "abc%4", 'Records[0].s3.object.key: invalid escape "%4" at offset 3'],
    ["invalid UTF-8", "a%FFb.jpg", "Records[0].s3.object.key: the escaped bytes are not valid UTF-8"],
    ["a lone continuation byte", "%80", "Records[0].s3.object.key: the escaped bytes are not valid UTF-8"],
  ])("a key with %s", (_what, escaped, message) => {
    expect(badMessage(() => parseMinioNotification(notification([record("x", { escapedKey: escaped })])))).toContain(message);
  });

  it.each([
    ["null", null, "got null"],
    ["an array", [], "got an array"],
    ["a string", "hello", "got a string"],
  ])("a notification that is %s", (_what, value, message) => {
    expect(badMessage(() => parseMinioNotification(value))).toContain(message);
  });

  it("Records missing", () => {
    expect(badMessage(() => parseMinioNotification({ EventName: "s3:ObjectCreated:Put", Key: "raw/a" }))).toContain("Records: required");
  });

  it("Records empty", () => {
    expect(badMessage(() => parseMinioNotification(notification([])))).toContain("Records: must hold at least one record");
  });

  it("Records not an array", () => {
    expect(badMessage(() => parseMinioNotification({ Records: { a: 1 } }))).toContain("Records: expected array, got an object");
  });

  it("a record that is not an object", () => {
    expect(badMessage(() => parseMinioNotification(notification([record("a.jpg"), "nope"])))).toContain("Records[1]: expected object, got a string");
  });

  it("more records than the cap, and accepts exactly the cap", () => {
    const r = record("a.jpg");
    expect(DEFAULT_MAX_RECORDS).toBe(10_000);
    expect(parseMinioNotification(notification(Array(3).fill(r)), { maxRecords: 3 })).toHaveLength(3);
    expect(badMessage(() => parseMinioNotification(notification(Array(4).fill(r)), { maxRecords: 3 }))).toContain("Records: 4 records is more than the limit of 3");
    expect(badMessage(() => parseMinioNotification(notification(Array(10_001).fill(r))))).toContain("more than the limit of 10000");
  });

  it("text that is not JSON", () => {
    expect(badMessage(() => parseMinioNotificationText("{not json"))).toMatch(/^not JSON: /);
  });

  it("carries the subject on the error", () => {
    try {
      parseMinioNotificationText("[]", { subject: "minio.events" });
      expect.unreachable();
    } catch (err) {
      expect((err as BadEventError).subject).toBe("minio.events");
    }
  });
});
