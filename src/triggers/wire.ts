/**
 * @module triggers/wire — the intake's wire format in one place: the subjects of the FRAMEGATE and
 * dead-letter streams, the header names framegate sets, how the gateway encodes an accepted body into a
 * stream message ({@link encodeIntake}) and how the consumer decodes one into events ({@link decodeMessage}).
 */
import { BadEventError } from "../lib/errors.js";
import type { InboundMessage } from "./decision.js";
import type { NormalizedEvent } from "./event.js";
import { createHookEvent } from "./hook-event.js";
import { parseMinioNotificationText } from "./minio-event.js";

/** The subject MinIO's NATS target publishes on unless `FRAMEGATE_MINIO_SUBJECT` says otherwise. */
export const DEFAULT_MINIO_SUBJECT = "minio.events";
/**
 * The subject MinIO's second, store-less NATS target (the fast path) publishes on unless
 * `FRAMEGATE_MINIO_FAST_SUBJECT` says otherwise: the same notifications, at once instead of 0-3 s later.
 */
export const DEFAULT_MINIO_FAST_SUBJECT = "minio.fast";
/** Webhook events: `framegate.hooks.<hook>`. */
export const HOOK_SUBJECT_PREFIX = "framegate.hooks.";
/** Dead letters: `framegate.dlq.<kind>`. */
export const DLQ_SUBJECT_PREFIX = "framegate.dlq.";

/** The subject an integration's events are published on. */
export function hookSubject(hook: string): string {
  return `${HOOK_SUBJECT_PREFIX}${hook}`;
}

/** The subject a dead letter of `kind` is published on. */
export function dlqSubject(kind: string): string {
  return `${DLQ_SUBJECT_PREFIX}${kind}`;
}

/** Core NATS (no stream stores it): the status reports every replica shares, one subject per intake stream. */
export function statusSubject(stream: string): string {
  return `framegate.status.${stream}`;
}

/** Headers of intake messages. */
export const HEADERS = {
  /** JetStream's deduplication id (its duplicate window drops a second message with the same id) */
  msgId: "Nats-Msg-Id",
  /** the event's id (a webhook's Idempotency-Key, or a hash of the body) */
  eventId: "Framegate-Event-Id",
  /** when the gateway accepted the body (RFC 3339) */
  receivedAt: "Framegate-Received-At",
  /** the HTTP request that carried it, for following one event through the logs */
  requestId: "Framegate-Request-Id",
  /** set by `framegate replay` on re-driven messages: `<stream>:<seq>` */
  replay: "Framegate-Replay",
  /** set by the reconciliation sweep on notifications it made for listed objects: who swept (`gateway`, `cli`) */
  sweep: "Framegate-Sweep",
  /** set by an on-demand run (`framegate run`, `POST /api/pipelines/:name/run`): only this pipeline considers the event */
  runPipeline: "Framegate-Run-Pipeline",
  /** set by a forced on-demand run: a nonce that gives the event a new identity (id `<id>#run-<nonce>`), so dedupe and the Workflow name see a new event */
  runForce: "Framegate-Run-Force",
  /** on a status report (core NATS): the replica that published it, which already delivered it to itself */
  statusOrigin: "Framegate-Status-Origin",
} as const;

/**
 * The identity of a forced run of event `id`: dedupe and the Workflow name (a hash of the ids) see a new event.
 * @example forcedEventId("raw/a.jpg@9b2c", "m1x2") // "raw/a.jpg@9b2c#run-m1x2"
 */
export function forcedEventId(id: string, nonce: string): string {
  return `${id}#run-${nonce}`;
}

/** Headers of dead letters (`framegate.dlq.<kind>`), which `framegate replay` reads back. */
export const DLQ_HEADERS = {
  reason: "Framegate-Dlq-Reason",
  kind: "Framegate-Dlq-Kind",
  subject: "Framegate-Original-Subject",
  seq: "Framegate-Original-Seq",
  msgId: "Framegate-Original-Msg-Id",
  pipeline: "Framegate-Pipeline",
  at: "Framegate-Dead-Lettered-At",
  deliveries: "Framegate-Deliveries",
} as const;

