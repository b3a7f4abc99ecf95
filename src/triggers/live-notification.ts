/**
 * @module triggers/live-notification — the intake message for one record of MinIO's live event stream
 * (ListenBucketNotification): the notification MinIO's NATS target would publish for the same event, so the
 * decoder gives it the same event id (`bucket/key@etag`), hence the same dedupe key and Workflow name.
 */
import { z } from "zod";
import { BadEventError } from "../lib/errors.js";
import { describeIssues, eventErrorMap } from "./describe-issue.js";
import { minioRecordSchema } from "./minio-event.js";
import { queryEscape } from "./query-unescape.js";
import { HEADERS } from "./wire.js";

/** What to publish for one live record. */
export interface LiveMessage {
  data: Uint8Array;
  /** `live:<bucket>/<key>@<etag>`: replicas that all listen publish one copy (JetStream's duplicate window) */
  msgId: string;
  headers: Record<string, string>;
  /** the event id the decoder will give it (what the durable copy decodes to as well) */
  eventId: string;
}

const enc = new TextEncoder();

/**
 * The intake message for one live record. MinIO's listen stream writes `s3.object.key` unescaped, while its
 * targets write it query-escaped (`url.QueryEscape`, `cmd/event-notification.go`): the key is escaped here,
 * or a `+` in a name would decode to a space and the event would get another id.
 * @throws BadEventError when the record is not an object event
 * @example liveMessage(record).msgId // "live:raw/gate-01/a.jpg@9b2c..."
 */
export function liveMessage(record: unknown): LiveMessage {
  const r = minioRecordSchema.safeParse(record, { error: eventErrorMap });
  if (!r.success) throw new BadEventError(`bad record in MinIO's live event stream: ${describeIssues(r.error.issues, "record")}`);
  const rec = r.data;
  const key = rec.s3.object.key;
  const bucket = rec.s3.bucket.name;
  const o = rec.s3.object;
  // the same precedence as minio-event.ts: ETag, then version, then sequencer, then the event time
  const removed = rec.eventName.startsWith("s3:ObjectRemoved:");
  const version = (!removed && o.eTag) || o.versionId || o.sequencer || rec.eventTime;
  const eventId = `${bucket}/${key}@${version}`;
  const escaped = { ...rec, s3: { ...rec.s3, object: { ...o, key: queryEscape(key) } } };
  const notification = { EventName: rec.eventName, Key: `${bucket}/${key}`, Records: [escaped] };
  return { data: enc.encode(JSON.stringify(notification)), msgId: `live:${eventId}`, headers: { [HEADERS.fastPath]: "live" }, eventId };
}

/** One line of the listen stream: `{"Records":[...]}`, or `{"Records":null}` for a ping. */
const lineSchema = z.looseObject({ Records: z.array(z.unknown()).nullish() });

/**
 * The records of one line of the listen stream (none for a ping or a blank keep-alive).
 * @throws BadEventError when the line is not JSON or has no `Records`
 */
export function liveRecords(line: string): unknown[] {
  if (line.trim() === "") return [];
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new BadEventError(`MinIO's live event stream sent a line that is not JSON: ${(e as Error).message}`, undefined, { cause: e });
  }
  const r = lineSchema.safeParse(value, { error: eventErrorMap });
  if (!r.success) throw new BadEventError(`MinIO's live event stream sent a line without Records: ${describeIssues(r.error.issues)}`);
  return r.data.Records ?? [];
}
