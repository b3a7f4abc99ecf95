/**
 * @module status/status-bus — shares what each replica's processor did with every replica, over core
 * NATS (`framegate.status.<stream>`, `statusSubject` of triggers/wire.ts; no stream stores it). Replicas
 * split the messages of one durable consumer between them; without this, `/api/events`, `/api/cameras`
 * and the dashboard would show only the events the answering replica happened to process.
 */
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";

export class StatusBus<T> {
  #sub?: Subscription;
  readonly #enc = new TextEncoder();
  readonly #dec = new TextDecoder();

  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
    /** `statusSubject(stream)` of triggers/wire.ts in `serve` */
    private readonly subject: string,
  ) {}

  /** Delivers every replica's reports (this one's included) to `onReport`. */
  subscribe(onReport: (r: T) => void): void {
    this.#sub = this.nc.subscribe(this.subject, {
      callback: (err, msg) => {
        if (err) return void this.log.warn({ err }, "status bus subscription error");
        try {
          onReport(JSON.parse(this.#dec.decode(msg.data)) as T);
        } catch (e) {
          this.log.warn({ err: e }, "ignoring a malformed status report");
        }
      },
    });
  }

  /** Best effort: a report lost during a NATS outage only thins the dashboard, never the processing. */
  publish(report: T): void {
    try {
      this.nc.publish(this.subject, this.#enc.encode(JSON.stringify(report)));
    } catch (e) {
      this.log.debug({ err: e }, "status report not published");
    }
  }

  close(): void {
    this.#sub?.unsubscribe();
  }
}
