/**
 * @module sweep/sweeper — the reconciliation sweep: what MinIO failed to notify (its queue dir full, a
 * node lost, an event dropped) is found by listing and published into the intake as MinIO would have
 * sent it. Runs once at start-up (catching up after an outage from the stored checkpoints) and then every
 * interval, on one replica at a time (a lease in the state store). Each sweep is bounded in list requests
 * (pages) and their rate; what it could not reach is continued by the next one.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { Metrics } from "../lib/metrics.js";
import type { StateStore } from "../flow/state-store.js";
import type { Matcher, RuleSet } from "../rules/types.js";
import { notificationFilters } from "../rules/notification-filters.js";
import { parseMinioNotificationText } from "../triggers/minio-event.js";
import type { EventPublisher } from "../triggers/stream.js";
import { sweptMessage, type ListedObject } from "../triggers/swept-object.js";
import { KvLease } from "./lease.js";
import type { ObjectLister } from "./object-lister.js";
import { checkpointKey, sweepTarget, type Checkpoint, type PassResult, type SweepTarget } from "./sweep-pass.js";

/** Settings of a sweep (FRAMEGATE_SWEEP_* in `serve`, flags in `framegate sweep`). */
export interface SweepSettings {
  /** objects modified within this of the sweep's start wait for the next sweep (live notifications first) */
  marginMs: number;
  /** list requests per sweep, all targets together */
  maxPages: number;
  /** list requests per second */
  pagesPerSecond: number;
}

/** What one sweep did, over every target. */
export interface SweepReport {
  targets: number;
  listed: number;
  inWindow: number;
  published: number;
  pages: number;
  /** targets whose pass did not reach the end of the listing (budget spent, error, shutdown) */
  unfinished: number;
  errors: { bucket: string; prefix: string; err: Error }[];
  /** buckets whose listing carried no metadata that a rule there needs (no s3:GetObject): their objects were not published */
  metadataHidden: string[];
}

/** What a sweep needs: the store to list, the intake to publish to, the rules that say what is wanted. */
export interface SweepDeps {
  lister: ObjectLister;
  publisher: EventPublisher;
  minioSubject: string;
  rules(): { ruleSet: RuleSet; matcher: Matcher };
  /** value of the `Framegate-Sweep` header: who swept */
  origin: string;
}

/** The trigger buckets and prefixes of the rules: one per bucket, as MinIO's notifications are set. */
export function sweepTargets(ruleSet: RuleSet): SweepTarget[] {
  return notificationFilters(ruleSet.pipelines).map(({ bucket, prefix, suffix, needsMetadata }) => ({ bucket, prefix, suffix, needsMetadata }));
}

/**
 * Sweeps every target once from its checkpoint (`load`) and stores where it got (`save`), within the
 * settings' page budget and rate. Used by the {@link Sweeper} and by `framegate sweep`.
 */
export async function sweepOnce(
  d: SweepDeps,
  s: SweepSettings,
  cp: { load(t: SweepTarget): Promise<Checkpoint>; save(t: SweepTarget, c: Checkpoint): Promise<void> },
  opts: { now?: number; stopping?(): boolean; onTarget?(t: SweepTarget, r: PassResult): void } = {},
): Promise<SweepReport> {
  const { ruleSet, matcher } = d.rules();
  const targets = sweepTargets(ruleSet);
  const now = opts.now ?? Date.now();
  const budget = { pages: s.maxPages };
  const gapMs = 1000 / s.pagesPerSecond;
  let nextAt = 0;
  const pace = async () => {
    const wait = nextAt - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    nextAt = Date.now() + gapMs;
  };
  const hidden = new Set<string>();
  const needsMetadata = new Set(targets.filter((t) => t.needsMetadata).map((t) => t.bucket));
  // without its metadata an object may match differently, or get another camera and so another Workflow
  // name than MinIO's own notification would: not published, and said loudly
  const wanted = (o: ListedObject) => {
    if (o.metadataHidden && needsMetadata.has(o.bucket)) {
      hidden.add(o.bucket);
      return false;
    }
    return matches(o);
  };
  const matches = (o: ListedObject) => matcher.match(parseMinioNotificationText(new TextDecoder().decode(sweptMessage(o, d.origin).data))[0]!).length > 0;
  const publish = async (o: ListedObject) => {
    const m = sweptMessage(o, d.origin);
    await d.publisher.publish(d.minioSubject, m.data, { msgId: m.msgId, headers: m.headers });
  };
  const report: SweepReport = { targets: targets.length, listed: 0, inWindow: 0, published: 0, pages: 0, unfinished: 0, errors: [], metadataHidden: [] };
  for (const t of targets) {
    if (opts.stopping?.()) break;
    let r: PassResult;
    try {
      r = await sweepTarget(t, await cp.load(t), now, s.marginMs, { lister: d.lister, wanted, publish, pace, budget, stopping: opts.stopping });
      await cp.save(t, r.checkpoint);
    } catch (e) {
      report.errors.push({ bucket: t.bucket, prefix: t.prefix, err: e as Error });
      report.unfinished += 1;
      continue;
    }
    report.listed += r.listed;
    report.inWindow += r.inWindow;
    report.published += r.published;
    report.pages += r.pages;
    if (!r.complete) report.unfinished += 1;
    if (r.error) report.errors.push({ bucket: t.bucket, prefix: t.prefix, err: r.error });
    opts.onTarget?.(t, r);
  }
  report.metadataHidden = [...hidden];
  return report;
}

