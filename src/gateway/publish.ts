/**
 * @module gateway/publish — puts an accepted body into the stream, or answers 503 with nothing claimed.
 * The gateway replies 202 only after JetStream stored the message: acceptance means durability.
 */
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { StreamFullError, StreamUnavailableError } from "../lib/errors.js";
import type { EventPublisher } from "../triggers/stream.js";
import { HttpError } from "./http-error.js";

/** Seconds a client is told to wait after a 503. */
export const RETRY_AFTER_SECONDS = 5;

/** Hex SHA-256 of the given parts, in order. */
export function sha256Hex(...parts: (string | Uint8Array)[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/**
 * Publishes and maps every failure to a 503 with `Retry-After`.
 * @throws HttpError 503 when the publisher throws (the error itself is logged, not sent)
 */
export async function publishOrUnavailable(
  publisher: EventPublisher,
  log: Logger,
  subject: string,
  data: Uint8Array,
  opts: { msgId: string; headers: Record<string, string> },
): Promise<{ seq: number; duplicate: boolean }> {
  try {
    return await publisher.publish(subject, data, opts);
  } catch (err) {
    if (err instanceof StreamFullError) {
      log.warn({ err, subject, msgId: opts.msgId }, "intake full; answering 503");
      throw new HttpError(
        503,
        `the intake is full: the event stream (JetStream) is at its byte limit because processing is behind, and nothing was stored — retry in ${RETRY_AFTER_SECONDS * 6} s or later with the same body (and the same Idempotency-Key, if any); operators: see framegate_jetstream_stream_bytes and /readyz, fix what holds processing up, or raise FRAMEGATE_STREAM_MAX_BYTES and run \`framegate setup\``,
        { "Retry-After": String(RETRY_AFTER_SECONDS * 6) },
        { cause: err, code: "intake-full" },
      );
    }
    log.warn({ err, subject, msgId: opts.msgId }, "publish failed; answering 503");
    const why = err instanceof StreamUnavailableError ? "the event stream (NATS JetStream) is unavailable" : "storing the event in the stream failed";
    throw new HttpError(
      503,
      `${why}; nothing was stored — retry in ${RETRY_AFTER_SECONDS} s with the same body (and the same Idempotency-Key, if any)`,
      { "Retry-After": String(RETRY_AFTER_SECONDS) },
      { cause: err, code: "stream-unavailable" },
    );
  }
}
