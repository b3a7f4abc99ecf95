/**
 * @module test/faults/corpus — bad (and borderline) input for the gateway, as bytes: truncated JSON,
 * wrong types, bytes that are not UTF-8, bodies over the limits, notifications with too many records,
 * 1,024-byte object keys, camera ids that are no valid label values.
 */
import { sampleNotification } from "../../src/triggers/sample-notification.js";

const enc = new TextEncoder();

/** A MinIO notification for one object, as bytes. */
export function notificationBytes(bucket: string, key: string): Uint8Array {
  return enc.encode(JSON.stringify(sampleNotification({ bucket, key })));
}

/** The first `bytes` of a real notification: JSON cut off mid-record. */
export function truncatedJson(bytes = 150): Uint8Array {
  return notificationBytes("raw", "bad-cut/2026/11/28/120000-1.jpg").slice(0, bytes);
}

/** A notification whose record has a string `size` and a numeric `eventTime`. */
export function wrongTypes(): Uint8Array {
  const n = sampleNotification({ bucket: "raw", key: "bad-types/2026/11/28/120000-1.jpg" });
  const rec = n.Records[0]! as unknown as Record<string, unknown> & { s3: { object: Record<string, unknown> } };
  rec.eventTime = 20261128;
  rec.s3.object.size = "big";
  return enc.encode(JSON.stringify(n));
}

/** `{"camera": "` then bytes that are not UTF-8 (a lone continuation byte, an overlong form). */
export function invalidUtf8(): Uint8Array {
  return new Uint8Array([...enc.encode('{"camera": "'), 0x80, 0xc0, 0xaf, 0xff, ...enc.encode('", "kind": "motion"}')]);
}

/** A JSON object padded to exactly `bytes` bytes. */
export function paddedObject(bytes: number, fields: Record<string, string> = {}): Uint8Array {
  const head = JSON.stringify({ ...fields, pad: "" });
  return enc.encode(head.slice(0, -2) + "x".repeat(bytes - head.length) + '"}');
}

/**
 * A notification with `n` minimal records (bucket `n`, which no rule watches): 84 bytes a record, so
 * 10,001 of them still fit NATS's 1 MiB message limit and the gateway's 1 MiB body limit.
 */
export function manyRecords(n: number): Uint8Array {
  const rec = JSON.stringify({ eventTime: "t", eventName: "x", s3: { bucket: { name: "n" }, object: { key: "k" } } });
  return enc.encode(`{"Records":[${Array(n).fill(rec).join(",")}]}`);
}

/**
 * An object key of exactly `bytes` bytes under `camera`, as `<camera>/2026/11/28/<segments>.jpg` with no
 * segment over 200 bytes (MinIO keeps each segment as a file or directory name).
 */
export function longKey(camera: string, bytes = 1024): string {
  const head = `${camera}/2026/11/28/`;
  let rest = bytes - head.length - ".jpg".length;
  const segs: string[] = [];
  // every segment but the last costs its 199 characters and the "/" after it
  for (; rest > 200; rest -= 200) segs.push("s".repeat(199));
  segs.push("f".repeat(rest));
  const key = head + segs.join("/") + ".jpg";
  if (Buffer.byteLength(key) !== bytes) throw new Error(`longKey: built ${Buffer.byteLength(key)} bytes, wanted ${bytes}`);
  return key;
}

/**
 * Camera ids no Kubernetes label value can hold, with the label framegate should give them ("" = no
 * label); `{{...}}` is refused outright (Argo would read it as a template tag).
 */
export const ODD_CAMERAS: { id: string; label: string }[] = [
  { id: "Cam #7 (north)", label: "Cam-7-north" },
  { id: "___", label: "" },
  { id: `${"x".repeat(80)}-cam`, label: "x".repeat(63) },
  { id: "Ωmega", label: "mega" },
];

/** A camera id that must be dead-lettered, never rendered. */
export const TEMPLATE_CAMERA = "{{workflow.name}}";
