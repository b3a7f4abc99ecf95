/**
 * @module status/processed-event — what became of one event, as the processor reports it: the record
 * `/api/events`, the camera registry, the status bus and the dashboard share. The schema is what a report
 * arriving from another replica over the status bus must satisfy before anything reads it.
 */
import { z } from "zod";

/** Longest string a report may carry (ids, keys, reasons); NATS max_payload bounds the whole report too. */
const MAX_TEXT = 64 * 1024;
const text = z.string().max(MAX_TEXT);

export const processedEventSchema = z.object({
  /** JetStream stream sequence of the message */
  seq: z.number().int().nonnegative().optional(),
  /** ISO time MinIO saw the object, or the gateway received the webhook */
  receivedAt: text,
  source: z.enum(["minio", "webhook"]),
  /** the normalized event's id (`bucket/key@etag`, or the webhook's id) */
  id: text,
  bucket: text.optional(),
  key: text.optional(),
  hook: text.optional(),
  camera: text.optional(),
  /** per matched pipeline: the Workflow and the outcome (created, exists, duplicate, sampled, suspended, deleted, rejected, retrying); empty when none matched */
  matches: z.array(z.object({ pipeline: text, workflow: text.optional(), outcome: text })).max(10_000),
  /** why the event could not be processed (bad event) */
  error: text.optional(),
});

/** What became of one event, reported for /api/events, cameras and the dashboard. */
export type ProcessedEvent = z.infer<typeof processedEventSchema>;
