/** @module triggers/event — the normalized event every later stage works on. */

/** An object notification from MinIO, one per `Records[]` entry, key already decoded. */
export interface ObjectEvent {
  source: "minio";
  /** identity for dedupe: `bucket/key@etag` (or `@versionId`, else `@sequencer`) */
  id: string;
  eventName: string;
  eventTime: string;
  bucket: string;
  /** decoded object name (no bucket) */
  key: string;
  size?: number;
  etag?: string;
  versionId?: string;
  contentType?: string;
  sequencer?: string;
  /** user metadata, names lowercased, `x-amz-meta-` removed */
  metadata: Record<string, string>;
}

/** A JSON body POSTed to `/hooks/<hook>`. */
export interface HookEvent {
  source: "webhook";
  /** the Idempotency-Key, else a hash of hook + body */
  id: string;
  hook: string;
  body: unknown;
  receivedAt: string;
}

export type NormalizedEvent = ObjectEvent | HookEvent;
