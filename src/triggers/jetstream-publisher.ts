/** @module triggers/jetstream-publisher — EventPublisher over JetStream, NATS failures translated once here. */
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { StreamFullError, StreamUnavailableError } from "../lib/errors.js";
import type { EventPublisher } from "./stream.js";

export class JetStreamPublisher implements EventPublisher {
  readonly #js: JetStreamClient;
  constructor(readonly nc: NatsConnection, private readonly timeoutMs = 5000) {
    this.#js = jetstream(nc, { timeout: timeoutMs });
  }

  async publish(subject: string, data: Uint8Array, opts: { msgId: string; headers?: Record<string, string> }) {
    const h = natsHeaders();
    for (const [k, v] of Object.entries(opts.headers ?? {})) h.set(k, v);
    try {
      const ack = await this.#js.publish(subject, data, { msgID: opts.msgId, headers: h, timeout: this.timeoutMs });
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (e) {
      // discard: new — the stream is at its limit and refuses rather than delete what it holds
      if (isStreamFull(e)) throw new StreamFullError(`JetStream stream for ${subject} is full: ${(e as Error).message}`, { cause: e });
      throw new StreamUnavailableError(`JetStream did not store the message on ${subject}: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** nats-server's answers for a stream at max_bytes / max_msgs with discard new (error code 10077). */
export function isStreamFull(e: unknown): boolean {
  return /maximum (bytes|messages) exceeded/i.test((e as Error)?.message ?? "");
}
