/**
 * @module triggers/sample-notification — a MinIO bucket notification for an object that was not
 * really uploaded, exactly as MinIO would publish it: what the composer's dry run feeds to the matcher
 * when the operator types a key, so the draft is tried through the same parser as real events.
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
}

/**
 * Builds the notification MinIO publishes for a PUT of `o` (one record; key query-escaped; metadata as
 * `X-Amz-Meta-*`). The ETag is derived from bucket and key, so the same sample gives the same event id.
 * @example sampleNotification({ bucket: "raw", key: "gate-01/a.jpg" }).Records[0].s3.object.key // "gate-01%2Fa.jpg"
 */
export function sampleNotification(o: SampleObject) {
  const eventName = o.eventName ?? "s3:ObjectCreated:Put";
  const contentType = o.contentType ?? "image/jpeg";
  const userMetadata: Record<string, string> = { "content-type": contentType };
  for (const [k, v] of Object.entries(o.metadata ?? {})) {
    userMetadata[`X-Amz-Meta-${k.charAt(0).toUpperCase()}${k.slice(1)}`] = v;
  }
  const etag = createHash("md5").update(`${o.bucket}/${o.key}`).digest("hex");
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
        userIdentity: { principalId: "framegate-dry-run" },
        requestParameters: { principalId: "framegate-dry-run", region: "", sourceIPAddress: "127.0.0.1" },
        responseElements: { "x-amz-request-id": "dry-run", "x-minio-origin-endpoint": "http://127.0.0.1:9000" },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "Config",
          bucket: { name: o.bucket, ownerIdentity: { principalId: "framegate-dry-run" }, arn: `arn:aws:s3:::${o.bucket}` },
          object: { key: queryEscape(o.key), size: o.size ?? 102_400, eTag: etag, contentType, userMetadata, sequencer: etag.slice(0, 16).toUpperCase() },
        },
        source: { host: "127.0.0.1", port: "", userAgent: "framegate dry run" },
      },
    ],
  };
}
