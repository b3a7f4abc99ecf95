/**
 * @module cli/intake-wiring — `serve`'s side of the intake: the streams and consumer checked against its
 * settings at start-up, the gauges of their usage and backlog, and the other ways events enter the intake
 * (the reconciliation sweep, on-demand runs over the API).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { Config } from "../config/env.js";
import { runObject, type RunObjectDeps, type RunRequest, type RunResult } from "../flow/run-object.js";
import type { KvStateStore } from "../flow/state-store.js";
import { FramegateError } from "../lib/errors.js";
import type { Metrics } from "../lib/metrics.js";
import type { RuleStore } from "../rules/rule-store.js";
import { Sweeper } from "../sweep/sweeper.js";
import { ConsumerBacklogMonitor } from "../triggers/consumer-backlog.js";
import { formatDiff } from "../triggers/intake-diff.js";
import { historyStreamName, kvStreamName } from "../triggers/jetstream-config.js";
import { verifyIntake } from "../triggers/jetstream-setup.js";
import type { EventPublisher } from "../triggers/stream.js";
import { StreamUsageMonitor } from "../triggers/stream-usage.js";
import { minioLister } from "./cli-config.js";
import type { IntakeSettings } from "./intake-settings.js";

/**
 * Compares the server's streams and consumer with this gateway's settings: logs what differs harmlessly,
 * refuses to start on what breaks a delivery guarantee (with the fix: `framegate setup`).
 */
export async function checkIntake(nc: NatsConnection, intake: IntakeSettings, log: Logger): Promise<void> {
  const diffs = await verifyIntake(nc, intake.names, intake.limits, intake.consumer);
  for (const d of diffs.filter((x) => x.severity === "harmless")) log.warn({ object: d.object, setting: d.setting, actual: d.actual, wanted: d.wanted }, formatDiff(d));
  const breaking = diffs.filter((d) => d.severity === "breaks");
  if (breaking.length) {
    throw new FramegateError(`JetStream is not set up the way this gateway needs:\n${breaking.map((d) => `  ${formatDiff(d)}`).join("\n")}`);
  }
}

/** The usage of every stream framegate keeps and the consumer's backlog, read into the gauges on demand. */
export function intakeMonitors(cfg: Config, nc: NatsConnection, intake: IntakeSettings, metrics: Metrics, log: Logger) {
  const usage = new StreamUsageMonitor(
    nc,
    [
      { stream: intake.names.stream, role: "intake" },
      { stream: historyStreamName(intake.names.stream), role: "history" },
      { stream: intake.names.dlqStream, role: "dead-letters" },
      { stream: kvStreamName(cfg.FRAMEGATE_KV_BUCKET), role: "state" },
      { stream: kvStreamName(cfg.FRAMEGATE_CAMERA_BUCKET), role: "cameras" },
    ],
    metrics,
    log,
  );
  const backlog = new ConsumerBacklogMonitor(nc, cfg.FRAMEGATE_STREAM, cfg.FRAMEGATE_CONSUMER, metrics);
  return { usage, backlog };
}

/** On-demand runs over the API, when the gateway has a MinIO identity to look objects up with (the sweep's). */
export function onDemandRuns(cfg: Config, publisher: EventPublisher, current: RunObjectDeps["rules"]): ((req: RunRequest) => Promise<RunResult>) | undefined {
  const lister = minioLister(cfg);
  if (!lister) return undefined;
  return (req) => runObject({ stat: (b, k) => lister.stat(b, k), publisher, minioSubject: cfg.FRAMEGATE_MINIO_SUBJECT, rules: current, origin: "api" }, req);
}

/** The reconciliation sweep, when it is on and MinIO's endpoint and a listing identity are configured. */
export function startSweeper(
  cfg: Config,
  d: { publisher: EventPublisher; state: KvStateStore; metrics: Metrics; log: Logger; rules: () => ReturnType<RuleStore["current"]> },
): Sweeper | undefined {
  if (!cfg.FRAMEGATE_SWEEP) return undefined;
  const lister = minioLister(cfg);
  if (!lister) {
    d.log.warn(
      "sweep off: FRAMEGATE_MINIO_ENDPOINT, FRAMEGATE_MINIO_ACCESS_KEY and FRAMEGATE_MINIO_SECRET_KEY are needed to list the trigger buckets — objects MinIO fails to notify stay unseen; set them, or FRAMEGATE_SWEEP=false to silence this",
    );
    return undefined;
  }
  const sweeper = new Sweeper(
    { lister, publisher: d.publisher, minioSubject: cfg.FRAMEGATE_MINIO_SUBJECT, rules: d.rules, origin: "gateway" },
    {
      intervalMs: cfg.FRAMEGATE_SWEEP_INTERVAL,
      marginMs: cfg.FRAMEGATE_SWEEP_MARGIN,
      lookbackMs: cfg.FRAMEGATE_SWEEP_LOOKBACK,
      maxPages: cfg.FRAMEGATE_SWEEP_MAX_PAGES,
      pagesPerSecond: cfg.FRAMEGATE_SWEEP_PAGES_PER_SECOND,
      state: d.state,
      metrics: d.metrics,
      log: d.log,
    },
  );
  const longestMs = (cfg.FRAMEGATE_SWEEP_MAX_PAGES / cfg.FRAMEGATE_SWEEP_PAGES_PER_SECOND) * 1000;
  if (longestMs > cfg.FRAMEGATE_SWEEP_INTERVAL) {
    d.log.warn(
      { longestMs, intervalMs: cfg.FRAMEGATE_SWEEP_INTERVAL },
      "a sweep may take longer than FRAMEGATE_SWEEP_INTERVAL (MAX_PAGES / PAGES_PER_SECOND): beyond two intervals another replica may take the lease and sweep at the same time (harmless, wasted) — lower FRAMEGATE_SWEEP_MAX_PAGES or raise the rate",
    );
  }
  sweeper.start();
  d.log.info({ intervalMs: cfg.FRAMEGATE_SWEEP_INTERVAL, maxPages: cfg.FRAMEGATE_SWEEP_MAX_PAGES }, "sweep on: a start-up sweep now, then one per interval on the replica holding the lease");
  return sweeper;
}