/** The headers that travel with an event from intake through dead letters and replays. */
export const EVENT_HEADERS = [HEADERS.eventId, HEADERS.receivedAt, HEADERS.runPipeline, HEADERS.runForce] as const;

/**
 * The headers the gateway publishes an accepted body with.
 * @example encodeIntake({ eventId: id, requestId }) // { "Framegate-Received-At": "2026-…", "Framegate-Event-Id": id, ... }
 */
export function encodeIntake(input: { eventId: string; requestId?: string; receivedAt?: Date }): Record<string, string> {
  return {
    [HEADERS.receivedAt]: (input.receivedAt ?? new Date()).toISOString(),
    [HEADERS.eventId]: input.eventId,
    ...(input.requestId !== undefined && { [HEADERS.requestId]: input.requestId }),
  };
}

/** A stream message with its events decoded, or why it has none. */
export type Decoded =
  | { ok: true; events: NormalizedEvent[] }
  | { ok: false; error: BadEventError; source: NormalizedEvent["source"] };

/** What the consumer hands the processor: the message (for acks and dead letters) and its events. */
export interface DecodedMessage extends InboundMessage {
  decoded: Decoded;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes `msg` into events; anything that is not an event becomes `{ ok: false }` with a
 * BadEventError saying what is wrong (the message is dead-lettered, never retried). Adds `decoded` to `msg`.
 * `minioSubjects`: the subjects MinIO's notifications come on (its durable target's, and its fast target's).
 * @example decodeMessage(inbound(m), [cfg.FRAMEGATE_MINIO_SUBJECT, cfg.FRAMEGATE_MINIO_FAST_SUBJECT]).decoded // { ok: true, events: [...] }
 */
export function decodeMessage<M extends InboundMessage>(msg: M, minioSubjects: string | readonly string[]): M & DecodedMessage {
  const minio = typeof minioSubjects === "string" ? [minioSubjects] : minioSubjects;
  let decoded: Decoded;
  try {
    decoded = { ok: true, events: decodeEvents(msg, minio) };
  } catch (e) {
    const error = e instanceof BadEventError ? e : new BadEventError(`could not decode: ${(e as Error).message}`, msg.subject, { cause: e });
    decoded = { ok: false, error, source: minio.includes(msg.subject) ? "minio" : "webhook" };
  }
  // the message object itself: its release() and working() stay the ones the consumer made
  return Object.assign(msg, { decoded });
}

/** @throws BadEventError for anything that is not an event on a subject framegate reads */
function decodeEvents(msg: InboundMessage, minioSubjects: readonly string[]): NormalizedEvent[] {
  let text: string;
  try {
    text = utf8.decode(msg.data);
  } catch {
    throw new BadEventError("the message is not valid UTF-8 text: events are JSON", msg.subject);
  }
  if (minioSubjects.includes(msg.subject)) {
    const events = parseMinioNotificationText(text, { subject: msg.subject });
    const nonce = msg.header(HEADERS.runForce);
    return nonce ? events.map((e) => ({ ...e, id: forcedEventId(e.id, nonce) })) : events;
  }
  if (msg.subject.startsWith(HOOK_SUBJECT_PREFIX)) {
    const hook = msg.subject.slice(HOOK_SUBJECT_PREFIX.length);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new BadEventError(`hook "${hook}": body is not JSON: ${(e as Error).message}`, msg.subject, { cause: e });
    }
    return [
      createHookEvent({
        hook,
        body,
        id: msg.header(HEADERS.eventId) ?? msg.header(HEADERS.msgId),
        receivedAt: msg.header(HEADERS.receivedAt) ?? new Date(msg.timestampMs).toISOString(),
      }),
    ];
  }
  throw new BadEventError(`no event source publishes on "${msg.subject}": expected ${minioSubjects.join(", ")} or ${HOOK_SUBJECT_PREFIX}<hook>`, msg.subject);
}