/** Settings of the periodic {@link Sweeper}. */
export interface SweeperOptions extends SweepSettings {
  intervalMs: number;
  /** how far back a target with no checkpoint yet is swept (first start, new rule) */
  lookbackMs: number;
  state: StateStore;
  metrics: Metrics;
  log: Logger;
  /** default Date.now (tests move time) */
  clock?: () => number;
}

/** The periodic sweep of `serve`: start-up sweep, then one per interval, on the replica holding the lease. */
export class Sweeper {
  readonly #lease: KvLease;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = false;

  constructor(
    private readonly d: SweepDeps,
    private readonly o: SweeperOptions,
  ) {
    // a holder that dies is replaced after two intervals (plus a minute for slow sweeps)
    this.#lease = new KvLease(o.state, "sweep.lease", `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`, 2 * o.intervalMs + 60_000);
  }

  /** Sweeps now (catching up after an outage), then every interval. */
  start(): void {
    const loop = () => {
      this.#running = this.tick().finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#timer = setTimeout(loop, this.o.intervalMs);
      });
    };
    loop();
  }

  /** Ends the sweep in progress at its next page, and hands the lease over. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    await this.#lease.release().catch((err: unknown) => this.o.log.warn({ err }, "sweep: could not release the lease; another replica takes over when it runs out"));
  }

  /** One sweep if this replica holds (or takes) the lease. Never throws. */
  async tick(): Promise<SweepReport | undefined> {
    const { metrics, log, state } = this.o;
    try {
      if (!(await this.#lease.acquire((this.o.clock ?? Date.now)()))) {
        log.debug({ holder: (await this.#lease.current())?.holder }, "sweep: another replica holds the lease");
        return undefined;
      }
    } catch (err) {
      metrics.sweepErrors.inc({ reason: "state" });
      log.warn({ err }, "sweep: the lease could not be read or taken; skipping this sweep");
      return undefined;
    }
    const t0 = (this.o.clock ?? Date.now)();
    const checkpoints = {
      load: async (t: SweepTarget) => (await state.get<Checkpoint>(checkpointKey(t)))?.value ?? { since: t0 - this.o.lookbackMs },
      save: async (t: SweepTarget, c: Checkpoint) => void (await state.put(checkpointKey(t), c)),
    };
    const report = await sweepOnce(this.d, this.o, checkpoints, {
      now: t0,
      stopping: () => this.#stopped,
      onTarget: (t, r) => {
        const target = `${t.bucket}/${t.prefix}`;
        metrics.sweepListed.inc({ bucket: t.bucket }, r.listed);
        metrics.sweepPublished.inc({ bucket: t.bucket }, r.published);
        metrics.sweepBehind.set({ target }, Math.max(0, (t0 - (r.checkpoint.since ?? t0)) / 1000));
        void this.#lease.acquire().catch(() => undefined); // renew between targets: a long sweep keeps it
      },
    });
    const seconds = Math.max(0, (this.o.clock ?? Date.now)() - t0) / 1000;
    metrics.sweepDuration.observe(seconds);
    for (const e of report.errors) {
      metrics.sweepErrors.inc({ reason: e.err.name === "ObjectStoreError" ? "list" : e.err.name === "StreamUnavailableError" ? "publish" : "state" });
      log.warn({ err: e.err, bucket: e.bucket, prefix: e.prefix }, "sweep: a target failed; the next sweep continues where it stopped");
    }
    if (report.metadataHidden.length) {
      metrics.sweepErrors.inc({ reason: "metadata-hidden" });
      log.warn(
        { buckets: report.metadataHidden },
        "sweep: the listing carried no object metadata, which rules on these buckets need (where.metadata, where.contentType, or the camera from metadata): the objects found were not published — give the identity in FRAMEGATE_MINIO_ACCESS_KEY s3:GetObject there (framegate setup does for framegate-gateway)",
      );
    }
    if (report.errors.length === 0) metrics.sweepLastSuccess.set(Date.now() / 1000);
    const { errors, ...counts } = report;
    log.info({ ...counts, errors: errors.length, seconds }, report.published ? "sweep: published objects the intake may not have seen" : "sweep done");
    return report;
  }
}
