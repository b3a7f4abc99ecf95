/**
 * @module triggers/minio-event — MinIO bucket notifications (NATS and webhook targets send the same JSON)
 * to one `ObjectEvent` per record.
 */
import { z } from "zod";
import { BadEventError } from "../lib/errors.js";
import { describeIssues, eventErrorMap } from "./describe-issue.js";
import type { ObjectEvent } from "./event.js";
import { queryUnescape } from "./query-unescape.js";

/** Notifications with more records than this are rejected unless the caller raises the cap. */
export const DEFAULT_MAX_RECORDS = 10_000;

// Loose objects: MinIO adds fields between releases (x-amz-id-2, source.port ...); only what we read is checked.
const objectSchema = z.looseObject({
  key: z.string().min(1, "must not be empty"),
  // Go's `omitempty`: a 0-byte upload has no `size` at all
  size: z.number().int().nonnegative().optional(),
  eTag: z.string().optional(),
  contentType: z.string().optional(),
  userMetadata: z.record(z.string(), z.string()).nullish(),
  versionId: z.string().optional(),
  sequencer: z.string().optional(),
});

/** One `Records[]` entry as MinIO writes it (`internal/event/event.go`). */
export const minioRecordSchema = z.looseObject({
  eventVersion: z.string().optional(),
  eventSource: z.string().optional(),
  eventTime: z.string().min(1, "must not be empty"),
  eventName: z.string().min(1, "must not be empty"),
  s3: z.looseObject({
    bucket: z.looseObject({ name: z.string().min(1, "must not be empty") }),
    object: objectSchema,
  }),
});

const envelopeSchema = z.looseObject({
  EventName: z.string().optional(),
  Key: z.string().optional(),
  Records: z.array(z.unknown()).min(1, "must hold at least one record"),
});

export type MinioRecord = z.infer<typeof minioRecordSchema>;

/** Options for {@link parseMinioNotification}. */
export interface ParseMinioOptions {
  /** reject notifications with more records than this (default {@link DEFAULT_MAX_RECORDS}) */
  maxRecords?: number;
  /** carried on the BadEventError (the JetStream subject the message came from) */
  subject?: string;
}

const META_PREFIX = "x-amz-meta-";

/** A removed object has no size, ETag or metadata (MinIO leaves them out for both delete kinds). */
function isRemoval(eventName: string): boolean {
  return eventName.startsWith("s3:ObjectRemoved:");
}

function normalizeRecord(rec: MinioRecord, where: string, opts: ParseMinioOptions): ObjectEvent {
  const o = rec.s3.object;
  const decoded = queryUnescape(o.key);
  if (!decoded.ok) throw new BadEventError(`bad MinIO notification: ${where}.s3.object.key: ${decoded.message}`, opts.subject);
  const key = decoded.value;
  const bucket = rec.s3.bucket.name;

  const metadata: Record<string, string> = {};
  let metaContentType: string | undefined;
  for (const [name, value] of Object.entries(o.userMetadata ?? {})) {
    const lower = name.toLowerCase();
    if (lower.startsWith(META_PREFIX) && lower.length > META_PREFIX.length) metadata[lower.slice(META_PREFIX.length)] = value;
    else if (lower === "content-type") metaContentType = value;
  }

  const removed = isRemoval(rec.eventName);
  const etag = removed || !o.eTag ? undefined : o.eTag;
  const versionId = o.versionId || undefined;
  const sequencer = o.sequencer || undefined;
  const version = etag ?? versionId ?? sequencer ?? rec.eventTime;

  const ev: ObjectEvent = {
    source: "minio",
    id: `${bucket}/${key}@${version}`,
    eventName: rec.eventName,
    eventTime: rec.eventTime,
    bucket,
    key,
    metadata,
  };
  if (!removed) ev.size = o.size ?? 0;
  if (etag !== undefined) ev.etag = etag;
  if (versionId !== undefined) ev.versionId = versionId;
  const contentType = o.contentType || metaContentType;
  if (!removed && contentType) ev.contentType = contentType;
  if (sequencer !== undefined) ev.sequencer = sequencer;
  return ev;
}

/**
 * Turns a parsed MinIO notification into one event per record, keys decoded.
 * @throws BadEventError naming what is wrong and where, e.g. `Records[2].s3.bucket.name: required`
 * @example parseMinioNotification(JSON.parse(body)).map((e) => e.key)
 */
export function parseMinioNotification(input: unknown, opts: ParseMinioOptions = {}): ObjectEvent[] {
  const max = opts.maxRecords ?? DEFAULT_MAX_RECORDS;
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new BadEventError(
      `a MinIO notification is a JSON object with "Records", got ${input === null ? "null" : Array.isArray(input) ? "an array" : `a ${typeof input}`}`,
      opts.subject,
    );
  }
  const env = envelopeSchema.safeParse(input, { error: eventErrorMap });
  if (!env.success) throw new BadEventError(`not a MinIO notification: ${describeIssues(env.error.issues)}`, opts.subject);
  const records = env.data.Records;
  if (records.length > max) {
    throw new BadEventError(
      `Records: ${records.length} records is more than the limit of ${max}; MinIO sends one record per notification — split the input, or raise the limit if this is expected`,
      opts.subject,
    );
  }
  return records.map((raw, i) => {
    const where = `Records[${i}]`;
    const rec = minioRecordSchema.safeParse(raw, { error: eventErrorMap });
    if (!rec.success) throw new BadEventError(`bad MinIO notification: ${describeIssues(rec.error.issues, where)}`, opts.subject);
    return normalizeRecord(rec.data, where, opts);
  });
}

/**
 * Parses the JSON text of a MinIO notification (a NATS message body or a webhook POST).
 * @throws BadEventError when the text is not JSON or not a notification
 */
export function parseMinioNotificationText(text: string, opts: ParseMinioOptions = {}): ObjectEvent[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BadEventError(`not JSON: ${(err as Error).message}`, opts.subject, { cause: err });
  }
  return parseMinioNotification(value, opts);
}

/** True when the value looks like a MinIO notification (has `Records` or `EventName`), valid or not. */
export function looksLikeMinioNotification(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value) && ("Records" in value || "EventName" in value);
}
