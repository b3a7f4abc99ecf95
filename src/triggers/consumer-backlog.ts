/**
 * @module triggers/consumer-backlog — the durable consumer's backlog as JetStream itself counts it (pending,
 * ack-pending, redelivered), polled from the consumer's info into gauges. The server holds these numbers, so
 * they are the same from every replica and survive a gateway restart: alert rules aggregate them with `max`.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import type { Metrics } from "../lib/metrics.js";

export interface ConsumerBacklog {
  /** not delivered to any replica yet */
  pending: number;
  /** delivered, not acknowledged */
  ackPending: number;
  /** unacknowledged and delivered more than once */
  redelivered: number;
}

/** Reads one consumer's info and mirrors its backlog into the gauges (labelled by consumer name). */
export class ConsumerBacklogMonitor {
  constructor(
    private readonly nc: NatsConnection,
    private readonly stream: string,
    private readonly consumer: string,
    private readonly metrics: Pick<Metrics, "consumerPending" | "consumerAckPending" | "consumerRedelivered">,
  ) {}

  /** @throws the JetStream error when the consumer cannot be read (missing, NATS down): the caller logs it */
  async read(): Promise<ConsumerBacklog> {
    const jsm = await jetstreamManager(this.nc);
    const i = await jsm.consumers.info(this.stream, this.consumer);
    const backlog = { pending: i.num_pending, ackPending: i.num_ack_pending, redelivered: i.num_redelivered };
    const labels = { consumer: this.consumer };
    this.metrics.consumerPending.set(labels, backlog.pending);
    this.metrics.consumerAckPending.set(labels, backlog.ackPending);
    this.metrics.consumerRedelivered.set(labels, backlog.redelivered);
    return backlog;
  }
}
