/**
 * @module flow/batch-record — what a batch stores of its frames in the state store, so a redelivered frame can
 * re-create its batch's Workflow: the first frame in full, the others as the two things the Workflow names of
 * them (the event id, and the object it processes). Rendering reads nothing else of a frame after the first
 * (`renderWorkflow`: template variables, annotations and the camera come from the first match; `{keys}`,
 * `{count}` and the name from every event's id and object), which `batch-record.test.ts` checks by rendering both.
 */
import type { Match } from "../rules/types.js";
import type { NormalizedEvent } from "../triggers/event.js";

/** A frame in full: what the matcher gives again for its event (the head of a batch, and every frame of a full record). */
export interface StoredFrame {
  event: NormalizedEvent;
  vars: Record<string, string>;
  camera?: string;
}

/** A frame after the first: its event id, and the object its Workflow processes (a MinIO key, or a webhook body's bucket and key). */
export interface BatchFrame {
  id: string;
  key?: string;
  bucket?: string;
}

/** A batch whose membership was claimed all at once (the atomic claim): the head in full, the rest compact. */
export interface CompactRecord {
  pipeline: string;
  partition: string;
  head: StoredFrame;
  rest: BatchFrame[];
}

/**
 * A batch claimed frame by frame (the fallback when the atomic claim is refused): every frame in full, because
 * another batch may take any of them, the first included, and the batch's Workflow is rendered from what remains.
 */
export interface FullRecord {
  pipeline: string;
  partition: string;
  frames: StoredFrame[];
}

export type BatchRecord = CompactRecord | FullRecord;

export function storedFrame(m: Match): StoredFrame {
  return { event: m.event, vars: m.vars, camera: m.camera };
}

/** The id and object of a frame, as a batch keeps a frame after its first. */
export function batchFrame(m: Match): BatchFrame {
  const e = m.event;
  if (e.source === "minio") return { id: e.id, key: e.key };
  const body = e.body !== null && typeof e.body === "object" ? (e.body as Record<string, unknown>) : {};
  return typeof body.bucket === "string" && typeof body.key === "string" ? { id: e.id, bucket: body.bucket, key: body.key } : { id: e.id };
}

export function compactRecord(pipeline: string, partition: string, matches: readonly Match[]): CompactRecord {
  return { pipeline, partition, head: storedFrame(matches[0]!), rest: matches.slice(1).map(batchFrame) };
}

export function fullRecord(pipeline: string, partition: string, matches: readonly Match[]): FullRecord {
  return { pipeline, partition, frames: matches.map(storedFrame) };
}

/** Every frame's event id, the head's first. */
export function recordIds(r: BatchRecord): string[] {
  return "frames" in r ? r.frames.map((f) => f.event.id) : [r.head.event.id, ...r.rest.map((f) => f.id)];
}

/**
 * The matches a stored batch is rendered from, given the frames of `r` it owns (`ids`) and the current rules
 * (`rematch`: undefined when the pipeline no longer matches the frame). A compact record's head always belongs to
 * its batch (the claim was all or nothing); the frames after it become the head's match carrying their id and
 * object, which is all rendering reads of them.
 */
export function recordMatches(r: BatchRecord, ids: ReadonlySet<string>, rematch: (f: StoredFrame) => Match | undefined): Match[] {
  if ("frames" in r) return r.frames.filter((f) => ids.has(f.event.id)).flatMap((f) => rematch(f) ?? []);
  const head = ids.has(r.head.event.id) ? rematch(r.head) : undefined;
  if (!head) return [];
  return [head, ...r.rest.filter((f) => ids.has(f.id)).map((f) => asMatch(head, f))];
}

function asMatch(head: Match, f: BatchFrame): Match {
  const e = head.event;
  if (e.source === "minio") return { ...head, event: { ...e, id: f.id, key: f.key ?? "" } };
  return { ...head, event: { ...e, id: f.id, body: f.key === undefined ? null : { bucket: f.bucket, key: f.key } } };
}
