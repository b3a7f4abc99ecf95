/**
 * @module storage/notification-sync — the gateway keeps MinIO's bucket notifications in step with the
 * accepted rules (kubernetes mode): after a rule change (debounced) and when it becomes the status
 * writer, the replica holding the Lease brings every trigger bucket's notification in step
 * (bucket-notifications.ts: merge, write only what differs) and reports, per pipeline, a
 * `NotificationsReady` condition: True, or False with the reason and what to fix. While any bucket
 * failed it tries again every `retryMs`. Only one pass runs at a time; a change during a pass runs one more.
 */
import type { Logger } from "pino";
import type { Metrics } from "../lib/metrics.js";
import { BucketNotificationError, syncBucketNotification, type NotificationClient, type WantedNotification } from "./bucket-notifications.js";

/** The condition type written into a Pipeline's status. */
export const NOTIFICATIONS_CONDITION = "NotificationsReady";

/** One pipeline's verdict on its bucket's notification. */
export interface NotificationCondition {
  type: typeof NOTIFICATIONS_CONDITION;
  status: "True" | "False";
  reason: string;
  message: string;
}

export interface NotificationSyncOptions {
  client: NotificationClient;
  /** framegate's NATS target in MinIO (FRAMEGATE_MINIO_NOTIFY_ARN) */
  arn: string;
  /** the fast path's store-less target (FRAMEGATE_MINIO_FAST_ARN): its entries added when `on`, removed when not */
  fast?: { arn: string; on: boolean };
  /** what the active rules need, one entry per trigger bucket */
  wanted(): WantedNotification[];
  /** whether this replica may change MinIO now (it holds the status Lease) */
  isLeader(): boolean;
  /** the conditions of every pipeline in `wanted()`, after each pass */
  onResult(conditions: Map<string, NotificationCondition>): void;
  log: Logger;
  metrics?: Metrics;
  /** wait after a change before a pass, default 1 s (a burst of edits makes one pass) */
  debounceMs?: number;
  /** pause before trying failed buckets again, default 30 s */
  retryMs?: number;
}

export class NotificationSync {
  readonly #o: NotificationSyncOptions;
  readonly #log: Logger;
  #timer?: NodeJS.Timeout;
  #running?: Promise<void>;
  #again = false;
  #stopped = false;

  constructor(o: NotificationSyncOptions) {
    this.#o = o;
    this.#log = o.log.child({ component: "notification-sync" });
  }

  /** A pass after the debounce (a rule change, leadership taken). */
  schedule(delayMs = this.#o.debounceMs ?? 1000): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.run(), delayMs);
    this.#timer.unref();
  }

  /** One pass now (or one more after the running one); resolves when it is done. */
  run(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#pass()
      .catch((err: unknown) => this.#log.error({ err }, "bucket notification pass failed"))
      .finally(() => {
        this.#running = undefined;
        if (this.#again && !this.#stopped) {
          this.#again = false;
          void this.run();
        }
      });
    return this.#running;
  }

  stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    return this.#running ?? Promise.resolve();
  }

  async #pass(): Promise<void> {
    if (this.#stopped || !this.#o.isLeader()) return;
    const conditions = new Map<string, NotificationCondition>();
    let failed = 0;
    for (const want of this.#o.wanted()) {
      let c: NotificationCondition;
      try {
        const outcome = await syncBucketNotification(this.#o.client, want, { arn: this.#o.arn, ...(this.#o.fast && { fast: this.#o.fast }) });
        this.#o.metrics?.bucketNotifications.inc({ outcome });
        if (outcome === "updated") this.#log.info({ bucket: want.bucket, prefix: want.prefix, suffix: want.suffix, events: want.events, pipelines: want.pipelines }, "bucket notification updated");
        c = {
          type: NOTIFICATIONS_CONDITION,
          status: "True",
          reason: "Configured",
          message: `bucket ${want.bucket} sends ${want.events.join(", ")} under prefix "${want.prefix}" and suffix "${want.suffix}" to ${this.#o.arn}${this.#o.fast?.on ? ` and ${this.#o.fast.arn}` : ""}`,
        };
      } catch (err) {
        failed++;
        this.#o.metrics?.bucketNotifications.inc({ outcome: "failed" });
        const e = err instanceof BucketNotificationError ? err : new BucketNotificationError(want.bucket, "MinioError", String(err), { cause: err });
        this.#log.warn({ err, bucket: want.bucket, reason: e.reason, pipelines: want.pipelines }, "bucket notification not in step");
        c = { type: NOTIFICATIONS_CONDITION, status: "False", reason: e.reason, message: e.message };
      }
      for (const p of want.pipelines) conditions.set(p, c);
    }
    if (this.#stopped) return;
    this.#o.onResult(conditions);
    if (failed > 0) this.schedule(this.#o.retryMs ?? 30_000);
  }
}
