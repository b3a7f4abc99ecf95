/**
 * @module triggers/swept-object — the intake message the sweep publishes for an object found by listing a
 * bucket: a MinIO notification as MinIO would have sent it, with the object's real ETag (so the event id
 * `bucket/key@etag`, and with it dedupe and the Workflow name, is the one MinIO's own notification has),
 * marked with the `Framegate-Sweep` header (`HEADERS.sweep`) so metrics and logs can tell it from a live notification.
 */
import { sampleNotification } from "./sample-notification.js";
import { HEADERS } from "./wire.js";

/** An object as a bucket listing reports it (`ListObjectsV2` with MinIO's `metadata=true`). */
export interface ListedObject {
  bucket: string;
  /** decoded object name, no bucket */
  key: string;
  /** without quotes; a multipart upload's ends in `-<parts>` */
  etag: string;
  size: number;
  lastModified: Date;
  /** user metadata and content type as MinIO lists them (`X-Amz-Meta-Camera`, `content-type`) */
  userMetadata: Record<string, string>;
  /** true when the listing carried no metadata (MinIO lists it only to identities with s3:GetObject) */
  metadataHidden?: boolean;
}

/** What to publish for one listed object. */
export interface SweptMessage {
  data: Uint8Array;
  /** JetStream message id: two sweeps of one object inside the stream's duplicate window store it once */
  msgId: string;
  headers: Record<string, string>;
}

const enc = new TextEncoder();

/**
 * The notification MinIO would have sent for a listed (or stat'ed) object, as the bytes to publish. The
 * event name cannot be listed: a multipart ETag means `CompleteMultipartUpload`, anything else is
 * reported as `Put` (a server-side copy looks the same). `eventTime` defaults to the object's lastModified.
 */
export function objectNotification(o: ListedObject, origin: string, eventTime: Date = o.lastModified): Uint8Array {
  const contentType = Object.entries(o.userMetadata).find(([k]) => k.toLowerCase() === "content-type")?.[1];
  const n = sampleNotification({
    bucket: o.bucket,
    key: o.key,
    size: o.size,
    etag: o.etag,
    contentType: contentType ?? "",
    userMetadata: o.userMetadata,
    eventName: /-\d+$/.test(o.etag) ? "s3:ObjectCreated:CompleteMultipartUpload" : "s3:ObjectCreated:Put",
    eventTime: eventTime.toISOString(),
    origin,
  });
  return enc.encode(JSON.stringify(n));
}

/**
 * The sweep's message for a listed object: its notification, marked with the `Framegate-Sweep` header.
 * @example sweptMessage({ bucket: "raw", key: "gate-01/a.jpg", etag: "9b2c", size: 10, lastModified: new Date(), userMetadata: {} }, "gateway").msgId // "sweep:raw/gate-01/a.jpg@9b2c"
 */
export function sweptMessage(o: ListedObject, origin: string): SweptMessage {
  return { data: objectNotification(o, "framegate sweep"), msgId: `sweep:${o.bucket}/${o.key}@${o.etag}`, headers: { [HEADERS.sweep]: origin } };
}
