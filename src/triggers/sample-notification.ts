/**
 * @module triggers/sample-notification — a MinIO bucket notification built by framegate, exactly as
 * MinIO would publish it: what the composer's dry run feeds to the matcher when the operator types a key
 * (so a draft is tried through the same parser as real events), and what the sweep publishes for an
 * object MinIO never notified (with the object's real ETag, so the event has the identity MinIO's would).
 */
import { createHash } from "node:crypto";
import { queryEscape } from "./query-unescape.js";

/** The object a sample notification describes; everything but `bucket` and `key` is optional. */
export interface SampleObject {
  bucket: string;
  /** object name without the bucket, e.g. `gate-01/2026/11/28/120000-1.jpg` */
  key: string;
  size?: number;
  contentType?: string;
  /** user metadata without the `x-amz-meta-` prefix (`{ camera: "gate-01" }`) */
  metadata?: Record<string, string>;
  /** default `s3:ObjectCreated:Put` */
  eventName?: string;
  /** default now */
  eventTime?: string;
  /** the object's ETag; default: derived from bucket and key (a stable id for a sample) */
  etag?: string;
  /** user metadata exactly as MinIO lists it (`X-Amz-Meta-Camera`, `content-type`); replaces `metadata` */
  userMetadata?: Record<string, string>;
  /** who made the notification, shown as its principal and user agent (default "framegate dry run") */
  origin?: string;
}

/**
 * Builds the notification MinIO publishes for a PUT of `o` (one record; key query-escaped; metadata as
 * `X-Amz-Meta-*`). The ETag is derived from bucket and key, so the same sample gives the same event id.
 * @example sampleNotification({ bucket: "raw", key: "gate-01/a.jpg" }).Records[0].s3.object.key // "gate-01%2Fa.jpg"
 */
export function sampleNotification(o: SampleObject) {
  const eventName = o.eventName ?? "s3:ObjectCreated:Put";
  const contentType = o.contentType ?? "image/jpeg";
  const userMetadata: Record<string, string> = o.userMetadata ?? { "content-type": contentType };
  if (!o.userMetadata) {
    for (const [k, v] of Object.entries(o.metadata ?? {})) {
      userMetadata[`X-Amz-Meta-${k.charAt(0).toUpperCase()}${k.slice(1)}`] = v;
    }
  }
  const etag = o.etag ?? createHash("md5").update(`${o.bucket}/${o.key}`).digest("hex");
  const origin = o.origin ?? "framegate dry run";
  const principalId = origin.replace(/ /g, "-");
  return {
    EventName: eventName,
    Key: `${o.bucket}/${o.key}`,
    Records: [
      {
        eventVersion: "2.0",
        eventSource: "minio:s3",
        awsRegion: "",
        eventTime: o.eventTime ?? new Date().toISOString(),
        eventName,
        userIdentity: { principalId },
        requestParameters: { principalId, region: "", sourceIPAddress: "127.0.0.1" },
        responseElements: { "x-amz-request-id": principalId, "x-minio-origin-endpoint": "http://127.0.0.1:9000" },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "Config",
          bucket: { name: o.bucket, ownerIdentity: { principalId }, arn: `arn:aws:s3:::${o.bucket}` },
          object: { key: queryEscape(o.key), size: o.size ?? 102_400, eTag: etag, contentType, userMetadata, sequencer: etag.replace(/[^0-9a-f]/gi, "").slice(0, 16).toUpperCase() },
        },
        source: { host: "127.0.0.1", port: "", userAgent: origin },
      },
    ],
  };
}
