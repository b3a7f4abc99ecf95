/**
 * @module flow/dead-letter — copies a message that will not be retried to `framegate.dlq.<kind>` with the
 * reason, so nothing is silently dropped; `framegate replay` re-drives these copies.
 */
import type { DEAD_LETTER_REASONS } from "../lib/metrics.js";
import type { EventPublisher } from "../triggers/stream.js";
import { DLQ_HEADERS, EVENT_HEADERS, HEADERS, dlqSubject } from "../triggers/wire.js";
import type { InboundMessage } from "../triggers/decision.js";

/** Why a message went to the dead-letter stream; also the last subject token. */
export type DeadLetterKind = (typeof DEAD_LETTER_REASONS)[number];

export interface DeadLetter {
  send(msg: InboundMessage, kind: DeadLetterKind, reason: string, pipeline?: string): Promise<void>;
}

/** Publishes dead letters into the DLQ stream; idempotent per (original seq, pipeline) through Nats-Msg-Id. */
export class StreamDeadLetter implements DeadLetter {
  constructor(private readonly publisher: EventPublisher) {}

  async send(msg: InboundMessage, kind: DeadLetterKind, reason: string, pipeline?: string): Promise<void> {
    const headers: Record<string, string> = {
      [DLQ_HEADERS.reason]: oneLine(reason),
      [DLQ_HEADERS.kind]: kind,
      [DLQ_HEADERS.subject]: msg.subject,
      [DLQ_HEADERS.seq]: String(msg.seq),
      [DLQ_HEADERS.at]: new Date().toISOString(),
      [DLQ_HEADERS.deliveries]: String(msg.deliveryCount),
    };
    if (pipeline) headers[DLQ_HEADERS.pipeline] = pipeline;
    for (const h of EVENT_HEADERS) {
      const v = msg.header(h);
      if (v) headers[h] = v;
    }
    const msgId = msg.header(HEADERS.msgId);
    if (msgId) headers[DLQ_HEADERS.msgId] = msgId;
    await this.publisher.publish(dlqSubject(kind), msg.data, {
      msgId: `dlq-${msg.seq}-${pipeline ?? "*"}`,
      headers,
    });
  }
}

/** NATS headers are single lines; keep reasons readable and bounded. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " | ").slice(0, 2000);
}
