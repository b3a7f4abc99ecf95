/**
 * @module status/status-bus — shares what each replica's processor did with every replica, over core
 * NATS (`framegate.status.<stream>`, `statusSubject` of triggers/wire.ts; no stream stores it). Replicas
 * split the messages of one durable consumer between them; without this, `/api/events`, `/api/cameras`
 * and the dashboard would show only the events the answering replica happened to process. A report is
 * parsed with its schema before anyone reads it: a malformed one (another version, a bug, a stray
 * publisher) is dropped, counted and logged, and never reaches the recent-events ring or the camera registry.
 * A replica's own reports go to its subscriber at once and come back marked with its origin, unread (parsing
 * each one back was ~5% of the gateway's CPU per event).
 */
import { randomUUID } from "node:crypto";
import { headers, type MsgHdrs, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { z } from "zod";
import { turnBatchOf } from "../lib/turn-batch.js";
import { HEADERS } from "../triggers/wire.js";

/** At most one warning per this interval for dropped reports; the counter has every one. */
const WARN_EVERY_MS = 10_000;

export interface StatusBusOptions<T> {
  log: Logger;
  /** `statusSubject(stream)` of triggers/wire.ts in `serve` */
  subject: string;
  /** what a report must satisfy; its output is what subscribers get */
  schema: z.ZodType<T>;
  /** called for every dropped report (the metric `framegate_status_reports_dropped_total`) */
  onDropped?: (reason: "json" | "schema") => void;
}

export class StatusBus<T> {
  #sub?: Subscription;
  readonly #enc = new TextEncoder();
  readonly #dec = new TextDecoder();
  #lastWarn = 0;
  #droppedSinceWarn = 0;
  #onReport?: (r: T) => void;
  /** marks this bus's reports, so the copy NATS echoes back is skipped */
  readonly #origin = randomUUID();
  readonly #headers: MsgHdrs;

  constructor(
    private readonly nc: NatsConnection,
    private readonly o: StatusBusOptions<T>,
  ) {
    this.#headers = headers();
    this.#headers.set(HEADERS.statusOrigin, this.#origin);
  }

  /** Delivers every replica's valid reports (this one's included, at once as it publishes them) to `onReport`. */
  subscribe(onReport: (r: T) => void): void {
    this.#onReport = onReport;
    this.#sub = this.nc.subscribe(this.o.subject, {
      callback: (err, msg) => {
        if (err) return void this.o.log.warn({ err, subject: this.o.subject }, "status bus subscription error");
        if (msg.headers?.get(HEADERS.statusOrigin) === this.#origin) return; // delivered when published
        let json: unknown;
        try {
          json = JSON.parse(this.#dec.decode(msg.data));
        } catch (e) {
          return this.#drop("json", e, msg.data.length);
        }
        const r = this.o.schema.safeParse(json);
        if (!r.success) return this.#drop("schema", r.error, msg.data.length);
        onReport(r.data);
      },
    });
  }

  /** Best effort: a report lost during a NATS outage only thins the dashboard, never the processing. */
  publish(report: T): void {
    this.#onReport?.(report);
    const data = this.#enc.encode(JSON.stringify(report));
    // sent with the turn's acks in one socket write (lib/turn-batch.ts)
    turnBatchOf(this.nc).run(
      () => this.nc.publish(this.o.subject, data, { headers: this.#headers }),
      (err) => this.o.log.debug({ err }, "status report not published"),
    );
  }

  close(): void {
    this.#sub?.unsubscribe();
  }

  #drop(reason: "json" | "schema", err: unknown, bytes: number): void {
    this.o.onDropped?.(reason);
    this.#droppedSinceWarn += 1;
    const now = Date.now();
    if (now - this.#lastWarn < WARN_EVERY_MS) return;
    this.o.log.warn(
      { err, reason, bytes, subject: this.o.subject, dropped: this.#droppedSinceWarn },
      "dropping a malformed status report (it does not reach /api/events or the camera registry)",
    );
    this.#lastWarn = now;
    this.#droppedSinceWarn = 0;
  }
}
