/**
 * @module status/processed-event — what became of one event, as the processor reports it: the record
 * `/api/events`, the camera registry, the status bus and the dashboard share.
 */

/** What became of one event, reported for /api/events, cameras and the dashboard. */
export interface ProcessedEvent {
  /** JetStream stream sequence of the message */
  seq?: number;
  /** ISO time MinIO saw the object, or the gateway received the webhook */
  receivedAt: string;
  source: "minio" | "webhook";
  /** the normalized event's id (`bucket/key@etag`, or the webhook's id) */
  id: string;
  bucket?: string;
  key?: string;
  hook?: string;
  camera?: string;
  /** per matched pipeline: the Workflow and the outcome (created, exists, duplicate, sampled, rejected, retrying); empty when none matched */
  matches: { pipeline: string; workflow?: string; outcome: string }[];
  /** why the event could not be processed (bad event) */
  error?: string;
}
