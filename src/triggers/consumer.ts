/**
 * @module triggers/consumer — the durable pull consumer: pulls, decodes (wire.ts), hands each message and
 * its events to the handler with bounded concurrency, and maps the handler's Decision to JetStream in this one place.
 * Several gateway replicas bind the same durable consumer; JetStream spreads messages among them.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { Metrics } from "../lib/metrics.js";
import type { Decision, InboundMessage } from "./decision.js";
import { decodeMessage, type DecodedMessage } from "./wire.js";
import { turnBatchOf } from "../lib/turn-batch.js";

export interface ConsumerOptions {
  stream: string;
  consumer: string;
  /** messages processed at once */
  maxInFlight: number;
  /** ack_wait of the consumer; long handlers send working() at a third of it */
  ackWaitMs: number;
  /** the subjects MinIO's notifications come on (its durable target's and its fast target's); the others are `framegate.hooks.<hook>` */
  minioSubjects: readonly string[];
  log: Logger;
  metrics: Metrics;
  /** gets every message decoded (wire.ts): its events, or why it has none */
  handle(msg: DecodedMessage): Promise<Decision>;
}

/** Adapts a JsMsg to the handler's view of a message. */
export function inbound(m: JsMsg, release?: () => void, trySlot?: () => (() => void) | undefined): InboundMessage {
  return {
    release,
    trySlot,
    subject: m.subject,
    data: m.data,
    seq: m.seq,
    deliveryCount: m.info.deliveryCount,
    timestampMs: Math.floor(m.info.timestampNanos / 1_000_000),
    header: (name) => m.headers?.get(name) || undefined,
    working: () => m.working(),
  };
}

/**
 * How long one pull request lives. nats.js expects a heartbeat every half of it and pulls again after two
 * missed ones: when the consumer's leader dies (a NATS server lost in a cluster) the pull it held is gone
 * with it, and the gateway pulls from the new leader after ~10 s instead of the default ~30 s.
 */
export const PULL_EXPIRES_MS = 10_000;

export class StreamConsumer {
  readonly #nc: NatsConnection;
  readonly #o: ConsumerOptions;
  #messages?: ConsumerMessages;
  #inFlight = new Map<number, JsMsg>();
  /** handlers holding a processing slot (in flight minus those only waiting) */
  #busy = 0;
  #slots: (() => void)[] = [];
  #loop?: Promise<void>;
  /** one timer for every in-flight message's progress acks (a timer per message costs memory at scale) */
  #heartbeat?: NodeJS.Timeout;
  #stopping = false;
  #bound = false;

  constructor(nc: NatsConnection, opts: ConsumerOptions) {
    this.#nc = nc;
    this.#o = opts;
  }

  get bound(): boolean {
    return this.#bound && !this.#stopping;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Binds the durable consumer and starts pulling. */
  async start(): Promise<void> {
    const js = jetstream(this.#nc);
    const c = await js.consumers.get(this.#o.stream, this.#o.consumer);
    // Pull a little more than we process so the next message is already here when a slot frees.
    this.#messages = await c.consume({ max_messages: Math.max(this.#o.maxInFlight * 2, 10), expires: PULL_EXPIRES_MS });
    this.#bound = true;
    this.#o.metrics.consumerBound.set(1);
    // tell JetStream every message still in hand is being worked on, well before ack_wait runs out
    this.#heartbeat = setInterval(() => {
      for (const m of this.#inFlight.values()) m.working();
    }, Math.max(1000, this.#o.ackWaitMs / 3));
    this.#heartbeat.unref();
    this.#loop = this.run(this.#messages);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      if (this.#stopping) {
        m.nak();
        continue;
      }
      while (this.#busy >= this.#o.maxInFlight && !this.#stopping) await new Promise<void>((r) => this.#slots.push(r));
      if (this.#stopping) {
        m.nak();
        continue;
      }
      this.dispatch(m);
    }
    this.#bound = false;
    this.#o.metrics.consumerBound.set(0);
  }

  private dispatch(m: JsMsg): void {
    const key = m.seq;
    this.#inFlight.set(key, m);
    this.#busy += 1;
    let holding = true;
    const release = () => {
      if (!holding) return;
      holding = false;
      this.#busy -= 1;
      this.#slots.shift()?.();
    };
    this.#o.metrics.inFlight.set(this.#inFlight.size);
    // a redelivery's age includes its nak delay: only first deliveries measure the backlog
    if (m.info.deliveryCount === 1) this.#o.metrics.pickup.observe(Math.max(0, Date.now() - m.info.timestampNanos / 1e6) / 1000);
    this.#o
      .handle(decodeMessage(inbound(m, release, () => this.trySlot()), this.#o.minioSubjects))
      .catch((e: unknown): Decision => {
        this.#o.log.error({ seq: m.seq, err: e }, "handler failed unexpectedly; will retry");
        return { kind: "nak", delayMs: 5000, reason: "handler error" };
      })
      .then((d) => this.settle(m, d))
      .finally(() => {
        this.#inFlight.delete(key);
        this.#o.metrics.inFlight.set(this.#inFlight.size);
        release();
      });
  }

  /** One more slot for a message's further records, only if one is free (never waits). */
  private trySlot(): (() => void) | undefined {
    if (this.#stopping || this.#busy >= this.#o.maxInFlight) return undefined;
    this.#busy += 1;
    let holding = true;
    return () => {
      if (!holding) return;
      holding = false;
      this.#busy -= 1;
      this.#slots.shift()?.();
    };
  }

  /**
   * The only place a Decision becomes a JetStream acknowledgement. Sent at the end of the event-loop
   * turn, with every other ack, mark and report of that turn, in one socket write (lib/turn-batch.ts).
   */
  private settle(m: JsMsg, d: Decision): void {
    turnBatchOf(this.#nc).run(
      () => acknowledge(m, d),
      (err) => this.#o.log.warn({ seq: m.seq, err, decision: d.kind }, "could not acknowledge; JetStream redelivers the message after ack_wait"),
    );
  }

  /**
   * Graceful stop: stop pulling, let in-flight messages finish until the deadline, nak the rest
   * (they are redelivered to another replica or after restart).
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    for (const r of this.#slots.splice(0)) r();
    await this.#messages?.close().catch(() => undefined);
    const deadline = Date.now() + timeoutMs;
    while (this.#inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const m of this.#inFlight.values()) m.nak();
    // the acks of messages that finished are still queued for the end of this turn: send them now
    turnBatchOf(this.#nc).flush();
    await this.#loop?.catch(() => undefined);
    clearInterval(this.#heartbeat);
    this.#bound = false;
    this.#o.metrics.consumerBound.set(0);
  }
}

/** A Decision as JetStream's acknowledgement of `m`. */
function acknowledge(m: JsMsg, d: Decision): void {
  switch (d.kind) {
    case "ack":
      m.ack();
      break;
    case "nak":
      m.nak(d.delayMs);
      break;
    case "term":
      // nats-server 2.9 ignores a term reason; the reason lives in the dead-letter copy.
      m.term();
      break;
  }
}
