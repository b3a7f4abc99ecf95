/**
 * @module fastpath/fast-path — the fast path of MinIO's events: every trigger bucket's live event stream
 * (ListenBucketNotification, milliseconds after the upload) published into the intake at once, ahead of the
 * copy MinIO's durable NATS target delivers 0-3 s later (its `queue_dir` store is replayed on a fixed 3 s
 * timer). Best effort by design: an event that happens while the stream is down, or that the intake refuses,
 * is simply not published here; the durable copy and the reconciliation sweep stay behind it. Every replica
 * listens (no lease, so no gap at a hand-over): their copies carry one `Nats-Msg-Id` and JetStream keeps one.
 */
import type { Logger } from "pino";
import { backoffMs } from "../lib/backoff.js";
import type { Metrics } from "../lib/metrics.js";
import { notificationFilters, type BucketNotification } from "../rules/notification-filters.js";
import type { RuleSet } from "../rules/types.js";
import type { ListenFilter, ListenOptions } from "../storage/bucket-listen.js";
import { liveMessage, liveRecords } from "../triggers/live-notification.js";
import type { EventPublisher } from "../triggers/stream.js";

/** Opens one live stream and reads it until `signal` aborts (resolves) or it fails (rejects). */
export type Listen = (f: ListenFilter, onLine: (line: string) => void, signal: AbortSignal, o: ListenOptions) => Promise<void>;

export interface FastPathDeps {
  listen: Listen;
  publisher: EventPublisher;
  minioSubject: string;
  rules(): { ruleSet: RuleSet };
  metrics: Metrics;
  log: Logger;
}

export interface FastPathSettings {
  /** publishes waiting for JetStream at most; past it a record is dropped (its durable copy delivers it) */
  maxPending: number;
  /** how often the rules are checked for new or changed trigger buckets (ms) */
  resyncMs?: number;
  pingSeconds?: number;
  /** the longest wait before opening a lost stream again (ms) */
  maxBackoffMs?: number;
}

interface Stream {
  key: string;
  ac: AbortController;
  done: Promise<void>;
}

export class FastPath {
  readonly #streams = new Map<string, Stream>();
  #pending = 0;
  #timer?: NodeJS.Timeout;

  constructor(private readonly d: FastPathDeps, private readonly s: FastPathSettings) {}

  /** Opens a stream per trigger bucket and follows rule changes. */
  start(): void {
    this.sync();
    this.#timer = setInterval(() => this.sync(), this.s.resyncMs ?? 5000);
    this.#timer.unref();
  }

  /** The streams open now, by bucket (for tests and logs). */
  buckets(): string[] {
    return [...this.#streams.keys()];
  }

  /** Closes every stream; resolves once they have ended. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    const all = [...this.#streams];
    this.#streams.clear();
    for (const [, st] of all) st.ac.abort();
    await Promise.all(all.map(([, st]) => st.done));
    for (const [bucket] of all) this.d.metrics.fastPathConnected.remove({ bucket });
  }

  /** One stream per trigger bucket, with MinIO's filter the rules derive (as `framegate setup` sets notifications). */
  sync(): void {
    const wanted = new Map(notificationFilters(this.d.rules().ruleSet.pipelines).map((f) => [f.bucket, f]));
    for (const [bucket, st] of this.#streams) {
      const f = wanted.get(bucket);
      if (!f || filterKey(f) !== st.key) {
        st.ac.abort();
        this.#streams.delete(bucket);
        // a changed filter gets a new stream at once (below), which sets the gauge again
        if (!f) void st.done.then(() => this.d.metrics.fastPathConnected.remove({ bucket }));
      }
    }
    for (const [bucket, f] of wanted) {
      if (this.#streams.has(bucket)) continue;
      const ac = new AbortController();
      this.#streams.set(bucket, { key: filterKey(f), ac, done: this.#run(f, ac.signal) });
    }
  }

  /** Keeps one bucket's stream open until `signal` aborts: reconnects with backoff after every end. */
  async #run(f: BucketNotification, signal: AbortSignal): Promise<void> {
    const filter: ListenFilter = { bucket: f.bucket, prefix: f.prefix || undefined, suffix: f.suffix || undefined, events: f.events };
    const log = this.d.log.child({ bucket: f.bucket });
    const gauge = this.d.metrics.fastPathConnected;
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.d.listen(filter, (line) => this.#line(line, log), signal, {
          pingSeconds: this.s.pingSeconds,
          onOpen: () => {
            gauge.set({ bucket: f.bucket }, 1);
            if (failures > 0) log.info({ failures }, "fast path: live event stream open again");
            failures = 0;
          },
        });
      } catch (err) {
        if (signal.aborted) break;
        gauge.set({ bucket: f.bucket }, 0);
        failures += 1;
        this.d.metrics.fastPathReconnects.inc({ bucket: f.bucket });
        // once per outage at warn; the durable path delivers meanwhile, so repeats are debug
        if (failures === 1) log.warn({ err }, "fast path: live event stream lost, events take MinIO's durable path (0-3 s) until it is back");
        else log.debug({ err, failures }, "fast path: live event stream still down");
        await sleep(backoffMs(failures, 250, this.s.maxBackoffMs ?? 10_000), signal);
      }
    }
  }

  #line(line: string, log: Logger): void {
    let records: unknown[];
    try {
      records = liveRecords(line);
    } catch (err) {
      this.d.metrics.fastPathPublished.inc({ outcome: "bad" });
      log.warn({ err }, "fast path: unreadable line in the live event stream, skipped (the durable copy delivers its events)");
      return;
    }
    for (const rec of records) this.#publish(rec, log);
  }

  #publish(record: unknown, log: Logger): void {
    const out = this.d.metrics.fastPathPublished;
    let m: ReturnType<typeof liveMessage>;
    try {
      m = liveMessage(record);
    } catch (err) {
      out.inc({ outcome: "bad" });
      log.warn({ err }, "fast path: a record that is not an object event, skipped");
      return;
    }
    if (this.#pending >= this.s.maxPending) {
      out.inc({ outcome: "dropped" });
      log.debug({ event: m.eventId, pending: this.#pending }, "fast path: too many publishes waiting, left to the durable path");
      return;
    }
    this.#pending += 1;
    this.d.publisher
      .publish(this.d.minioSubject, m.data, { msgId: m.msgId, headers: m.headers })
      .then(
        (r) => out.inc({ outcome: r.duplicate ? "duplicate" : "stored" }),
        (err: unknown) => {
          out.inc({ outcome: "error" });
          log.debug({ err, event: m.eventId }, "fast path: JetStream did not take the live copy; the durable copy delivers it");
        },
      )
      .finally(() => (this.#pending -= 1));
  }
}

function filterKey(f: BucketNotification): string {
  return JSON.stringify([f.prefix, f.suffix, f.events]);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
