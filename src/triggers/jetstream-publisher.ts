/** @module triggers/jetstream-publisher — EventPublisher over JetStream, NATS failures translated once here. */
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { StreamUnavailableError } from "../lib/errors.js";
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
      throw new StreamUnavailableError(`JetStream did not store the message on ${subject}: ${(e as Error).message}`, { cause: e });
    }
  }
}
